#include "cwmp/messages.h"

#include <type_traits>

namespace ruru::cwmp {

std::string_view RpcName(const Body& body) {
  return std::visit([](const auto& b) { return RpcNameOf<std::decay_t<decltype(b)>>::value; }, body);
}

}  // namespace ruru::cwmp

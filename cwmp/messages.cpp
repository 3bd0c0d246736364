#include "cwmp/messages.h"

#include <type_traits>

namespace ruru::cwmp {

std::string_view RpcName(const Body& body) {
  return std::visit(
      [](const auto& b) -> std::string_view {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Empty>) return "";
        else if constexpr (std::is_same_v<T, Inform>) return "Inform";
        else if constexpr (std::is_same_v<T, InformResponse>) return "InformResponse";
        else if constexpr (std::is_same_v<T, TransferComplete>) return "TransferComplete";
        else if constexpr (std::is_same_v<T, TransferCompleteResponse>) return "TransferCompleteResponse";
        else if constexpr (std::is_same_v<T, GetRPCMethods>) return "GetRPCMethods";
        else if constexpr (std::is_same_v<T, GetRPCMethodsResponse>) return "GetRPCMethodsResponse";
        else if constexpr (std::is_same_v<T, GetParameterNames>) return "GetParameterNames";
        else if constexpr (std::is_same_v<T, GetParameterNamesResponse>) return "GetParameterNamesResponse";
        else if constexpr (std::is_same_v<T, GetParameterValues>) return "GetParameterValues";
        else if constexpr (std::is_same_v<T, GetParameterValuesResponse>) return "GetParameterValuesResponse";
        else if constexpr (std::is_same_v<T, SetParameterValues>) return "SetParameterValues";
        else if constexpr (std::is_same_v<T, SetParameterValuesResponse>) return "SetParameterValuesResponse";
        else if constexpr (std::is_same_v<T, Fault>) return "Fault";
        else static_assert(sizeof(T) == 0, "RpcName: add the new message type");
      },
      body);
}

}  // namespace ruru::cwmp

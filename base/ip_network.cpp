#include "base/ip_network.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "base/strings.h"

namespace ruru {
namespace {

bool PrefixMatches(const std::array<uint8_t, 16>& net, const std::array<uint8_t, 16>& addr, int prefix) {
  const int full = prefix / 8;
  if (std::memcmp(net.data(), addr.data(), static_cast<size_t>(full)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (net[full] & mask) == (addr[full] & mask);
}

void ClearHostBits(std::array<uint8_t, 16>& bytes, int prefix) {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    bytes[i] &= static_cast<uint8_t>(0xff << (8 - keep));
  }
}

bool Matches(const IpAddress& a, const std::vector<IpNetwork>& networks) {
  for (const IpNetwork& n : networks) {
    if (n.v6 == a.v6 && PrefixMatches(n.addr, a.bytes, n.prefix)) return true;
  }
  return false;
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress a;
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    std::memcpy(a.bytes.data(), &v4, 4);
    return a;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    a.mapped = true;
    std::memcpy(a.raw6.data(), &v6, 16);
    std::memcpy(a.bytes.data(), reinterpret_cast<const uint8_t*>(&v6) + 12, 4);
    return a;
  }
  a.v6 = true;
  std::memcpy(a.bytes.data(), &v6, 16);
  return a;
}

Result<std::vector<IpNetwork>> ParseNetworks(std::string_view text) {
  std::vector<IpNetwork> out;
  if (Trim(text).empty()) return out;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string_view item = Trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    const auto bad = [&](std::string_view why) {
      return InvalidArgument("network '" + Printable(item, 64) + "': " + std::string(why));
    };
    if (item.empty()) return InvalidArgument("empty item in the network list");
    const size_t slash = item.find('/');
    const std::optional<IpAddress> a = ParseIpAddress(Trim(item.substr(0, slash)));
    if (!a) return bad("not an IPv4 or IPv6 address");
    const int bits = a->v6 || a->mapped ? 128 : 32;
    int prefix = bits;
    if (slash != std::string_view::npos) {
      const std::string_view p = Trim(item.substr(slash + 1));
      if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string_view::npos) {
        return bad("bad prefix length");
      }
      prefix = std::stoi(std::string(p));
      if (prefix > bits) return bad("prefix length above " + std::to_string(bits));
    }
    IpNetwork n;
    if (a->mapped && prefix < 96) {
      // Wider than ::ffff:0:0/96: an IPv6 network that happens to contain the mapped range.
      n.v6 = true;
      n.addr = a->raw6;
    } else {
      n.v6 = a->v6;
      n.addr = a->bytes;
      if (a->mapped) prefix -= 96;
    }
    n.prefix = prefix;
    ClearHostBits(n.addr, n.prefix);
    out.push_back(n);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool InNetworks(std::string_view ip, const std::vector<IpNetwork>& networks) {
  const std::optional<IpAddress> a = ParseIpAddress(ip);
  return a && Matches(*a, networks);
}

}  // namespace ruru

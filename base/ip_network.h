// IPv4/IPv6 addresses and networks as configuration values ("10.0.0.0/8, ::1/128") and the test
// "is this address in one of these networks". Pure (inet_pton only), thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ruru {

// An IPv4 or IPv6 network, "10.0.0.0/8", "::1/128"; a bare address is a /32 or /128.
struct IpNetwork {
  bool v6 = false;
  std::array<uint8_t, 16> addr{};  // v4 in the first 4 bytes
  int prefix = 0;
};

// An address as 16 bytes; v4 (and v4-mapped v6, which connects to the v4 address) in the first 4.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  bool mapped = false;             // written as ::ffff:a.b.c.d
  std::array<uint8_t, 16> raw6{};  // the v6 bytes as written, when mapped
};
// nullopt for text that is not an IPv4 or IPv6 literal (no zone index, no brackets).
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// Comma-separated CIDR list (spaces ignored, "" = empty list). kInvalidArgument names the bad item
// (an empty item, a prefix out of range, anything that is not an address). Host bits below the
// prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8). A v4-mapped IPv6 network of prefix >= 96
// ("::ffff:10.0.0.0/104") is stored as the IPv4 network it denotes, so it matches like InNetworks.
Result<std::vector<IpNetwork>> ParseNetworks(std::string_view text);
// Whether the textual address `ip` (v4, v6, or v4-mapped v6 "::ffff:1.2.3.4", which counts as v4)
// lies in any of `networks`. False for text that is not an address.
bool InNetworks(std::string_view ip, const std::vector<IpNetwork>& networks);

}  // namespace ruru

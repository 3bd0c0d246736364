// Pure mapping from a decoded Inform to the inventory write, and the facts acsd needs from it.
// No state, no I/O, thread-safe; the results copy what they need from the Inform.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cwmp/messages.h"
#include "db/inventory.h"

namespace ruru::acs::endpoint {

// "Device" or "InternetGatewayDevice": the root of the Inform's parameter paths (the data model);
// nullopt when no parameter names a known root.
std::optional<std::string> DataModelRoot(const cwmp::Inform& inform);

// The inventory write for `inform` received from `peer_ip` at `now`. Summary fields (software
// version, connection-request URL, WAN IP, ...) come from the well-known parameters of TR-181
// (Device.) and TR-098 (InternetGatewayDevice.); values that are not valid for their field (a WAN
// "IP" that is no IP address, an interval that is no number) are left out, not stored.
db::InformWrite MapInform(const cwmp::Inform& inform, std::string peer_ip, db::TimePoint now);

bool HasEvent(const cwmp::Inform& inform, std::string_view code);  // e.g. "0 BOOTSTRAP"

// "oui-productclass-serial", for logs.
std::string DeviceLabel(const cwmp::DeviceId& id);
db::DeviceKey KeyOf(const cwmp::DeviceId& id);

// An IPv4-mapped IPv6 address ("::ffff:10.1.2.3") as plain IPv4; others unchanged.
std::string NormalizePeerAddress(std::string address);
// True for a textual IPv4 or IPv6 address.
bool IsIpAddress(std::string_view text);

}  // namespace ruru::acs::endpoint

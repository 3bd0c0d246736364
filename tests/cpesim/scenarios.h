// What the simulator's scenarios do to a device, as pure functions: the "infected" profile's
// changes to the data model, the hijack, and the wire quirks of real CPEs applied to an encoded
// envelope. Kept apart from the engine (fleet.h) so that they are unit-tested without sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tests/cpesim/device.h"

namespace ruru::cpesim {

// The parameters the scenarios touch, for a model's root ("Device." or "InternetGatewayDevice.").
// Concrete paths (first WAN connection, first LAN device).
struct ScenarioPaths {
  std::vector<std::string> dns_servers;  // WAN-side DNS servers the CPE uses and hands out
  std::string dns_relay_wan_access;      // X_RURU_DNSRelayWANAccess: relay answers on the WAN side
  std::string remote_access_enable;      // UserInterface.RemoteAccess.Enable
  std::string port_mapping_table;        // "...PortMapping." (AddObject target)
  // Fields of one port mapping instance, relative to "<table><n>.".
  std::string pm_enable, pm_external_port, pm_internal_port, pm_internal_client, pm_protocol, pm_description;
  std::string management_url;            // ManagementServer.URL
  std::string acs_username, acs_password;
  std::string connreq_username, connreq_password, connreq_enable;
  std::string periodic_enable, periodic_interval, periodic_time;
  std::string retry_min_wait, retry_multiplier;
  std::string parameter_key;
};
const ScenarioPaths& PathsFor(std::string_view root);

// The "infected" profile (the 2014 story): DNS servers point at `rogue_dns`, the DNS relay answers
// on the WAN side, remote administration is on and `port_mappings` UPnP-style port mappings
// forward WAN ports to a LAN host. Changes go through Device::Set, so parameters with a
// notification attribute produce value changes like on a real device. Returns the first failure
// (a model without the parameters is an error: the scenario would silently do nothing).
Status ApplyInfection(Device& device, std::string_view rogue_dns, int port_mappings, uint64_t random);

// Wire quirks of real CPEs, applied to an encoded SOAP envelope.
struct Quirks {
  bool no_xml_declaration = false;  // drop "<?xml ...?>"
  bool schema_1999 = false;         // xsd/xsi namespaces of the 1999 draft
  bool array_type_mismatch = false; // every soapenc:arrayType declares 2 more items than sent
  bool any() const { return no_xml_declaration || schema_1999 || array_type_mismatch; }
};
std::string ApplyQuirks(std::string xml, const Quirks& quirks);

}  // namespace ruru::cpesim

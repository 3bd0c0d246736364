#include "tests/cpesim/scenarios.h"

#include <charconv>
#include <string>

#include "cwmp/messages.h"

namespace ruru::cpesim {
namespace {

ScenarioPaths MakeTr181() {
  ScenarioPaths p;
  p.dns_servers = {"Device.DNS.Client.Server.1.DNSServer", "Device.DNS.Client.Server.2.DNSServer",
                   "Device.DNS.Relay.Forwarding.1.DNSServer"};
  p.dns_relay_wan_access = "Device.DNS.Relay.X_RURU_DNSRelayWANAccess";
  p.remote_access_enable = "Device.UserInterface.RemoteAccess.Enable";
  p.port_mapping_table = "Device.NAT.PortMapping.";
  p.pm_enable = "Enable";
  p.pm_external_port = "ExternalPort";
  p.pm_internal_port = "InternalPort";
  p.pm_internal_client = "InternalClient";
  p.pm_protocol = "Protocol";
  p.pm_description = "Description";
  return p;
}

ScenarioPaths MakeTr098() {
  ScenarioPaths p;
  const std::string wan = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.";
  p.dns_servers = {wan + "DNSServers", "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.DNSServers"};
  p.dns_relay_wan_access = "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.X_RURU_DNSRelayWANAccess";
  p.remote_access_enable = "InternetGatewayDevice.UserInterface.RemoteAccess.Enable";
  p.port_mapping_table = wan + "PortMapping.";
  p.pm_enable = "PortMappingEnabled";
  p.pm_external_port = "ExternalPort";
  p.pm_internal_port = "InternalPort";
  p.pm_internal_client = "InternalClient";
  p.pm_protocol = "PortMappingProtocol";
  p.pm_description = "PortMappingDescription";
  return p;
}

void FillManagementServer(const std::string& root, ScenarioPaths& p) {
  const std::string ms = root + "ManagementServer.";
  p.management_url = ms + "URL";
  p.acs_username = ms + "Username";
  p.acs_password = ms + "Password";
  p.connreq_username = ms + "ConnectionRequestUsername";
  p.connreq_password = ms + "ConnectionRequestPassword";
  p.connreq_enable = ms + "HTTPConnectionRequestEnable";
  p.periodic_enable = ms + "PeriodicInformEnable";
  p.periodic_interval = ms + "PeriodicInformInterval";
  p.periodic_time = ms + "PeriodicInformTime";
  p.retry_min_wait = ms + "CWMPRetryMinimumWaitInterval";
  p.retry_multiplier = ms + "CWMPRetryIntervalMultiplier";
  p.parameter_key = ms + "ParameterKey";
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

const ScenarioPaths& PathsFor(std::string_view root) {
  static const ScenarioPaths tr181 = [] {
    ScenarioPaths p = MakeTr181();
    FillManagementServer("Device.", p);
    return p;
  }();
  static const ScenarioPaths tr098 = [] {
    ScenarioPaths p = MakeTr098();
    FillManagementServer("InternetGatewayDevice.", p);
    return p;
  }();
  return root == "Device." ? tr181 : tr098;
}

Status ApplyInfection(Device& device, std::string_view rogue_dns, int port_mappings, uint64_t random) {
  const ScenarioPaths& p = PathsFor(device.model().root());
  for (const std::string& path : p.dns_servers) {
    if (Status s = device.Set(path, rogue_dns); !s.ok()) return s;
  }
  if (Status s = device.Set(p.dns_relay_wan_access, "true"); !s.ok()) return s;
  if (Status s = device.Set(p.remote_access_enable, "true"); !s.ok()) return s;
  for (int i = 0; i < port_mappings; ++i) {
    cwmp::Body answer = device.Handle(cwmp::AddObject{p.port_mapping_table, ""});
    const auto* added = std::get_if<cwmp::AddObjectResponse>(&answer);
    if (!added) return Error{ErrorCode::kInternal, "AddObject " + p.port_mapping_table + " failed"};
    const std::string base = p.port_mapping_table + std::to_string(added->instance_number) + ".";
    const uint32_t port = 20000 + static_cast<uint32_t>((random >> (i * 8)) % 40000);
    const std::string client = "192.168.1." + std::to_string(100 + (random >> 40) % 100);
    for (const auto& [field, value] :
         {std::pair{p.pm_external_port, std::to_string(port)}, std::pair{p.pm_internal_port, std::string("23")},
          std::pair{p.pm_internal_client, client}, std::pair{p.pm_protocol, std::string("TCP")},
          std::pair{p.pm_description, std::string("upnp ") + std::to_string(port)},
          std::pair{p.pm_enable, std::string("true")}}) {
      if (Status s = device.Set(base + field, value); !s.ok()) return s;
    }
  }
  return {};
}

std::string ApplyQuirks(std::string xml, const Quirks& quirks) {
  if (quirks.no_xml_declaration && xml.starts_with("<?xml")) {
    size_t end = xml.find("?>");
    if (end != std::string::npos) {
      end += 2;
      while (end < xml.size() && (xml[end] == '\n' || xml[end] == '\r')) ++end;
      xml.erase(0, end);
    }
  }
  if (quirks.schema_1999) {
    ReplaceAll(xml, "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/1999/XMLSchema-instance");
    ReplaceAll(xml, "http://www.w3.org/2001/XMLSchema\"", "http://www.w3.org/1999/XMLSchema\"");
  }
  if (quirks.array_type_mismatch) {
    static constexpr std::string_view kAttr = "arrayType=\"";
    for (size_t pos = 0; (pos = xml.find(kAttr, pos)) != std::string::npos;) {
      const size_t open = xml.find('[', pos);
      const size_t close = open == std::string::npos ? std::string::npos : xml.find(']', open);
      const size_t quote = xml.find('"', pos + kAttr.size());
      if (close == std::string::npos || quote == std::string::npos || close > quote) break;
      uint32_t n = 0;
      const auto [ptr, ec] = std::from_chars(xml.data() + open + 1, xml.data() + close, n);
      if (ec != std::errc() || ptr != xml.data() + close) break;
      const std::string bigger = std::to_string(n + 2);
      xml.replace(open + 1, close - open - 1, bigger);
      pos = open + 1 + bigger.size();
    }
  }
  return xml;
}

}  // namespace ruru::cpesim

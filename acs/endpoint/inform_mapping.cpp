#include "acs/endpoint/inform_mapping.h"

#include <arpa/inet.h>

#include <cctype>

namespace ruru::acs::endpoint {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Device.IP.Interface.<n>.IPv4Address.<n>.IPAddress (TR-181) or
// InternetGatewayDevice.WANDevice.<n>.WANConnectionDevice.<n>.WAN{IP,PPP}Connection.<n>.ExternalIPAddress.
bool IsWanAddressPath(std::string_view p) {
  if (p.rfind("Device.IP.Interface.", 0) == 0) return p.find(".IPv4Address.") != std::string_view::npos &&
                                                        EndsWith(p, ".IPAddress");
  if (p.rfind("InternetGatewayDevice.WANDevice.", 0) == 0) return EndsWith(p, ".ExternalIPAddress");
  return false;
}

}  // namespace

bool IsIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return false;
  const std::string s(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string NormalizePeerAddress(std::string address) {
  if (address.rfind("::ffff:", 0) == 0 && address.find('.') != std::string::npos) return address.substr(7);
  return address;
}

std::optional<std::string> DataModelRoot(const cwmp::Inform& inform) {
  for (const auto& p : inform.parameters) {
    if (p.name.rfind("Device.", 0) == 0) return std::string("Device");
    if (p.name.rfind("InternetGatewayDevice.", 0) == 0) return std::string("InternetGatewayDevice");
  }
  return std::nullopt;
}

bool HasEvent(const cwmp::Inform& inform, std::string_view code) {
  for (const auto& e : inform.events) {
    if (e.code.text == code) return true;
  }
  return false;
}

std::string DeviceLabel(const cwmp::DeviceId& id) { return id.oui + "-" + id.product_class + "-" + id.serial_number; }

db::DeviceKey KeyOf(const cwmp::DeviceId& id) { return {id.oui, id.product_class, id.serial_number}; }

db::InformWrite MapInform(const cwmp::Inform& inform, std::string peer_ip, db::TimePoint now) {
  db::InformWrite w;
  w.key = KeyOf(inform.device_id);
  w.manufacturer = inform.device_id.manufacturer;
  w.peer_ip = NormalizePeerAddress(std::move(peer_ip));
  w.received_at = now;
  w.data_model = DataModelRoot(inform);
  for (const auto& e : inform.events) w.events.push_back({e.code.text, e.command_key});
  for (const auto& p : inform.parameters) {
    w.parameters.push_back({p.name, p.value.text, std::string(cwmp::ValueTypeName(p.value.type)), std::nullopt});
    const std::string_view n = p.name;
    const size_t dot = n.find('.');
    if (dot == std::string_view::npos) continue;
    const std::string_view rel = n.substr(dot + 1);  // path below the root
    const std::string& v = p.value.text;
    if (rel == "DeviceInfo.HardwareVersion") {
      w.hardware_version = v;
    } else if (rel == "DeviceInfo.SoftwareVersion") {
      w.software_version = v;
    } else if (rel == "DeviceInfo.ProvisioningCode") {
      w.provisioning_code = v;
    } else if (rel == "DeviceInfo.ModelName") {
      w.model_name = v;
    } else if (rel == "ManagementServer.ConnectionRequestURL") {
      w.connection_request_url = v;
    } else if (rel == "ManagementServer.ParameterKey") {
      w.parameter_key = v;
    } else if (rel == "ManagementServer.PeriodicInformInterval") {
      if (auto u = p.value.AsUint64(); u.ok() && *u <= UINT32_MAX) w.periodic_inform_interval = static_cast<uint32_t>(*u);
    } else if (!w.wan_ip && IsWanAddressPath(n) && IsIpAddress(v) && v != "0.0.0.0") {
      w.wan_ip = v;
    }
  }
  return w;
}

}  // namespace ruru::acs::endpoint

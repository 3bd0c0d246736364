#include "db/inventory_limits.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace ruru::db {

bool IsStorableText(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c == 0) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    size_t length = 0;
    uint32_t code = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;  // continuation byte first, 0xC0/0xC1 (overlong), or > U+10FFFF
    }
    if (static_cast<size_t>(end - p) < length) return false;
    for (size_t i = 1; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      code = (code << 6) | (p[i] & 0x3F);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10FFFF))) return false;
    if (code >= 0xD800 && code <= 0xDFFF) return false;
    p += length;
  }
  return true;
}

Status CheckText(std::string_view field, std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return InvalidArgument(fmt::format("{}: {} bytes, more than the limit of {}", field, text.size(), max_bytes));
  }
  if (!IsStorableText(text)) return InvalidArgument(fmt::format("{}: not valid UTF-8 or contains a NUL byte", field));
  return Status::Ok();
}

namespace {

Status CheckOptional(std::string_view field, const std::optional<std::string>& text, size_t max_bytes) {
  return text ? CheckText(field, *text, max_bytes) : Status::Ok();
}

}  // namespace

Status ValidateInformWrite(const InformWrite& write, const InventoryLimits& limits) {
  if (write.key.oui.empty()) return InvalidArgument("DeviceId.OUI: empty");
  if (write.key.serial_number.empty()) return InvalidArgument("DeviceId.SerialNumber: empty");
  const size_t text = limits.max_text_bytes;
  for (const Status& s : {
           CheckText("DeviceId.OUI", write.key.oui, limits.max_key_bytes),
           CheckText("DeviceId.ProductClass", write.key.product_class, limits.max_key_bytes),
           CheckText("DeviceId.SerialNumber", write.key.serial_number, limits.max_key_bytes),
           CheckText("DeviceId.Manufacturer", write.manufacturer, text),
           CheckOptional("ModelName", write.model_name, text),
           CheckOptional("HardwareVersion", write.hardware_version, text),
           CheckOptional("SoftwareVersion", write.software_version, text),
           CheckOptional("ProvisioningCode", write.provisioning_code, text),
           CheckOptional("data model", write.data_model, text),
           CheckOptional("ConnectionRequestURL", write.connection_request_url, limits.max_url_bytes),
           CheckOptional("WAN IP", write.wan_ip, text),
           CheckOptional("ParameterKey", write.parameter_key, text),
           CheckText("peer IP", write.peer_ip, text),
       }) {
    if (!s.ok()) return s;
  }
  if (write.events.size() > limits.max_events) {
    return InvalidArgument(fmt::format("{} events, more than the limit of {}", write.events.size(), limits.max_events));
  }
  for (const EventRecord& e : write.events) {
    if (e.code.empty()) return InvalidArgument("event code: empty");
    if (Status s = CheckText("event code", e.code, limits.max_event_code_bytes); !s.ok()) return s;
    if (Status s = CheckText("event CommandKey", e.command_key, limits.max_command_key_bytes); !s.ok()) return s;
  }
  if (write.parameters.size() > limits.max_parameters) {
    return InvalidArgument(
        fmt::format("{} parameters, more than the limit of {}", write.parameters.size(), limits.max_parameters));
  }
  for (const ParameterRecord& p : write.parameters) {
    if (p.path.empty()) return InvalidArgument("parameter path: empty");
    if (Status s = CheckText("parameter path", p.path, limits.max_path_bytes); !s.ok()) return s;
    if (Status s = CheckText("value of " + p.path, p.value, limits.max_value_bytes); !s.ok()) return s;
    if (Status s = CheckText("type of " + p.path, p.type, limits.max_type_bytes); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace ruru::db

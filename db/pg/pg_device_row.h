// Internal to db/pg: the devices row as DeviceStore and DeviceAdmin read it (the same columns in the
// same order), and the field conversions every store uses.
#pragma once

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "base/hex.h"
#include "db/inventory.h"
#include "db/pg/pg_connection.h"

namespace ruru::db::pg {

// The columns ReadDevice reads, from `devices d`.
#define RURU_DEVICE_COLUMNS \
  "d.id, d.oui, d.product_class, d.serial_number, d.manufacturer, d.model_name, d.hardware_version, "            \
  "d.software_version, d.provisioning_code, d.data_model, d.connection_request_url, d.wan_ip, d.peer_ip, "       \
  "d.parameter_key, d.periodic_inform_interval, d.tags, d.subscriber_ref, d.subscriber_phone, d.time_zone, " \
  RURU_PG_US("d.registered_at") ", " RURU_PG_US("d.last_inform") ", " RURU_PG_US("d.last_boot") ", "            \
  RURU_PG_US("d.last_bootstrap") ", " RURU_PG_US("d.duplicate_suspect_at") ", d.inform_count, "               \
  "d.cwmp_username, d.cwmp_ha1_md5, d.cwmp_ha1_sha256, "                                                          \
  "d.pending_cwmp_username, d.pending_cwmp_ha1_md5, d.pending_cwmp_ha1_sha256, "                                  \
  "d.cr_username, encode(d.cr_password_ciphertext, 'hex'), d.cr_key_id, "                                         \
  "d.pending_cr_username, encode(d.pending_cr_password_ciphertext, 'hex'), d.pending_cr_key_id"

inline std::string Text(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }
inline std::optional<TimePoint> Time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<int64_t>());
}

inline std::string HexToBytes(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

using ruru::BytesToHex;

inline std::vector<std::string> ParseTextArray(const pqxx::field& f) {
  std::vector<std::string> out;
  if (f.is_null()) return out;
  pqxx::array_parser parser = f.as_array();
  for (auto [kind, value] = parser.get_next(); kind != pqxx::array_parser::done;
       std::tie(kind, value) = parser.get_next()) {
    if (kind == pqxx::array_parser::string_value) out.push_back(value);
  }
  return out;
}

inline std::optional<CredentialVerifier> Verifier(const pqxx::row& r, int first) {
  if (r[first].is_null()) return std::nullopt;
  return CredentialVerifier{Text(r[first]), Text(r[first + 1]), Text(r[first + 2])};
}

inline std::optional<ConnectionRequestSecret> Secret(const pqxx::row& r, int first) {
  if (r[first].is_null()) return std::nullopt;
  return ConnectionRequestSecret{Text(r[first]), HexToBytes(Text(r[first + 1])), Text(r[first + 2])};
}

inline Device ReadDevice(const pqxx::row& r) {
  Device d;
  d.id = r[0].as<int64_t>();
  d.key = DeviceKey{Text(r[1]), Text(r[2]), Text(r[3])};
  d.manufacturer = Text(r[4]);
  d.model_name = Text(r[5]);
  d.hardware_version = Text(r[6]);
  d.software_version = Text(r[7]);
  d.provisioning_code = Text(r[8]);
  d.data_model = Text(r[9]);
  d.connection_request_url = Text(r[10]);
  d.wan_ip = Text(r[11]);
  d.peer_ip = Text(r[12]);
  d.parameter_key = Text(r[13]);
  if (!r[14].is_null()) d.periodic_inform_interval = r[14].as<uint32_t>();
  d.tags = ParseTextArray(r[15]);
  d.subscriber_ref = Text(r[16]);
  d.subscriber_phone = Text(r[17]);
  d.time_zone = Text(r[18]);
  d.registered_at = Time(r[19]);
  d.last_inform = Time(r[20]);
  d.last_boot = Time(r[21]);
  d.last_bootstrap = Time(r[22]);
  d.duplicate_suspect_at = Time(r[23]);
  d.inform_count = r[24].as<uint64_t>();
  d.active_credential = Verifier(r, 25);
  d.pending_credential = Verifier(r, 28);
  d.connection_request = Secret(r, 31);
  d.pending_connection_request = Secret(r, 34);
  return d;
}

}  // namespace ruru::db::pg

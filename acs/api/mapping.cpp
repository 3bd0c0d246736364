#include "acs/api/mapping.h"

#include "acs/api/values.h"
#include "acs/tasks/task_secrets.h"

namespace ruru::acs::api {
namespace {

Json TextOrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json TimeOrNull(const std::optional<db::TimePoint>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }

// Stored JSON text (args, results, fault details) as a JSON value; null when empty. Text the
// store holds is JSON by construction; anything else is shown as a string rather than lost.
Json StoredJson(const std::string& text) {
  if (text.empty()) return nullptr;
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Json(text);
  return parsed;
}


}  // namespace

bool IsOnline(const db::Device& device, db::TimePoint now, std::chrono::seconds grace) {
  if (!device.last_inform) return false;
  const std::chrono::seconds interval(
      device.periodic_inform_interval && *device.periodic_inform_interval > 0 ? *device.periodic_inform_interval
                                                                               : 86400);
  return now - *device.last_inform <= 2 * interval + grace;
}

Json DeviceJson(const db::Device& d, db::TimePoint now, std::chrono::seconds online_grace) {
  Json j = Json::object();
  j["id"] = d.id;
  j["oui"] = TextOrNull(d.key.oui);
  j["product_class"] = TextOrNull(d.key.product_class);
  j["serial_number"] = TextOrNull(d.key.serial_number);
  j["manufacturer"] = TextOrNull(d.manufacturer);
  j["model_name"] = TextOrNull(d.model_name);
  j["hardware_version"] = TextOrNull(d.hardware_version);
  j["software_version"] = TextOrNull(d.software_version);
  j["provisioning_code"] = TextOrNull(d.provisioning_code);
  j["data_model"] = TextOrNull(d.data_model);
  j["wan_ip"] = TextOrNull(d.wan_ip);
  j["peer_ip"] = TextOrNull(d.peer_ip);
  j["connection_request_url"] = TextOrNull(d.connection_request_url);
  j["periodic_inform_interval"] =
      d.periodic_inform_interval ? Json(*d.periodic_inform_interval) : Json(nullptr);
  j["parameter_key"] = TextOrNull(d.parameter_key);
  j["registered_at"] = TimeOrNull(d.registered_at);
  j["last_inform"] = TimeOrNull(d.last_inform);
  j["last_boot"] = TimeOrNull(d.last_boot);
  j["last_bootstrap"] = TimeOrNull(d.last_bootstrap);
  j["online"] = IsOnline(d, now, online_grace);
  j["inform_count"] = d.inform_count;
  j["tags"] = d.tags;
  j["subscriber_ref"] = TextOrNull(d.subscriber_ref);
  j["subscriber_phone"] = TextOrNull(d.subscriber_phone);
  j["time_zone"] = TextOrNull(d.time_zone);
  j["duplicate_suspect_at"] = TimeOrNull(d.duplicate_suspect_at);
  j["credentials"] = {{"own", d.active_credential.has_value()}, {"pending", d.pending_credential.has_value()}};
  return j;
}

Json EventJson(const db::StoredEvent& e) {
  return {{"code", e.event.code}, {"command_key", TextOrNull(e.event.command_key)}, {"at", FormatTime(e.received_at)}};
}

Json ParameterJson(const db::ParameterRecord& p) {
  return {{"name", p.path},
          {"value", p.value},
          {"type", TextOrNull(p.type)},
          {"writable", p.writable ? Json(*p.writable) : Json(nullptr)}};
}

Json IpIntervalJson(const db::IpInterval& i) {
  return {{"ip", i.ip}, {"kind", i.kind}, {"first_seen", FormatTime(i.first_seen)}, {"last_seen", FormatTime(i.last_seen)}};
}

Json TaskJson(const db::Task& t) {
  Json j = Json::object();
  j["id"] = t.id;
  j["device_id"] = t.device_id;
  j["type"] = t.type;
  Json args = StoredJson(t.args_json);
  if (args.is_null()) args = Json::object();
  RedactPasswords(args);
  j["args"] = std::move(args);
  j["state"] = db::ToString(t.state);
  j["phase"] = t.state == db::TaskState::kRunning && t.phase != db::TaskPhase::kNone ? Json(db::ToString(t.phase))
                                                                                     : Json(nullptr);
  j["reconcile_key"] = TextOrNull(t.reconcile_key);
  j["hold_requests"] = t.hold_requests;
  j["attempts"] = t.attempts;
  j["max_attempts"] = t.max_attempts;
  j["created_at"] = FormatTime(t.created_at);
  j["updated_at"] = FormatTime(t.updated_at);
  j["not_before"] = TimeOrNull(t.not_before);
  j["expires_at"] = FormatTime(t.expires_at);
  j["sent_at"] = TimeOrNull(t.sent_at);
  j["finished_at"] = TimeOrNull(t.finished_at);
  Json result = StoredJson(t.result_json);
  RedactPasswords(result);
  j["result"] = std::move(result);
  j["fault"] = t.fault_code ? Json{{"code", *t.fault_code}, {"message", t.fault_message}} : Json(nullptr);
  j["created_by"] = TextOrNull(t.created_by);
  return j;
}

Json FaultJson(const db::StoredFault& f) {
  Json j = Json::object();
  j["id"] = f.id;
  j["device_id"] = f.fault.device_id;
  j["task_id"] = f.task_id ? Json(*f.task_id) : Json(nullptr);
  j["rpc"] = TextOrNull(f.fault.rpc);
  j["code"] = f.fault.code;
  j["message"] = f.fault.message;
  j["detail"] = StoredJson(f.fault.detail);
  j["at"] = FormatTime(f.fault.at);
  return j;
}

Json KickJson(const tasks::KickResult& k) {
  return {{"status", k.status},
          {"detail", TextOrNull(k.detail)},
          {"http_status", k.http_status > 0 ? Json(k.http_status) : Json(nullptr)},
          {"elapsed_ms", k.elapsed_ms}};
}

void RedactPasswords(Json& value) { value = tasks::RedactSecrets(value); }

}  // namespace ruru::acs::api

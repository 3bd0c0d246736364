// The REST API's JSON objects (docs/api.md): Device, Task, Fault and their parts, from the store
// types. Pure. Empty strings become null; credentials and verifiers never appear; members named
// "password" (any case, any depth) of task args and results are shown as "***".
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "acs/tasks/task_service.h"
#include "db/device_admin.h"
#include "db/inventory.h"
#include "db/task_store.h"

namespace ruru::acs::api {

using Json = nlohmann::ordered_json;

// Online: the last Inform is at most 2 x periodic_inform_interval (86,400 s when unknown) + grace
// old at `now`.
bool IsOnline(const db::Device& device, db::TimePoint now, std::chrono::seconds grace);

Json DeviceJson(const db::Device& device, db::TimePoint now, std::chrono::seconds online_grace);
Json EventJson(const db::StoredEvent& event);           // {"code","command_key","at"}
Json ParameterJson(const db::ParameterRecord& param);   // {"name","value","type","writable"}
Json IpIntervalJson(const db::IpInterval& interval);    // {"ip","kind","first_seen","last_seen"}
Json TaskJson(const db::Task& task);
Json FaultJson(const db::StoredFault& fault);
Json KickJson(const tasks::KickResult& kick);  // {"status","detail","http_status","elapsed_ms"}

// Replaces every secret by "***": members whose key names one, parameter values whose name does,
// and sealed values (acs/tasks/task_secrets.h RedactSecrets).
void RedactPasswords(Json& value);

}  // namespace ruru::acs::api

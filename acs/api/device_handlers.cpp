// Devices, their parameters, IP history and tags; bulk tagging.
#include <set>

#include "acs/api/handlers.h"
#include "acs/api/values.h"

namespace ruru::acs::api {
namespace {

constexpr int kRecentEvents = 20;
constexpr size_t kMaxMissingShown = 1000;

struct DeviceAndEvents {
  db::Device device;
  std::vector<db::StoredEvent> events;
};

// A filter value given as JSON (bulk tagging) in the query-string form DeviceQueryFrom reads.
Result<std::map<std::string, std::string>> FilterFields(const nlohmann::json& filter) {
  if (!filter.is_object()) return InvalidArgument("filter: must be an object");
  std::map<std::string, std::string> out;
  for (auto it = filter.begin(); it != filter.end(); ++it) {
    if (it.key() == "online") {
      if (!it->is_boolean()) return InvalidArgument("filter.online: must be true or false");
      out[it.key()] = it->get<bool>() ? "true" : "false";
    } else if (it->is_string()) {
      out[it.key()] = it->get<std::string>();
    } else {
      return InvalidArgument("filter." + it.key().substr(0, 32) + ": must be a string");
    }
  }
  return out;
}

Json TagsJson(const db::Device& d) { return Json{{"tags", d.tags}}; }

// SetTag then Get, on the pool.
asio::awaitable<Reply> SetOneTag(ApiCore& core, Call& call, bool present) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  auto tag = PathTag(call);
  if (!tag.ok()) co_return BadRequest(tag.error().message);
  db::DeviceAdmin* admin = core.deps().admin;
  db::DeviceStore* devices = core.deps().devices;
  const int64_t device_id = *id;
  const std::string& tag_name = *tag;
  auto change = [admin, devices, device_id, &tag_name, present]() -> Result<db::Device> {
    Status st = admin->SetTag(device_id, tag_name, present);
    if (!st.ok()) return st.error();
    return devices->Get(device_id);
  };
  Result<db::Device> device = co_await net::OnPool(core.pool(), std::move(change));
  if (!device.ok()) co_return StoreErrorReply(device.error());
  co_return JsonReply(TagsJson(*device));
}

struct BulkResult {
  int64_t changed = 0;
  Json missing = Json::array();
  int64_t missing_count = 0;
};

Json BulkJson(BulkResult r) {
  return Json{{"changed", r.changed}, {"missing", std::move(r.missing)}, {"missing_count", r.missing_count}};
}

// Which devices a bulk tag change is for: exactly one of an uploaded serial list, a filter,
// device ids or serial numbers (duplicates dropped).
struct BulkTarget {
  std::vector<std::string> serials;
  std::vector<int64_t> ids;
  std::optional<db::DeviceQuery> filter;
};

Result<std::vector<int64_t>> BulkIds(const nlohmann::json& list, size_t max) {
  if (!list.is_array() || list.empty()) return InvalidArgument("device_ids: a non-empty array of device ids");
  if (list.size() > max) {
    return InvalidArgument("device_ids: more than " + std::to_string(max) + " devices (api.max_bulk_devices)");
  }
  std::vector<int64_t> ids;
  std::set<int64_t> seen;
  for (const auto& v : list) {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0 || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
      return InvalidArgument("device_ids: every item must be a positive integer id");
    }
    if (seen.insert(v.get<int64_t>()).second) ids.push_back(v.get<int64_t>());
  }
  return ids;
}

Result<std::vector<std::string>> BulkSerials(const nlohmann::json& list, size_t max) {
  if (!list.is_array() || list.empty()) return InvalidArgument("serial_numbers: a non-empty array of strings");
  if (list.size() > max) {
    return InvalidArgument("serial_numbers: more than " + std::to_string(max) + " (api.max_bulk_devices)");
  }
  std::vector<std::string> serials;
  std::set<std::string> seen;
  for (const auto& v : list) {
    if (!v.is_string()) return InvalidArgument("serial_numbers: every item must be a string");
    const std::string& s = v.get_ref<const std::string&>();
    if (Status st = CheckText(s, 64, "serial_numbers item"); !st.ok()) return st.error();
    if (seen.insert(s).second) serials.push_back(s);
  }
  return serials;
}

// The JSON body: exactly one of filter, device_ids, serial_numbers, and confirm_all with a filter.
Result<BulkTarget> BulkTargetFromJson(ApiCore& core, const nlohmann::json& body, size_t max) {
  int forms = 0;
  bool confirm_all = false;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    if (key == "filter" || key == "device_ids" || key == "serial_numbers") {
      ++forms;
    } else if (key == "confirm_all") {
      if (!it->is_boolean()) return InvalidArgument("confirm_all: must be true or false");
      confirm_all = it->get<bool>();
    } else {
      return InvalidArgument("unknown key '" + key.substr(0, 32) +
                             "' (expected one of filter, device_ids, serial_numbers, and confirm_all)");
    }
  }
  if (forms != 1) return InvalidArgument("give exactly one of filter, device_ids or serial_numbers");
  if (body.contains("confirm_all") && !body.contains("filter")) return InvalidArgument("confirm_all: only with filter");
  BulkTarget target;
  if (body.contains("filter")) {
    auto fields = FilterFields(body["filter"]);
    if (!fields.ok()) return fields.error();
    if (fields->empty() && !confirm_all) {
      return InvalidArgument("an empty filter matches every device: add \"confirm_all\": true to mean it");
    }
    auto query = DeviceQueryFrom(core, *fields);
    if (!query.ok()) return InvalidArgument("filter: " + query.error().message);
    target.filter = std::move(*query);
  } else if (body.contains("device_ids")) {
    auto ids = BulkIds(body["device_ids"], max);
    if (!ids.ok()) return ids.error();
    target.ids = std::move(*ids);
  } else {
    auto serials = BulkSerials(body["serial_numbers"], max);
    if (!serials.ok()) return serials.error();
    target.serials = std::move(*serials);
  }
  return target;
}

Result<BulkTarget> ParseBulkTarget(ApiCore& core, Call& call, size_t max) {
  if (call.media_type == "text/plain" || call.media_type == "text/csv") {
    auto list = ParseSerialList(call.request->body, call.media_type == "text/csv", max);
    if (!list.ok()) return list.error();
    BulkTarget target;
    target.serials = std::move(*list);
    return target;
  }
  return BulkTargetFromJson(core, call.body, max);
}

// The change itself (blocking: runs on the API's pool).
Result<BulkResult> ApplyBulkTag(db::DeviceAdmin* admin, const BulkTarget& target, const std::string& tag, bool present,
                                size_t max) {
  BulkResult r;
  if (target.filter) {
    auto n = admin->SetTagMatching(*target.filter, tag, present, static_cast<int64_t>(max));
    if (!n.ok()) return n.error();
    r.changed = *n;
    return r;
  }
  if (!target.ids.empty()) {
    auto n = admin->SetTagForIds(target.ids, tag, present);
    if (!n.ok()) return n.error();
    r.changed = n->changed;
    r.missing_count = static_cast<int64_t>(n->missing.size());
    for (size_t i = 0; i < n->missing.size() && i < kMaxMissingShown; ++i) r.missing.push_back(n->missing[i]);
    return r;
  }
  auto found = admin->IdsBySerial(target.serials);
  if (!found.ok()) return found.error();
  if (found->ids.size() > max) {
    return InvalidArgument("the serial numbers match more than " + std::to_string(max) +
                           " devices (api.max_bulk_devices)");
  }
  r.missing_count = static_cast<int64_t>(found->missing.size());
  for (size_t i = 0; i < found->missing.size() && i < kMaxMissingShown; ++i) r.missing.push_back(found->missing[i]);
  if (!found->ids.empty()) {
    auto n = admin->SetTagForIds(found->ids, tag, present);
    if (!n.ok()) return n.error();
    r.changed = n->changed;  // ids deleted in between are not reported: they were found a moment ago
  }
  return r;
}

asio::awaitable<Reply> BulkTag(ApiCore& core, Call& call, bool present) {
  auto tag = PathTag(call);
  if (!tag.ok()) co_return BadRequest(tag.error().message);
  const size_t max = core.config().max_bulk_devices;
  auto target = ParseBulkTarget(core, call, max);
  if (!target.ok()) co_return BadRequest(target.error().message);
  db::DeviceAdmin* admin = core.deps().admin;
  const BulkTarget& t = *target;
  const std::string& tag_name = *tag;
  auto change = [admin, &t, &tag_name, present, max] { return ApplyBulkTag(admin, t, tag_name, present, max); };
  Result<BulkResult> r = co_await net::OnPool(core.pool(), std::move(change));
  if (!r.ok()) co_return StoreErrorReply(r.error());
  co_return JsonReply(BulkJson(std::move(*r)));
}

// The device must exist before its parameters or history are listed (an empty list would not
// tell a device without data from a wrong id).
template <class T, class F>
Result<T> IfDeviceExists(db::DeviceStore* devices, int64_t id, F read) {
  auto device = devices->Get(id);
  if (!device.ok()) return device.error();
  return read();
}

}  // namespace

Result<db::DeviceQuery> DeviceQueryFrom(const ApiCore& core, const std::map<std::string, std::string>& fields) {
  db::DeviceQuery q;
  q.now = core.Now();
  q.online_grace = core.config().online_grace;
  std::optional<TimePoint> at;
  for (const auto& [name, value] : fields) {
    if (name == "q") {
      if (Status st = CheckText(value, 256, "q"); !st.ok()) return st.error();
      q.q = value;
    } else if (name == "serial" || name == "oui" || name == "product_class" || name == "software_version") {
      if (Status st = CheckText(value, 64, name); !st.ok()) return st.error();
      (name == "serial" ? q.serial : name == "oui" ? q.oui : name == "product_class" ? q.product_class
                                                                                   : q.software_version) = value;
    } else if (name == "tag") {
      if (!IsValidTag(value)) return InvalidArgument("tag: 1 to 64 of A-Z a-z 0-9 _ . : - starting with a letter or digit");
      q.tag = value;
    } else if (name == "online") {
      auto b = ParseBool(value, "online");
      if (!b.ok()) return b.error();
      q.online = *b;
    } else if (name == "ip") {
      auto ip = ParseIpAddress(value);
      if (!ip.ok()) return ip.error();
      q.ip = *ip;
    } else if (name == "at") {
      auto t = ParseTime(value);
      if (!t.ok()) return InvalidArgument("at: " + t.error().message);
      at = *t;
    } else {
      return InvalidArgument("unknown filter key '" + name.substr(0, 32) + "'");
    }
  }
  if (at) {
    if (q.ip.empty()) return InvalidArgument("at: needs ip (the devices that had this address at that time)");
    q.at = at;
  }
  return q;
}

asio::awaitable<Reply> ListDevices(ApiCore& core, Call& call) {
  std::map<std::string, std::string> fields = call.query;
  fields.erase("limit");
  fields.erase("cursor");
  auto query = DeviceQueryFrom(core, fields);
  if (!query.ok()) co_return BadRequest(query.error().message);
  auto limit = QueryLimit(call);
  if (!limit.ok()) co_return BadRequest(limit.error().message);
  auto cursor = QueryCursor(call, 'd');
  if (!cursor.ok()) co_return BadRequest(cursor.error().message);
  query->limit = *limit;
  query->after_id = cursor->value_or(0);
  db::DeviceAdmin* admin = core.deps().admin;
  const db::DeviceQuery& q = *query;
  auto find = [admin, &q] { return admin->Find(q); };
  Result<std::vector<db::Device>> found = co_await net::OnPool(core.pool(), std::move(find));
  if (!found.ok()) co_return StoreErrorReply(found.error());
  Json items = Json::array();
  const auto now = core.Now();
  for (const db::Device& d : *found) items.push_back(DeviceJson(d, now, core.config().online_grace));
  co_return JsonReply(Page(std::move(items), *limit, 'd', found->empty() ? 0 : found->back().id));
}

asio::awaitable<Reply> GetDevice(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::DeviceStore* devices = core.deps().devices;
  const int64_t device_id = *id;
  auto load = [devices, device_id]() -> Result<DeviceAndEvents> {
    Result<db::Device> device = devices->Get(device_id);
    if (!device.ok()) return device.error();
    auto events = devices->RecentEvents(device_id, kRecentEvents);
    if (!events.ok()) return events.error();
    return DeviceAndEvents{std::move(*device), std::move(*events)};
  };
  Result<DeviceAndEvents> loaded = co_await net::OnPool(core.pool(), std::move(load));
  if (!loaded.ok()) co_return StoreErrorReply(loaded.error());
  Json j = DeviceJson(loaded->device, core.Now(), core.config().online_grace);
  Json events = Json::array();
  for (const db::StoredEvent& e : loaded->events) events.push_back(EventJson(e));
  j["recent_events"] = std::move(events);
  co_return JsonReply(std::move(j));
}

asio::awaitable<Reply> PatchDevice(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::SubscriberUpdate update;
  for (auto it = call.body.begin(); it != call.body.end(); ++it) {
    const std::string& key = it.key();
    std::optional<std::string>* field = key == "subscriber_ref"     ? &update.subscriber_ref
                                        : key == "subscriber_phone" ? &update.subscriber_phone
                                        : key == "time_zone"        ? &update.time_zone
                                                                    : nullptr;
    if (field == nullptr) {
      co_return BadRequest("unknown key '" + key.substr(0, 32) +
                           "' (expected subscriber_ref, subscriber_phone, time_zone)");
    }
    if (it->is_null()) {
      *field = std::string();
      continue;
    }
    if (!it->is_string()) co_return BadRequest(key + ": must be a string or null");
    const std::string& value = it->get_ref<const std::string&>();
    if (!value.empty()) {
      if (key == "subscriber_ref") {
        if (Status st = CheckText(value, 128, key); !st.ok()) co_return BadRequest(st.error().message);
      } else if (key == "subscriber_phone") {
        if (!IsValidPhone(value)) co_return BadRequest("subscriber_phone: E.164, \"+\" and 6 to 15 digits");
      } else {
        if (value.size() > 64) co_return BadRequest("time_zone: longer than 64 bytes");
        for (char c : value) {
          if (c < 0x20 || c > 0x7e) co_return BadRequest("time_zone: printable ASCII only");
        }
      }
    }
    *field = value;
  }
  if (!update.subscriber_ref && !update.subscriber_phone && !update.time_zone) {
    co_return BadRequest("nothing to change (keys: subscriber_ref, subscriber_phone, time_zone)");
  }
  db::DeviceAdmin* admin = core.deps().admin;
  db::DeviceStore* devices = core.deps().devices;
  const int64_t device_id = *id;
  const db::SubscriberUpdate& u = update;
  auto change = [admin, devices, device_id, &u]() -> Result<db::Device> {
    Status st = admin->UpdateSubscriber(device_id, u);
    if (!st.ok()) return st.error();
    return devices->Get(device_id);
  };
  Result<db::Device> device = co_await net::OnPool(core.pool(), std::move(change));
  if (!device.ok()) co_return StoreErrorReply(device.error());
  co_return JsonReply(DeviceJson(*device, core.Now(), core.config().online_grace));
}

asio::awaitable<Reply> DeleteDevice(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::DeviceAdmin* admin = core.deps().admin;
  const int64_t device_id = *id;
  auto remove = [admin, device_id] { return admin->DeleteDevice(device_id); };
  Status st = co_await net::OnPool(core.pool(), std::move(remove));
  if (!st.ok()) co_return StoreErrorReply(st.error());
  co_return NoContent();
}

asio::awaitable<Reply> GetParameters(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  std::string prefix;
  if (auto it = call.query.find("prefix"); it != call.query.end()) {
    if (Status st = CheckText(it->second, 256, "prefix"); !st.ok()) co_return BadRequest(st.error().message);
    prefix = it->second;
  }
  db::DeviceStore* devices = core.deps().devices;
  const int64_t device_id = *id;
  auto read = [devices, device_id, &prefix] {
    auto params = [&] { return devices->Parameters(device_id, prefix); };
    return IfDeviceExists<std::vector<db::ParameterRecord>>(devices, device_id, params);
  };
  Result<std::vector<db::ParameterRecord>> params = co_await net::OnPool(core.pool(), std::move(read));
  if (!params.ok()) co_return StoreErrorReply(params.error());
  Json items = Json::array();
  for (const auto& p : *params) items.push_back(ParameterJson(p));
  co_return JsonReply(Json{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

asio::awaitable<Reply> GetIpHistory(ApiCore& core, Call& call) {
  auto id = PathId(call);
  if (!id.ok()) co_return BadRequest(id.error().message);
  db::DeviceStore* devices = core.deps().devices;
  const int64_t device_id = *id;
  auto read = [devices, device_id] {
    auto history = [&] { return devices->IpHistory(device_id); };
    return IfDeviceExists<std::vector<db::IpInterval>>(devices, device_id, history);
  };
  Result<std::vector<db::IpInterval>> history = co_await net::OnPool(core.pool(), std::move(read));
  if (!history.ok()) co_return StoreErrorReply(history.error());
  Json items = Json::array();
  for (const auto& i : *history) items.push_back(IpIntervalJson(i));
  co_return JsonReply(Json{{"items", std::move(items)}, {"next_cursor", nullptr}});
}

asio::awaitable<Reply> AddDeviceTag(ApiCore& core, Call& call) { return SetOneTag(core, call, true); }
asio::awaitable<Reply> RemoveDeviceTag(ApiCore& core, Call& call) { return SetOneTag(core, call, false); }
asio::awaitable<Reply> BulkAddTag(ApiCore& core, Call& call) { return BulkTag(core, call, true); }
asio::awaitable<Reply> BulkRemoveTag(ApiCore& core, Call& call) { return BulkTag(core, call, false); }

}  // namespace ruru::acs::api

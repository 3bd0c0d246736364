// `acsctl devices list|show|delete|set`: the inventory seen through GET/PATCH/DELETE
// /api/v1/devices.
#include <iostream>
#include <memory>

#include "acs/acsctl/api_command.h"

namespace ruru::acsctl {
namespace {

std::string JoinStrings(const Json& array, const std::string& sep = ",") {
  std::string out;
  if (!array.is_array()) return out;
  for (const Json& v : array) {
    if (!out.empty()) out += sep;
    out += Text(v);
  }
  return out;
}

std::string YesNo(const std::optional<bool>& b) {
  if (!b) return "-";
  return *b ? "yes" : "no";
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string IntOrDash(const Json& object, const std::string& key) {
  const auto v = Int(object, key);
  return v ? std::to_string(*v) : "-";
}

// ---- list ------------------------------------------------------------------------------------
struct ListOptions {
  ApiCommandOptions api;
  std::string q, serial, oui, product_class, software_version, tag, ip, at;
  bool online = false, offline = false, all = false;
  int limit = 0;  // 0: the API's default
};

CliStatus RunList(ApiClient& client, const ListOptions& o) {
  QueryParams query = {{"q", o.q},
                       {"serial", o.serial},
                       {"oui", o.oui},
                       {"product_class", o.product_class},
                       {"software_version", o.software_version},
                       {"tag", o.tag},
                       {"online", o.online    ? "true"
                                  : o.offline ? "false"
                                              : ""},
                       {"ip", o.ip},
                       {"at", o.at},
                       {"limit", o.limit > 0 ? std::to_string(o.limit) : ""}};
  auto list = GetList(client, std::string(kApiPrefix) + "/devices", query, o.all);
  if (!list) return list.failure();
  if (o.api.json) {
    PrintListJson(*list);
    return {};
  }
  const auto now = std::chrono::system_clock::now();
  Table table({"ID", "SERIAL", "PRODUCT CLASS", "SOFTWARE", "WAN IP", "LAST INFORM", "ONLINE", "TAGS"});
  for (const Json& d : list->items) {
    table.Add({IntOrDash(d, "id"), Str(d, "serial_number"), Str(d, "product_class"), Str(d, "software_version"),
               OrDash(Str(d, "wan_ip")), Relative(Str(d, "last_inform"), now), YesNo(Bool(d, "online")),
               JoinStrings(Field(d, "tags"))});
  }
  if (table.empty()) {
    std::cerr << "no devices match\n";
  } else {
    table.Print(std::cout);
  }
  if (!list->next_cursor.is_null()) {
    std::cout.flush();
    std::cerr << "more devices match: add --all (or a larger --limit, at most 1000)\n";
  }
  return {};
}

// ---- show ------------------------------------------------------------------------------------
CliStatus RunShow(ApiClient& client, const ApiCommandOptions& api, const std::string& text) {
  auto id = ResolveDevice(client, text);
  if (!id) return id.failure();
  auto r = client.Get(std::string(kApiPrefix) + "/devices/" + std::to_string(*id));
  if (!r) return WithDeviceHint(r.failure(), text);
  if (api.json) {
    PrintRawJson(r->body);
    return {};
  }
  const Json& d = r->json;
  const auto now = std::chrono::system_clock::now();
  std::vector<std::pair<std::string, std::string>> fields = {
      {"id", IntOrDash(d, "id")},
      {"device", Str(d, "oui") + "-" + Str(d, "product_class") + "-" + Str(d, "serial_number")},
      {"manufacturer", OrDash(Str(d, "manufacturer"))},
      {"model", OrDash(Str(d, "model_name"))},
      {"hardware version", OrDash(Str(d, "hardware_version"))},
      {"software version", OrDash(Str(d, "software_version"))},
      {"provisioning code", OrDash(Str(d, "provisioning_code"))},
      {"data model", OrDash(Str(d, "data_model"))},
      {"WAN IP", OrDash(Str(d, "wan_ip"))},
      {"peer IP", OrDash(Str(d, "peer_ip"))},
      {"connection request URL", OrDash(Str(d, "connection_request_url"))},
      {"periodic inform", Int(d, "periodic_inform_interval") ? IntOrDash(d, "periodic_inform_interval") + " s" : "-"},
      {"parameter key", OrDash(Str(d, "parameter_key"))},
      {"online", YesNo(Bool(d, "online"))},
      {"last inform", TimeWithAge(Str(d, "last_inform"), now)},
      {"last boot", TimeWithAge(Str(d, "last_boot"), now)},
      {"last bootstrap", TimeWithAge(Str(d, "last_bootstrap"), now)},
      {"registered", TimeWithAge(Str(d, "registered_at"), now)},
      {"informs", IntOrDash(d, "inform_count")},
      {"tags", OrDash(JoinStrings(Field(d, "tags"), ", "))},
      {"subscriber ref", OrDash(Str(d, "subscriber_ref"))},
      {"subscriber phone", OrDash(Str(d, "subscriber_phone"))},
      {"time zone", OrDash(Str(d, "time_zone"))},
  };
  if (!Str(d, "duplicate_suspect_at").empty()) {
    fields.emplace_back("DUPLICATE SUSPECT",
                        TimeWithAge(Str(d, "duplicate_suspect_at"), now) + ": two peers informed with this identity");
  }
  if (d.contains("credentials") && d["credentials"].is_object()) {
    const Json& c = d["credentials"];
    fields.emplace_back("own credentials",
                        YesNo(Bool(c, "own")) + (Bool(c, "pending").value_or(false) ? " (a new one pending)" : ""));
  }
  PrintFields(std::cout, fields);
  const Json events = Field(d, "recent_events");
  std::cout << "\nrecent events:\n";
  if (!events.is_array() || events.empty()) {
    std::cout << "  (none)\n";
  } else {
    Table table({"  AT", "CODE", "COMMAND KEY"});
    for (const Json& e : events)
      table.Add({"  " + TimeWithAge(Str(e, "at"), now), Str(e, "code"), Str(e, "command_key")});
    table.Print(std::cout);
  }
  std::cout << "\nparameters: acsctl get " << *id << " [PATH_PREFIX...]   (stored values; --live asks the device)\n";
  return {};
}

// ---- delete ----------------------------------------------------------------------------------
CliStatus RunDelete(ApiClient& client, const ApiCommandOptions& api, const std::string& text, bool yes) {
  if (!yes) {
    return Usage("devices delete removes the device with its history, parameters, tasks and credentials: add --yes");
  }
  auto id = ResolveDevice(client, text);
  if (!id) return id.failure();
  ApiRequest request;
  request.method = "DELETE";
  request.path = std::string(kApiPrefix) + "/devices/" + std::to_string(*id);
  auto r = client.Send(request);
  if (!r) return WithDeviceHint(r.failure(), text);
  if (api.json) {
    if (!r->body.empty()) PrintRawJson(r->body);
    return {};
  }
  std::cout << "deleted device " << *id << "\n";
  return {};
}

// ---- set -------------------------------------------------------------------------------------
struct SetOptions {
  ApiCommandOptions api;
  std::string device;
  std::string subscriber_ref, phone, time_zone;
  CLI::Option* subscriber_ref_option = nullptr;
  CLI::Option* phone_option = nullptr;
  CLI::Option* time_zone_option = nullptr;
};

CliStatus RunSet(ApiClient& client, const SetOptions& o) {
  Json patch = Json::object();
  if (o.subscriber_ref_option->count() > 0) patch["subscriber_ref"] = o.subscriber_ref;
  if (o.phone_option->count() > 0) patch["subscriber_phone"] = o.phone;
  if (o.time_zone_option->count() > 0) patch["time_zone"] = o.time_zone;
  if (patch.empty())
    return Usage("devices set: nothing to change (--subscriber-ref, --phone, --time-zone; \"\" clears)");
  auto id = ResolveDevice(client, o.device);
  if (!id) return id.failure();
  auto r = client.SendJson("PATCH", std::string(kApiPrefix) + "/devices/" + std::to_string(*id), patch);
  if (!r) return WithDeviceHint(r.failure(), o.device);
  if (o.api.json) {
    PrintRawJson(r->body);
    return {};
  }
  std::cout << "updated device " << *id << "\n";
  const Json& d = r->json;
  if (d.is_object()) {
    PrintFields(std::cout, {{"subscriber ref", OrDash(Str(d, "subscriber_ref"))},
                            {"subscriber phone", OrDash(Str(d, "subscriber_phone"))},
                            {"time zone", OrDash(Str(d, "time_zone"))}});
  }
  return {};
}

}  // namespace

void AddDevicesCommands(CLI::App& app) {
  CLI::App* devices = app.add_subcommand("devices", "Find, show, change and delete devices (REST API)");
  devices->require_subcommand(1);

  auto lo = std::make_shared<ListOptions>();
  CLI::App* list = devices->add_subcommand("list", "List devices matching filters (all of them: AND)");
  list->add_option("--q", lo->q, "Free text: serial or subscriber ref prefix, exact phone or IP address");
  list->add_option("--serial", lo->serial, "Exact serial number");
  list->add_option("--oui", lo->oui, "Exact OUI");
  list->add_option("--product-class", lo->product_class, "Exact product class");
  list->add_option("--software-version", lo->software_version, "Exact software version");
  list->add_option("--tag", lo->tag, "Devices carrying this tag");
  auto* online = list->add_flag("--online", lo->online, "Only devices online now");
  auto* offline = list->add_flag("--offline", lo->offline, "Only devices offline now");
  online->excludes(offline);
  auto* ip = list->add_option("--ip", lo->ip, "Devices whose current WAN or peer address is IP");
  list->add_option("--at", lo->at, "With --ip: devices that had IP at this time (RFC 3339)")->needs(ip);
  list->add_option("--limit", lo->limit, "Devices per page (1..1000; default the API's, 50)")
      ->check(CLI::Range(1, 1000));
  list->add_flag("--all", lo->all, "Every page (follows next_cursor)");
  AddApiOptions(list, &lo->api);
  list->callback([lo] { RunApiCommand(lo->api, [&](ApiClient& c) { return RunList(c, *lo); }); });

  struct One {
    ApiCommandOptions api;
    std::string device;
    bool yes = false;
  };
  auto so = std::make_shared<One>();
  CLI::App* show = devices->add_subcommand("show", "Show a device: its fields and recent events");
  show->add_option("DEVICE", so->device, "Id, serial number, or OUI-ProductClass-Serial")->required();
  AddApiOptions(show, &so->api);
  show->callback([so] { RunApiCommand(so->api, [&](ApiClient& c) { return RunShow(c, so->api, so->device); }); });

  auto d = std::make_shared<One>();
  CLI::App* del = devices->add_subcommand("delete", "Delete a device and everything about it");
  del->add_option("DEVICE", d->device, "Id, serial number, or OUI-ProductClass-Serial")->required();
  del->add_flag("--yes", d->yes, "Really delete");
  AddApiOptions(del, &d->api);
  del->callback([d] { RunApiCommand(d->api, [&](ApiClient& c) { return RunDelete(c, d->api, d->device, d->yes); }); });

  auto s = std::make_shared<SetOptions>();
  CLI::App* set = devices->add_subcommand("set", "Change a device's subscriber fields (\"\" clears one)");
  set->add_option("DEVICE", s->device, "Id, serial number, or OUI-ProductClass-Serial")->required();
  s->subscriber_ref_option = set->add_option("--subscriber-ref", s->subscriber_ref, "Customer reference");
  s->phone_option = set->add_option("--phone", s->phone, "Subscriber phone, E.164 (+6421...)");
  s->time_zone_option = set->add_option("--time-zone", s->time_zone, "IANA time zone (Pacific/Auckland)");
  AddApiOptions(set, &s->api);
  set->callback([s] { RunApiCommand(s->api, [&](ApiClient& c) { return RunSet(c, *s); }); });
}

}  // namespace ruru::acsctl

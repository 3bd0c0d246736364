// `acsctl tags add|remove|bulk-add|bulk-remove` and `acsctl faults list|clear`.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "acs/acsctl/api_command.h"

namespace ruru::acsctl {
namespace {

constexpr size_t kMaxListFileBytes = 64 << 20;  // the API refuses more than api.max_body_bytes anyway
constexpr size_t kMissingShown = 20;

std::string TagPath(const std::string& tag) { return std::string(kApiPrefix) + "/tags/" + UrlEscape(tag) + "/devices"; }

std::string Join(const Json& array, const std::string& sep) {
  std::string out;
  if (!array.is_array()) return out;
  for (const Json& v : array) out += (out.empty() ? "" : sep) + Text(v);
  return out;
}

// ---- tags add/remove -------------------------------------------------------------------------
struct TagOptions {
  ApiCommandOptions api;
  std::string tag;
  std::vector<std::string> devices;
};

CliStatus RunTag(ApiClient& client, const TagOptions& o, bool add) {
  if (o.tag.empty()) return Usage("TAG is empty");
  int failed = 0;
  for (const std::string& text : o.devices) {
    auto changed = [&]() -> CliResult<ApiResponse> {
      auto id = ResolveDevice(client, text);
      if (!id) return id.failure();
      ApiRequest request;
      request.method = add ? "POST" : "DELETE";
      request.path = std::string(kApiPrefix) + "/devices/" + std::to_string(*id) + "/tags/" + UrlEscape(o.tag);
      auto r = client.Send(request);
      if (!r) return WithDeviceHint(r.failure(), text);
      return r;
    }();
    if (!changed) {
      // The API down or the token refused: the next device would fail the same way.
      if (changed.failure().exit_code != kExitFailed) return changed.failure();
      std::cout.flush();
      std::cerr << "acsctl: " << Safe(text) << ": " << changed.failure().message << "\n";
      ++failed;
      continue;
    }
    if (o.api.json) {
      PrintJson(changed->json);
    } else {
      std::cout << Safe(text) << ": tags " << Safe(Join(Field(changed->json, "tags"), ", ")) << "\n";
    }
  }
  if (failed > 0) {
    return Failed(std::to_string(failed) + " of " + std::to_string(o.devices.size()) + " devices not changed");
  }
  return {};
}

// ---- tags bulk-add/bulk-remove ---------------------------------------------------------------
struct BulkOptions {
  ApiCommandOptions api;
  std::string tag, file;
  std::string q, serial, oui, product_class, software_version, filter_tag, ip, at;
  bool online = false, offline = false, confirm_all = false;
};

CliResult<std::string> ReadListFile(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Usage("cannot open " + path + ": " + std::strerror(errno));
  std::string data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.append(buf, n);
    if (data.size() > kMaxListFileBytes) break;
  }
  const bool error = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (error) return Usage("cannot read " + path);
  if (data.size() > kMaxListFileBytes) return Usage(path + " is larger than 64 MiB");
  return data;
}

CliStatus RunBulk(ApiClient& client, const BulkOptions& o, bool add) {
  if (o.tag.empty()) return Usage("TAG is empty");
  ApiRequest request;
  request.method = add ? "POST" : "DELETE";
  request.path = TagPath(o.tag);
  if (!o.file.empty()) {
    auto text = ReadListFile(o.file);
    if (!text) return text.failure();
    request.body = std::move(*text);
    request.content_type = "text/plain; charset=utf-8";
  } else {
    Json filter = Json::object();
    const std::pair<const char*, const std::string*> fields[] = {{"q", &o.q},
                                                                 {"serial", &o.serial},
                                                                 {"oui", &o.oui},
                                                                 {"product_class", &o.product_class},
                                                                 {"software_version", &o.software_version},
                                                                 {"tag", &o.filter_tag},
                                                                 {"ip", &o.ip},
                                                                 {"at", &o.at}};
    for (const auto& field : fields) {
      if (!field.second->empty()) filter[field.first] = *field.second;
    }
    if (o.online || o.offline) filter["online"] = o.online;
    if (filter.empty() && !o.confirm_all) {
      return Usage("no --file and no --filter-*: that is every device; add --confirm-all if you mean it");
    }
    Json body{{"filter", filter}};
    if (o.confirm_all) body["confirm_all"] = true;
    try {
      request.body = body.dump();
    } catch (const Json::exception&) {
      return Usage("an argument is not valid UTF-8");
    }
  }
  auto r = client.Send(request);
  if (!r) return r.failure();
  if (o.api.json) {
    PrintRawJson(r->body);
    return {};
  }
  const Json& j = r->json;
  std::cout << (add ? "tagged " : "untagged ") << Int(j, "changed").value_or(0) << " devices\n";
  const Json& missing = Field(j, "missing");
  const int64_t missing_count =
      Int(j, "missing_count").value_or(missing.is_array() ? static_cast<int64_t>(missing.size()) : 0);
  if (missing_count > 0) {
    std::string shown;
    size_t n = 0;
    if (missing.is_array()) {
      for (const Json& m : missing) {
        if (n++ == kMissingShown) break;
        shown += (shown.empty() ? "" : ", ") + Text(m);
      }
    }
    std::cout << missing_count << " not found" << (shown.empty() ? "" : ": " + Safe(shown))
              << (static_cast<int64_t>(std::min(n, kMissingShown)) < missing_count ? ", …" : "") << "\n";
  }
  return {};
}

void AddBulk(CLI::App* tags, const char* name, const char* help, bool add) {
  auto o = std::make_shared<BulkOptions>();
  CLI::App* cmd = tags->add_subcommand(name, help);
  cmd->add_option("TAG", o->tag, "The tag")->required();
  auto* file = cmd->add_option("--file", o->file, "Serial numbers, one per line ('-': standard input)");
  std::vector<CLI::Option*> filters = {
      cmd->add_option("--filter-q", o->q, "Free text (as devices list --q)"),
      cmd->add_option("--filter-serial", o->serial, "Exact serial number"),
      cmd->add_option("--filter-oui", o->oui, "Exact OUI"),
      cmd->add_option("--filter-product-class", o->product_class, "Exact product class"),
      cmd->add_option("--filter-software-version", o->software_version, "Exact software version"),
      cmd->add_option("--filter-tag", o->filter_tag, "Devices carrying this tag"),
      cmd->add_flag("--filter-online", o->online, "Devices online now"),
      cmd->add_flag("--filter-offline", o->offline, "Devices offline now"),
      cmd->add_option("--filter-ip", o->ip, "Current WAN or peer address"),
      cmd->add_option("--filter-at", o->at, "With --filter-ip: had the address at this time (RFC 3339)"),
      cmd->add_flag("--confirm-all", o->confirm_all, "Allow a filter that matches every device"),
  };
  for (CLI::Option* f : filters) file->excludes(f);
  filters[6]->excludes(filters[7]);
  filters[9]->needs(filters[8]);
  AddApiOptions(cmd, &o->api);
  cmd->callback([o, add] { RunApiCommand(o->api, [&](ApiClient& c) { return RunBulk(c, *o, add); }); });
}

// ---- faults ----------------------------------------------------------------------------------
// GET /faults?device=&task=&limit=&cursor= (newest first), DELETE /faults/{id}, DELETE
// /faults?device=ID (answers {"deleted": n}).
struct FaultListOptions {
  ApiCommandOptions api;
  std::string device;
  int64_t task = 0;
  int limit = 0;
  bool all = false;
};

CliStatus RunFaultList(ApiClient& client, const FaultListOptions& o) {
  QueryParams query;
  if (!o.device.empty()) {
    auto id = ResolveDevice(client, o.device);
    if (!id) return id.failure();
    query.emplace_back("device", std::to_string(*id));
  }
  if (o.task > 0) query.emplace_back("task", std::to_string(o.task));
  if (o.limit > 0) query.emplace_back("limit", std::to_string(o.limit));
  auto list = GetList(client, std::string(kApiPrefix) + "/faults", query, o.all);
  if (!list) return list.failure();
  if (o.api.json) {
    PrintListJson(*list);
    return {};
  }
  const auto now = std::chrono::system_clock::now();
  Table table({"ID", "DEVICE", "TASK", "RPC", "CODE", "AT", "MESSAGE"});
  for (const Json& f : list->items) {
    const auto task = Int(f, "task_id");
    table.Add({Text(Field(f, "id")), Text(Field(f, "device_id")), task ? std::to_string(*task) : "-", Str(f, "rpc"),
               Text(Field(f, "code")), Relative(Str(f, "at"), now), Str(f, "message")});
  }
  if (table.empty()) {
    std::cerr << "no faults\n";
  } else {
    table.Print(std::cout);
  }
  if (!list->next_cursor.is_null()) std::cerr << "more faults: add --all (or a larger --limit, at most 1000)\n";
  return {};
}

struct FaultClearOptions {
  ApiCommandOptions api;
  int64_t id = 0;
  std::string device;
};

CliStatus RunFaultClear(ApiClient& client, const FaultClearOptions& o) {
  if ((o.id > 0) == !o.device.empty()) return Usage("faults clear: give a fault ID or --device DEVICE (not both)");
  ApiRequest request;
  request.method = "DELETE";
  int64_t device_id = 0;
  if (o.id > 0) {
    request.path = std::string(kApiPrefix) + "/faults/" + std::to_string(o.id);
  } else {
    auto id = ResolveDevice(client, o.device);
    if (!id) return id.failure();
    device_id = *id;
    request.path = std::string(kApiPrefix) + "/faults";
    request.query.emplace_back("device", std::to_string(device_id));
  }
  auto r = client.Send(request);
  if (!r) return o.id > 0 ? r.failure() : WithDeviceHint(r.failure(), o.device);
  if (o.api.json) {
    if (!r->body.empty()) PrintRawJson(r->body);
    return {};
  }
  if (o.id > 0) {
    std::cout << "fault " << o.id << " cleared\n";
  } else if (const auto n = Int(r->json, "deleted")) {
    std::cout << *n << " faults of device " << device_id << " cleared\n";
  } else {
    std::cout << "faults of device " << device_id << " cleared\n";
  }
  return {};
}

}  // namespace

void AddTagsCommands(CLI::App& app) {
  CLI::App* tags = app.add_subcommand("tags", "Add and remove device tags");
  tags->require_subcommand(1);
  for (const bool add : {true, false}) {
    auto o = std::make_shared<TagOptions>();
    CLI::App* cmd = tags->add_subcommand(add ? "add" : "remove", add ? "Tag devices" : "Untag devices");
    cmd->add_option("TAG", o->tag, "The tag")->required();
    cmd->add_option("DEVICE", o->devices, "Ids, serial numbers, or OUI-ProductClass-Serial")->required();
    AddApiOptions(cmd, &o->api);
    cmd->callback([o, add] { RunApiCommand(o->api, [&](ApiClient& c) { return RunTag(c, *o, add); }); });
  }
  AddBulk(tags, "bulk-add", "Tag every device of a serial list (--file) or matching a filter", true);
  AddBulk(tags, "bulk-remove", "Untag every device of a serial list (--file) or matching a filter", false);

  CLI::App* faults = app.add_subcommand("faults", "List and clear the faults devices reported");
  faults->require_subcommand(1);
  auto l = std::make_shared<FaultListOptions>();
  CLI::App* list = faults->add_subcommand("list", "List faults, newest first");
  list->add_option("--device", l->device, "Id, serial number, or OUI-ProductClass-Serial");
  list->add_option("--task", l->task, "Faults of this task")->check(CLI::PositiveNumber);
  list->add_option("--limit", l->limit, "Faults per page (1..1000)")->check(CLI::Range(1, 1000));
  list->add_flag("--all", l->all, "Every page (follows next_cursor)");
  AddApiOptions(list, &l->api);
  list->callback([l] { RunApiCommand(l->api, [&](ApiClient& c) { return RunFaultList(c, *l); }); });

  auto c = std::make_shared<FaultClearOptions>();
  CLI::App* clear = faults->add_subcommand("clear", "Clear one fault, or all faults of a device");
  auto* id = clear->add_option("ID", c->id, "Fault id")->check(CLI::PositiveNumber);
  auto* device = clear->add_option("--device", c->device, "Clear all faults of this device");
  id->excludes(device);
  AddApiOptions(clear, &c->api);
  clear->callback([c] { RunApiCommand(c->api, [&](ApiClient& cl) { return RunFaultClear(cl, *c); }); });
}

}  // namespace ruru::acsctl

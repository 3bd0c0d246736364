// `acsctl whoami`, `acsctl roles`, `acsctl tokens list|create|revoke` and `acsctl audit` (GET /me,
// GET /roles, GET/POST /tokens, DELETE /tokens/{name}, GET /audit).
#include <iostream>
#include <memory>
#include <string>

#include "acs/acsctl/api_command.h"

namespace ruru::acsctl {
namespace {

std::string Joined(const Json& array) {
  std::string out;
  if (!array.is_array()) return out;
  for (const Json& v : array) out += (out.empty() ? "" : ",") + Text(v);
  return out.empty() ? "-" : out;
}

CliStatus RunWhoami(ApiClient& client, const ApiCommandOptions& o) {
  auto r = client.Get(std::string(kApiPrefix) + "/me");
  if (!r) return r.failure();
  if (o.json) {
    PrintRawJson(r->body);
    return {};
  }
  const auto now = std::chrono::system_clock::now();
  const std::string expires = Str(r->json, "expires_at");
  PrintFields(std::cout, {{"token", Str(r->json, "name")},
                          {"role", Str(r->json, "role")},
                          {"prefix", Str(r->json, "prefix")},
                          {"expires", expires.empty() ? "never" : TimeWithAge(expires, now)},
                          {"may", Joined(Field(r->json, "actions"))}});
  return {};
}

CliStatus RunRoles(ApiClient& client, const ApiCommandOptions& o) {
  auto r = client.Get(std::string(kApiPrefix) + "/roles");
  if (!r) return r.failure();
  if (o.json) {
    PrintRawJson(r->body);
    return {};
  }
  Table roles({"ROLE", "SUMMARY"});
  for (const Json& role : Field(r->json, "roles")) roles.Add({Str(role, "name"), Str(role, "summary")});
  roles.Print(std::cout);
  std::cout << "\n";
  Table permissions({"ACTION", "ROLES", "REASON REQUIRED", "DESCRIPTION"});
  for (const Json& p : Field(r->json, "permissions")) {
    const std::string reason = Joined(Field(p, "reason_required"));
    permissions.Add({Str(p, "action"), Joined(Field(p, "roles")), reason, Str(p, "description")});
  }
  permissions.Print(std::cout);
  return {};
}

CliStatus RunTokenList(ApiClient& client, const ApiCommandOptions& o) {
  auto list = GetList(client, std::string(kApiPrefix) + "/tokens", {}, false);
  if (!list) return list.failure();
  if (o.json) {
    PrintListJson(*list);
    return {};
  }
  const auto now = std::chrono::system_clock::now();
  Table table({"NAME", "ROLE", "PREFIX", "STATE", "EXPIRES", "LAST USED"});
  for (const Json& t : list->items) {
    const std::string expires = Str(t, "expires_at"), used = Str(t, "last_used_at");
    table.Add({Str(t, "name"), Str(t, "role"), Str(t, "prefix"), Str(t, "state"),
               expires.empty() ? "never" : Relative(expires, now), used.empty() ? "never" : Relative(used, now)});
  }
  if (table.empty()) {
    std::cerr << "no tokens\n";
  } else {
    table.Print(std::cout);
  }
  return {};
}

struct TokenCreateOptions {
  ApiCommandOptions api;
  std::string name, role, expires_in;
};

CliStatus RunTokenCreate(ApiClient& client, const TokenCreateOptions& o) {
  Json body{{"name", o.name}, {"role", o.role}};
  if (!o.expires_in.empty()) body["expires_in"] = o.expires_in;
  auto r = client.SendJson("POST", std::string(kApiPrefix) + "/tokens", body);
  if (!r) return r.failure();
  if (o.api.json) {
    PrintRawJson(r->body);
    return {};
  }
  // The token on stdout alone (so it can be piped into a file); what it is on stderr.
  std::cout << Str(r->json, "token") << "\n";
  std::cerr << "created API token '" << Str(r->json, "name") << "' (role " << Str(r->json, "role") << ", prefix "
            << Str(r->json, "prefix") << ", expires " << Str(r->json, "expires_at") << "); it is shown only now\n";
  return {};
}

struct TokenRevokeOptions {
  ApiCommandOptions api;
  std::string name;
};

CliStatus RunTokenRevoke(ApiClient& client, const TokenRevokeOptions& o) {
  ApiRequest request;
  request.method = "DELETE";
  request.path = std::string(kApiPrefix) + "/tokens/" + UrlEscape(o.name);
  auto r = client.Send(request);
  if (!r) return r.failure();
  std::cout << "token '" << o.name << "' revoked (it stops working within acsd's api.token_cache_ttl)\n";
  return {};
}

struct AuditOptions {
  ApiCommandOptions api;
  std::string since, until, actor, action, device, result;
  int limit = 0;
  bool all = false;
};

CliStatus RunAudit(ApiClient& client, const AuditOptions& o) {
  QueryParams query = {
      {"since", o.since}, {"until", o.until}, {"actor", o.actor}, {"action", o.action}, {"result", o.result}};
  if (!o.device.empty()) {
    auto id = ResolveDevice(client, o.device);
    if (!id) return id.failure();
    query.emplace_back("device", std::to_string(*id));
  }
  if (o.limit > 0) query.emplace_back("limit", std::to_string(o.limit));
  auto list = GetList(client, std::string(kApiPrefix) + "/audit", query, o.all);
  if (!list) return list.failure();
  if (o.api.json) {
    PrintListJson(*list);
    return {};
  }
  Table table({"ID", "AT", "ACTOR", "ROLE", "ACTION", "TARGET", "RESULT", "REASON"});
  for (const Json& e : list->items) {
    table.Add({Text(Field(e, "id")), Str(e, "at"), Str(e, "actor"), Str(e, "role"), Str(e, "action"), Str(e, "target"),
               Str(e, "result"), Str(e, "reason")});
  }
  if (table.empty()) {
    std::cerr << "no audit entries\n";
  } else {
    table.Print(std::cout);
  }
  if (!list->next_cursor.is_null()) std::cerr << "more entries: add --all (or a larger --limit, at most 1000)\n";
  return {};
}

struct ApprovalsOptions {
  ApiCommandOptions api;
  std::string state;
  int limit = 50;
};

void PrintApproval(const Json& a) {
  const auto now = std::chrono::system_clock::now();
  PrintFields(std::cout, {{"approval", Text(Field(a, "id"))},
                          {"state", Str(a, "state")},
                          {"action", Str(a, "action")},
                          {"call", Str(a, "method") + " " + Str(a, "target")},
                          {"requested by", Str(a, "requested_by") + " (" + Str(a, "requested_role") + ")"},
                          {"reason", Str(a, "reason")},
                          {"created", TimeWithAge(Str(a, "created_at"), now)},
                          {"expires", TimeWithAge(Str(a, "expires_at"), now)},
                          {"decided by", Str(a, "decided_by").empty() ? "-" : Str(a, "decided_by")},
                          {"result", Field(a, "result_status").is_null() ? "-" : Text(Field(a, "result_status"))}});
}

CliStatus RunApprovals(ApiClient& client, const ApprovalsOptions& o) {
  std::vector<std::pair<std::string, std::string>> query;
  if (!o.state.empty()) query.emplace_back("state", o.state);
  query.emplace_back("limit", std::to_string(o.limit));
  auto list = GetList(client, std::string(kApiPrefix) + "/approvals", query, false);
  if (!list) return list.failure();
  if (o.api.json) {
    PrintListJson(*list);
    return {};
  }
  const auto now = std::chrono::system_clock::now();
  Table table({"ID", "STATE", "ACTION", "REQUESTED BY", "AGE", "REASON", "DECIDED BY"});
  for (const Json& a : list->items) {
    table.Add({Text(Field(a, "id")), Str(a, "state"), Str(a, "action"), Str(a, "requested_by"),
               Relative(Str(a, "created_at"), now), Str(a, "reason"),
               Str(a, "decided_by").empty() ? "-" : Str(a, "decided_by")});
  }
  if (table.empty()) {
    std::cerr << "no approvals" << (o.state.empty() ? "" : " " + o.state) << "\n";
  } else {
    table.Print(std::cout);
  }
  return {};
}

struct DecideOptions {
  ApiCommandOptions api;
  std::string id;
};

CliStatus RunDecide(ApiClient& client, const DecideOptions& o, bool approve) {
  if (o.id.empty() || o.id.find_first_not_of("0123456789") != std::string::npos) {
    return Usage("approval id: a number (see `acsctl approvals`)");
  }
  ApiRequest request;
  request.method = "POST";
  request.path = std::string(kApiPrefix) + "/approvals/" + o.id + (approve ? "/approve" : "/reject");
  auto r = client.Send(request);
  if (!r) return r.failure();
  if (o.api.json) {
    PrintRawJson(r->body);
    return {};
  }
  const Json& a = Field(r->json, "approval");
  PrintApproval(a);
  if (approve && Str(a, "state") != "executed") {
    return Failed("approved, but the call failed when it ran: HTTP " + Text(Field(a, "result_status")) + " " +
                  Field(a, "result").dump());
  }
  return {};
}

}  // namespace

void AddAccessCommands(CLI::App& app) {
  auto ap = std::make_shared<ApprovalsOptions>();
  CLI::App* approvals = app.add_subcommand("approvals", "List two-person approvals (pending first: --state pending)");
  approvals->add_option("--state", ap->state, "pending, approved, rejected, expired, executed or failed");
  approvals->add_option("--limit", ap->limit, "At most this many (1..1000)")->check(CLI::Range(1, 1000));
  AddApiOptions(approvals, &ap->api);
  approvals->callback([ap] { RunApiCommand(ap->api, [&](ApiClient& c) { return RunApprovals(c, *ap); }); });

  for (bool approve : {true, false}) {
    auto d = std::make_shared<DecideOptions>();
    CLI::App* cmd = app.add_subcommand(approve ? "approve" : "reject",
                                       approve ? "Approve another user's pending change: it runs now, as theirs"
                                               : "Reject a pending change (or withdraw your own)");
    cmd->add_option("ID", d->id, "The approval's id")->required();
    AddApiOptions(cmd, &d->api);
    cmd->callback([d, approve] { RunApiCommand(d->api, [&](ApiClient& c) { return RunDecide(c, *d, approve); }); });
  }

  auto a = std::make_shared<AuditOptions>();
  CLI::App* audit = app.add_subcommand("audit", "Show the audit log: every state-changing call, newest first");
  audit->add_option("--since", a->since, "At or after this time (RFC 3339, e.g. 2026-12-01T00:00:00Z)");
  audit->add_option("--until", a->until, "Before this time (RFC 3339)");
  audit->add_option("--actor", a->actor, "Token name");
  audit->add_option("--action", a->action, "An action, or a prefix ending in '.' (tasks.create.)");
  audit->add_option("--device", a->device, "Id, serial number, or OUI-ProductClass-Serial");
  audit->add_option("--result", a->result, "ok, an error code, or denied");
  audit->add_option("--limit", a->limit, "Entries per page (1..1000)")->check(CLI::Range(1, 1000));
  audit->add_flag("--all", a->all, "Every page (follows next_cursor)");
  AddApiOptions(audit, &a->api);
  audit->callback([a] { RunApiCommand(a->api, [&](ApiClient& c) { return RunAudit(c, *a); }); });

  auto w = std::make_shared<ApiCommandOptions>();
  CLI::App* whoami = app.add_subcommand("whoami", "Show this token's name, role and what it may do");
  AddApiOptions(whoami, w.get());
  whoami->callback([w] { RunApiCommand(*w, [&](ApiClient& c) { return RunWhoami(c, *w); }); });

  auto ro = std::make_shared<ApiCommandOptions>();
  CLI::App* roles = app.add_subcommand("roles", "Show the roles and the permission table acsd enforces");
  AddApiOptions(roles, ro.get());
  roles->callback([ro] { RunApiCommand(*ro, [&](ApiClient& c) { return RunRoles(c, *ro); }); });

  CLI::App* tokens = app.add_subcommand("tokens", "List, create and revoke API tokens (admin)");
  tokens->require_subcommand(1);
  auto l = std::make_shared<ApiCommandOptions>();
  CLI::App* list = tokens->add_subcommand("list", "List tokens (never their secrets)");
  AddApiOptions(list, l.get());
  list->callback([l] { RunApiCommand(*l, [&](ApiClient& c) { return RunTokenList(c, *l); }); });

  auto c = std::make_shared<TokenCreateOptions>();
  CLI::App* create = tokens->add_subcommand("create", "Create a token; it is printed once on stdout");
  create->add_option("--name", c->name, "Unique name (letters, digits, _ . @ : -)")->required();
  create->add_option("--role", c->role, "admin, helpdesk, security, firmware, noc or readonly")->required();
  create->add_option("--expires-in", c->expires_in,
                     "Lifetime, e.g. 30d, 12h (default: acsd's api.token_default_lifetime)");
  AddApiOptions(create, &c->api);
  create->callback([c] { RunApiCommand(c->api, [&](ApiClient& cl) { return RunTokenCreate(cl, *c); }); });

  auto v = std::make_shared<TokenRevokeOptions>();
  CLI::App* revoke = tokens->add_subcommand("revoke", "Revoke a token by name");
  revoke->add_option("NAME", v->name, "The token's name")->required();
  AddApiOptions(revoke, &v->api);
  revoke->callback([v] { RunApiCommand(v->api, [&](ApiClient& cl) { return RunTokenRevoke(cl, *v); }); });
}

}  // namespace ruru::acsctl

#include "tests/cpesim/faults.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>
#include <system_error>

#include "base/strings.h"
#include "tests/cpesim/options.h"

namespace ruru::cpesim {
namespace {

// ---- Names -------------------------------------------------------------------------------------
// The order is the grammar's (faults.h), which FormatFaultSpec follows. The values also salt the
// assignment draws (AssignDraw): append new kinds, never renumber, or every fleet changes.
enum class Kind {
  kSilent,
  kSlow,
  kWrongCredentials,
  kBrickVersion,
  kInfected,
  kHijacked,
  kIpChurn,
  kQuirkNoXmlDecl,
  kQuirk1999Schema,
  kQuirkArrayTypeMismatch,
  kQuirkCwmp10,
  kQuirkCwmp14,
  kDownloadFail,
  kDropTcp,
  kLostInformResponse,
  kLostResponse,
};

struct KindInfo {
  Kind kind;
  std::string_view name;
  std::string_view usage;  // shown when an item has too many fields
  size_t max_fields;
};

constexpr KindInfo kKinds[] = {
    {Kind::kSilent, "silent", "silent=F", 1},
    {Kind::kSlow, "slow", "slow=F[:MS]", 2},
    {Kind::kWrongCredentials, "wrong-credentials", "wrong-credentials=F", 1},
    {Kind::kBrickVersion, "brick-version", "brick-version=VERSION[:F]", 2},
    {Kind::kInfected, "infected", "infected=F[:DNS_IP[:HOURS]]", 3},
    {Kind::kHijacked, "hijacked", "hijacked=F[:SECONDS]", 2},
    {Kind::kIpChurn, "ip-churn", "ip-churn=F[:SECONDS]", 2},
    {Kind::kQuirkNoXmlDecl, "quirk-no-xml-decl", "quirk-no-xml-decl=F", 1},
    {Kind::kQuirk1999Schema, "quirk-1999-schema", "quirk-1999-schema=F", 1},
    {Kind::kQuirkArrayTypeMismatch, "quirk-arraytype-mismatch", "quirk-arraytype-mismatch=F", 1},
    {Kind::kQuirkCwmp10, "quirk-cwmp10", "quirk-cwmp10=F", 1},
    {Kind::kQuirkCwmp14, "quirk-cwmp14", "quirk-cwmp14=F", 1},
    {Kind::kDownloadFail, "download-fail", "download-fail=P[:CODE/CODE...]", 2},
    {Kind::kDropTcp, "drop-tcp", "drop-tcp=P", 1},
    {Kind::kLostInformResponse, "lost-inform-response", "lost-inform-response=P", 1},
    {Kind::kLostResponse, "lost-response", "lost-response=P[:RPC/RPC...]", 2},
};

// TransferComplete fault codes a failed Download may report.
constexpr uint32_t kDownloadCodes[] = {9010, 9012, 9013, 9015, 9016, 9017, 9018, 9019, 9020};
constexpr size_t kMaxDownloadCodes = std::size(kDownloadCodes);

constexpr size_t kMaxFieldBytes = 64;
constexpr double kMinRebootHours = 0.01;
constexpr double kMaxRebootHours = 8760;
constexpr uint32_t kMaxSlowMs = 600'000;
constexpr uint32_t kMaxDelaySeconds = 2'592'000;  // 30 days

// ---- Field parsing -----------------------------------------------------------------------------
// A non-negative decimal without exponent or sign ("0.05", "1", ".5", "2."), as a double.
std::optional<double> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > kMaxFieldBytes) return std::nullopt;
  size_t digits = 0, dots = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.') {
      ++dots;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || dots > 1) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<uint32_t> ParseUint(std::string_view s, uint32_t min, uint32_t max) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  uint64_t value = 0;
  std::from_chars(s.data(), s.data() + s.size(), value);
  if (value < min || value > max) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// Shortest text that reads back as exactly `v`, never in exponent form (ParseDecimal refuses it).
std::string FormatDecimal(double v) {
  char buf[400];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

// Parses one item into `spec`. `item` is trimmed and non-empty.
class ItemParser {
 public:
  ItemParser(std::string_view item, FaultSpec& spec) : item_(item), spec_(spec) {}

  Status Parse(std::set<Kind>& seen) {
    const size_t eq = item_.find('=');
    const std::string_view name = Trim(item_.substr(0, eq), " ");
    const auto info =
        std::find_if(std::begin(kKinds), std::end(kKinds), [&](const KindInfo& k) { return k.name == name; });
    if (info == std::end(kKinds)) return Fail("unknown fault name (see --help for the list)");
    if (!seen.insert(info->kind).second) return Fail("'" + std::string(name) + "' is given more than once");
    if (eq != std::string_view::npos) {
      std::string_view rest = item_.substr(eq + 1);
      while (true) {
        const size_t colon = rest.find(':');
        fields_.push_back(Trim(rest.substr(0, colon), " "));
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
      }
      if (fields_.size() > info->max_fields) return Fail("too many fields, expected " + std::string(info->usage));
    }
    return Apply(info->kind);
  }

 private:
  Status Apply(Kind kind) {
    switch (kind) {
      case Kind::kSilent:
        return Number(0, "F", spec_.silent);
      case Kind::kSlow:
        if (auto s = Number(0, "F", spec_.slow); !s) return s;
        return Uint(1, "MS", 1, kMaxSlowMs, spec_.slow_delay_ms);
      case Kind::kWrongCredentials:
        return Number(0, "F", spec_.wrong_credentials);
      case Kind::kBrickVersion: {
        const std::string_view version = Field(0);
        if (version.empty()) return Fail("VERSION is required (brick-version=VERSION[:F])");
        if (version.size() > 64 || version.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                             "0123456789._+-") != std::string_view::npos) {
          return Fail("VERSION must be 1 to 64 of A-Z a-z 0-9 . _ + -");
        }
        spec_.brick_version = std::string(version);
        spec_.brick = 1;
        return Number(1, "F", spec_.brick);
      }
      case Kind::kInfected: {
        if (auto s = Number(0, "F", spec_.infected); !s) return s;
        if (!Field(1).empty()) {
          auto ip = ParseIpv4(Field(1));
          if (!ip) return Fail("DNS_IP: " + ip.error().message);
          spec_.infected_dns = ToString(*ip);
        }
        if (!Field(2).empty()) {
          const auto hours = ParseDecimal(Field(2));
          if (!hours || *hours < kMinRebootHours || *hours > kMaxRebootHours) {
            return Fail("HOURS must be a decimal between 0.01 and 8760");
          }
          spec_.infected_reboot_mean_hours = *hours;
        }
        return Status::Ok();
      }
      case Kind::kHijacked:
        if (auto s = Number(0, "F", spec_.hijacked); !s) return s;
        return Uint(1, "SECONDS", 0, kMaxDelaySeconds, spec_.hijack_after_s);
      case Kind::kIpChurn:
        if (auto s = Number(0, "F", spec_.ip_churn); !s) return s;
        return Uint(1, "SECONDS", 1, kMaxDelaySeconds, spec_.ip_churn_mean_s);
      case Kind::kQuirkNoXmlDecl:
        return Number(0, "F", spec_.quirk_no_xml_decl);
      case Kind::kQuirk1999Schema:
        return Number(0, "F", spec_.quirk_1999_schema);
      case Kind::kQuirkArrayTypeMismatch:
        return Number(0, "F", spec_.quirk_arraytype_mismatch);
      case Kind::kQuirkCwmp10:
        return Number(0, "F", spec_.quirk_cwmp10);
      case Kind::kQuirkCwmp14:
        return Number(0, "F", spec_.quirk_cwmp14);
      case Kind::kDownloadFail:
        if (auto s = Number(0, "P", spec_.download_fail); !s) return s;
        return Codes(1);
      case Kind::kDropTcp:
        return Number(0, "P", spec_.drop_tcp);
      case Kind::kLostInformResponse:
        return Number(0, "P", spec_.lost_inform_response);
      case Kind::kLostResponse:
        if (auto s = Number(0, "P", spec_.lost_response); !s) return s;
        return Rpcs(1);
    }
    return Fail("unhandled fault");
  }

  std::string_view Field(size_t i) const { return i < fields_.size() ? fields_[i] : std::string_view(); }

  // Field i as a fraction/probability; absent: 1 for the first field of an item without "=" and
  // the default (already in `out`) otherwise.
  Status Number(size_t i, std::string_view what, double& out) {
    if (fields_.empty() && i == 0) {
      out = 1;
      return Status::Ok();
    }
    if (Field(i).empty()) {
      if (i == 0) return Fail(std::string(what) + " is empty");
      return Status::Ok();
    }
    const auto v = ParseDecimal(Field(i));
    if (!v || *v > 1) return Fail(std::string(what) + " must be a decimal between 0 and 1");
    out = *v;
    return Status::Ok();
  }

  Status Uint(size_t i, std::string_view what, uint32_t min, uint32_t max, uint32_t& out) {
    if (Field(i).empty()) return Status::Ok();
    const auto v = ParseUint(Field(i), min, max);
    if (!v) {
      return Fail(std::string(what) + " must be an integer between " + std::to_string(min) + " and " +
                  std::to_string(max));
    }
    out = *v;
    return Status::Ok();
  }

  // "Reboot/Download": ACS request names (letters only, at most 16 of them).
  Status Rpcs(size_t i) {
    std::string_view list = Field(i);
    spec_.lost_response_rpcs.clear();
    if (list.empty()) return Status::Ok();
    while (true) {
      const size_t slash = list.find('/');
      const std::string_view name = Trim(list.substr(0, slash), " ");
      const bool letters = !name.empty() && name.size() <= 40 &&
                           name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
                               std::string_view::npos;
      if (!letters) return Fail("RPC names are letters only, separated by '/'");
      if (spec_.lost_response_rpcs.size() >= 16) return Fail("at most 16 RPC names");
      spec_.lost_response_rpcs.emplace_back(name);
      if (slash == std::string_view::npos) break;
      list.remove_prefix(slash + 1);
    }
    return Status::Ok();
  }

  Status Codes(size_t i) {
    std::string_view list = Field(i);
    if (list.empty()) return Status::Ok();
    std::vector<uint32_t> codes;
    while (true) {
      const size_t slash = list.find('/');
      const std::string_view text = Trim(list.substr(0, slash), " ");
      const auto code = ParseUint(text, 0, 99999);
      if (!code || std::find(std::begin(kDownloadCodes), std::end(kDownloadCodes), *code) == std::end(kDownloadCodes)) {
        return Fail("'" + std::string(text.substr(0, kMaxFieldBytes)) +
                    "' is not a Download fault code (9010, 9012, 9013, 9015-9020)");
      }
      if (std::find(codes.begin(), codes.end(), *code) == codes.end()) codes.push_back(*code);
      if (slash == std::string_view::npos) break;
      list.remove_prefix(slash + 1);
    }
    if (codes.size() > kMaxDownloadCodes) return Fail("too many fault codes");
    spec_.download_fault_codes = std::move(codes);
    return Status::Ok();
  }

  Status Fail(std::string message) const {
    constexpr size_t kMaxQuoted = 80;
    std::string quoted(item_.substr(0, kMaxQuoted));
    if (item_.size() > kMaxQuoted) quoted += "...";
    return InvalidArgument("fault \"" + quoted + "\": " + message);
  }

  std::string_view item_;
  FaultSpec& spec_;
  std::vector<std::string_view> fields_;
};

// A fault that is off keeps no parameters, so equal behaviour means equal FaultSpecs (and
// FormatFaultSpec round-trips).
void ResetParametersOfFaultsOff(FaultSpec& s) {
  const FaultSpec d;
  if (s.slow == 0) s.slow_delay_ms = d.slow_delay_ms;
  if (s.brick == 0) s.brick_version.clear();
  if (s.brick_version.empty()) s.brick = 0;
  if (s.infected == 0) {
    s.infected_dns = d.infected_dns;
    s.infected_reboot_mean_hours = d.infected_reboot_mean_hours;
  }
  if (s.hijacked == 0) s.hijack_after_s = d.hijack_after_s;
  if (s.ip_churn == 0) s.ip_churn_mean_s = d.ip_churn_mean_s;
  if (s.download_fail == 0) s.download_fault_codes = d.download_fault_codes;
}

// ---- Randomness --------------------------------------------------------------------------------
uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Counter salts (>= kReservedCounters): one per assignment and per kind of event.
constexpr uint64_t Salt(uint64_t tag) { return tag << 56; }
constexpr uint64_t kAssignSalt = Salt(0xA5);
constexpr uint64_t kDownloadFailSalt = Salt(0xD1);
constexpr uint64_t kDownloadCodeSalt = Salt(0xD2);
constexpr uint64_t kDropTcpSalt = Salt(0xD3);
constexpr uint64_t kLostInformResponseSalt = Salt(0xD4);
constexpr uint64_t kLostResponseSalt = Salt(0xD5);

// The uniform draw that decides per-device fault `kind`.
double AssignDraw(uint64_t seed, size_t device_index, Kind kind) {
  return Uniform01(seed, device_index, kAssignSalt | static_cast<uint64_t>(kind));
}

// Counters of events wrap within the 56 bits below their salt.
uint64_t EventCounter(uint64_t salt, uint64_t n) { return salt | (n & (kReservedCounters - 1)); }

}  // namespace

Result<FaultSpec> ParseFaultSpec(std::string_view text) {
  FaultSpec spec;
  if (text.size() > FaultSpec::kMaxSpecBytes) {
    return InvalidArgument("fault spec longer than " + std::to_string(FaultSpec::kMaxSpecBytes) + " bytes");
  }
  if (Trim(text, " ").empty()) return spec;
  std::set<Kind> seen;
  size_t count = 0;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma), " ");
    if (item.empty()) return InvalidArgument("fault spec has an empty item (two commas, or one at an end)");
    if (++count > FaultSpec::kMaxItems) return InvalidArgument("fault spec has too many items");
    if (auto s = ItemParser(item, spec).Parse(seen); !s) return s.error();
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (spec.quirk_cwmp10 + spec.quirk_cwmp14 > 1) {
    return InvalidArgument("faults quirk-cwmp10 and quirk-cwmp14 add up to more than 1 (a device speaks one dialect)");
  }
  ResetParametersOfFaultsOff(spec);
  return spec;
}

std::string FormatFaultSpec(const FaultSpec& s) {
  std::string out;
  auto add = [&](std::string_view name, std::string value) {
    if (!out.empty()) out += ',';
    out.append(name).append("=").append(value);
  };
  const auto f = FormatDecimal;
  if (s.silent > 0) add("silent", f(s.silent));
  if (s.slow > 0) add("slow", f(s.slow) + ":" + std::to_string(s.slow_delay_ms));
  if (s.wrong_credentials > 0) add("wrong-credentials", f(s.wrong_credentials));
  if (s.brick > 0 && !s.brick_version.empty()) add("brick-version", s.brick_version + ":" + f(s.brick));
  if (s.infected > 0) {
    add("infected", f(s.infected) + ":" + s.infected_dns + ":" + f(s.infected_reboot_mean_hours));
  }
  if (s.hijacked > 0) add("hijacked", f(s.hijacked) + ":" + std::to_string(s.hijack_after_s));
  if (s.ip_churn > 0) add("ip-churn", f(s.ip_churn) + ":" + std::to_string(s.ip_churn_mean_s));
  if (s.quirk_no_xml_decl > 0) add("quirk-no-xml-decl", f(s.quirk_no_xml_decl));
  if (s.quirk_1999_schema > 0) add("quirk-1999-schema", f(s.quirk_1999_schema));
  if (s.quirk_arraytype_mismatch > 0) add("quirk-arraytype-mismatch", f(s.quirk_arraytype_mismatch));
  if (s.quirk_cwmp10 > 0) add("quirk-cwmp10", f(s.quirk_cwmp10));
  if (s.quirk_cwmp14 > 0) add("quirk-cwmp14", f(s.quirk_cwmp14));
  if (s.download_fail > 0) {
    std::string codes;
    for (uint32_t c : s.download_fault_codes) codes += (codes.empty() ? "" : "/") + std::to_string(c);
    add("download-fail", f(s.download_fail) + ":" + codes);
  }
  if (s.drop_tcp > 0) add("drop-tcp", f(s.drop_tcp));
  if (s.lost_inform_response > 0) add("lost-inform-response", f(s.lost_inform_response));
  if (s.lost_response > 0) {
    std::string rpcs;
    for (const auto& r : s.lost_response_rpcs) rpcs += (rpcs.empty() ? "" : "/") + r;
    add("lost-response", f(s.lost_response) + (rpcs.empty() ? "" : ":" + rpcs));
  }
  return out;
}

std::string_view FaultSpecUsage() {
  return "  --faults is a comma-separated list of NAME[=FIELD[:FIELD...]]. F: fraction of devices,\n"
         "  P: probability per event, both decimals in [0, 1]; NAME alone means 1.\n"
         "    silent=F                    never inform\n"
         "    slow=F[:MS]                 wait MS ms (2000) before every HTTP message\n"
         "    wrong-credentials=F         use a wrong ACS password\n"
         "    brick-version=VERSION[:F]   never inform again after installing VERSION\n"
         "    infected=F[:DNS_IP[:HOURS]] rogue DNS (198.51.100.53), WAN DNS relay, remote admin,\n"
         "                                UPnP mappings, a reboot every HOURS (24) on average\n"
         "    hijacked=F[:SECONDS]        stop informing this ACS after SECONDS (3600)\n"
         "    ip-churn=F[:SECONDS]        change WAN IP every SECONDS (3600) on average\n"
         "    quirk-no-xml-decl=F  quirk-1999-schema=F  quirk-arraytype-mismatch=F\n"
         "    quirk-cwmp10=F (namespace 1-0 only)  quirk-cwmp14=F (1.4, SupportedCWMPVersions)\n"
         "    download-fail=P[:CODE/...]  fail a Download with a code (9010/9016/9017/9018/9019)\n"
         "    drop-tcp=P                  close the connection mid-session\n"
         "    lost-inform-response=P      ignore the InformResponse, keep the events, retry\n"
         "    lost-response=P[:RPC/...]   carry out an ACS request, then drop its response\n"
         "  Details: tests/cpesim/README.md, \"Faults and scenarios\".\n";
}

DeviceFaults FaultsFor(const FaultSpec& spec, uint64_t seed, size_t device_index) {
  auto has = [&](Kind kind, double fraction) {
    return fraction > 0 && AssignDraw(seed, device_index, kind) < fraction;
  };
  DeviceFaults f;
  f.silent = has(Kind::kSilent, spec.silent);
  f.slow = has(Kind::kSlow, spec.slow);
  f.wrong_credentials = has(Kind::kWrongCredentials, spec.wrong_credentials);
  f.bricks_on_version = !spec.brick_version.empty() && has(Kind::kBrickVersion, spec.brick);
  f.infected = has(Kind::kInfected, spec.infected);
  f.hijacked = has(Kind::kHijacked, spec.hijacked);
  f.ip_churn = has(Kind::kIpChurn, spec.ip_churn);
  f.quirk_no_xml_decl = has(Kind::kQuirkNoXmlDecl, spec.quirk_no_xml_decl);
  f.quirk_1999_schema = has(Kind::kQuirk1999Schema, spec.quirk_1999_schema);
  f.quirk_arraytype_mismatch = has(Kind::kQuirkArrayTypeMismatch, spec.quirk_arraytype_mismatch);
  // One draw for both dialects, so a device never gets both: [0, f10) 1-0 only, then [f10, f10+f14) 1.4.
  if (spec.quirk_cwmp10 > 0 || spec.quirk_cwmp14 > 0) {
    const double u = AssignDraw(seed, device_index, Kind::kQuirkCwmp10);
    if (u < spec.quirk_cwmp10) {
      f.version_quirk = CwmpVersionQuirk::kCwmp10Only;
    } else if (u < spec.quirk_cwmp10 + spec.quirk_cwmp14) {
      f.version_quirk = CwmpVersionQuirk::kCwmp14;
    }
  }
  return f;
}

uint64_t Mix(uint64_t seed, uint64_t device, uint64_t counter) {
  return SplitMix64(SplitMix64(SplitMix64(seed) ^ device) ^ counter);
}

double Uniform01(uint64_t seed, uint64_t device, uint64_t counter) {
  return static_cast<double>(Mix(seed, device, counter) >> 11) * 0x1.0p-53;  // 53 random bits
}

double ExponentialInterval(double mean, double u) { return -mean * std::log1p(-u); }

uint32_t DownloadFaultFor(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n) {
  if (spec.download_fail <= 0 || spec.download_fault_codes.empty()) return 0;
  if (Uniform01(seed, device_index, EventCounter(kDownloadFailSalt, n)) >= spec.download_fail) return 0;
  const uint64_t pick = Mix(seed, device_index, EventCounter(kDownloadCodeSalt, n));
  return spec.download_fault_codes[pick % spec.download_fault_codes.size()];
}

bool DropsTcp(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n) {
  return spec.drop_tcp > 0 && Uniform01(seed, device_index, EventCounter(kDropTcpSalt, n)) < spec.drop_tcp;
}

bool LosesInformResponse(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n) {
  return spec.lost_inform_response > 0 &&
         Uniform01(seed, device_index, EventCounter(kLostInformResponseSalt, n)) < spec.lost_inform_response;
}

bool LosesResponse(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n, std::string_view rpc) {
  if (spec.lost_response <= 0) return false;
  if (!spec.lost_response_rpcs.empty() &&
      std::find(spec.lost_response_rpcs.begin(), spec.lost_response_rpcs.end(), rpc) == spec.lost_response_rpcs.end()) {
    return false;
  }
  return Uniform01(seed, device_index, EventCounter(kLostResponseSalt, n)) < spec.lost_response;
}

}  // namespace ruru::cpesim

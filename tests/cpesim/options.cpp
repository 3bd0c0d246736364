#include "tests/cpesim/options.h"

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

#include "cwmp/types.h"

namespace ruru::cpesim {
namespace {

// Longest text any option value may be (paths, URLs, lists); checked before parsing.
constexpr size_t kMaxOptionBytes = 4096;
constexpr size_t kMaxPatternBytes = 128;
constexpr size_t kMaxTimeZoneBytes = 64;
constexpr size_t kMaxTimeZones = 64;
constexpr size_t kMaxSerialPrefix = 32;
constexpr size_t kSerialDigits = 6;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Quotes untrusted text for a one-line message: bounded, control characters replaced.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

std::optional<uint64_t> ParseDecimalUint(std::string_view s) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;  // "010" would be octal to some readers
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// ---- CLI11 validators ----------------------------------------------------------------------
// CLI11's own conversions take "-1" for unsigned types (wrapping) and exponents for doubles, so
// every value is checked here first; CLI11 then converts text already known to be good.
CLI::Validator UnsignedIn(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const auto v = ParseDecimalUint(text);
        if (!v) return "expected a decimal integer, got " + Quote(text);
        if (*v < min || *v > max) return "must be between " + std::to_string(min) + " and " + std::to_string(max);
        return "";
      },
      "");
}

// Seconds as a non-negative decimal ("5", "0.25").
CLI::Validator SecondsIn(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const bool shape = !text.empty() && text.size() <= 20 && IsDigit(text[0]) &&
                           text.find_first_not_of("0123456789.") == std::string::npos &&
                           std::count(text.begin(), text.end(), '.') <= 1 && text.back() != '.';
        if (!shape) return "expected a number of seconds such as 5 or 0.5, got " + Quote(text);
        double v = 0;
        std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
        if (v < min || v > max) {
          return "must be between " + CLI::detail::to_string(min) + " and " + CLI::detail::to_string(max) + " seconds";
        }
        return "";
      },
      "");
}

// Any check that is a Status-returning function of the text.
template <typename F>
CLI::Validator Checked(F check) {
  return CLI::Validator(
      [check](std::string& text) -> std::string {
        if (text.size() > kMaxOptionBytes) return "longer than " + std::to_string(kMaxOptionBytes) + " bytes";
        const Status s = check(text);
        return s.ok() ? "" : s.error().message;
      },
      "");
}

Status ValidateAcsUrl(std::string_view url) {
  const bool http = url.substr(0, 7) == "http://";
  const bool https = url.substr(0, 8) == "https://";
  if (!http && !https) return InvalidArgument("must start with http:// or https://, got " + Quote(url));
  if (url.size() > cwmp::kMaxUrl) {
    return InvalidArgument("longer than " + std::to_string(cwmp::kMaxUrl) + " characters (ManagementServer.URL)");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return InvalidArgument("has a space, control or non-ASCII character: " + Quote(url));
    }
  }
  const std::string_view rest = url.substr(https ? 8 : 7);
  if (rest.empty() || rest[0] == '/' || rest[0] == ':') return InvalidArgument("has no host: " + Quote(url));
  return Status::Ok();
}

Status ValidateSerialPrefix(std::string_view p) {
  if (p.empty() || p.size() > kMaxSerialPrefix) return InvalidArgument("must be 1 to 32 characters");
  for (char c : p) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '-')
      return InvalidArgument("may hold only A-Z a-z 0-9 and -, got " + Quote(p));
  }
  return Status::Ok();
}

Status ValidateFile(std::string_view path) {
  if (path.empty()) return InvalidArgument("is empty");
  if (path.find('\0') != std::string_view::npos) return InvalidArgument("holds a NUL byte");
  return Status::Ok();
}

// ---- POSIX TZ ------------------------------------------------------------------------------
// A small cursor over the TZ string; each Take* consumes on success only.
class TzCursor {
 public:
  explicit TzCursor(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool Take(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // A zone abbreviation: 3+ letters, or <3+ of [A-Za-z0-9+-]> (for "<+0530>").
  bool TakeName() {
    size_t j = i_;
    if (Take('<')) {
      while (!done() && (IsAlpha(peek()) || IsDigit(peek()) || peek() == '+' || peek() == '-')) ++i_;
      if (i_ - j - 1 < 3 || !Take('>')) return Reset(j);
      return true;
    }
    while (!done() && IsAlpha(peek())) ++i_;
    return i_ - j >= 3 || Reset(j);
  }
  // [+|-]hh[:mm[:ss]] with hh <= max_hours.
  bool TakeOffset(uint32_t max_hours) {
    const size_t j = i_;
    if (!Take('+')) Take('-');
    uint32_t hours = 0;
    if (!TakeNumber(0, max_hours, &hours)) return Reset(j);
    for (int part = 0; part < 2 && Take(':'); ++part) {
      uint32_t v = 0;
      if (!TakeNumber(0, 59, &v, 2)) return Reset(j);
    }
    return true;
  }
  // Mm.w.d, Jn or n, then an optional /time.
  bool TakeRule() {
    const size_t j = i_;
    uint32_t v = 0;
    if (Take('M')) {
      if (!TakeNumber(1, 12, &v) || !Take('.') || !TakeNumber(1, 5, &v) || !Take('.') || !TakeNumber(0, 6, &v)) {
        return Reset(j);
      }
    } else if (Take('J')) {
      if (!TakeNumber(1, 365, &v)) return Reset(j);
    } else if (!TakeNumber(0, 365, &v)) {
      return Reset(j);
    }
    if (Take('/') && !TakeOffset(167)) return Reset(j);  // RFC 8536 allows transition hours up to 167
    return true;
  }

 private:
  bool TakeNumber(uint32_t min, uint32_t max, uint32_t* out, size_t max_digits = 3) {
    const size_t j = i_;
    uint32_t v = 0;
    while (!done() && IsDigit(peek()) && i_ - j < max_digits) v = v * 10 + (s_[i_++] - '0');
    if (i_ == j || v < min || v > max) return Reset(j);
    *out = v;
    return true;
  }
  bool Reset(size_t j) {
    i_ = j;
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// True when a comma-separated piece continues the previous zone's DST rules (M3.2.0, J60, 59/2).
bool IsRulePiece(std::string_view piece) {
  if (piece.empty()) return false;
  if (IsDigit(piece[0])) return true;
  return (piece[0] == 'M' || piece[0] == 'J') && piece.size() > 1 && IsDigit(piece[1]);
}

// ---- Source addresses ----------------------------------------------------------------------
bool IsUsableSourceSpace(uint32_t first, uint32_t last) {
  // 0.0.0.0/8 ("this network") and 224.0.0.0/3 (multicast, reserved, broadcast) cannot be bound
  // as unicast source addresses.
  auto overlaps = [&](uint32_t lo, uint32_t hi) { return first <= hi && last >= lo; };
  return !overlaps(0x00000000, 0x00FFFFFF) && !overlaps(0xE0000000, 0xFFFFFFFF);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

}  // namespace

// ---- Value parsers ---------------------------------------------------------------------------
Result<uint32_t> ParseIpv4(std::string_view text) {
  if (text.size() > 15) return InvalidArgument("not an IPv4 address: " + Quote(text));
  uint32_t addr = 0;
  std::string_view rest = text;
  for (int octet = 0; octet < 4; ++octet) {
    const size_t dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    const auto v = ParseDecimalUint(part);
    if (!v || *v > 255 || part.size() > 3) return InvalidArgument("not an IPv4 address: " + Quote(text));
    addr = (addr << 8) | static_cast<uint32_t>(*v);
    if (octet < 3) {
      if (dot == std::string_view::npos) return InvalidArgument("not an IPv4 address: " + Quote(text));
      rest.remove_prefix(dot + 1);
    } else if (dot != std::string_view::npos) {
      return InvalidArgument("not an IPv4 address: " + Quote(text));
    }
  }
  return addr;
}

std::string ToString(uint32_t ipv4) {
  return std::to_string(ipv4 >> 24) + "." + std::to_string((ipv4 >> 16) & 0xff) + "." +
         std::to_string((ipv4 >> 8) & 0xff) + "." + std::to_string(ipv4 & 0xff);
}

Result<Ipv4Range> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return InvalidArgument("expected an IPv4 range such as 127.1.0.0/16, got " + Quote(text));
  }
  auto addr = ParseIpv4(text.substr(0, slash));
  if (!addr) return addr.error();
  const auto prefix = ParseDecimalUint(text.substr(slash + 1));
  if (!prefix || *prefix > 32) return InvalidArgument("bad prefix length in " + Quote(text));
  if (*prefix < 8) return InvalidArgument(Quote(text) + " is wider than a /8");
  Ipv4Range range;
  range.prefix_length = static_cast<uint8_t>(*prefix);
  const uint32_t mask = range.prefix_length == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> range.prefix_length);
  range.network = *addr & mask;
  if (range.network != *addr) {
    return InvalidArgument(Quote(text) + " has host bits set; the range starts at " + ToString(range.network) + "/" +
                           std::to_string(*prefix));
  }
  if (!IsUsableSourceSpace(range.network, range.network | ~mask)) {
    return InvalidArgument(Quote(text) + " overlaps 0.0.0.0/8 or 224.0.0.0/3, which cannot be source addresses");
  }
  return range;
}

uint32_t Ipv4Range::first_usable() const { return prefix_length >= 31 ? network : network + 1; }

uint32_t Ipv4Range::usable_count() const {
  const uint64_t size = uint64_t{1} << (32 - prefix_length);
  return static_cast<uint32_t>(prefix_length >= 31 ? size : size - 2);
}

uint32_t Ipv4Range::AddressFor(size_t device_index) const {
  return first_usable() + static_cast<uint32_t>(device_index % usable_count());
}

Result<HostPort> ParseHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return InvalidArgument("expected HOST:PORT such as 127.0.0.1:0, got " + Quote(text));
  auto host = ParseIpv4(text.substr(0, colon));
  if (!host) return InvalidArgument("expected an IPv4 address before the port, got " + Quote(text));
  const auto port = ParseDecimalUint(text.substr(colon + 1));
  if (!port || *port > 65535)
    return InvalidArgument("bad port in " + Quote(text) + " (0 to 65535; 0 picks a free one)");
  return HostPort{ToString(*host), static_cast<uint16_t>(*port)};
}

Status ValidatePattern(std::string_view pattern, std::string_view what) {
  if (pattern.size() > kMaxPatternBytes) {
    return InvalidArgument(std::string(what) + " is longer than " + std::to_string(kMaxPatternBytes) + " characters");
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return InvalidArgument(std::string(what) + " may hold only printable ASCII characters");
    }
    if (c == '{') {
      const std::string_view rest = pattern.substr(i);
      if (rest.starts_with("{serial}")) {
        i += 7;
        continue;
      }
      if (rest.starts_with("{index}")) {
        i += 6;
        continue;
      }
      return InvalidArgument(std::string(what) + ": unknown placeholder at " + Quote(rest) +
                             " (known: {serial} {index})");
    }
    if (c == '}') return InvalidArgument(std::string(what) + ": '}' without '{'");
  }
  return Status::Ok();
}

std::string ExpandPattern(std::string_view pattern, std::string_view serial, size_t device_index) {
  std::string out;
  out.reserve(pattern.size() + serial.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string_view rest = pattern.substr(i);
    if (rest.starts_with("{serial}")) {
      out += serial;
      i += 7;
    } else if (rest.starts_with("{index}")) {
      out += std::to_string(device_index + 1);
      i += 6;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

Status ValidatePosixTz(std::string_view tz) {
  if (tz.empty() || tz.size() > kMaxTimeZoneBytes) {
    return InvalidArgument("time zone must be 1 to " + std::to_string(kMaxTimeZoneBytes) + " characters");
  }
  TzCursor c(tz);
  bool ok = c.TakeName() && c.TakeOffset(24);
  if (ok && !c.done()) {
    ok = c.TakeName();
    if (ok && c.peek() != ',' && !c.done()) ok = c.TakeOffset(24);
    if (ok && !c.done()) ok = c.Take(',') && c.TakeRule() && c.Take(',') && c.TakeRule();
  }
  if (!ok || !c.done()) {
    return InvalidArgument("not a POSIX TZ string (e.g. NZST-12NZDT,M9.5.0,M4.1.0/3): " + Quote(tz));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseTimeZoneList(std::string_view text) {
  std::vector<std::string> zones;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view piece = text.substr(0, comma);
    if (piece.empty()) return InvalidArgument("empty time zone in the list (two commas, or one at an end)");
    if (IsRulePiece(piece)) {
      if (zones.empty()) return InvalidArgument("the list starts with a DST rule: " + Quote(piece));
      zones.back().append(",").append(piece);
    } else {
      if (zones.size() == kMaxTimeZones)
        return InvalidArgument("more than " + std::to_string(kMaxTimeZones) + " time zones");
      zones.emplace_back(piece.substr(0, kMaxTimeZoneBytes + 1));
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  for (const auto& z : zones) {
    if (auto s = ValidatePosixTz(z); !s) return s.error();
  }
  return zones;
}

std::vector<std::string> DefaultTimeZones() {
  return {"NZST-12NZDT,M9.5.0,M4.1.0/3",
          "AEST-10AEDT,M10.1.0,M4.1.0/3",
          "CET-1CEST,M3.5.0,M10.5.0/3",
          "GMT0BST,M3.5.0/1,M10.5.0",
          "EST5EDT,M3.2.0,M11.1.0",
          "IST-5:30",
          "<-03>3",
          "UTC0"};
}

// ---- Command line ----------------------------------------------------------------------------
Result<Options> ParseOptions(int argc, const char* const* argv) {
  Options o;
  std::string source_ips, connreq_listen, time_zones = Join(DefaultTimeZones(), ",");

  CLI::App app{
      "cpesim: a fleet of simulated TR-069 (CWMP) home routers in one process, run against an ACS.\n"
      "Each device informs, answers every ACS RPC, downloads and uploads for real, and can be\n"
      "made to misbehave (--faults). Prints a one-line summary every few seconds and can\n"
      "write a JSON report at the end.",
      "cpesim"};
  app.get_formatter()->column_width(36);
  auto* acs = "ACS";
  auto* fleet = "Fleet";
  auto* load = "Load";
  auto* output = "Faults and output";

  app.add_option("--acs-url", o.acs_url, "ACS URL the devices inform (ManagementServer.URL), http:// or https://")
      ->required()
      ->group(acs)
      ->type_name("URL")
      ->check(Checked(ValidateAcsUrl));
  app.add_option("--tls-ca", o.tls_ca, "CA certificates (PEM) that verify an https ACS; default: the system's")
      ->group(acs)
      ->type_name("FILE")
      ->check(Checked(ValidateFile));
  app.add_option("--tls-client-cert", o.tls_client_cert,
                 "client certificate (PEM) every device presents to an https ACS (with --tls-client-key)")
      ->group(acs)
      ->type_name("FILE")
      ->check(Checked(ValidateFile));
  app.add_option("--tls-client-key", o.tls_client_key, "private key (PEM) of --tls-client-cert")
      ->group(acs)
      ->type_name("FILE")
      ->check(Checked(ValidateFile));
  app.add_flag("--tls-resume", o.tls_resume,
               "each device resumes its previous TLS session (session ticket) instead of a full handshake")
      ->group(acs);
  app.add_option("--acs-username-format", o.acs_username_format,
                 "Each device's ACS username; {serial} and {index} (1, 2, ...) are replaced")
      ->capture_default_str()
      ->group(acs)
      ->type_name("PATTERN");
  app.add_option("--acs-password-format", o.acs_password_format, "Each device's ACS password, as above")
      ->capture_default_str()
      ->group(acs)
      ->type_name("PATTERN");
  app.add_option("--connreq-listen", connreq_listen,
                 "The connection request listener of all devices (port 0: any free port)")
      ->default_str("127.0.0.1:0")
      ->group(acs)
      ->type_name("IP:PORT")
      ->check(Checked([](std::string_view t) -> Status {
        auto r = ParseHostPort(t);
        return r ? Status::Ok() : Status(r.error());
      }));
  app.add_option("--connreq-username-format", o.connreq_username_format,
                 "Each device's ConnectionRequestUsername, as above")
      ->capture_default_str()
      ->group(acs)
      ->type_name("PATTERN");
  app.add_option("--connreq-password-format", o.connreq_password_format,
                 "Each device's ConnectionRequestPassword, as above")
      ->capture_default_str()
      ->group(acs)
      ->type_name("PATTERN");

  app.add_option("--devices", o.devices, "Number of simulated devices, 1 to 200000")
      ->required()
      ->group(fleet)
      ->check(UnsignedIn(1, Options::kMaxDevices))
      ->type_name("N");
  app.add_option("--model", o.model, "Device model JSON; default: tests/cpesim/models/tr181-router.json")
      ->group(fleet)
      ->type_name("FILE")
      ->check(Checked(ValidateFile));
  app.add_option("--serial-prefix", o.serial_prefix, "Serial numbers are PREFIX000001, PREFIX000002, ...")
      ->capture_default_str()
      ->group(fleet)
      ->type_name("PREFIX")
      ->check(Checked(ValidateSerialPrefix));
  app.add_option("--time-zones", time_zones,
                 "POSIX TZ strings (Time.LocalTimeZone) given to the devices in turn; default: NZ, AU, CET, UK, "
                 "US Eastern, India, Argentina, UTC")
      ->group(fleet)
      ->type_name("TZ,TZ...")
      ->check(Checked([](std::string_view t) -> Status {
        auto r = ParseTimeZoneList(t);
        return r ? Status::Ok() : Status(r.error());
      }));
  app.add_option(
         "--source-ips", source_ips,
         "Device i binds to the i-th address of this range, e.g. 127.1.0.0/16 (wrapping): its WAN IP; default: any")
      ->group(fleet)
      ->type_name("CIDR")
      ->check(Checked([](std::string_view t) -> Status {
        auto r = ParseCidr(t);
        return r ? Status::Ok() : Status(r.error());
      }));
  app.add_option("--seed", o.seed, "Seed of every random choice (faults, jitter): same seed, same fleet")
      ->capture_default_str()
      ->group(fleet)
      ->type_name("N")
      ->check(UnsignedIn(0, std::numeric_limits<uint64_t>::max()));

  app.add_option("--inform-interval", o.inform_interval_s,
                 "Seconds between periodic informs (overrides the model's PeriodicInformInterval)")
      ->capture_default_str()
      ->group(load)
      ->type_name("SECONDS")
      ->check(UnsignedIn(1, 31'536'000));
  app.add_option("--ramp-per-second", o.ramp_per_second, "Devices started per second; 0: all at once")
      ->capture_default_str()
      ->group(load)
      ->type_name("N")
      ->check(UnsignedIn(0, 1'000'000));
  app.add_option("--max-inflight", o.max_inflight,
                 "Most sessions and transfers at once (2 open files each; see ulimit -n)")
      ->capture_default_str()
      ->group(load)
      ->type_name("N")
      ->check(UnsignedIn(1, 1'000'000));
  app.add_option("--threads", o.threads,
                 "Threads: the fleet is split into N shards (device i in shard i % N), each on its own thread; "
                 "--max-inflight is split among them")
      ->capture_default_str()
      ->group(load)
      ->type_name("N")
      ->check(UnsignedIn(1, 64));
  app.add_option("--duration", o.duration_s, "Seconds to run; 0: until SIGINT or SIGTERM")
      ->capture_default_str()
      ->group(load)
      ->type_name("SECONDS")
      ->check(SecondsIn(0, 31'536'000));
  app.add_option("--reboot-delay", o.reboot_delay_s, "Seconds a device takes to reboot")
      ->capture_default_str()
      ->group(load)
      ->type_name("SECONDS")
      ->check(SecondsIn(0, 3600));

  app.add_option("--faults", o.faults_text, "Misbehaving devices, e.g. silent=0.02,slow=0.05:2000 (see below)")
      ->group(output)
      ->type_name("SPEC")
      ->check(Checked([](std::string_view t) -> Status {
        auto r = ParseFaultSpec(t);
        return r ? Status::Ok() : Status(r.error());
      }));
  app.add_option("--report", o.report_path, "Write the measurements as JSON to this file at the end")
      ->group(output)
      ->type_name("FILE.json")
      ->check(Checked(ValidateFile));
  app.add_option("--summary-interval", o.summary_interval_s, "Seconds between live summary lines; 0: none")
      ->capture_default_str()
      ->group(output)
      ->type_name("SECONDS")
      ->check(SecondsIn(0, 86'400));

  app.add_flag("--exit-when-informed", o.exit_when_informed,
               "Stop once every started device (not silent) has completed a session (with --duration as the limit)")
      ->group(load);

  app.footer(std::string("\nFaults:\n") + std::string(FaultSpecUsage()) +
             "\nExamples:\n"
             "  cpesim --acs-url http://127.0.0.1:7547/ --devices 10000 --source-ips 127.1.0.0/16 --report run.json\n"
             "  cpesim --acs-url https://acs.test:7548/cwmp --tls-ca ca.pem --devices 500 \\\n"
             "         --faults silent=0.02,slow=0.05:2000,download-fail=0.1 --duration 600\n");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    Options help_only;
    help_only.help = app.help();
    help_only.time_zones = DefaultTimeZones();
    return help_only;
  } catch (const CLI::ParseError& e) {
    std::string line = e.what();
    std::replace(line.begin(), line.end(), '\n', ' ');
    return InvalidArgument(line + " (see --help)");
  }

  // Every value has passed its check above, so these conversions succeed.
  if (!source_ips.empty()) o.source_ips = *ParseCidr(source_ips);
  if (!connreq_listen.empty()) o.connreq_listen = *ParseHostPort(connreq_listen);
  o.time_zones = *ParseTimeZoneList(time_zones);
  o.faults = *ParseFaultSpec(o.faults_text);
  // Every shard needs at least one in-flight slot (and one port when the listener port is fixed).
  if (o.threads > o.max_inflight) {
    return InvalidArgument("--threads: at most --max-inflight (" + std::to_string(o.max_inflight) + ") (see --help)");
  }
  if (o.connreq_listen.port != 0 && o.connreq_listen.port + o.threads - 1 > 65535) {
    return InvalidArgument("--threads: --connreq-listen port + threads - 1 must be at most 65535 (see --help)");
  }

  // Credential patterns: known placeholders only, usernames usable in HTTP Basic (no ':'), and
  // every expansion within the CWMP limits (checked on the longest serial this run produces).
  const std::string longest_serial = SerialFor(o, o.devices - 1);
  struct Pattern {
    std::string_view option;
    const std::string& pattern;
    bool username;
  };
  const Pattern patterns[] = {{"--acs-username-format", o.acs_username_format, true},
                              {"--acs-password-format", o.acs_password_format, false},
                              {"--connreq-username-format", o.connreq_username_format, true},
                              {"--connreq-password-format", o.connreq_password_format, false}};
  for (const auto& p : patterns) {
    if (auto s = ValidatePattern(p.pattern, p.option); !s) return InvalidArgument(s.error().message + " (see --help)");
    if (p.username && (p.pattern.empty() || p.pattern.find(':') != std::string::npos)) {
      return InvalidArgument(std::string(p.option) + ": a username must not be empty or hold ':' (see --help)");
    }
    if (ExpandPattern(p.pattern, longest_serial, o.devices - 1).size() > cwmp::kMaxUsername) {
      return InvalidArgument(std::string(p.option) + ": expands to more than " + std::to_string(cwmp::kMaxUsername) +
                             " characters");
    }
  }
  return o;
}

std::string SerialFor(const Options& options, size_t device_index) {
  std::string number = std::to_string(device_index + 1);
  if (number.size() < kSerialDigits) number.insert(0, kSerialDigits - number.size(), '0');
  return options.serial_prefix + number;
}

const std::string& TimeZoneFor(const Options& options, size_t device_index) {
  static const std::string kUtc = "UTC0";
  if (options.time_zones.empty()) return kUtc;
  return options.time_zones[device_index % options.time_zones.size()];
}

// ---- Open files ------------------------------------------------------------------------------
uint64_t FileDescriptorsNeeded(size_t max_inflight, size_t listeners) {
  return kFdsPerInflight * max_inflight + listeners + kFdReserve;
}

Result<uint64_t> PlanOpenFileLimit(uint64_t soft, uint64_t hard, uint64_t needed) {
  if (needed <= soft) return soft;
  if (needed <= hard) return hard == RLIM_INFINITY ? needed : hard;
  return InvalidArgument("needs " + std::to_string(needed) + " open files but the hard limit (ulimit -Hn) is " +
                         std::to_string(hard) + " and only root can raise it");
}

Status CheckOpenFileLimit(size_t max_inflight, size_t listeners, uint64_t* soft_limit_out) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return Internal(std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  const uint64_t needed = FileDescriptorsNeeded(max_inflight, listeners);
  auto plan = PlanOpenFileLimit(lim.rlim_cur, lim.rlim_max, needed);
  if (!plan) {
    const uint64_t fixed = listeners + kFdReserve;
    const uint64_t fits = lim.rlim_max > fixed ? (lim.rlim_max - fixed) / kFdsPerInflight : 0;
    return InvalidArgument(
        "--max-inflight " + std::to_string(max_inflight) + " " + plan.error().message + " (" +
        std::to_string(kFdsPerInflight) + " per in-flight session, " + std::to_string(fixed) + " reserved); " +
        (fits > 0 ? "use --max-inflight " + std::to_string(fits) + " or less" : std::string("raise the hard limit")));
  }
  if (*plan != lim.rlim_cur) {
    rlimit raised = lim;
    raised.rlim_cur = *plan;
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      return Unavailable("cannot raise the open file limit from " + std::to_string(lim.rlim_cur) + " to " +
                         std::to_string(*plan) + ": " + std::strerror(errno));
    }
  }
  if (soft_limit_out != nullptr) *soft_limit_out = *plan;
  return Status::Ok();
}

}  // namespace ruru::cpesim

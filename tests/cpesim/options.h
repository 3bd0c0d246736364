// The cpesim command line: one typed Options struct, parsed and validated once in main() and then
// handed down, plus the small value parsers it is built from (CIDR ranges, host:port, credential
// patterns, POSIX time zones) and the per-device values derived from it (serial, source address,
// credentials, time zone). Pure except CheckOpenFileLimit, which reads and may raise RLIMIT_NOFILE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tests/cpesim/faults.h"

namespace ruru::cpesim {

// An IPv4 CIDR range and the addresses in it that devices may use as source ("WAN") addresses.
// Addresses are host byte order. Usable addresses: a /32 is its one address, a /31 both (RFC 3021),
// wider ranges leave out the network and broadcast addresses.
struct Ipv4Range {
  uint32_t network = 0;
  uint8_t prefix_length = 32;

  uint32_t first_usable() const;
  uint32_t usable_count() const;
  // The source address of device `device_index` (0-based): the i-th usable address, wrapping
  // around when there are more devices than addresses.
  uint32_t AddressFor(size_t device_index) const;
};

// "a.b.c.d/n": strict dotted quad (no leading zeros, which some parsers read as octal), n from 8
// to 32, no host bits set, and not in 0.0.0.0/8, multicast or reserved space (none of which can be
// a source address). Anything else is kInvalidArgument with a one-line reason.
Result<Ipv4Range> ParseCidr(std::string_view text);
// Strict dotted quad, as above, to a host-order address.
Result<uint32_t> ParseIpv4(std::string_view text);
// Dotted quad.
std::string ToString(uint32_t ipv4);

struct HostPort {
  std::string host;   // an IPv4 dotted quad
  uint16_t port = 0;  // 0: pick a free port
};
// "127.0.0.1:7547" or "127.0.0.1:0". Only IPv4 literals: the listener binds to exactly this.
Result<HostPort> ParseHostPort(std::string_view text);

// Credential patterns expand "{serial}" to the device's serial and "{index}" to its number as in
// the serial without the padding (1 for RURU000001). Any other "{" or "}" is refused by
// ValidatePattern; `what` names the option in the message.
Status ValidatePattern(std::string_view pattern, std::string_view what);
std::string ExpandPattern(std::string_view pattern, std::string_view serial, size_t device_index);

// A POSIX TZ string as TR-181 Time.LocalTimeZone holds it: "std offset [dst [offset] [,rule,rule]]",
// e.g. "NZST-12NZDT,M9.5.0,M4.1.0/3" or "<+0530>-5:30". Checked for shape, not against a tz database.
Status ValidatePosixTz(std::string_view tz);
// A comma-separated list of POSIX TZ strings. Commas inside a zone's DST rules are read as part of
// that zone: an item starting with "M<digit>", "J<digit>" or a digit continues the previous zone.
Result<std::vector<std::string>> ParseTimeZoneList(std::string_view text);

// Every field is a command-line option (--name-with-dashes); see --help for the operator's view.
struct Options {
  static constexpr size_t kMaxDevices = 200'000;

  std::string acs_url;                                  // --acs-url, required; http:// or https://
  size_t devices = 0;                                   // --devices, required, 1..kMaxDevices
  std::string model;                                    // --model FILE; "": the caller's default (TR-181 router)
  std::string serial_prefix = "RURU";                   // --serial-prefix, [A-Za-z0-9-]{1,32}
  uint32_t inform_interval_s = 300;                     // --inform-interval; overrides PeriodicInformInterval
  uint32_t ramp_per_second = 100;                       // --ramp-per-second; devices started per second, 0: all at once
  double duration_s = 0;                                // --duration; 0: until SIGINT/SIGTERM
  std::string tls_ca;                                   // --tls-ca FILE; "": the system's CA store
  std::string tls_client_cert;                          // --tls-client-cert FILE (every device presents it)
  std::string tls_client_key;                           // --tls-client-key FILE
  bool tls_resume = false;                              // --tls-resume
  HostPort connreq_listen{"127.0.0.1", 0};              // --connreq-listen; the one connection request listener
  std::optional<Ipv4Range> source_ips;                  // --source-ips; nullopt: the kernel picks the source
  uint32_t max_inflight = 1000;                         // --max-inflight; concurrent sessions + transfers
  uint32_t threads = 1;                                 // --threads; shards (io_context + thread), 1..64, <= max_inflight
  double reboot_delay_s = 5;                            // --reboot-delay; seconds a Reboot takes
  uint64_t seed = 1;                                    // --seed; fault assignment and jitter
  FaultSpec faults;                                     // --faults, parsed (see faults.h)
  std::string faults_text;                              // --faults as given, "" for none
  std::string report_path;                              // --report FILE.json; "": no report
  bool exit_when_informed = false;                      // --exit-when-informed: stop when every device informed
  double summary_interval_s = 5;                        // --summary-interval; 0: no live summary
  std::string acs_username_format = "{serial}";         // --acs-username-format
  std::string acs_password_format = "pw-{serial}";      // --acs-password-format
  std::string connreq_username_format = "{serial}";     // --connreq-username-format
  std::string connreq_password_format = "cr-{serial}";  // --connreq-password-format
  std::vector<std::string> time_zones;                  // --time-zones; assigned round robin (DefaultTimeZones())

  // Set when --help was given: print it to standard output and exit 0; the fields above are then
  // not validated (only defaults).
  std::optional<std::string> help;
};

// A few real zones on both hemispheres, with and without DST, one with a half-hour offset.
std::vector<std::string> DefaultTimeZones();

// Parses the command line (argv[0] is the program name). Errors are kInvalidArgument with one
// line naming the option, e.g. "--devices: must be between 1 and 200000 (see --help)".
Result<Options> ParseOptions(int argc, const char* const* argv);

// Per-device values. `device_index` is 0-based.
std::string SerialFor(const Options& options, size_t device_index);           // "RURU000001": prefix + 6+ digits
const std::string& TimeZoneFor(const Options& options, size_t device_index);  // round robin

// ---- Open files ------------------------------------------------------------------------------
// Each in-flight session or transfer may hold two descriptors (the ACS or file server socket and a
// second one, e.g. the connection of a redirect or a file being written); the reserve covers stdio,
// the event loop, the resolver, the report file and the like.
inline constexpr uint64_t kFdsPerInflight = 2;
inline constexpr uint64_t kFdReserve = 64;
uint64_t FileDescriptorsNeeded(size_t max_inflight, size_t listeners);

// The soft RLIMIT_NOFILE to run with, given the current soft and hard limits and what is needed:
// the soft limit when it suffices, the hard limit when only that does, else kInvalidArgument saying
// how far --max-inflight must come down. Pure.
Result<uint64_t> PlanOpenFileLimit(uint64_t soft, uint64_t hard, uint64_t needed);

// Reads RLIMIT_NOFILE, raises the soft limit (up to the hard limit) if max_inflight and the
// listeners need more, and fails with a clear message when even the hard limit is too low.
// On success *soft_limit_out (if not null) is the soft limit now in force.
Status CheckOpenFileLimit(size_t max_inflight, size_t listeners, uint64_t* soft_limit_out);

}  // namespace ruru::cpesim

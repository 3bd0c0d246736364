// Faults and scenarios (--faults SPEC): which simulated devices misbehave, and how.
//
// Grammar (spaces around items and fields are ignored):
//   SPEC  := ITEM ("," ITEM)*                at most one ITEM per fault name
//   ITEM  := NAME ["=" FIELD (":" FIELD)*]   the fields of each fault are listed below
// F and P are decimals in [0, 1] (0.05, 1, .5; no exponent, sign or percent). An item without
// "=" means F (or P) = 1. An empty field keeps its default ("infected=0.01::12"). A fault whose F
// or P is 0 is off and its other fields are ignored.
//
// Per-device faults: F is the fraction of devices that have the fault. Assignment is
// deterministic (FaultsFor: same seed and device index, same faults, whatever the device count).
//   silent=F                       never informs at all
//   slow=F[:MS]                    waits MS ms (default 2000, 1..600000) before every HTTP message
//   wrong-credentials=F            uses a wrong ACS password
//   brick-version=VERSION[:F]      F (default 1) of the devices never inform again after
//                                  installing VERSION ([A-Za-z0-9._+-]{1,64})
//   infected=F[:DNS_IP[:HOURS]]    the infected profile: DNS servers changed to DNS_IP (default
//                                  198.51.100.53), DNS relay answering on the WAN side, remote
//                                  admin enabled, UPnP port mappings added, and a reboot on average
//                                  every HOURS hours (default 24, 0.01..8760)
//   hijacked=F[:SECONDS]           SECONDS (default 3600, 0..2592000) after start, points
//                                  ManagementServer.URL at kHijackAcsUrl and stops informing this ACS
//   ip-churn=F[:SECONDS]           the WAN IP changes, on average every SECONDS (default 3600,
//                                  1..2592000)
//   quirk-no-xml-decl=F            sends no <?xml ...?> declaration
//   quirk-1999-schema=F            uses the 1999 XML Schema namespaces
//   quirk-arraytype-mismatch=F     declares SOAP-ENC:arrayType sizes that differ from the items
//   quirk-cwmp10=F                 speaks urn:dslforum-org:cwmp-1-0 only
//   quirk-cwmp14=F                 CWMP 1.4 with SupportedCWMPVersions; a device gets at most one
//                                  of quirk-cwmp10/quirk-cwmp14, so their sum must not exceed 1
// Per-event faults: P is a probability per event, for every device, drawn by the engine with
// the helpers at the end of this file.
//   download-fail=P[:CODE/CODE...] a Download fails with one of the CODEs (default
//                                  9010/9016/9017/9018/9019; allowed 9010, 9012, 9013, 9015-9020)
//   drop-tcp=P                     closes the TCP connection at a random point of the session
//   lost-inform-response=P         acts as if the InformResponse never came: drops the connection
//                                  after receiving it, keeps the events and retries later
//   lost-response=P[:RPC/RPC...]   carries out an ACS request (of the named RPCs; default any), then
//                                  drops the connection before its response is sent: the ACS
//                                  never learns the outcome (a Reboot still reboots)
//
// Errors name the item: `fault "slow=2": F must be a decimal between 0 and 1`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ruru::cpesim {

// Where hijacked devices point ManagementServer.URL: TEST-NET-2, routed nowhere.
inline constexpr std::string_view kHijackAcsUrl = "http://198.51.100.80:7547/acs";

struct FaultSpec {
  static constexpr size_t kMaxSpecBytes = 4096;
  static constexpr size_t kMaxItems = 32;

  // Per-device fractions, 0..1.
  double silent = 0;
  double slow = 0;
  double wrong_credentials = 0;
  double brick = 0;  // of the devices that install brick_version; 0 when brick_version is ""
  double infected = 0;
  double hijacked = 0;
  double ip_churn = 0;
  double quirk_no_xml_decl = 0;
  double quirk_1999_schema = 0;
  double quirk_arraytype_mismatch = 0;
  double quirk_cwmp10 = 0;
  double quirk_cwmp14 = 0;  // quirk_cwmp10 + quirk_cwmp14 <= 1

  // Per-event probabilities, 0..1.
  double download_fail = 0;
  double drop_tcp = 0;
  double lost_inform_response = 0;
  double lost_response = 0;
  std::vector<std::string> lost_response_rpcs;  // empty: any ACS request

  // Parameters.
  std::vector<uint32_t> download_fault_codes{9010, 9016, 9017, 9018, 9019};  // drawn uniformly
  std::string brick_version;                                                 // "": brick-version not given
  uint32_t slow_delay_ms = 2000;
  std::string infected_dns = "198.51.100.53";  // TEST-NET-2
  double infected_reboot_mean_hours = 24;
  uint32_t hijack_after_s = 3600;
  uint32_t ip_churn_mean_s = 3600;

  bool operator==(const FaultSpec&) const = default;
};

// Parses SPEC ("" is no faults). kInvalidArgument, one line naming the item, for an unknown name,
// a bad number, a fraction outside [0, 1], an unknown fault code, a duplicate, or too long a SPEC.
Result<FaultSpec> ParseFaultSpec(std::string_view spec);
// The canonical SPEC of `spec`: only the faults in effect, every parameter spelled out, in the
// order of the grammar above; ParseFaultSpec(FormatFaultSpec(s)) == s. "" for no faults.
std::string FormatFaultSpec(const FaultSpec& spec);
// A few lines summing up the grammar, for --help.
std::string_view FaultSpecUsage();

// Which CWMP version dialect a device speaks.
enum class CwmpVersionQuirk : uint8_t { kNone, kCwmp10Only, kCwmp14 };

// The per-device faults. Stored for every simulated device, hence bitfields (2 bytes).
struct DeviceFaults {
  bool silent : 1 = false;
  bool slow : 1 = false;
  bool wrong_credentials : 1 = false;
  bool bricks_on_version : 1 = false;  // bricks after installing FaultSpec::brick_version
  bool infected : 1 = false;
  bool hijacked : 1 = false;
  bool ip_churn : 1 = false;
  bool quirk_no_xml_decl : 1 = false;
  bool quirk_1999_schema : 1 = false;
  bool quirk_arraytype_mismatch : 1 = false;
  CwmpVersionQuirk version_quirk : 2 = CwmpVersionQuirk::kNone;

  bool operator==(const DeviceFaults&) const = default;
};
static_assert(sizeof(DeviceFaults) <= 16);

// The faults of device `device_index` (0-based). Each fault is decided by its own draw, so adding
// or changing one fault in SPEC leaves the others' assignment unchanged.
DeviceFaults FaultsFor(const FaultSpec& spec, uint64_t seed, size_t device_index);

// ---- Deterministic per-device randomness -------------------------------------------------------
// A 64-bit hash of (seed, device, counter) with splitmix64 finalisers: the engine's source of
// randomness, so a run is reproducible from --seed. Use a distinct counter for every draw (e.g. the
// session number) below kReservedCounters: counters from there up are the salted ones that
// FaultsFor and the helpers below use.
inline constexpr uint64_t kReservedCounters = uint64_t{1} << 56;
uint64_t Mix(uint64_t seed, uint64_t device, uint64_t counter);
// Mix() as a double in [0, 1).
double Uniform01(uint64_t seed, uint64_t device, uint64_t counter);
// An exponentially distributed interval with the given mean, from a uniform draw u in [0, 1).
double ExponentialInterval(double mean, double u);

// Per-event faults. `n` counts the device's events of that kind (0, 1, 2, ...).
// The fault code a Download fails with, or 0 when it succeeds.
uint32_t DownloadFaultFor(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n);
// Whether session `n` of the device drops its TCP connection, or loses its InformResponse.
bool DropsTcp(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n);
bool LosesInformResponse(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n);
// Whether the device's `n`-th ACS request of RPC `rpc` is carried out and its response lost.
bool LosesResponse(const FaultSpec& spec, uint64_t seed, size_t device_index, uint64_t n, std::string_view rpc);

}  // namespace ruru::cpesim

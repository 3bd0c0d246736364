// CWMP version negotiation (TR-069 Amendment 6, §3.7.1.?/A.2.2): a namespace is not a version.
// The version of a session is worked out from the Inform's namespace, its SessionTimeout header
// (introduced in CWMP 1.3) and its SupportedCWMPVersions header (CWMP 1.4); a 1.4 ACS answers a
// CPE that sent SupportedCWMPVersions with UseCWMPVersion (mustUnderstand) in the InformResponse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cwmp/messages.h"

namespace ruru::cwmp {

enum class CwmpVersion { k1_0, k1_1, k1_2, k1_3, k1_4 };
inline constexpr CwmpVersion kLatestVersion = CwmpVersion::k1_4;

std::string_view ToString(CwmpVersion v);  // "1.0" ... "1.4"
std::optional<CwmpVersion> ParseVersion(std::string_view text);
// The namespace messages of this version use (1.3 and 1.4 use cwmp-1-2).
Namespace NamespaceFor(CwmpVersion v);
// "1.0,1.1,1.2,1.3,1.4" (spaces tolerated). Unknown versions (e.g. a future "1.5") are skipped;
// an empty or entirely unreadable list is an error.
Result<std::vector<CwmpVersion>> ParseVersionList(std::string_view text);
std::string FormatVersionList(const std::vector<CwmpVersion>& versions);

struct Negotiated {
  CwmpVersion version = CwmpVersion::k1_0;
  // Set when the InformResponse must carry UseCWMPVersion (the CPE sent SupportedCWMPVersions).
  std::optional<CwmpVersion> use_cwmp_version;
  // The session's idle timeout: the CPE's SessionTimeout (1.3+) or the default of 30 s.
  uint32_t session_timeout_seconds = 30;
};

// ACS side: the version of the session opened by `inform` (an Envelope whose body is an Inform),
// for an ACS that supports versions up to `acs_max`. Fails (kInvalidArgument, "no common CWMP
// version") when the CPE's SupportedCWMPVersions shares none with the ACS: the ACS then answers
// with fault 8006 if the CPE offered 1.4 rules, else closes the session.
Result<Negotiated> NegotiateAsAcs(const Envelope& inform, CwmpVersion acs_max = kLatestVersion);

// ACS side: sets the negotiated headers on the InformResponse envelope (namespace, UseCWMPVersion).
void ApplyToInformResponse(const Negotiated& negotiated, const Envelope& inform, Envelope* response);

// CPE side: the headers a CPE supporting up to `cpe_max` puts on its Inform (namespace,
// SessionTimeout from 1.3, SupportedCWMPVersions from 1.4).
void OfferAsCpe(CwmpVersion cpe_max, uint32_t session_timeout_seconds, Envelope* inform);

// CPE side: the version to use after the ACS's InformResponse. A UseCWMPVersion that the CPE did
// not offer is an error; without one, a 1.4 CPE falls back to the highest version the namespace
// allows (1.2 for cwmp-1-2, TR-069 §A.2.2.?).
Result<CwmpVersion> AcceptAsCpe(CwmpVersion cpe_max, const Envelope& inform_response);

// Version-specific rules.
bool FaultCodeAllowed(uint32_t code, CwmpVersion v);  // e.g. 8006 exists only in CWMP 1.4
bool HeaderAllowed(std::string_view header, CwmpVersion v);  // "SessionTimeout" >= 1.3, ...

}  // namespace ruru::cwmp

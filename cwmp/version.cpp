#include "cwmp/version.h"

#include <algorithm>

namespace ruru::cwmp {

std::string_view ToString(CwmpVersion v) {
  switch (v) {
    case CwmpVersion::k1_0: return "1.0";
    case CwmpVersion::k1_1: return "1.1";
    case CwmpVersion::k1_2: return "1.2";
    case CwmpVersion::k1_3: return "1.3";
    case CwmpVersion::k1_4: return "1.4";
  }
  return "1.0";
}

std::optional<CwmpVersion> ParseVersion(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  for (CwmpVersion v : {CwmpVersion::k1_0, CwmpVersion::k1_1, CwmpVersion::k1_2, CwmpVersion::k1_3, CwmpVersion::k1_4}) {
    if (ToString(v) == text) return v;
  }
  return std::nullopt;
}

Namespace NamespaceFor(CwmpVersion v) {
  switch (v) {
    case CwmpVersion::k1_0: return Namespace::kCwmp10;
    case CwmpVersion::k1_1: return Namespace::kCwmp11;
    default: return Namespace::kCwmp12;
  }
}

Result<std::vector<CwmpVersion>> ParseVersionList(std::string_view text) {
  std::vector<CwmpVersion> out;
  size_t tokens = 0;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view token = text.substr(0, comma);
    if (token.find_first_not_of(' ') != std::string_view::npos) ++tokens;
    if (auto v = ParseVersion(token)) {
      if (std::find(out.begin(), out.end(), *v) == out.end()) out.push_back(*v);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (tokens == 0) return InvalidArgument("empty CWMP version list");
  if (out.empty()) return InvalidArgument("no known CWMP version in the list");
  std::sort(out.begin(), out.end());
  return out;
}

std::string FormatVersionList(const std::vector<CwmpVersion>& versions) {
  std::string out;
  for (CwmpVersion v : versions) {
    if (!out.empty()) out.push_back(',');
    out.append(ToString(v));
  }
  return out;
}

namespace {
CwmpVersion FromNamespace(Namespace ns) {
  switch (ns) {
    case Namespace::kCwmp10: return CwmpVersion::k1_0;
    case Namespace::kCwmp11: return CwmpVersion::k1_1;
    default: return CwmpVersion::k1_2;
  }
}
}  // namespace

Result<Negotiated> NegotiateAsAcs(const Envelope& inform, CwmpVersion acs_max) {
  Negotiated n;
  CwmpVersion base = FromNamespace(inform.ns);
  // A CPE that sends SessionTimeout implements at least CWMP 1.3 (only in cwmp-1-2 messages).
  if (inform.session_timeout && base == CwmpVersion::k1_2) base = CwmpVersion::k1_3;
  if (inform.supported_cwmp_versions) {
    auto offered = ParseVersionList(*inform.supported_cwmp_versions);
    if (!offered) return InvalidArgument("SupportedCWMPVersions: " + offered.error().message);
    // The highest version both sides support.
    std::optional<CwmpVersion> best;
    for (CwmpVersion v : *offered) {
      if (v <= acs_max) best = v;
    }
    if (!best) {
      return InvalidArgument("no common CWMP version: the CPE offers " + *inform.supported_cwmp_versions +
                             ", the ACS supports up to " + std::string(ToString(acs_max)));
    }
    n.version = *best;
    n.use_cwmp_version = *best;
  } else {
    n.version = std::min(base, acs_max);
  }
  if (inform.session_timeout && n.version >= CwmpVersion::k1_3) n.session_timeout_seconds = *inform.session_timeout;
  return n;
}

void ApplyToInformResponse(const Negotiated& negotiated, const Envelope& inform, Envelope* response) {
  response->ns = OutputNamespace(inform.ns);
  response->id = inform.id;
  if (negotiated.use_cwmp_version) response->use_cwmp_version = std::string(ToString(*negotiated.use_cwmp_version));
}

void OfferAsCpe(CwmpVersion cpe_max, uint32_t session_timeout_seconds, Envelope* inform) {
  inform->ns = NamespaceFor(cpe_max);
  inform->session_timeout.reset();
  inform->supported_cwmp_versions.reset();
  if (cpe_max >= CwmpVersion::k1_3) inform->session_timeout = session_timeout_seconds;
  if (cpe_max >= CwmpVersion::k1_4) {
    std::vector<CwmpVersion> all;
    for (int v = 0; v <= static_cast<int>(cpe_max); ++v) all.push_back(static_cast<CwmpVersion>(v));
    inform->supported_cwmp_versions = FormatVersionList(all);
  }
}

Result<CwmpVersion> AcceptAsCpe(CwmpVersion cpe_max, const Envelope& inform_response) {
  if (inform_response.use_cwmp_version) {
    auto v = ParseVersion(*inform_response.use_cwmp_version);
    if (!v) return InvalidArgument("UseCWMPVersion \"" + *inform_response.use_cwmp_version + "\" is not a CWMP version");
    if (*v > cpe_max) {
      return InvalidArgument("UseCWMPVersion " + std::string(ToString(*v)) + " was not offered (the CPE supports up to " +
                             std::string(ToString(cpe_max)) + ")");
    }
    return *v;
  }
  // No UseCWMPVersion: an ACS older than 1.4. Use the highest version the namespace allows, and
  // for cwmp-1-2 the CPE's own maximum up to 1.3 (1.4 requires the explicit agreement).
  const CwmpVersion by_ns = FromNamespace(inform_response.ns);
  if (by_ns == CwmpVersion::k1_2) return std::min(cpe_max, CwmpVersion::k1_3);
  return std::min(cpe_max, by_ns);
}

bool FaultCodeAllowed(uint32_t code, CwmpVersion v) {
  if (code == 8006) return v >= CwmpVersion::k1_4;
  return true;
}

bool HeaderAllowed(std::string_view header, CwmpVersion v) {
  if (header == "SessionTimeout") return v >= CwmpVersion::k1_3;
  if (header == "SupportedCWMPVersions" || header == "UseCWMPVersion") return v >= CwmpVersion::k1_4;
  if (header == "NoMoreRequests") return true;  // deprecated but tolerated in every version
  return true;
}

}  // namespace ruru::cwmp

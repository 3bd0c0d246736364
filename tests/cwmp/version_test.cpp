// CWMP version negotiation: the 1.0 ... 1.4 CPE x ACS matrix, through the real codec.
#include "cwmp/version.h"

#include <gtest/gtest.h>

#include "cwmp/codec.h"
#include "cwmp/session.h"

namespace ruru::cwmp {
namespace {

constexpr CwmpVersion kAll[] = {CwmpVersion::k1_0, CwmpVersion::k1_1, CwmpVersion::k1_2, CwmpVersion::k1_3,
                                CwmpVersion::k1_4};

Envelope Wire(const Envelope& e) {
  auto xml = Encode(e);
  EXPECT_TRUE(xml.ok()) << xml.error().message;
  auto back = Decode(*xml);
  EXPECT_TRUE(back.ok()) << back.error().message;
  return back->envelope;
}

Envelope CpeInform(CwmpVersion cpe) {
  Envelope e;
  e.id = "1";
  Inform inform;
  inform.device_id = {"Acme", "00D09E", "R1", "S1"};
  inform.events.push_back({EventCode::Of(EventKind::kPeriodic), ""});
  inform.current_time = "2026-11-28T00:00:00Z";
  e.body = inform;
  OfferAsCpe(cpe, 45, &e);
  return e;
}

TEST(VersionNegotiation, Matrix) {
  for (CwmpVersion cpe : kAll) {
    for (CwmpVersion acs : kAll) {
      SCOPED_TRACE("CPE " + std::string(ToString(cpe)) + " x ACS " + std::string(ToString(acs)));
      const Envelope inform = Wire(CpeInform(cpe));
      EXPECT_EQ(inform.ns, NamespaceFor(cpe));
      EXPECT_EQ(inform.session_timeout.has_value(), cpe >= CwmpVersion::k1_3);
      EXPECT_EQ(inform.supported_cwmp_versions.has_value(), cpe >= CwmpVersion::k1_4);

      auto n = NegotiateAsAcs(inform, acs);
      ASSERT_TRUE(n.ok()) << n.error().message;
      EXPECT_EQ(n->version, std::min(cpe, acs));
      EXPECT_EQ(n->use_cwmp_version.has_value(), cpe == CwmpVersion::k1_4);
      EXPECT_EQ(n->session_timeout_seconds, n->version >= CwmpVersion::k1_3 ? 45u : 30u);

      Envelope response;
      response.body = InformResponse{};
      ApplyToInformResponse(*n, inform, &response);
      const Envelope got = Wire(response);
      EXPECT_EQ(got.ns, OutputNamespace(inform.ns));
      EXPECT_EQ(got.id, "1");
      auto cpe_side = AcceptAsCpe(cpe, got);
      ASSERT_TRUE(cpe_side.ok()) << cpe_side.error().message;
      if (cpe == CwmpVersion::k1_4 || acs >= cpe) {
        EXPECT_EQ(*cpe_side, n->version) << "both ends must agree";
      } else {
        // An ACS capped below a pre-1.4 CPE cannot tell it so: the CPE keeps its own version and
        // must be backwards compatible (TR-069's rule for older ACSs).
        EXPECT_EQ(*cpe_side, cpe);
      }
    }
  }
}

TEST(VersionNegotiation, NamespaceIsNotTheVersion) {
  // cwmp-1-2 alone is 1.2; with SessionTimeout it is 1.3; with SupportedCWMPVersions, 1.4.
  Envelope e = CpeInform(CwmpVersion::k1_2);
  EXPECT_EQ(NegotiateAsAcs(e)->version, CwmpVersion::k1_2);
  e.session_timeout = 60;
  EXPECT_EQ(NegotiateAsAcs(e)->version, CwmpVersion::k1_3);
  e.supported_cwmp_versions = "1.0,1.1,1.2,1.3,1.4";
  EXPECT_EQ(NegotiateAsAcs(e)->version, CwmpVersion::k1_4);
  // A tolerated cwmp-1-4 namespace on input is still answered in cwmp-1-2.
  e.ns = Namespace::kCwmp14;
  Envelope r;
  r.body = InformResponse{};
  ApplyToInformResponse(*NegotiateAsAcs(e), e, &r);
  EXPECT_EQ(r.ns, Namespace::kCwmp12);
  EXPECT_EQ(r.use_cwmp_version, "1.4");
}

TEST(VersionNegotiation, PicksTheHighestCommonVersion) {
  Envelope e = CpeInform(CwmpVersion::k1_4);
  e.supported_cwmp_versions = " 1.2 , 1.0,1.4, 1.5";  // unordered, spaced, an unknown future version
  auto n = NegotiateAsAcs(e, CwmpVersion::k1_3);
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->version, CwmpVersion::k1_2);
  EXPECT_EQ(n->use_cwmp_version, CwmpVersion::k1_2);
}

TEST(VersionNegotiation, NoCommonVersionIsAnError) {
  Envelope e = CpeInform(CwmpVersion::k1_4);
  e.supported_cwmp_versions = "1.4";
  auto n = NegotiateAsAcs(e, CwmpVersion::k1_2);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("no common CWMP version"), std::string::npos);
  e.supported_cwmp_versions = "2.0,3.1";
  EXPECT_FALSE(NegotiateAsAcs(e).ok());
  e.supported_cwmp_versions = " , ";
  EXPECT_FALSE(NegotiateAsAcs(e).ok());
}

TEST(VersionNegotiation, CpeRefusesAVersionItDidNotOffer) {
  Envelope r;
  r.ns = Namespace::kCwmp12;
  r.body = InformResponse{};
  r.use_cwmp_version = "1.4";
  EXPECT_FALSE(AcceptAsCpe(CwmpVersion::k1_3, r).ok());
  EXPECT_EQ(*AcceptAsCpe(CwmpVersion::k1_4, r), CwmpVersion::k1_4);
  r.use_cwmp_version = "banana";
  EXPECT_FALSE(AcceptAsCpe(CwmpVersion::k1_4, r).ok());
}

TEST(VersionNegotiation, HeadersSurviveTheWire) {
  Envelope e = CpeInform(CwmpVersion::k1_4);
  const Envelope got = Wire(e);
  EXPECT_EQ(got.session_timeout, 45u);
  EXPECT_EQ(got.supported_cwmp_versions, "1.0,1.1,1.2,1.3,1.4");
  Envelope r;
  r.ns = Namespace::kCwmp12;
  r.body = InformResponse{};
  r.use_cwmp_version = "1.4";
  auto xml = Encode(r);
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->find(R"(<cwmp:UseCWMPVersion SOAP-ENV:mustUnderstand="1">1.4</cwmp:UseCWMPVersion>)"), std::string::npos) << *xml;
  EXPECT_EQ(Wire(r).use_cwmp_version, "1.4");
}

TEST(VersionNegotiation, BadSessionTimeoutIsIgnoredWithAWarning) {
  auto d = Decode(
      R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">)"
      R"(<s:Header><cwmp:SessionTimeout>soon</cwmp:SessionTimeout></s:Header><s:Body><cwmp:GetRPCMethods/></s:Body></s:Envelope>)");
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_FALSE(d->envelope.session_timeout.has_value());
  ASSERT_EQ(d->warnings.size(), 1u);
}

TEST(VersionRules, Fault8006OnlyInCwmp14) {
  EXPECT_FALSE(FaultCodeAllowed(8006, CwmpVersion::k1_2));
  EXPECT_TRUE(FaultCodeAllowed(8006, CwmpVersion::k1_4));
  EXPECT_TRUE(FaultCodeAllowed(8005, CwmpVersion::k1_0));

  for (CwmpVersion v : {CwmpVersion::k1_2, CwmpVersion::k1_4}) {
    ManualClock clock;
    Session s(Role::kAcs, clock);
    s.SetVersion(v);
    Envelope inform = CpeInform(CwmpVersion::k1_2);
    ASSERT_TRUE(s.Receive(inform).ok());
    Envelope fault;
    Fault f;
    f.code = 8006;
    fault.body = f;
    EXPECT_EQ(s.Send(fault).ok(), v == CwmpVersion::k1_4) << ToString(v);
  }
}

TEST(VersionRules, HeadersBelongToTheirVersions) {
  EXPECT_FALSE(HeaderAllowed("SessionTimeout", CwmpVersion::k1_2));
  EXPECT_TRUE(HeaderAllowed("SessionTimeout", CwmpVersion::k1_3));
  EXPECT_FALSE(HeaderAllowed("UseCWMPVersion", CwmpVersion::k1_3));
  EXPECT_TRUE(HeaderAllowed("UseCWMPVersion", CwmpVersion::k1_4));
  ManualClock clock;
  Session s(Role::kAcs, clock);
  s.SetVersion(CwmpVersion::k1_2);
  ASSERT_TRUE(s.Receive(CpeInform(CwmpVersion::k1_2)).ok());
  ASSERT_TRUE(s.MarkStored().ok());
  Envelope r;
  r.body = InformResponse{};
  r.use_cwmp_version = "1.4";
  EXPECT_FALSE(s.Send(r).ok());
  r.use_cwmp_version.reset();
  EXPECT_TRUE(s.Send(r).ok());
}

// A 1.4 CPE offering "1.0,1.2,1.4" to an ACS limited to 1.2: the ACS names 1.2 in UseCWMPVersion
// (only in the InformResponse) and both sides then follow 1.2 rules.
TEST(VersionRules, UseCwmpVersionMayNameAnOlderAgreedVersion) {
  Envelope inform = CpeInform(CwmpVersion::k1_4);
  inform.supported_cwmp_versions = "1.0,1.2,1.4";
  auto n = NegotiateAsAcs(inform, CwmpVersion::k1_2);
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_EQ(n->version, CwmpVersion::k1_2);
  ManualClock clock;
  Session acs(Role::kAcs, clock);
  ASSERT_TRUE(acs.Receive(inform).ok());
  acs.SetVersion(n->version);  // negotiated from the Inform just received
  ASSERT_TRUE(acs.MarkStored().ok());
  Envelope r;
  r.body = InformResponse{};
  ApplyToInformResponse(*n, inform, &r);
  ASSERT_EQ(r.use_cwmp_version, "1.2");
  EXPECT_TRUE(acs.Send(r).ok());
  auto cpe_version = AcceptAsCpe(CwmpVersion::k1_4, r);
  ASSERT_TRUE(cpe_version.ok()) << cpe_version.error().message;
  EXPECT_EQ(*cpe_version, CwmpVersion::k1_2) << "both ends agree";
  Envelope later;
  later.body = GetRPCMethods{};
  later.use_cwmp_version = "1.2";
  EXPECT_FALSE(acs.Send(later).ok()) << "only the InformResponse carries it below 1.4";
}

TEST(VersionNames, ParseAndFormat) {
  EXPECT_EQ(ParseVersion("1.3"), CwmpVersion::k1_3);
  EXPECT_FALSE(ParseVersion("1.5").has_value());
  EXPECT_EQ(FormatVersionList(*ParseVersionList("1.4,1.0,1.0")), "1.0,1.4");
}

}  // namespace
}  // namespace ruru::cwmp

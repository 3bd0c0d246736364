#include "tests/cpesim/faults.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

namespace ruru::cpesim {
namespace {

FaultSpec Parsed(std::string_view text) {
  auto r = ParseFaultSpec(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : FaultSpec{};
}

// ---- Parsing -----------------------------------------------------------------------------------
TEST(ParseFaultSpec, TheIssueExample) {
  const FaultSpec s = Parsed(
      "download-fail=0.1:9010/9016/9017/9018/9019,brick-version=6.0.0,silent=0.02,slow=0.05:2000,drop-tcp=0.01,"
      "lost-inform-response=0.01,wrong-credentials=0.01,quirk-no-xml-decl=0.1,quirk-1999-schema=0.1,"
      "quirk-arraytype-mismatch=0.1,quirk-cwmp10=0.1,quirk-cwmp14=0.1,infected=0.01,hijacked=0.005,ip-churn=0.1:600");
  EXPECT_EQ(s.download_fail, 0.1);
  EXPECT_EQ(s.download_fault_codes, (std::vector<uint32_t>{9010, 9016, 9017, 9018, 9019}));
  EXPECT_EQ(s.brick_version, "6.0.0");
  EXPECT_EQ(s.brick, 1);
  EXPECT_EQ(s.silent, 0.02);
  EXPECT_EQ(s.slow, 0.05);
  EXPECT_EQ(s.slow_delay_ms, 2000u);
  EXPECT_EQ(s.drop_tcp, 0.01);
  EXPECT_EQ(s.lost_inform_response, 0.01);
  EXPECT_EQ(s.wrong_credentials, 0.01);
  EXPECT_EQ(s.quirk_no_xml_decl, 0.1);
  EXPECT_EQ(s.quirk_1999_schema, 0.1);
  EXPECT_EQ(s.quirk_arraytype_mismatch, 0.1);
  EXPECT_EQ(s.quirk_cwmp10, 0.1);
  EXPECT_EQ(s.quirk_cwmp14, 0.1);
  EXPECT_EQ(s.infected, 0.01);
  EXPECT_EQ(s.infected_dns, "198.51.100.53");
  EXPECT_EQ(s.infected_reboot_mean_hours, 24);
  EXPECT_EQ(s.hijacked, 0.005);
  EXPECT_EQ(s.hijack_after_s, 3600u);
  EXPECT_EQ(s.ip_churn, 0.1);
  EXPECT_EQ(s.ip_churn_mean_s, 600u);
}

TEST(ParseFaultSpec, EmptyIsNoFaults) {
  EXPECT_EQ(Parsed(""), FaultSpec{});
  EXPECT_EQ(Parsed("  "), FaultSpec{});
  EXPECT_EQ(FormatFaultSpec(FaultSpec{}), "");
}

TEST(ParseFaultSpec, ParametersDefaultsAndSpaces) {
  const FaultSpec s = Parsed(
      " silent , infected=0.5::12 , hijacked = 0.1 : 0 , brick-version=6.0.0-rc1:0.25,"
      "download-fail=.5:9018");
  EXPECT_EQ(s.silent, 1);  // a name alone means 1
  EXPECT_EQ(s.infected, 0.5);
  EXPECT_EQ(s.infected_dns, "198.51.100.53");  // empty field: default
  EXPECT_EQ(s.infected_reboot_mean_hours, 12);
  EXPECT_EQ(s.hijacked, 0.1);
  EXPECT_EQ(s.hijack_after_s, 0u);
  EXPECT_EQ(s.brick_version, "6.0.0-rc1");
  EXPECT_EQ(s.brick, 0.25);
  EXPECT_EQ(s.download_fail, 0.5);
  EXPECT_EQ(s.download_fault_codes, std::vector<uint32_t>{9018});
  EXPECT_EQ(Parsed("infected=1:203.0.113.9:0.5").infected_dns, "203.0.113.9");
}

TEST(ParseFaultSpec, AFaultThatIsOffKeepsNoParameters) {
  EXPECT_EQ(Parsed("slow=0:5000"), FaultSpec{});
  EXPECT_EQ(Parsed("brick-version=6.0.0:0"), FaultSpec{});
  EXPECT_EQ(Parsed("download-fail=0:9018,infected=0:1.2.3.4:3"), FaultSpec{});
}

TEST(ParseFaultSpec, ErrorsAreOneLineNamingTheItem) {
  const std::map<std::string, std::string> cases = {
      {"bogus=0.1", "bogus=0.1"},
      {"silent=0.1,slow=2", "slow=2"},
      {"silent=-0.1", "silent=-0.1"},
      {"silent=1.5", "silent=1.5"},
      {"silent=1e-3", "silent=1e-3"},
      {"silent=5%", "silent=5%"},
      {"silent=nan", "silent=nan"},
      {"silent=.", "silent=."},
      {"silent=", "silent="},
      {"silent=0.1:2", "silent=0.1:2"},
      {"slow=0.1:0", "slow=0.1:0"},
      {"slow=0.1:600001", "slow=0.1:600001"},
      {"slow=0.1:2s", "slow=0.1:2s"},
      {"download-fail=0.1:9011", "9011"},
      {"download-fail=0.1:9018/abc", "abc"},
      {"brick-version", "brick-version"},
      {"brick-version=6.0.0:2", "brick-version=6.0.0:2"},
      {"brick-version=6 0", "brick-version=6 0"},
      {"infected=0.1:1.2.3", "infected=0.1:1.2.3"},
      {"infected=0.1::0", "infected=0.1::0"},
      {"ip-churn=0.1:0", "ip-churn=0.1:0"},
      {"hijacked=0.1:99999999999", "hijacked"},
      {"silent=0.1,silent=0.2", "silent"},
      {"silent=0.1,,slow=0.1", "empty item"},
      {"silent=0.1,", "empty item"},
      {"quirk-cwmp10=0.6,quirk-cwmp14=0.6", "quirk-cwmp10"},
  };
  for (const auto& [spec, expected] : cases) {
    auto r = ParseFaultSpec(spec);
    ASSERT_FALSE(r.ok()) << spec;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(expected), std::string::npos) << spec << " -> " << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

TEST(ParseFaultSpec, HostileSizes) {
  EXPECT_FALSE(ParseFaultSpec(std::string(5000, 'a')).ok());
  std::string many;
  for (int i = 0; i < 40; ++i) many += "silent=0,";
  many += "silent=0";
  EXPECT_FALSE(ParseFaultSpec(many).ok());
  auto r = ParseFaultSpec("silent=" + std::string(3000, '1'));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().message.size(), 200u);  // the item is quoted, not copied whole
}

TEST(FormatFaultSpec, CanonicalAndRoundTrips) {
  const FaultSpec s = Parsed(
      "ip-churn=0.1:600,silent=0.02,download-fail=0.1:9018/9010,infected=0.01::0.5,"
      "brick-version=6.0.0,quirk-cwmp14=0.3,drop-tcp=0.00001");
  EXPECT_EQ(FormatFaultSpec(s),
            "silent=0.02,brick-version=6.0.0:1,infected=0.01:198.51.100.53:0.5,ip-churn=0.1:600,quirk-cwmp14=0.3,"
            "download-fail=0.1:9018/9010,drop-tcp=0.00001");
  EXPECT_EQ(Parsed(FormatFaultSpec(s)), s);
  const FaultSpec all = Parsed(
      "silent,slow=0.5:1,wrong-credentials=0.3,brick-version=1.2.3:0.7,infected=0.1:10.0.0.1:8760,hijacked=0.2:5,"
      "ip-churn=0.4:1,quirk-no-xml-decl=0.1,quirk-1999-schema=0.2,quirk-arraytype-mismatch=0.3,quirk-cwmp10=0.4,"
      "quirk-cwmp14=0.6,download-fail=1:9020,drop-tcp=0.123456789,lost-inform-response=0.9,lost-response=0.5:Reboot/Download");
  EXPECT_EQ(Parsed(FormatFaultSpec(all)), all);
  EXPECT_EQ(FormatFaultSpec(Parsed("lost-response=1")), "lost-response=1");
}

// ---- Assignment ----------------------------------------------------------------------------------
TEST(FaultsFor, FractionsOver100000Devices) {
  const FaultSpec s = Parsed(
      "silent=0.02,slow=0.05,wrong-credentials=0.01,brick-version=6.0.0:0.5,infected=0.01,hijacked=0.005,"
      "ip-churn=0.1,quirk-no-xml-decl=0.1,quirk-1999-schema=0.2,quirk-arraytype-mismatch=0.3,quirk-cwmp10=0.1,"
      "quirk-cwmp14=0.15");
  constexpr size_t kDevices = 100'000;
  std::map<std::string, size_t> n;
  for (size_t i = 0; i < kDevices; ++i) {
    const DeviceFaults f = FaultsFor(s, 42, i);
    n["silent"] += f.silent;
    n["slow"] += f.slow;
    n["wrong"] += f.wrong_credentials;
    n["brick"] += f.bricks_on_version;
    n["infected"] += f.infected;
    n["hijacked"] += f.hijacked;
    n["churn"] += f.ip_churn;
    n["xml"] += f.quirk_no_xml_decl;
    n["1999"] += f.quirk_1999_schema;
    n["array"] += f.quirk_arraytype_mismatch;
    n["cwmp10"] += f.version_quirk == CwmpVersionQuirk::kCwmp10Only;
    n["cwmp14"] += f.version_quirk == CwmpVersionQuirk::kCwmp14;
  }
  const std::map<std::string, double> expected = {
      {"silent", 0.02}, {"slow", 0.05}, {"wrong", 0.01}, {"brick", 0.5}, {"infected", 0.01}, {"hijacked", 0.005},
      {"churn", 0.1},   {"xml", 0.1},   {"1999", 0.2},   {"array", 0.3}, {"cwmp10", 0.1},    {"cwmp14", 0.15}};
  for (const auto& [name, fraction] : expected) {
    EXPECT_NEAR(static_cast<double>(n[name]) / kDevices, fraction, 0.01) << name;
  }
}

TEST(FaultsFor, DeterministicAndIndependentOfOtherFaults) {
  const FaultSpec a = Parsed("silent=0.3,slow=0.3");
  const FaultSpec b = Parsed("silent=0.3,slow=0.3,infected=0.5,quirk-cwmp10=0.2");
  size_t differs_by_seed = 0, has_any = 0;
  for (size_t i = 0; i < 2000; ++i) {
    const DeviceFaults fa = FaultsFor(a, 7, i);
    EXPECT_EQ(fa, FaultsFor(a, 7, i));
    const DeviceFaults fb = FaultsFor(b, 7, i);
    EXPECT_EQ(fa.silent, fb.silent) << i;  // adding faults leaves the others alone
    EXPECT_EQ(fa.slow, fb.slow) << i;
    differs_by_seed += !(fa == FaultsFor(a, 8, i));
    has_any += fa.silent || fa.slow;
  }
  EXPECT_GT(differs_by_seed, 500u);  // another seed, another fleet
  EXPECT_GT(has_any, 500u);
  // Extremes are exact.
  const FaultSpec all = Parsed("silent=1,slow=0");
  for (size_t i = 0; i < 1000; ++i) {
    EXPECT_TRUE(FaultsFor(all, 1, i).silent);
    EXPECT_FALSE(FaultsFor(all, 1, i).slow);
  }
  EXPECT_EQ(FaultsFor(FaultSpec{}, 1, 5), DeviceFaults{});
}

TEST(FaultsFor, OneCwmpDialectPerDevice) {
  const FaultSpec s = Parsed("quirk-cwmp10=0.5,quirk-cwmp14=0.5");
  size_t ten = 0;
  for (size_t i = 0; i < 10000; ++i) {
    const auto q = FaultsFor(s, 3, i).version_quirk;
    EXPECT_NE(q, CwmpVersionQuirk::kNone);
    ten += q == CwmpVersionQuirk::kCwmp10Only;
  }
  EXPECT_NEAR(ten / 10000.0, 0.5, 0.02);
}

TEST(DeviceFaults, IsCompact) { EXPECT_LE(sizeof(DeviceFaults), 2u); }

// ---- Randomness ----------------------------------------------------------------------------------
TEST(Mix, DeterministicAndSpread) {
  EXPECT_EQ(Mix(1, 2, 3), Mix(1, 2, 3));
  EXPECT_NE(Mix(1, 2, 3), Mix(1, 2, 4));
  EXPECT_NE(Mix(1, 2, 3), Mix(1, 3, 3));
  EXPECT_NE(Mix(1, 2, 3), Mix(2, 2, 3));
  EXPECT_NE(Mix(0, 1, 0), Mix(0, 0, 1));  // arguments are not interchangeable
  double sum = 0;
  size_t below_tenth = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double u = Uniform01(9, i, 0);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    below_tenth += u < 0.1;
  }
  EXPECT_NEAR(sum / kN, 0.5, 0.01);
  EXPECT_NEAR(below_tenth / static_cast<double>(kN), 0.1, 0.005);
}

TEST(ExponentialInterval, MeanAndRange) {
  EXPECT_EQ(ExponentialInterval(600, 0), 0);
  double sum = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double v = ExponentialInterval(600, Uniform01(1, 0, i));
    ASSERT_TRUE(std::isfinite(v));
    ASSERT_GE(v, 0);
    sum += v;
  }
  EXPECT_NEAR(sum / kN, 600, 12);
}

TEST(PerEventFaults, RatesAndCodes) {
  const FaultSpec s = Parsed("download-fail=0.2:9016/9018,drop-tcp=0.05,lost-inform-response=0.1");
  constexpr int kN = 100000;
  size_t failed = 0, dropped = 0, lost = 0;
  std::map<uint32_t, size_t> codes;
  for (int i = 0; i < kN; ++i) {
    const size_t device = i % 1000;
    const uint64_t n = i / 1000;
    const uint32_t code = DownloadFaultFor(s, 5, device, n);
    EXPECT_EQ(code, DownloadFaultFor(s, 5, device, n));
    if (code != 0) {
      ++failed;
      ++codes[code];
    }
    dropped += DropsTcp(s, 5, device, n);
    lost += LosesInformResponse(s, 5, device, n);
  }
  EXPECT_NEAR(failed / static_cast<double>(kN), 0.2, 0.01);
  EXPECT_NEAR(dropped / static_cast<double>(kN), 0.05, 0.01);
  EXPECT_NEAR(lost / static_cast<double>(kN), 0.1, 0.01);
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_NEAR(codes[9016] / static_cast<double>(failed), 0.5, 0.03);
  // Off means never.
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(DownloadFaultFor(FaultSpec{}, 5, i, 0), 0u);
    EXPECT_FALSE(DropsTcp(FaultSpec{}, 5, i, 0));
    EXPECT_FALSE(LosesInformResponse(FaultSpec{}, 5, i, 0));
  }
}

TEST(PerEventFaults, LostResponseOnlyForTheNamedRpcs) {
  const FaultSpec s = Parsed("lost-response=0.5:Reboot/Download");
  EXPECT_EQ(s.lost_response_rpcs, (std::vector<std::string>{"Reboot", "Download"}));
  size_t lost = 0;
  for (uint64_t n = 0; n < 10000; ++n) {
    lost += LosesResponse(s, 7, 3, n, "Reboot");
    EXPECT_FALSE(LosesResponse(s, 7, 3, n, "GetParameterValues"));
  }
  EXPECT_NEAR(lost / 10000.0, 0.5, 0.03);
  const FaultSpec any = Parsed("lost-response");
  EXPECT_TRUE(LosesResponse(any, 7, 3, 0, "GetParameterValues"));
  EXPECT_FALSE(LosesResponse(FaultSpec{}, 7, 3, 0, "Reboot"));
  for (const char* bad : {"lost-response=0.5:Re-boot", "lost-response=2", "lost-response=0.5:Reboot/",
                          "lost-response=0.5:A:B"}) {
    EXPECT_FALSE(ParseFaultSpec(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace ruru::cpesim

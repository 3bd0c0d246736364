#include "tests/cpesim/options.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace ruru::cpesim {
namespace {

Result<Options> Parse(std::initializer_list<std::string> args) {
  std::vector<std::string> storage{"cpesim"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& s : storage) argv.push_back(s.c_str());
  return ParseOptions(static_cast<int>(argv.size()), argv.data());
}

// The error of a parse that must fail: one line, naming `option`.
std::string ErrorOf(std::initializer_list<std::string> args, std::string_view option) {
  auto r = Parse(args);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  const std::string& m = r.error().message;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find(option), std::string::npos) << m;
  return m;
}

const std::string kUrl = "http://127.0.0.1:7547/acs";

// ---- Command line ----------------------------------------------------------------------------
TEST(ParseOptions, DefaultsWithOnlyTheRequiredOptions) {
  auto o = Parse({"--acs-url", kUrl, "--devices", "10000"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->acs_url, kUrl);
  EXPECT_EQ(o->devices, 10000u);
  EXPECT_EQ(o->model, "");
  EXPECT_EQ(o->serial_prefix, "RURU");
  EXPECT_EQ(o->inform_interval_s, 300u);
  EXPECT_EQ(o->ramp_per_second, 100u);
  EXPECT_EQ(o->duration_s, 0);
  EXPECT_EQ(o->tls_ca, "");
  EXPECT_EQ(o->connreq_listen.host, "127.0.0.1");
  EXPECT_EQ(o->connreq_listen.port, 0);
  EXPECT_FALSE(o->source_ips.has_value());
  EXPECT_EQ(o->max_inflight, 1000u);
  EXPECT_EQ(o->reboot_delay_s, 5);
  EXPECT_EQ(o->seed, 1u);
  EXPECT_EQ(o->faults, FaultSpec{});
  EXPECT_EQ(o->report_path, "");
  EXPECT_EQ(o->summary_interval_s, 5);
  EXPECT_EQ(o->acs_username_format, "{serial}");
  EXPECT_EQ(o->acs_password_format, "pw-{serial}");
  EXPECT_EQ(o->time_zones, DefaultTimeZones());
  EXPECT_FALSE(o->help.has_value());
}

TEST(ParseOptions, EveryOption) {
  auto o = Parse({"--acs-url=https://acs.test:7548/cwmp",
                  "--devices",
                  "200000",
                  "--model",
                  "m.json",
                  "--serial-prefix",
                  "Lab-7",
                  "--inform-interval",
                  "60",
                  "--ramp-per-second",
                  "0",
                  "--duration",
                  "1.5",
                  "--tls-ca",
                  "ca.pem",
                  "--connreq-listen",
                  "127.0.0.1:7547",
                  "--source-ips",
                  "127.1.0.0/16",
                  "--max-inflight",
                  "5000",
                  "--reboot-delay",
                  "0.25",
                  "--seed",
                  "18446744073709551615",
                  "--faults",
                  "silent=0.02,slow=0.05:1500",
                  "--report",
                  "out.json",
                  "--summary-interval",
                  "0",
                  "--acs-username-format",
                  "cpe-{index}",
                  "--acs-password-format",
                  "",
                  "--connreq-username-format",
                  "cr-{serial}",
                  "--connreq-password-format",
                  "x{serial}{index}",
                  "--time-zones",
                  "NZST-12NZDT,M9.5.0,M4.1.0/3,UTC0,IST-5:30"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->acs_url, "https://acs.test:7548/cwmp");
  EXPECT_EQ(o->devices, 200000u);
  EXPECT_EQ(o->model, "m.json");
  EXPECT_EQ(o->serial_prefix, "Lab-7");
  EXPECT_EQ(o->inform_interval_s, 60u);
  EXPECT_EQ(o->ramp_per_second, 0u);
  EXPECT_EQ(o->duration_s, 1.5);
  EXPECT_EQ(o->tls_ca, "ca.pem");
  EXPECT_EQ(o->connreq_listen.port, 7547);
  ASSERT_TRUE(o->source_ips.has_value());
  EXPECT_EQ(ToString(o->source_ips->network), "127.1.0.0");
  EXPECT_EQ(o->source_ips->prefix_length, 16);
  EXPECT_EQ(o->max_inflight, 5000u);
  EXPECT_EQ(o->reboot_delay_s, 0.25);
  EXPECT_EQ(o->seed, UINT64_MAX);
  EXPECT_EQ(o->faults.silent, 0.02);
  EXPECT_EQ(o->faults.slow_delay_ms, 1500u);
  EXPECT_EQ(o->faults_text, "silent=0.02,slow=0.05:1500");
  EXPECT_EQ(o->report_path, "out.json");
  EXPECT_EQ(o->summary_interval_s, 0);
  EXPECT_EQ(o->acs_username_format, "cpe-{index}");
  EXPECT_EQ(o->acs_password_format, "");
  EXPECT_EQ(o->connreq_username_format, "cr-{serial}");
  EXPECT_EQ(o->connreq_password_format, "x{serial}{index}");
  EXPECT_EQ(o->time_zones, (std::vector<std::string>{"NZST-12NZDT,M9.5.0,M4.1.0/3", "UTC0", "IST-5:30"}));
}

TEST(ParseOptions, HelpIsAReadableTextNotAnError) {
  auto o = Parse({"--help"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  ASSERT_TRUE(o->help.has_value());
  for (const char* expected : {"--acs-url", "--devices", "--source-ips", "--faults", "--max-inflight", "REQUIRED",
                               "brick-version=VERSION", "Examples:", "127.1.0.0/16", "{serial}"}) {
    EXPECT_NE(o->help->find(expected), std::string::npos) << expected << " missing in:\n" << *o->help;
  }
}

TEST(ParseOptions, RequiredOptions) {
  ErrorOf({"--devices", "10"}, "--acs-url");
  ErrorOf({"--acs-url", kUrl}, "--devices");
}

TEST(ParseOptions, DeviceCountIsBounded) {
  for (const char* bad : {"0", "200001", "-1", "1e4", "010", "ten", "", "99999999999999999999999"}) {
    ErrorOf({"--acs-url", kUrl, "--devices", bad}, "--devices");
  }
  EXPECT_TRUE(Parse({"--acs-url", kUrl, "--devices", "1"}).ok());
}

TEST(ParseOptions, NumbersAreStrict) {
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--inform-interval", "0"}, "--inform-interval");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--inform-interval", "1.5"}, "--inform-interval");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--max-inflight", "0"}, "--max-inflight");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--reboot-delay", "-1"}, "--reboot-delay");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--reboot-delay", "1e3"}, "--reboot-delay");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--reboot-delay", "nan"}, "--reboot-delay");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--duration", "5."}, "--duration");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--seed", "18446744073709551616"}, "--seed");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--summary-interval", "99999999"}, "--summary-interval");
}

TEST(ParseOptions, RefusesBadValues) {
  ErrorOf({"--acs-url", "ftp://x/", "--devices", "1"}, "--acs-url");
  ErrorOf({"--acs-url", "http://", "--devices", "1"}, "--acs-url");
  ErrorOf({"--acs-url", "http://a b/", "--devices", "1"}, "--acs-url");
  ErrorOf({"--acs-url", "http://x/" + std::string(300, 'a'), "--devices", "1"}, "--acs-url");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--serial-prefix", "RU RU"}, "--serial-prefix");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--serial-prefix", std::string(33, 'A')}, "--serial-prefix");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--source-ips", "127.1.0.0"}, "--source-ips");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--connreq-listen", "localhost:80"}, "--connreq-listen");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--time-zones", "Mars+99"}, "--time-zones");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--model", ""}, "--model");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--bogus"}, "--bogus");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "stray"}, "stray");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--devices", "2"}, "--devices");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--report", std::string(5000, 'r')}, "--report");
}

TEST(ParseOptions, FaultErrorsNameTheItem) {
  const std::string m = ErrorOf({"--acs-url", kUrl, "--devices", "1", "--faults", "silent=0.1,slow=2"}, "--faults");
  EXPECT_NE(m.find("slow=2"), std::string::npos) << m;
}

TEST(ParseOptions, CredentialPatterns) {
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--acs-username-format", "{serial"}, "--acs-username-format");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--acs-password-format", "{mac}"}, "--acs-password-format");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--connreq-username-format", "a:b"}, "--connreq-username-format");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--acs-username-format", ""}, "--acs-username-format");
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--acs-password-format", "pw\x01"}, "--acs-password-format");
  // 32-character prefix + 6 digits = 38 per {serial}; 7 of them exceed 256.
  ErrorOf({"--acs-url", kUrl, "--devices", "1", "--serial-prefix", std::string(32, 'S'), "--acs-password-format",
           "{serial}{serial}{serial}{serial}{serial}{serial}{serial}"},
          "--acs-password-format");
  EXPECT_TRUE(Parse({"--acs-url", kUrl, "--devices", "1", "--acs-password-format", "a:b{serial}"}).ok());
}

// ---- Per-device values -----------------------------------------------------------------------
TEST(SerialFor, FixedWidthDeterministic) {
  Options o;
  EXPECT_EQ(SerialFor(o, 0), "RURU000001");
  EXPECT_EQ(SerialFor(o, 9999), "RURU010000");
  EXPECT_EQ(SerialFor(o, 199999), "RURU200000");
  EXPECT_EQ(SerialFor(o, 999999), "RURU1000000");  // grows rather than wraps
  o.serial_prefix = "X-";
  EXPECT_EQ(SerialFor(o, 41), "X-000042");
}

TEST(ExpandPattern, SerialAndIndex) {
  EXPECT_EQ(ExpandPattern("{serial}", "RURU000007", 6), "RURU000007");
  EXPECT_EQ(ExpandPattern("pw-{serial}-{index}", "RURU000007", 6), "pw-RURU000007-7");
  EXPECT_EQ(ExpandPattern("plain", "S", 0), "plain");
  EXPECT_EQ(ExpandPattern("", "S", 0), "");
  EXPECT_EQ(ExpandPattern("{serial}{serial}", "AB", 0), "ABAB");
}

TEST(ValidatePattern, KnownPlaceholdersOnly) {
  EXPECT_TRUE(ValidatePattern("pw-{serial}-{index}", "--x").ok());
  EXPECT_TRUE(ValidatePattern("", "--x").ok());
  for (const char* bad : {"{", "}", "{serial", "{Serial}", "{index}}", "a{}b", "tab\there"}) {
    auto s = ValidatePattern(bad, "--x");
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.error().message.rfind("--x", 0), 0u) << s.error().message;
    }
  }
  EXPECT_FALSE(ValidatePattern(std::string(129, 'a'), "--x").ok());
}

TEST(TimeZoneFor, RoundRobin) {
  Options o;
  o.time_zones = {"UTC0", "CET-1CEST,M3.5.0,M10.5.0/3"};
  EXPECT_EQ(TimeZoneFor(o, 0), "UTC0");
  EXPECT_EQ(TimeZoneFor(o, 1), "CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(TimeZoneFor(o, 4), "UTC0");
  o.time_zones.clear();
  EXPECT_EQ(TimeZoneFor(o, 3), "UTC0");
}

// ---- Value parsers ---------------------------------------------------------------------------
TEST(ParseCidr, UsableAddressesAndWrapping) {
  auto r = ParseCidr("127.1.0.0/16");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->usable_count(), 65534u);
  EXPECT_EQ(ToString(r->AddressFor(0)), "127.1.0.1");  // the network address is skipped
  EXPECT_EQ(ToString(r->AddressFor(254)), "127.1.0.255");
  EXPECT_EQ(ToString(r->AddressFor(65533)), "127.1.255.254");  // the broadcast address is skipped
  EXPECT_EQ(ToString(r->AddressFor(65534)), "127.1.0.1");
  EXPECT_EQ(ToString(r->AddressFor(200000)), ToString(r->AddressFor(200000 % 65534)));

  auto one = ParseCidr("127.0.0.5/32");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->usable_count(), 1u);
  EXPECT_EQ(ToString(one->AddressFor(0)), "127.0.0.5");
  EXPECT_EQ(ToString(one->AddressFor(12345)), "127.0.0.5");

  auto two = ParseCidr("10.0.0.2/31");  // RFC 3021: both addresses usable
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(ToString(two->AddressFor(0)), "10.0.0.2");
  EXPECT_EQ(ToString(two->AddressFor(1)), "10.0.0.3");
  EXPECT_EQ(ToString(two->AddressFor(2)), "10.0.0.2");

  auto four = ParseCidr("10.0.0.4/30");
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(four->usable_count(), 2u);
  EXPECT_EQ(ToString(four->AddressFor(1)), "10.0.0.6");

  auto wide = ParseCidr("127.0.0.0/8");
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->usable_count(), 16777214u);
}

TEST(ParseCidr, RefusesWithAReason) {
  for (const char* bad : {"", "127.1.0.0", "127.1.0.0/", "127.1.0.0/33", "127.1.0.0/-1", "127.1.0.0/16/1", "10.0.0.0/7",
                          "127.1.0.1/16", "127.01.0.0/16", "127.1.0/16", "127.1.0.0.0/16", "256.1.0.0/16", "::1/128",
                          "0.0.0.0/8", "224.0.0.0/8", "255.255.255.255/32", "127.1.0.0 /16", "127.1.0.0/016"}) {
    auto r = ParseCidr(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
  }
  auto r = ParseCidr("127.1.2.3/16");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("127.1.0.0/16"), std::string::npos) << r.error().message;
  EXPECT_FALSE(ParseCidr(std::string(100000, '1')).ok());
}

TEST(ParseIpv4, StrictDottedQuad) {
  EXPECT_EQ(*ParseIpv4("0.0.0.0"), 0u);
  EXPECT_EQ(*ParseIpv4("255.255.255.255"), 0xFFFFFFFFu);
  EXPECT_EQ(*ParseIpv4("198.51.100.53"), 0xC6336435u);
  EXPECT_EQ(ToString(0xC6336435u), "198.51.100.53");
  for (const char* bad : {"1.2.3", "1.2.3.4.", "1..3.4", "01.2.3.4", "1.2.3.256", "a.b.c.d", " 1.2.3.4", "1.2.3.4 "}) {
    EXPECT_FALSE(ParseIpv4(bad).ok()) << bad;
  }
}

TEST(ParseHostPort, Ipv4AndPort) {
  auto hp = ParseHostPort("127.0.0.1:0");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 0);
  EXPECT_EQ(ParseHostPort("10.1.2.3:65535")->port, 65535);
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536", "127.0.0.1:-1", "localhost:80",
                          "[::1]:80", "127.0.0.1:80:80", "127.0.0.1:0x50"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
}

TEST(ValidatePosixTz, Shapes) {
  for (const char* good : {"UTC0", "EST5EDT", "NZST-12NZDT,M9.5.0,M4.1.0/3", "IST-5:30", "<+0530>-5:30", "<-03>3",
                           "CET-1CEST,M3.5.0,M10.5.0/3", "GMT0BST,M3.5.0/1,M10.5.0", "AAA+01:02:03BBB+4,J60,300/2",
                           "PST8PDT,M3.2.0/-1,M11.1.0/167", "EST5EDT4,M3.2.0,M11.1.0"}) {
    EXPECT_TRUE(ValidatePosixTz(good).ok()) << good;
  }
  for (const char* bad :
       {"", "UTC", "U0", "UTC+25", "EST5EDT,M3.2.0", "EST5EDT,M13.2.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
        "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,J0,J365", "<+05>", "EST5 EDT", "EST5EDT,M3.2.0,M11.1.0,", "UTC0\n"}) {
    EXPECT_FALSE(ValidatePosixTz(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidatePosixTz("ABC" + std::string(100, '1')).ok());
}

TEST(ParseTimeZoneList, CommasInsideRulesStayWithTheirZone) {
  auto z = ParseTimeZoneList("NZST-12NZDT,M9.5.0,M4.1.0/3,MSK-3,JST-9,EST5EDT,J60,300,UTC0");
  ASSERT_TRUE(z.ok()) << z.error().message;
  EXPECT_EQ(*z, (std::vector<std::string>{"NZST-12NZDT,M9.5.0,M4.1.0/3", "MSK-3", "JST-9", "EST5EDT,J60,300", "UTC0"}));
  EXPECT_FALSE(ParseTimeZoneList("").ok());
  EXPECT_FALSE(ParseTimeZoneList("UTC0,,CET-1").ok());
  EXPECT_FALSE(ParseTimeZoneList("M3.2.0,UTC0").ok());
  EXPECT_FALSE(ParseTimeZoneList("UTC0,M3.2.0").ok());  // a rule without a DST zone
  std::string many;
  for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("UTC0");
  EXPECT_FALSE(ParseTimeZoneList(many).ok());
  for (const auto& tz : DefaultTimeZones()) EXPECT_TRUE(ValidatePosixTz(tz).ok()) << tz;
}

// ---- Open files ------------------------------------------------------------------------------
TEST(PlanOpenFileLimit, KeepsRaisesOrRefuses) {
  EXPECT_EQ(FileDescriptorsNeeded(1000, 1), 2 * 1000 + 1 + 64u);
  EXPECT_EQ(*PlanOpenFileLimit(20000, 20000, 2065), 20000u);  // enough: unchanged
  EXPECT_EQ(*PlanOpenFileLimit(1024, 20000, 2065), 20000u);   // raised to the hard limit
  EXPECT_EQ(*PlanOpenFileLimit(1024, RLIM_INFINITY, 2065), 2065u);
  EXPECT_EQ(*PlanOpenFileLimit(20000, 20000, 20000), 20000u);
  auto r = PlanOpenFileLimit(1024, 20000, 20001);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("20000"), std::string::npos) << r.error().message;
}

// Runs `body` in a forked child (so lowering its limits cannot affect this process) and returns
// its exit code. The child is killed by alarm() if it ever hangs.
int InChild(int (*body)()) {
  const pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(CheckOpenFileLimit, RaisesTheSoftLimitUpToTheHardOne) {
  EXPECT_EQ(InChild([] {
              rlimit lim{100, 300};
              if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
              uint64_t soft = 0;
              if (!CheckOpenFileLimit(50, 1, &soft).ok()) return 2;  // needs 165
              if (soft != 300) return 3;
              if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur != 300) return 4;
              return 0;
            }),
            0);
}

TEST(CheckOpenFileLimit, FailsClearlyAboveTheHardLimit) {
  EXPECT_EQ(InChild([] {
              rlimit lim{100, 300};
              if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
              uint64_t soft = 7;
              const Status s = CheckOpenFileLimit(1000, 1, &soft);
              if (s.ok() || soft != 7) return 2;
              const std::string& m = s.error().message;
              // 300 - 65 reserved = 235 -> 117 in-flight items fit.
              if (m.find("--max-inflight 1000") == std::string::npos || m.find("300") == std::string::npos ||
                  m.find("--max-inflight 117 or less") == std::string::npos) {
                return 3;
              }
              if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur != 100) return 4;  // untouched
              return 0;
            }),
            0);
}

TEST(CheckOpenFileLimit, CurrentLimitsSufficeForTheDefault) {
  uint64_t soft = 0;
  const Status s = CheckOpenFileLimit(1000, 1, &soft);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_GE(soft, FileDescriptorsNeeded(1000, 1));
}

}  // namespace
}  // namespace ruru::cpesim

namespace ruru::cpesim {
namespace {

TEST(ParseOptions, Threads) {
  auto o = Parse({"--acs-url", kUrl, "--devices", "10"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->threads, 1u);
  o = Parse({"--acs-url", kUrl, "--devices", "10", "--threads", "2", "--connreq-listen", "127.0.0.1:7547"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->threads, 2u);
  ErrorOf({"--acs-url", kUrl, "--devices", "10", "--threads", "0"}, "--threads");
  ErrorOf({"--acs-url", kUrl, "--devices", "10", "--threads", "65"}, "--threads");
  ErrorOf({"--acs-url", kUrl, "--devices", "10", "--threads", "4", "--max-inflight", "3"}, "--threads");
  ErrorOf({"--acs-url", kUrl, "--devices", "10", "--threads", "2", "--connreq-listen", "127.0.0.1:65535"}, "--threads");
}

}  // namespace
}  // namespace ruru::cpesim

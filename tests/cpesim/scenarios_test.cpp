// The scenario building blocks: the infected profile on both data models and the wire quirks.
#include "tests/cpesim/scenarios.h"

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "cwmp/codec.h"
#include "tests/cpesim/model.h"
#include "tests/support/test_paths.h"

namespace ruru::cpesim {
namespace {

std::shared_ptr<const DeviceModel> Load(const char* name) {
  auto m = LoadModelFile(std::string(RURU_CPESIM_DIR) + "/models/" + name);
  EXPECT_TRUE(m.ok()) << m.error().message;
  return m.ok() ? *m : nullptr;
}

class InfectionTest : public ::testing::TestWithParam<const char*> {};

TEST_P(InfectionTest, ChangesDnsRelayRemoteAccessAndAddsPortMappings) {
  auto model = Load(GetParam());
  ASSERT_NE(model, nullptr);
  ManualClock clock;
  DeviceIdentity id;
  id.serial = "S1";
  id.wan_ip = "127.1.0.1";
  Device dev(model, id, clock);
  const ScenarioPaths& p = PathsFor(model->root());
  for (const auto& path : p.dns_servers) EXPECT_NE(dev.Get(path), "198.51.100.53") << path;
  ASSERT_TRUE(ApplyInfection(dev, "198.51.100.53", 2, 0x123456789abcdefULL).ok());
  for (const auto& path : p.dns_servers) EXPECT_EQ(dev.Get(path), "198.51.100.53") << path;
  EXPECT_EQ(dev.Get(p.dns_relay_wan_access), "true");
  EXPECT_EQ(dev.Get(p.remote_access_enable), "true");
  cwmp::Body names = dev.Handle(cwmp::GetParameterNames{p.port_mapping_table, true});
  const auto* r = std::get_if<cwmp::GetParameterNamesResponse>(&names);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->parameters.size(), 2u);
  EXPECT_EQ(dev.Get(p.port_mapping_table + "1." + p.pm_enable), "true");
  EXPECT_EQ(dev.Get(p.port_mapping_table + "1." + p.pm_internal_port), "23");
  // Every path the engine reads exists in the model.
  for (const std::string* path : {&p.management_url, &p.acs_username, &p.acs_password, &p.connreq_username,
                                  &p.connreq_password, &p.periodic_enable, &p.periodic_interval,
                                  &p.periodic_time, &p.retry_min_wait, &p.retry_multiplier, &p.parameter_key}) {
    cwmp::Body got = dev.Handle(cwmp::GetParameterValues{{*path}});
    EXPECT_TRUE(std::holds_alternative<cwmp::GetParameterValuesResponse>(got)) << *path;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, InfectionTest, ::testing::Values("tr181-router.json", "tr098-router.json"));

std::string SampleInform() {
  cwmp::Envelope env;
  env.ns = cwmp::Namespace::kCwmp12;
  env.id = "1";
  cwmp::Inform inf;
  inf.device_id = {"Ruru", "5CA3EB", "RR-5000", "S1"};
  inf.events = {{cwmp::EventCode::FromText("1 BOOT"), ""}};
  inf.current_time = "2026-11-28T00:00:00Z";
  inf.parameters = {{"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("1.0")}};
  env.body = inf;
  auto xml = cwmp::Encode(env);
  EXPECT_TRUE(xml.ok());
  return xml.ok() ? *xml : "";
}

TEST(Quirks, NoneLeavesTheMessageAlone) {
  const std::string xml = SampleInform();
  EXPECT_EQ(ApplyQuirks(xml, Quirks{}), xml);
}

TEST(Quirks, EachQuirkChangesTheWireFormAndTheCodecStillReadsIt) {
  const std::string xml = SampleInform();
  ASSERT_TRUE(xml.starts_with("<?xml")) << xml.substr(0, 40);
  const std::string no_decl = ApplyQuirks(xml, Quirks{.no_xml_declaration = true});
  EXPECT_TRUE(no_decl.starts_with("<")) ;
  EXPECT_FALSE(no_decl.starts_with("<?xml"));
  const std::string old_schema = ApplyQuirks(xml, Quirks{.schema_1999 = true});
  EXPECT_NE(old_schema.find("http://www.w3.org/1999/XMLSchema"), std::string::npos);
  EXPECT_EQ(old_schema.find("http://www.w3.org/2001/XMLSchema"), std::string::npos);
  const std::string arrays = ApplyQuirks(xml, Quirks{.array_type_mismatch = true});
  EXPECT_NE(arrays.find("EventStruct[3]"), std::string::npos) << arrays;
  EXPECT_NE(arrays.find("ParameterValueStruct[3]"), std::string::npos);
  for (const std::string& quirky : {no_decl, old_schema, arrays}) {
    auto decoded = cwmp::Decode(quirky);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_TRUE(std::holds_alternative<cwmp::Inform>(decoded->envelope.body));
  }
  auto with_warnings = cwmp::Decode(arrays);
  ASSERT_TRUE(with_warnings.ok());
  EXPECT_FALSE(with_warnings->warnings.empty());
}

}  // namespace
}  // namespace ruru::cpesim

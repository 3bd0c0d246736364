#include "tests/cpesim/device.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace ruru::cpesim {
namespace {

using cwmp::ParameterValue;

std::shared_ptr<const DeviceModel> MiniModel() {
  static const auto model = [] {
    auto m = LoadModelFile(std::string(RURU_CPESIM_DIR) + "/testdata/mini-model.json");
    if (!m.ok()) throw std::runtime_error(m.error().message);
    return *m;
  }();
  return model;
}

DeviceIdentity Identity(int n = 1) {
  DeviceIdentity id;
  id.serial = "RRM" + std::to_string(100000 + n);
  id.wan_ip = "100.64.0." + std::to_string(n % 250 + 1);
  id.connreq_url = "http://100.64.0." + std::to_string(n % 250 + 1) + ":7547/cr/" + id.serial;
  id.mac = "02:00:00:00:00:01";
  id.time_zone = "NZST-12NZDT";
  id.acs_url = "http://acs.example:7547/";
  return id;
}

class DeviceTest : public ::testing::Test {
 protected:
  ManualClock clock_{Clock::TimePoint{std::chrono::seconds{1'790'000'000}}};
  Device dev_{MiniModel(), Identity(), clock_};

  template <typename T>
  T Ok(const cwmp::Body& request) {
    cwmp::Body b = dev_.Handle(request);
    if (const auto* f = std::get_if<cwmp::Fault>(&b)) ADD_FAILURE() << "fault " << f->code << " " << f->message;
    if (!std::holds_alternative<T>(b)) return T{};
    return std::get<T>(b);
  }
  cwmp::Fault Faulted(const cwmp::Body& request) {
    cwmp::Body b = dev_.Handle(request);
    EXPECT_TRUE(std::holds_alternative<cwmp::Fault>(b)) << cwmp::RpcName(b);
    if (!std::holds_alternative<cwmp::Fault>(b)) return {};
    return std::get<cwmp::Fault>(b);
  }
  std::vector<std::string> Names(const std::string& path, bool next_level) {
    std::vector<std::string> out;
    for (const auto& p : Ok<cwmp::GetParameterNamesResponse>(cwmp::GetParameterNames{path, next_level}).parameters) {
      out.push_back(p.name);
    }
    return out;
  }
  std::string Gpv(const std::string& path) {
    auto r = Ok<cwmp::GetParameterValuesResponse>(cwmp::GetParameterValues{{path}});
    return r.parameters.size() == 1 ? r.parameters[0].value.text : "<" + std::to_string(r.parameters.size()) + " values>";
  }
  uint32_t Add(const std::string& path, const std::string& key = "") {
    return Ok<cwmp::AddObjectResponse>(cwmp::AddObject{path, key}).instance_number;
  }
};

bool Contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// ---- GetParameterNames ----
TEST_F(DeviceTest, GpnEmptyPathNextLevelGivesRootOnly) {
  EXPECT_EQ(Names("", true), std::vector<std::string>{"Device."});
}

TEST_F(DeviceTest, GpnEmptyPathListsWholeTree) {
  const auto names = Names("", false);
  EXPECT_EQ(names.front(), "Device.");
  EXPECT_TRUE(Contains(names, "Device.DeviceInfo."));
  EXPECT_TRUE(Contains(names, "Device.DeviceInfo.Manufacturer"));
  EXPECT_TRUE(Contains(names, "Device.IP.Interface.2.IPv4Address.1.IPAddress"));
  EXPECT_TRUE(Contains(names, "Device.NAT.PortMapping."));
  EXPECT_FALSE(Contains(names, "Device.NAT.PortMapping.1."));
  // 31 parameters minus 5 per-instance NAT ones (no instance) plus the instantiated ones.
  const auto params = std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.back() != '.'; });
  EXPECT_EQ(params, 31 - 4 - 3 - 2 - 1 + 2 * 3 + 2 * 2 + 1);
}

TEST_F(DeviceTest, GpnNextLevelListsChildrenWithObjectsDotted) {
  EXPECT_EQ(Names("Device.IP.", true), (std::vector<std::string>{"Device.IP.InterfaceNumberOfEntries", "Device.IP.Interface."}));
  EXPECT_EQ(Names("Device.IP.Interface.", true), (std::vector<std::string>{"Device.IP.Interface.1.", "Device.IP.Interface.2."}));
  auto r = Ok<cwmp::GetParameterNamesResponse>(cwmp::GetParameterNames{"Device.NAT.", true});
  ASSERT_EQ(r.parameters.size(), 2u);
  EXPECT_EQ(r.parameters[1].name, "Device.NAT.PortMapping.");
  EXPECT_TRUE(r.parameters[1].writable);  // addable table
}

TEST_F(DeviceTest, GpnPartialPathIncludesItselfAndSubtree) {
  const auto names = Names("Device.IP.Interface.1.", false);
  EXPECT_EQ(names, (std::vector<std::string>{"Device.IP.Interface.1.", "Device.IP.Interface.1.Enable",
                                             "Device.IP.Interface.1.Name", "Device.IP.Interface.1.IPv4AddressNumberOfEntries",
                                             "Device.IP.Interface.1.IPv4Address.", "Device.IP.Interface.1.IPv4Address.1.",
                                             "Device.IP.Interface.1.IPv4Address.1.IPAddress",
                                             "Device.IP.Interface.1.IPv4Address.1.SubnetMask"}));
}

TEST_F(DeviceTest, GpnFullParameter) {
  auto r = Ok<cwmp::GetParameterNamesResponse>(cwmp::GetParameterNames{"Device.ManagementServer.URL", false});
  ASSERT_EQ(r.parameters.size(), 1u);
  EXPECT_TRUE(r.parameters[0].writable);
  EXPECT_EQ(Faulted(cwmp::GetParameterNames{"Device.ManagementServer.URL", true}).code, 9003u);
}

TEST_F(DeviceTest, GpnUnknownPathIs9005) {
  EXPECT_EQ(Faulted(cwmp::GetParameterNames{"Device.Nope.", false}).code, 9005u);
  EXPECT_EQ(Faulted(cwmp::GetParameterNames{"Device.IP.Interface.3.", false}).code, 9005u);
  EXPECT_EQ(Faulted(cwmp::GetParameterNames{"Device.DeviceInfo", false}).code, 9005u);  // object without '.'
}

// ---- GetParameterValues ----
TEST_F(DeviceTest, GpvPartialPath) {
  auto r = Ok<cwmp::GetParameterValuesResponse>(cwmp::GetParameterValues{{"Device.IP.Interface.2."}});
  ASSERT_EQ(r.parameters.size(), 5u);
  EXPECT_EQ(r.parameters[0].name, "Device.IP.Interface.2.Enable");
  EXPECT_EQ(r.parameters[0].value, ParameterValue::Boolean(true));
  EXPECT_EQ(r.parameters[1].value.text, "ip2");  // ${i}
}

TEST_F(DeviceTest, GpvUnknownIs9005) {
  const auto f = Faulted(cwmp::GetParameterValues{{"Device.DeviceInfo.Manufacturer", "Device.DeviceInfo.Nope"}});
  EXPECT_EQ(f.code, 9005u);
  EXPECT_EQ(f.faultcode, "Client");
}

TEST_F(DeviceTest, GpvSecretReadsEmptyButIsStored) {
  EXPECT_EQ(Gpv("Device.ManagementServer.ConnectionRequestPassword"), "");
  EXPECT_EQ(dev_.Get("Device.ManagementServer.ConnectionRequestPassword"), "cr-secret");
}

TEST_F(DeviceTest, PlaceholdersExpandPerDevice) {
  EXPECT_EQ(Gpv("Device.DeviceInfo.SerialNumber"), "RRM100001");
  EXPECT_EQ(Gpv("Device.DeviceInfo.ManufacturerOUI"), "00D09E");
  EXPECT_EQ(Gpv("Device.DeviceInfo.ProductClass"), "RR-MINI");
  EXPECT_EQ(Gpv("Device.DeviceInfo.SoftwareVersion"), "1.0.0");  // model default
  EXPECT_EQ(Gpv("Device.DeviceInfo.HardwareVersion"), "HW-A");
  EXPECT_EQ(Gpv("Device.ManagementServer.Username"), "00D09E-RRM100001");
  EXPECT_EQ(Gpv("Device.ManagementServer.URL"), "http://acs.example:7547/");
  EXPECT_EQ(Gpv("Device.Time.LocalTimeZone"), "NZST-12NZDT");
  EXPECT_EQ(Gpv("Device.Ethernet.Interface.1.MACAddress"), "02:00:00:00:00:01");
  EXPECT_EQ(Gpv("Device.IP.Interface.1.IPv4Address.1.IPAddress"), "100.64.0.2");
  EXPECT_EQ(Gpv("Device.Time.CurrentLocalTime"), "2026-09-21T14:13:20Z");
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(Gpv("Device.Time.CurrentLocalTime"), "2026-09-21T14:13:30Z");
  DeviceIdentity id = Identity(7);
  id.software_version = "2.0.0";
  Device other(MiniModel(), id, clock_);
  EXPECT_EQ(other.Get("Device.DeviceInfo.SoftwareVersion"), "2.0.0");
  EXPECT_EQ(other.device_id().serial_number, "RRM100007");
}

TEST_F(DeviceTest, NumberOfEntriesFollowsInstances) {
  EXPECT_EQ(Gpv("Device.IP.InterfaceNumberOfEntries"), "2");
  EXPECT_EQ(Gpv("Device.NAT.PortMappingNumberOfEntries"), "0");
  Add("Device.NAT.PortMapping.");
  EXPECT_EQ(Gpv("Device.NAT.PortMappingNumberOfEntries"), "1");
  Add("Device.IP.Interface.2.IPv4Address.");
  EXPECT_EQ(Gpv("Device.IP.Interface.2.IPv4AddressNumberOfEntries"), "2");
  EXPECT_EQ(Gpv("Device.IP.Interface.1.IPv4AddressNumberOfEntries"), "1");
}

// ---- SetParameterValues ----
TEST_F(DeviceTest, SpvFailureIsAtomicWithPerParameterFaults) {
  cwmp::SetParameterValues spv;
  spv.parameter_key = "k1";
  spv.parameters = {
      {"Device.ManagementServer.PeriodicInformInterval", ParameterValue::UnsignedInt(60)},  // fine
      {"Device.ManagementServer.Nope", ParameterValue::String("x")},                       // 9005
      {"Device.ManagementServer.PeriodicInformEnable", {cwmp::ValueType::kBoolean, "perhaps"}},  // 9007
      {"Device.DeviceInfo.Manufacturer", ParameterValue::String("Evil")},                  // 9008
      {"Device.DeviceInfo.ProvisioningCode", ParameterValue::Int(5)},                      // 9006
  };
  const auto f = Faulted(spv);
  EXPECT_EQ(f.code, 9003u);
  EXPECT_EQ(f.message, "Invalid arguments");
  ASSERT_EQ(f.set_parameter_values_faults.size(), 4u);
  EXPECT_EQ(f.set_parameter_values_faults[0].parameter_name, "Device.ManagementServer.Nope");
  EXPECT_EQ(f.set_parameter_values_faults[0].code, 9005u);
  EXPECT_EQ(f.set_parameter_values_faults[1].code, 9007u);
  EXPECT_EQ(f.set_parameter_values_faults[2].code, 9008u);
  EXPECT_EQ(f.set_parameter_values_faults[3].code, 9006u);
  EXPECT_FALSE(f.set_parameter_values_faults[3].message.empty());
  // Nothing changed, not even the valid one or the ParameterKey.
  EXPECT_EQ(dev_.Get("Device.ManagementServer.PeriodicInformInterval"), "86400");
  EXPECT_EQ(dev_.Get("Device.ManagementServer.ParameterKey"), "");
}

TEST_F(DeviceTest, SpvSuccessAppliesAllAndSetsParameterKey) {
  cwmp::SetParameterValues spv;
  spv.parameter_key = "job-42";
  spv.parameters = {{"Device.ManagementServer.PeriodicInformInterval", ParameterValue::UnsignedInt(300)},
                    {"Device.IP.Interface.2.IPv4Address.1.SubnetMask", ParameterValue::String("255.0.0.0")},
                    {"Device.ManagementServer.Password", ParameterValue::String("new-pass")}};
  EXPECT_EQ(Ok<cwmp::SetParameterValuesResponse>(spv).status, 0);
  EXPECT_EQ(Gpv("Device.ManagementServer.PeriodicInformInterval"), "300");
  EXPECT_EQ(Gpv("Device.IP.Interface.2.IPv4Address.1.SubnetMask"), "255.0.0.0");
  EXPECT_EQ(Gpv("Device.IP.Interface.1.IPv4Address.1.SubnetMask"), "255.255.255.0");
  EXPECT_EQ(Gpv("Device.ManagementServer.ParameterKey"), "job-42");
  EXPECT_EQ(Gpv("Device.ManagementServer.Password"), "");
  EXPECT_EQ(dev_.Get("Device.ManagementServer.Password"), "new-pass");
}

// ---- AddObject / DeleteObject ----
TEST_F(DeviceTest, AddObjectNumbersAreNeverReused) {
  EXPECT_EQ(Add("Device.NAT.PortMapping.", "a1"), 1u);
  EXPECT_EQ(Add("Device.NAT.PortMapping."), 2u);
  EXPECT_EQ(Ok<cwmp::DeleteObjectResponse>(cwmp::DeleteObject{"Device.NAT.PortMapping.2.", "d2"}).status, 0);
  EXPECT_EQ(dev_.Get("Device.ManagementServer.ParameterKey"), "d2");
  EXPECT_EQ(Add("Device.NAT.PortMapping.", "a3"), 3u);
  EXPECT_EQ(dev_.Get("Device.ManagementServer.ParameterKey"), "a3");
  EXPECT_EQ(Names("Device.NAT.PortMapping.", true),
            (std::vector<std::string>{"Device.NAT.PortMapping.1.", "Device.NAT.PortMapping.3."}));
  EXPECT_EQ(Gpv("Device.NAT.PortMapping.3.Description"), "rule 3");  // template default with ${i}
  EXPECT_EQ(Gpv("Device.NAT.PortMapping.3.ExternalPort"), "0");
}

TEST_F(DeviceTest, DeletedInstanceLosesItsValues) {
  Add("Device.NAT.PortMapping.");
  ASSERT_TRUE(dev_.Set("Device.NAT.PortMapping.1.ExternalPort", "8080").ok());
  Ok<cwmp::DeleteObjectResponse>(cwmp::DeleteObject{"Device.NAT.PortMapping.1.", ""});
  EXPECT_EQ(Faulted(cwmp::GetParameterValues{{"Device.NAT.PortMapping.1.ExternalPort"}}).code, 9005u);
  EXPECT_EQ(Add("Device.NAT.PortMapping."), 2u);
  EXPECT_EQ(Gpv("Device.NAT.PortMapping.2.ExternalPort"), "0");
}

TEST_F(DeviceTest, AddObjectFaults) {
  EXPECT_EQ(Faulted(cwmp::AddObject{"Device.IP.Interface.", ""}).code, 9003u);  // fixed table
  EXPECT_EQ(Faulted(cwmp::AddObject{"Device.DeviceInfo.", ""}).code, 9005u);    // not multi-instance
  EXPECT_EQ(Faulted(cwmp::AddObject{"Device.Nope.", ""}).code, 9005u);
  EXPECT_EQ(Faulted(cwmp::AddObject{"Device.IP.Interface.9.IPv4Address.", ""}).code, 9005u);
  EXPECT_EQ(Faulted(cwmp::DeleteObject{"Device.IP.Interface.1.", ""}).code, 9003u);
  EXPECT_EQ(Faulted(cwmp::DeleteObject{"Device.NAT.PortMapping.1.", ""}).code, 9005u);
}

TEST_F(DeviceTest, NestedAddAndDeleteObject) {
  // Nested numbering is per parent instance.
  EXPECT_EQ(Add("Device.IP.Interface.1.IPv4Address."), 2u);
  EXPECT_EQ(Add("Device.IP.Interface.2.IPv4Address."), 2u);
  ASSERT_TRUE(dev_.Set("Device.IP.Interface.1.IPv4Address.2.IPAddress", "10.0.0.2").ok());
  Ok<cwmp::DeleteObjectResponse>(cwmp::DeleteObject{"Device.IP.Interface.1.IPv4Address.2.", ""});
  EXPECT_EQ(Names("Device.IP.Interface.1.IPv4Address.", true), std::vector<std::string>{"Device.IP.Interface.1.IPv4Address.1."});
  EXPECT_EQ(Names("Device.IP.Interface.2.IPv4Address.", true).size(), 2u);
  EXPECT_EQ(Add("Device.IP.Interface.1.IPv4Address."), 3u);
}

TEST(DeviceNested, DeleteObjectRemovesNestedChildren) {
  auto m = LoadModel(R"({"name": "n", "root": "Device.", "device_id": {"manufacturer": "M", "oui": "001122",
      "product_class": "P"}, "software_version": "1", "objects": [
      {"path": "Device.A.{i}.", "addable": true, "instances": 2},
      {"path": "Device.A.{i}.B.{i}.", "addable": true, "instances": 2}],
      "parameters": [{"path": "Device.A.{i}.B.{i}.X", "type": "string", "writable": true, "value": "x${i}"}]})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ManualClock clock;
  Device dev(*m, {}, clock);
  ASSERT_TRUE(dev.Set("Device.A.1.B.2.X", "changed").ok());
  EXPECT_EQ(dev.Get("Device.A.2.B.2.X"), "x2");
  dev.Handle(cwmp::DeleteObject{"Device.A.1.", ""});
  auto names = std::get<cwmp::GetParameterNamesResponse>(dev.Handle(cwmp::GetParameterNames{"Device.", false}));
  std::vector<std::string> got;
  for (const auto& p : names.parameters) got.push_back(p.name);
  EXPECT_EQ(got, (std::vector<std::string>{"Device.", "Device.A.", "Device.A.2.", "Device.A.2.B.", "Device.A.2.B.1.",
                                           "Device.A.2.B.1.X", "Device.A.2.B.2.", "Device.A.2.B.2.X"}));
  // A new A instance gets its initial nested B instances, with defaults.
  auto added = std::get<cwmp::AddObjectResponse>(dev.Handle(cwmp::AddObject{"Device.A.", ""}));
  EXPECT_EQ(added.instance_number, 3u);
  EXPECT_EQ(dev.Get("Device.A.3.B.2.X"), "x2");
}

// ---- Attributes ----
TEST_F(DeviceTest, AttributesOnSubtree) {
  cwmp::SetParameterAttributesStruct s;
  s.name = "Device.ManagementServer.";
  s.notification_change = true;
  s.notification = 1;
  s.access_list_change = true;
  s.access_list = {"Subscriber"};
  Ok<cwmp::SetParameterAttributesResponse>(cwmp::SetParameterAttributes{{s}});
  auto r = Ok<cwmp::GetParameterAttributesResponse>(cwmp::GetParameterAttributes{{"Device.ManagementServer."}});
  ASSERT_EQ(r.parameters.size(), 9u);
  for (const auto& a : r.parameters) {
    EXPECT_EQ(a.notification, 1) << a.name;
    EXPECT_EQ(a.access_list, std::vector<std::string>{"Subscriber"});
  }
  auto other = Ok<cwmp::GetParameterAttributesResponse>(cwmp::GetParameterAttributes{{"Device.DeviceInfo.UpTime"}});
  ASSERT_EQ(other.parameters.size(), 1u);
  EXPECT_EQ(other.parameters[0].notification, 0);
  // Model default notification.
  auto sw = Ok<cwmp::GetParameterAttributesResponse>(cwmp::GetParameterAttributes{{"Device.DeviceInfo.SoftwareVersion"}});
  EXPECT_EQ(sw.parameters[0].notification, 2);
}

TEST_F(DeviceTest, SetAttributesFaultsChangeNothing) {
  cwmp::SetParameterAttributesStruct good{"Device.DeviceInfo.UpTime", true, 2, false, {}};
  cwmp::SetParameterAttributesStruct bad{"Device.Nope", true, 1, false, {}};
  EXPECT_EQ(Faulted(cwmp::SetParameterAttributes{{good, bad}}).code, 9005u);
  cwmp::SetParameterAttributesStruct invalid{"Device.DeviceInfo.UpTime", true, 7, false, {}};
  EXPECT_EQ(Faulted(cwmp::SetParameterAttributes{{invalid}}).code, 9003u);
  auto r = Ok<cwmp::GetParameterAttributesResponse>(cwmp::GetParameterAttributes{{"Device.DeviceInfo.UpTime"}});
  EXPECT_EQ(r.parameters[0].notification, 0);
  EXPECT_EQ(Faulted(cwmp::GetParameterAttributes{{"Device.Nope."}}).code, 9005u);
}

// ---- Value changes ----
TEST_F(DeviceTest, ValueChangeTracking) {
  cwmp::SetParameterAttributesStruct passive{"Device.IP.Interface.1.IPv4Address.1.IPAddress", true, 1, false, {}};
  Ok<cwmp::SetParameterAttributesResponse>(cwmp::SetParameterAttributes{{passive}});
  ASSERT_TRUE(dev_.Set("Device.DeviceInfo.UpTime", "50").ok());  // notification off: not tracked
  ASSERT_TRUE(dev_.Set("Device.IP.Interface.1.IPv4Address.1.IPAddress", "100.64.9.9").ok());
  ASSERT_TRUE(dev_.Set("Device.IP.Interface.1.IPv4Address.1.IPAddress", "100.64.9.10").ok());
  auto c = dev_.TakeValueChanges();
  EXPECT_EQ(c.parameters, std::vector<std::string>{"Device.IP.Interface.1.IPv4Address.1.IPAddress"});
  EXPECT_FALSE(c.active);
  EXPECT_TRUE(dev_.TakeValueChanges().parameters.empty());
  // Same value again: no change. Active notification (model default 2) sets the flag.
  ASSERT_TRUE(dev_.Set("Device.IP.Interface.1.IPv4Address.1.IPAddress", "100.64.9.10").ok());
  ASSERT_TRUE(dev_.Set("Device.DeviceInfo.SoftwareVersion", "1.0.1").ok());
  c = dev_.TakeValueChanges();
  EXPECT_EQ(c.parameters, std::vector<std::string>{"Device.DeviceInfo.SoftwareVersion"});
  EXPECT_TRUE(c.active);
  // Changes made by the ACS itself are not reported.
  cwmp::SetParameterValues spv{{{"Device.IP.Interface.1.IPv4Address.1.IPAddress", ParameterValue::String("1.2.3.4")}}, ""};
  Ok<cwmp::SetParameterValuesResponse>(spv);
  EXPECT_TRUE(dev_.TakeValueChanges().parameters.empty());
}

TEST_F(DeviceTest, SetValidatesAndFindsParameter) {
  EXPECT_EQ(dev_.Set("Device.Nope", "1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(dev_.Set("Device.DeviceInfo.UpTime", "-3").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(dev_.Get("Device.Nope"), "");
}

// ---- FactoryReset, Inform, other RPCs ----
TEST_F(DeviceTest, FactoryResetRestoresModelDefaults) {
  Add("Device.NAT.PortMapping.", "k");
  ASSERT_TRUE(dev_.Set("Device.DeviceInfo.UpTime", "99").ok());
  Ok<cwmp::SetParameterAttributesResponse>(
      cwmp::SetParameterAttributes{{{"Device.DeviceInfo.UpTime", true, 1, false, {}}}});
  const size_t dirty = dev_.MemoryFootprintBytes();
  dev_.FactoryReset();
  EXPECT_LT(dev_.MemoryFootprintBytes(), dirty);
  EXPECT_EQ(dev_.Get("Device.DeviceInfo.UpTime"), "0");
  EXPECT_EQ(dev_.Get("Device.ManagementServer.ParameterKey"), "");
  EXPECT_EQ(Names("Device.NAT.PortMapping.", true), std::vector<std::string>{});
  EXPECT_EQ(Add("Device.NAT.PortMapping."), 1u);  // a reset device starts numbering afresh
  auto r = Ok<cwmp::GetParameterAttributesResponse>(cwmp::GetParameterAttributes{{"Device.DeviceInfo.UpTime"}});
  EXPECT_EQ(r.parameters[0].notification, 0);
}

TEST_F(DeviceTest, InformParametersExpandInstances) {
  const auto p = dev_.InformParameters();
  std::vector<std::string> names;
  for (const auto& v : p) names.push_back(v.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.HardwareVersion",
                                             "Device.ManagementServer.ConnectionRequestURL",
                                             "Device.ManagementServer.ParameterKey",
                                             "Device.IP.Interface.1.IPv4Address.1.IPAddress",
                                             "Device.IP.Interface.2.IPv4Address.1.IPAddress"}));
  EXPECT_EQ(p[2].value.text, "http://100.64.0.2:7547/cr/RRM100001");
}

TEST_F(DeviceTest, GetRpcMethodsAndUnsupported) {
  auto m = Ok<cwmp::GetRPCMethodsResponse>(cwmp::GetRPCMethods{});
  EXPECT_TRUE(Contains(m.methods, "GetParameterValues"));
  EXPECT_TRUE(Contains(m.methods, "AddObject"));
  const auto f = Faulted(cwmp::Reboot{"ck"});
  EXPECT_EQ(f.code, 9000u);
  EXPECT_EQ(f.message, "Method not supported");
  EXPECT_EQ(Faulted(cwmp::InformResponse{}).code, 9000u);
}

// ---- Memory ----
double AverageFootprint(const std::shared_ptr<const DeviceModel>& model, const char* label) {
  ManualClock clock;
  std::vector<Device> devices;
  devices.reserve(10000);
  size_t total = 0;
  for (int i = 0; i < 10000; ++i) {
    devices.emplace_back(model, Identity(i), clock);
    Device& d = devices.back();
    // A realistic amount of per-device state: a provisioned ParameterKey, one set value, and for
    // every tenth device a port mapping and a notification attribute.
    cwmp::SetParameterValues spv;
    spv.parameter_key = "provision-" + std::to_string(i);
    d.Handle(spv);
    if (i % 10 == 0) {
      d.Handle(cwmp::AddObject{model->root() + "NAT.PortMapping.", ""});  // ignored if the model lacks it
    }
  }
  for (const Device& d : devices) total += d.MemoryFootprintBytes();
  const double avg = static_cast<double>(total) / devices.size();
  std::printf("[ memory   ] %s: 10000 devices, average %.0f bytes per device (limit 50000)\n", label, avg);
  return avg;
}

TEST(DeviceMemory, TenThousandMiniDevicesFit) {
  EXPECT_LT(AverageFootprint(MiniModel(), "mini-model"), 50000.0);
}

TEST(DeviceMemory, TenThousandTr181DevicesFit) {
  auto m = LoadModelFile(std::string(RURU_CPESIM_DIR) + "/models/tr181-router.json");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_LT(AverageFootprint(*m, "tr181-router"), 50000.0);
}

}  // namespace
}  // namespace ruru::cpesim

#include "tests/cpesim/model.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <string>

namespace ruru::cpesim {
namespace {

const std::string kMiniModel = std::string(RURU_CPESIM_DIR) + "/testdata/mini-model.json";

// A valid model with `objects` and `parameters` spliced in.
std::string Model(const std::string& objects, const std::string& parameters, const std::string& extra = "") {
  return R"({"name": "t", "root": "Device.", "device_id": {"manufacturer": "M", "oui": "001122",
             "product_class": "P"}, "software_version": "1.0", )" +
         extra + R"("objects": [)" + objects + R"(], "parameters": [)" + parameters + "]}";
}

std::string Param(const std::string& path, const std::string& type = "string", const std::string& value = "") {
  return R"({"path": ")" + path + R"(", "type": ")" + type + R"(", "writable": true, "value": ")" + value + R"("})";
}

// Loading must fail with a one-line message containing `needle`.
void ExpectError(const std::string& json, const std::string& needle) {
  auto m = LoadModel(json);
  ASSERT_FALSE(m.ok()) << "expected an error containing: " << needle;
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
  EXPECT_EQ(m.error().message.find('\n'), std::string::npos) << m.error().message;
}

TEST(ModelLoad, LoadsMiniModel) {
  auto m = LoadModelFile(kMiniModel);
  ASSERT_TRUE(m.ok()) << m.error().message;
  const DeviceModel& model = **m;
  EXPECT_EQ(model.root(), "Device.");
  EXPECT_EQ(model.device_id().oui, "00D09E");
  EXPECT_EQ(model.parameters().size(), 31u);
  EXPECT_TRUE(model.dual_bank());
  EXPECT_TRUE(model.parameter_key_parameter().has_value());
  // 2 IP interfaces, 1 IPv4 address under each, 1 Ethernet interface, no port mapping.
  EXPECT_EQ(model.initial_instances().size(), 5u);
  EXPECT_FALSE(model.rpc_methods().empty());
}

TEST(ModelLoad, MissingFileIsNotFound) {
  auto m = LoadModelFile("/nonexistent/model.json");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kNotFound);
}

TEST(ModelLoad, RejectsInvalidJson) { ExpectError("{", "not valid JSON"); }

TEST(ModelLoad, RejectsMissingField) {
  ExpectError(R"({"root": "Device.", "parameters": []})", "\"name\" missing");
}

TEST(ModelLoad, RejectsUnknownRoot) {
  std::string json = Model("", Param("Device.X"));
  json.replace(json.find("\"Device.\""), 9, "\"Foo.\"");
  ExpectError(json, "root \"Foo.\"");
}

TEST(ModelLoad, RejectsPathOutsideRoot) {
  ExpectError(Model("", Param("InternetGatewayDevice.DeviceInfo.Manufacturer")), "not under Device.");
}

TEST(ModelLoad, RejectsObjectPathWithoutDot) {
  ExpectError(Model(R"({"path": "Device.NAT.PortMapping.{i}", "addable": true})", ""), "must end with '.'");
}

TEST(ModelLoad, RejectsInvalidSegment) { ExpectError(Model("", Param("Device.Bad Name.X")), "invalid segment"); }

TEST(ModelLoad, RejectsUnknownType) { ExpectError(Model("", Param("Device.X", "float", "1.0")), "unknown type \"float\""); }

TEST(ModelLoad, RejectsValueInvalidForType) {
  ExpectError(Model("", Param("Device.X", "unsignedInt", "-1")), "default value invalid for unsignedInt");
  ExpectError(Model("", Param("Device.X", "boolean", "maybe")), "default value invalid for boolean");
  ExpectError(Model("", Param("Device.X", "dateTime", "yesterday")), "default value invalid for dateTime");
}

TEST(ModelLoad, PlaceholderValuesAreNotTypeChecked) {
  EXPECT_TRUE(LoadModel(Model("", Param("Device.T", "dateTime", "${now}"))).ok());
}

TEST(ModelLoad, RejectsUnknownPlaceholder) { ExpectError(Model("", Param("Device.X", "string", "${nope}")), "unknown placeholder ${nope}"); }

TEST(ModelLoad, RejectsInstancePlaceholderOutsideTemplate) {
  ExpectError(Model("", Param("Device.X", "string", "n${i}")), "${i} outside a {i} template");
}

TEST(ModelLoad, RejectsUndeclaredTemplate) {
  ExpectError(Model("", Param("Device.NAT.PortMapping.{i}.Enable", "boolean", "true")),
              "template Device.NAT.PortMapping.{i}. is used but not declared");
}

TEST(ModelLoad, RejectsUndeclaredOuterTemplate) {
  ExpectError(Model(R"({"path": "Device.IP.Interface.{i}.IPv4Address.{i}.", "instances": 1})", ""),
              "template Device.IP.Interface.{i}. is used but not declared");
}

TEST(ModelLoad, RejectsDuplicateParameter) {
  ExpectError(Model("", Param("Device.X") + "," + Param("Device.X")), "Device.X declared twice");
}

TEST(ModelLoad, RejectsDuplicateObject) {
  const std::string o = R"({"path": "Device.NAT.PortMapping.{i}.", "addable": true})";
  ExpectError(Model(o + "," + o, ""), "declared twice");
}

TEST(ModelLoad, RejectsObjectThatIsAlsoParameter) {
  ExpectError(Model("", Param("Device.A") + "," + Param("Device.A.B")), "is both an object and a parameter");
}

TEST(ModelLoad, RejectsTableWithNamedChildren) {
  ExpectError(Model(R"({"path": "Device.T.{i}.", "addable": true})", Param("Device.T.Count")),
              "has both instances and named children");
}

TEST(ModelLoad, RejectsAddableSingleInstanceObject) {
  ExpectError(Model(R"({"path": "Device.DeviceInfo.", "addable": true})", ""), "only a {i} template can be addable");
}

TEST(ModelLoad, RejectsTooDeepNesting) {
  ExpectError(Model(R"({"path": "Device.A.{i}.B.{i}.C.{i}.D.{i}.E.{i}.", "instances": 0})", ""), "nested deeper than 4");
}

TEST(ModelLoad, RejectsUnknownInformParameter) {
  ExpectError(Model("", Param("Device.X"), R"("inform_parameters": ["Device.Y"], )"),
              "inform parameter Device.Y is not a parameter");
}

TEST(ModelLoad, NestedInitialInstancesUnderEachParent) {
  auto m = LoadModel(Model(R"({"path": "Device.A.{i}.", "instances": 2},
                              {"path": "Device.A.{i}.B.{i}.", "instances": 3, "addable": true})",
                           Param("Device.A.{i}.B.{i}.X")));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ((*m)->initial_instances().size(), 2u + 2u * 3u);
}

TEST(ModelLoad, RangeAndEnumRestrictValues) {
  auto m = LoadModel(R"({"name": "t", "root": "Device.", "device_id": {"manufacturer": "m", "oui": "000000", "product_class": "p"},
    "software_version": "1", "hardware_version": "1", "dual_bank": false, "inform_parameters": [], "objects": [],
    "parameters": [{"path": "Device.A", "type": "unsignedInt", "writable": true, "value": "5", "range": [1, 10]},
                   {"path": "Device.B", "type": "string", "writable": true, "value": "TCP", "enum": ["TCP", "UDP"]}]})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  const ParameterDef& a = (*m)->parameters()[0];
  EXPECT_FALSE(a.CheckAllowed("1").has_value());
  EXPECT_FALSE(a.CheckAllowed("10").has_value());
  EXPECT_TRUE(a.CheckAllowed("0").has_value());
  EXPECT_TRUE(a.CheckAllowed("11").has_value());
  const ParameterDef& b = (*m)->parameters()[1];
  EXPECT_FALSE(b.CheckAllowed("UDP").has_value());
  EXPECT_TRUE(b.CheckAllowed("SCTP").has_value());
  EXPECT_TRUE(b.CheckAllowed("").has_value());
  for (const char* bad : {R"("range": [10, 1])", R"("range": [1])", R"("range": ["a", 2])", R"("enum": [])", R"("enum": [1])"}) {
    SCOPED_TRACE(bad);
    auto r = LoadModel(std::string(R"({"name": "t", "root": "Device.", "device_id": {"manufacturer": "m", "oui": "000000", "product_class": "p"},
      "software_version": "1", "hardware_version": "1", "dual_bank": false, "inform_parameters": [], "objects": [],
      "parameters": [{"path": "Device.A", "type": "unsignedInt", "writable": true, "value": "5", )") + bad + "}]}");
    EXPECT_FALSE(r.ok());
  }
  auto default_outside = LoadModel(R"({"name": "t", "root": "Device.", "device_id": {"manufacturer": "m", "oui": "000000", "product_class": "p"},
    "software_version": "1", "hardware_version": "1", "dual_bank": false, "inform_parameters": [], "objects": [],
    "parameters": [{"path": "Device.A", "type": "unsignedInt", "writable": true, "value": "50", "range": [1, 10]}]})");
  EXPECT_FALSE(default_outside.ok());
}

TEST(ModelLoad, ShippedModelsLoad) {
  for (const char* name : {"tr181-router.json", "tr098-router.json"}) {
    const std::string path = std::string(RURU_CPESIM_DIR) + "/models/" + name;
    auto m = LoadModelFile(path);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_GE((*m)->parameters().size(), 250u) << name;
    EXPECT_FALSE((*m)->inform_parameters().empty()) << name;
  }
}

}  // namespace
}  // namespace ruru::cpesim

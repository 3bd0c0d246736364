// A simulated device model: the parameter tree of one CPE product (TR-181 "Device." or TR-098
// "InternetGatewayDevice."), loaded once from JSON and shared, immutable, by every simulated device
// of that product. Per-device state lives in device.h and refers back to this model by index.
//
// JSON format (tests/cpesim/models/*.json):
//   {"name": "...", "root": "Device.",
//    "device_id": {"manufacturer": "...", "oui": "...", "product_class": "..."},
//    "software_version": "5.4.2", "hardware_version": "...", "dual_bank": true,
//    "inform_parameters": ["Device.DeviceInfo.SoftwareVersion", ...],
//    "rpc_methods": ["GetRPCMethods", ...],            // optional; a standard list by default
//    "objects": [{"path": "Device.NAT.PortMapping.{i}.", "addable": true, "instances": 0}, ...],
//    "parameters": [{"path": "...", "type": "string", "writable": false, "value": "...",
//                    "secret": false, "notification": 0,                // optional
//                    "range": [1, 86400], "enum": ["TCP", "UDP"]}, ...]}  // optional: else fault 9007
// Values may hold placeholders expanded per device on read: ${serial} ${oui} ${product_class}
// ${wan_ip} ${connreq_url} ${mac} ${time_zone} ${software_version} ${hardware_version} ${acs_url}
// ${now}, and in multi-instance templates ${i} (the innermost instance number).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cwmp/messages.h"
#include "cwmp/types.h"

namespace ruru::cpesim {

// Nesting limit of multi-instance objects ("{i}" segments in one path).
inline constexpr size_t kMaxInstanceDepth = 4;

// The instance numbers along a path, outermost first; unused trailing entries are 0.
using InstanceNumbers = std::array<uint32_t, kMaxInstanceDepth>;

// A parameter (or object) of the model made concrete by instance numbers: `id` indexes
// DeviceModel::parameters() (or objects()). 20 bytes; the compact key devices store.
struct ModelKey {
  uint16_t id = 0;
  InstanceNumbers numbers{};
  auto operator<=>(const ModelKey&) const = default;
  bool operator==(const ModelKey&) const = default;
};

struct ParameterDef {
  std::string path;  // template path, e.g. "Device.NAT.PortMapping.{i}.ExternalPort"
  cwmp::ValueType type = cwmp::ValueType::kString;
  bool writable = false;
  bool secret = false;           // reads back as "" over CWMP
  bool has_placeholders = false; // value holds ${...}: expanded on read
  int default_notification = 0;  // 0-6
  std::string value;             // default value (raw, placeholders unexpanded)
  int32_t node = -1;             // its node in the tree
  int32_t counts_object = -1;    // "<Table>NumberOfEntries": the object whose instances it counts
  // Allowed values beyond the type (SetParameterValues outside them: fault 9007).
  std::optional<std::pair<int64_t, int64_t>> range;  // numeric types: inclusive [min, max]
  std::vector<std::string> enumeration;              // strings: one of these ("" allowed only if listed)
  // nullopt if `value` is allowed, else why not.
  std::optional<std::string> CheckAllowed(std::string_view value) const;
};

struct ObjectDef {
  std::string path;        // "Device.NAT.PortMapping.{i}." (multi-instance) or "Device.DeviceInfo."
  bool addable = false;    // AddObject / DeleteObject allowed
  uint32_t instances = 0;  // initial instances (numbered 1..n under each parent instance)
  int32_t parent = -1;     // enclosing multi-instance object, or -1
  uint8_t depth = 0;       // number of "{i}" segments; 0 for a single-instance object
  int32_t node = -1;       // the "{i}" node for multi-instance objects, else the object's node
};

// One node of the parameter tree. Multi-instance objects are a table node ("PortMapping") whose
// only child is an instance node named "{i}".
struct ModelNode {
  enum class Kind : uint8_t { kObject, kTable, kInstance, kParameter };
  std::string name;  // one path segment ("Device", "PortMapping", "{i}", "ExternalPort")
  Kind kind = Kind::kObject;
  uint8_t depth = 0;     // "{i}" segments from the root down to and including this node
  int32_t parent = -1;
  int32_t parameter = -1;  // kParameter: index into parameters()
  int32_t object = -1;     // kInstance (and kTable, of its instance node): index into objects()
  std::vector<int32_t> children;  // in model order
};

class DeviceModel {
 public:
  const std::string& name() const { return name_; }
  const std::string& root() const { return root_; }  // "Device." or "InternetGatewayDevice."
  const cwmp::DeviceId& device_id() const { return device_id_; }  // serial_number empty
  const std::string& software_version() const { return software_version_; }
  const std::string& hardware_version() const { return hardware_version_; }
  bool dual_bank() const { return dual_bank_; }
  const std::vector<std::string>& rpc_methods() const { return rpc_methods_; }
  const std::vector<std::string>& inform_parameters() const { return inform_parameters_; }

  const std::vector<ParameterDef>& parameters() const { return parameters_; }
  const std::vector<ObjectDef>& objects() const { return objects_; }
  const std::vector<ModelNode>& nodes() const { return nodes_; }
  int32_t root_node() const { return 0; }

  // The instances every device starts with, sorted; ModelKey::id indexes objects().
  const std::vector<ModelKey>& initial_instances() const { return initial_instances_; }
  // Index of the parameter "<root>ManagementServer.ParameterKey", or nullopt if the model has none.
  std::optional<uint16_t> parameter_key_parameter() const { return parameter_key_; }

  // The child of `node` named `name`, or -1.
  int32_t FindChild(int32_t node, std::string_view name) const;
  // The index of the parameter with this template path, or -1.
  int32_t FindParameter(std::string_view template_path) const;

 private:
  friend class ModelLoader;
  std::string name_;
  std::string root_;
  cwmp::DeviceId device_id_;
  std::string software_version_;
  std::string hardware_version_;
  bool dual_bank_ = false;
  std::vector<std::string> rpc_methods_;
  std::vector<std::string> inform_parameters_;
  std::vector<ParameterDef> parameters_;
  std::vector<ObjectDef> objects_;
  std::vector<ModelNode> nodes_;
  std::vector<ModelKey> initial_instances_;
  std::optional<uint16_t> parameter_key_;
};

// Parses and validates a model. kInvalidArgument with a one-line reason naming the offending entry
// when: a field is missing or of the wrong JSON type; the root is not "Device." or
// "InternetGatewayDevice."; a path is not under the root or is malformed (objects end with '.',
// parameters do not); a type is unknown; a value is invalid for its type (values holding
// placeholders are not checked); a placeholder is unknown, or ${i} is used outside a template; a
// "{i}" template used by a path is not declared in "objects"; a path is declared twice or is both
// an object and a parameter; nesting is deeper than kMaxInstanceDepth; an inform parameter is not a
// parameter of the model.
Result<std::shared_ptr<const DeviceModel>> LoadModel(std::string_view json_text);

// Reads the file then LoadModel; kNotFound if it cannot be read. Errors are prefixed with the path.
Result<std::shared_ptr<const DeviceModel>> LoadModelFile(const std::string& path);

}  // namespace ruru::cpesim

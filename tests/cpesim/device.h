// One simulated CPE's data-model state on top of a shared, immutable DeviceModel.
//
// Memory: 10,000 devices must fit in a few hundred MB, so a Device stores only what differs from
// its model: value overrides and attribute overrides (sorted vectors keyed by a 20-byte ModelKey),
// and its instance list only once AddObject/DeleteObject changed it (until then the model's
// initial instances are used). Placeholders (${serial}, ${wan_ip}, ${now}, ...) are expanded on
// every read from the DeviceIdentity and the injected clock.
//
// Not thread-safe: one Device is driven by one simulated session at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cwmp/messages.h"
#include "tests/cpesim/model.h"

namespace ruru::cpesim {

// The per-device facts placeholders expand to. Empty software_version means the model's.
struct DeviceIdentity {
  std::string serial;
  std::string wan_ip;
  std::string connreq_url;
  std::string mac;
  std::string time_zone;
  std::string software_version;
  std::string acs_url;
};

// Parameters whose value changed (Set() by the simulator) while their notification attribute was
// non-zero; `active` when at least one had notification 2 (the caller then sends "4 VALUE CHANGE"
// at once, else with the next Inform).
struct ValueChanges {
  std::vector<std::string> parameters;
  bool active = false;
};

// xsd:dateTime in UTC, whole seconds: "2026-11-28T03:18:45Z".
std::string FormatTime(Clock::TimePoint t);

class Device {
 public:
  // `clock` must outlive the device.
  Device(std::shared_ptr<const DeviceModel> model, DeviceIdentity identity, const Clock& clock);

  const DeviceModel& model() const { return *model_; }
  const DeviceIdentity& identity() const { return identity_; }
  // For facts that change underneath the data model: a new WAN IP, an installed firmware version.
  // Parameters reading them through placeholders change with them (no value change is recorded).
  DeviceIdentity& mutable_identity() { return identity_; }
  // The Inform DeviceId: the model's manufacturer/OUI/product class and this device's serial.
  cwmp::DeviceId device_id() const;

  // Answers one ACS request: GetRPCMethods, GetParameterNames, GetParameterValues,
  // SetParameterValues (atomic), GetParameterAttributes, SetParameterAttributes, AddObject,
  // DeleteObject. Errors are a cwmp::Fault with the TR-069 code (9003 with one
  // SetParameterValuesFault per bad parameter for SPV, 9005 unknown name, ...). Every other message
  // (Reboot, FactoryReset, Download and the transfer RPCs, which the session layer above handles,
  // and any response type) answers Fault 9000 "Method not supported".
  cwmp::Body Handle(const cwmp::Body& request);

  // The model's inform parameters with current values (templated ones for every existing
  // instance; concrete ones whose instance was deleted are left out). Secrets read as "".
  std::vector<cwmp::ParameterValueStruct> InformParameters() const;

  // The current value (placeholders expanded, secrets NOT blanked: for the simulator's own checks,
  // e.g. the connection request password). "" if the parameter does not exist.
  std::string Get(std::string_view path) const;
  // Sets a parameter as the device itself would (writable or not). kNotFound for an unknown
  // parameter, kInvalidArgument for a value invalid for its type. A change of a parameter whose
  // notification attribute is non-zero is recorded for TakeValueChanges().
  Status Set(std::string_view path, std::string_view value);

  // Drops every override, instance change, attribute and pending value change: model defaults.
  void FactoryReset();

  // The value changes recorded since the last call (see ValueChanges), then forgets them.
  ValueChanges TakeValueChanges();

  // What this device owns, in bytes: sizeof(Device) plus heap capacity of its strings and vectors.
  // The shared model is not counted.
  size_t MemoryFootprintBytes() const;

 private:
  struct ValueOverride {
    ModelKey key;
    std::string value;
  };
  struct AttributeOverride {
    ModelKey key;
    uint8_t notification = 0;
    std::vector<std::string> access_list;
  };
  // A parameter or object node made concrete.
  struct Resolved {
    int32_t node = -1;
    InstanceNumbers numbers{};
  };

  // Resolves a concrete path against the tree and this device's instances. `partial` paths must
  // end in an object; others in a parameter. nullopt if unknown.
  std::optional<Resolved> Resolve(std::string_view path, bool partial) const;
  std::optional<Resolved> ResolveAny(std::string_view path) const;
  // Visits `r` and everything below it in model order; f(node, numbers).
  template <typename F>
  void Walk(const Resolved& r, F&& f) const;
  std::string PathOf(int32_t node, const InstanceNumbers& numbers) const;

  const std::vector<ModelKey>& Instances() const { return own_instances_ ? instances_ : model_->initial_instances(); }
  std::vector<ModelKey>& MutableInstances();
  bool InstanceExists(const ModelKey& k) const;
  // Existing instance numbers of `object` under the parent instance numbers `parent`.
  std::vector<uint32_t> InstancesOf(uint16_t object, const InstanceNumbers& parent) const;

  std::string Value(uint16_t parameter, const InstanceNumbers& numbers) const;  // raw, secrets included
  std::string Expand(std::string_view text, const InstanceNumbers& numbers, uint8_t depth) const;
  void StoreValue(const ModelKey& key, std::string value);
  cwmp::ParameterAttribute Attribute(uint16_t parameter, const InstanceNumbers& numbers) const;
  void SetParameterKey(const std::string& key);

  cwmp::Body OnGetParameterNames(const cwmp::GetParameterNames& r) const;
  cwmp::Body OnGetParameterValues(const cwmp::GetParameterValues& r) const;
  cwmp::Body OnSetParameterValues(const cwmp::SetParameterValues& r);
  cwmp::Body OnGetParameterAttributes(const cwmp::GetParameterAttributes& r) const;
  cwmp::Body OnSetParameterAttributes(const cwmp::SetParameterAttributes& r);
  cwmp::Body OnAddObject(const cwmp::AddObject& r);
  cwmp::Body OnDeleteObject(const cwmp::DeleteObject& r);

  void AddInstance(uint16_t object, const InstanceNumbers& numbers);
  uint32_t HighestUsed(uint16_t object, const InstanceNumbers& parent) const;
  void RecordHighest(uint16_t object, const InstanceNumbers& parent, uint32_t n);

  std::shared_ptr<const DeviceModel> model_;
  DeviceIdentity identity_;
  const Clock* clock_;
  bool own_instances_ = false;           // instances_ replaces the model's initial instances
  bool pending_active_ = false;
  std::vector<ModelKey> instances_;      // sorted; id = object index
  std::vector<std::pair<ModelKey, uint32_t>> highest_;  // (object, parent numbers) -> highest number used
  std::vector<ValueOverride> values_;    // sorted by key; id = parameter index
  std::vector<AttributeOverride> attributes_;  // sorted by key
  std::vector<ModelKey> pending_changes_;      // in order of change, no duplicates
};

}  // namespace ruru::cpesim

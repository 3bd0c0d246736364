#include "tests/cpesim/device.h"

#include <algorithm>
#include <ctime>

namespace ruru::cpesim {

namespace {

using Kind = ModelNode::Kind;

bool IsClientFault(uint32_t code) { return code == 9003 || (code >= 9005 && code <= 9008); }

cwmp::Fault MakeFault(uint32_t code, std::string message = {}) {
  cwmp::Fault f;
  f.faultcode = IsClientFault(code) ? "Client" : "Server";
  f.code = code;
  f.message = message.empty() ? std::string(cwmp::StandardFaultText(code)) : std::move(message);
  return f;
}

bool IsNumber(std::string_view s) {
  return !s.empty() && s.size() <= 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Heap bytes owned by a std::string (libstdc++ keeps up to 15 characters inline), with the
// allocator's per-block overhead.
size_t HeapOf(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0; }
template <typename T>
size_t HeapOf(const std::vector<T>& v) {
  return v.capacity() > 0 ? v.capacity() * sizeof(T) + 16 : 0;
}

InstanceNumbers Prefix(const InstanceNumbers& n, size_t len) {
  InstanceNumbers out{};
  std::copy_n(n.begin(), std::min(len, n.size()), out.begin());
  return out;
}


template <typename V>
auto FindKey(V& v, const ModelKey& key) {
  return std::lower_bound(v.begin(), v.end(), key, [](const auto& e, const ModelKey& k) { return e.key < k; });
}

}  // namespace

std::string FormatTime(Clock::TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Device::Device(std::shared_ptr<const DeviceModel> model, DeviceIdentity identity, const Clock& clock)
    : model_(std::move(model)), identity_(std::move(identity)), clock_(&clock) {}

cwmp::DeviceId Device::device_id() const {
  cwmp::DeviceId id = model_->device_id();
  id.serial_number = identity_.serial;
  return id;
}

// ---- Tree navigation ---------------------------------------------------------------------------

std::optional<Device::Resolved> Device::Resolve(std::string_view path, bool partial) const {
  if (path.empty()) {
    if (!partial) return std::nullopt;
    return Resolved{model_->root_node(), {}};
  }
  if (path.ends_with('.') != partial) return std::nullopt;
  auto parsed = cwmp::ParameterPath::Parse(path);
  if (!parsed || parsed->HasWildcard() || parsed->HasAlias()) return std::nullopt;
  const auto& nodes = model_->nodes();
  const auto segs = parsed->Segments();
  if (segs.empty() || segs[0] != nodes[0].name) return std::nullopt;
  Resolved r{model_->root_node(), {}};
  for (size_t i = 1; i < segs.size(); ++i) {
    const ModelNode& cur = nodes[r.node];
    if (cur.kind == Kind::kParameter) return std::nullopt;
    if (cur.kind == Kind::kTable) {
      if (!IsNumber(segs[i])) return std::nullopt;
      const int32_t inst = cur.children.front();
      r.numbers[cur.depth] = static_cast<uint32_t>(std::stoul(std::string(segs[i])));
      if (!InstanceExists({static_cast<uint16_t>(nodes[inst].object), r.numbers})) return std::nullopt;
      r.node = inst;
    } else {
      const int32_t child = model_->FindChild(r.node, segs[i]);
      if (child < 0) return std::nullopt;
      r.node = child;
    }
  }
  if ((nodes[r.node].kind == Kind::kParameter) == partial) return std::nullopt;
  return r;
}

std::optional<Device::Resolved> Device::ResolveAny(std::string_view path) const {
  return Resolve(path, path.empty() || path.ends_with('.'));
}

template <typename F>
void Device::Walk(const Resolved& r, F&& f) const {
  const ModelNode& node = model_->nodes()[r.node];
  f(r.node, r.numbers);
  if (node.kind == Kind::kTable) {
    const int32_t inst = node.children.front();
    for (const uint32_t n : InstancesOf(static_cast<uint16_t>(model_->nodes()[inst].object), r.numbers)) {
      Resolved child{inst, r.numbers};
      child.numbers[node.depth] = n;
      Walk(child, f);
    }
    return;
  }
  for (const int32_t c : node.children) Walk(Resolved{c, r.numbers}, f);
}

std::string Device::PathOf(int32_t node, const InstanceNumbers& numbers) const {
  const auto& nodes = model_->nodes();
  std::vector<int32_t> chain;
  for (int32_t n = node; n >= 0; n = nodes[n].parent) chain.push_back(n);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const ModelNode& n = nodes[*it];
    out += n.kind == Kind::kInstance ? std::to_string(numbers[n.depth - 1]) : n.name;
    out += '.';
  }
  if (nodes[node].kind == Kind::kParameter) out.pop_back();
  return out;
}

// ---- Instances ---------------------------------------------------------------------------------

std::vector<ModelKey>& Device::MutableInstances() {
  if (!own_instances_) {
    instances_ = model_->initial_instances();
    own_instances_ = true;
  }
  return instances_;
}

bool Device::InstanceExists(const ModelKey& k) const {
  return std::binary_search(Instances().begin(), Instances().end(), k);
}

std::vector<uint32_t> Device::InstancesOf(uint16_t object, const InstanceNumbers& parent) const {
  const size_t depth = model_->objects()[object].depth;
  const ModelKey from{object, Prefix(parent, depth - 1)};
  std::vector<uint32_t> out;
  const auto& all = Instances();
  for (auto it = std::lower_bound(all.begin(), all.end(), from); it != all.end() && it->id == object; ++it) {
    if (Prefix(it->numbers, depth - 1) != from.numbers) break;
    out.push_back(it->numbers[depth - 1]);
  }
  return out;
}

void Device::AddInstance(uint16_t object, const InstanceNumbers& numbers) {
  auto& all = MutableInstances();
  const ModelKey key{object, numbers};
  all.insert(std::lower_bound(all.begin(), all.end(), key), key);
  // A new instance gets the model's initial instances of its nested templates.
  const auto& objects = model_->objects();
  for (size_t c = 0; c < objects.size(); ++c) {
    if (objects[c].parent != object) continue;
    for (uint32_t i = 1; i <= objects[c].instances; ++i) {
      InstanceNumbers nested = numbers;
      nested[objects[c].depth - 1] = i;
      AddInstance(static_cast<uint16_t>(c), nested);
    }
  }
}

uint32_t Device::HighestUsed(uint16_t object, const InstanceNumbers& parent) const {
  const ModelKey key{object, Prefix(parent, model_->objects()[object].depth - 1)};
  uint32_t highest = 0;
  const auto it = std::lower_bound(highest_.begin(), highest_.end(), key,
                                   [](const auto& e, const ModelKey& k) { return e.first < k; });
  if (it != highest_.end() && it->first == key) highest = it->second;
  for (const uint32_t n : InstancesOf(object, parent)) highest = std::max(highest, n);
  return highest;
}

void Device::RecordHighest(uint16_t object, const InstanceNumbers& parent, uint32_t n) {
  const ModelKey key{object, Prefix(parent, model_->objects()[object].depth - 1)};
  const auto it = std::lower_bound(highest_.begin(), highest_.end(), key,
                                   [](const auto& e, const ModelKey& k) { return e.first < k; });
  if (it != highest_.end() && it->first == key) {
    it->second = std::max(it->second, n);
  } else {
    highest_.insert(it, {key, n});
  }
}

// ---- Values and attributes ---------------------------------------------------------------------

std::string Device::Value(uint16_t parameter, const InstanceNumbers& numbers) const {
  const ParameterDef& def = model_->parameters()[parameter];
  if (def.counts_object >= 0) {
    return std::to_string(InstancesOf(static_cast<uint16_t>(def.counts_object), numbers).size());
  }
  const ModelKey key{parameter, numbers};
  if (const auto it = FindKey(values_, key); it != values_.end() && it->key == key) return it->value;
  if (!def.has_placeholders) return def.value;
  return Expand(def.value, numbers, model_->nodes()[def.node].depth);
}

std::string Device::Expand(std::string_view text, const InstanceNumbers& numbers, uint8_t depth) const {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t start = text.find("${", pos);
    if (start == std::string_view::npos) break;
    const size_t end = text.find('}', start);
    if (end == std::string_view::npos) break;
    out.append(text.substr(pos, start - pos));
    const std::string_view name = text.substr(start + 2, end - start - 2);
    const auto& id = model_->device_id();
    if (name == "serial") out += identity_.serial;
    else if (name == "oui") out += id.oui;
    else if (name == "product_class") out += id.product_class;
    else if (name == "wan_ip") out += identity_.wan_ip;
    else if (name == "connreq_url") out += identity_.connreq_url;
    else if (name == "mac") out += identity_.mac;
    else if (name == "time_zone") out += identity_.time_zone;
    else if (name == "software_version")
      out += identity_.software_version.empty() ? model_->software_version() : identity_.software_version;
    else if (name == "hardware_version") out += model_->hardware_version();
    else if (name == "acs_url") out += identity_.acs_url;
    else if (name == "now") out += FormatTime(clock_->Now());
    else if (name == "i" && depth > 0) out += std::to_string(numbers[depth - 1]);
    pos = end + 1;
  }
  out.append(text.substr(pos));
  return out;
}

void Device::StoreValue(const ModelKey& key, std::string value) {
  const ParameterDef& def = model_->parameters()[key.id];
  const auto it = FindKey(values_, key);
  const bool present = it != values_.end() && it->key == key;
  if (!def.has_placeholders && value == def.value) {  // back to the default: nothing to keep
    if (present) values_.erase(it);
    return;
  }
  if (present) {
    it->value = std::move(value);
  } else {
    values_.insert(it, ValueOverride{key, std::move(value)});
  }
}

cwmp::ParameterAttribute Device::Attribute(uint16_t parameter, const InstanceNumbers& numbers) const {
  cwmp::ParameterAttribute a;
  a.name = PathOf(model_->parameters()[parameter].node, numbers);
  const ModelKey key{parameter, numbers};
  if (const auto it = FindKey(attributes_, key); it != attributes_.end() && it->key == key) {
    a.notification = it->notification;
    a.access_list = it->access_list;
  } else {
    a.notification = model_->parameters()[parameter].default_notification;
  }
  return a;
}

void Device::SetParameterKey(const std::string& key) {
  if (const auto pk = model_->parameter_key_parameter()) StoreValue(ModelKey{*pk, {}}, key);
}

std::string Device::Get(std::string_view path) const {
  const auto r = Resolve(path, false);
  if (!r) return "";
  return Value(static_cast<uint16_t>(model_->nodes()[r->node].parameter), r->numbers);
}

Status Device::Set(std::string_view path, std::string_view value) {
  const auto r = Resolve(path, false);
  if (!r) return NotFound("no parameter " + std::string(path));
  const auto param = static_cast<uint16_t>(model_->nodes()[r->node].parameter);
  const ParameterDef& def = model_->parameters()[param];
  if (auto err = cwmp::ParameterValue{def.type, std::string(value)}.Validate()) {
    return InvalidArgument(std::string(path) + ": " + *err);
  }
  const ModelKey key{param, r->numbers};
  if (Value(param, r->numbers) == value) {
    // Same value now, but a default that follows a placeholder (${software_version}) would move
    // later: pin it, without a value change.
    if (def.has_placeholders) StoreValue(key, std::string(value));
    return {};
  }
  StoreValue(key, std::string(value));
  const int n = Attribute(param, r->numbers).notification;
  // Passive (1, 4, 6) and active (2) notification; 3 and 5 are lightweight-only (UDP, not Inform).
  if (n == 1 || n == 2 || n == 4 || n == 6) {
    if (std::find(pending_changes_.begin(), pending_changes_.end(), key) == pending_changes_.end()) {
      pending_changes_.push_back(key);
    }
    pending_active_ = pending_active_ || n == 2;
  }
  return {};
}

ValueChanges Device::TakeValueChanges() {
  ValueChanges out;
  out.active = pending_active_;
  for (const ModelKey& k : pending_changes_) out.parameters.push_back(PathOf(model_->parameters()[k.id].node, k.numbers));
  pending_changes_.clear();
  pending_changes_.shrink_to_fit();
  pending_active_ = false;
  return out;
}

void Device::FactoryReset() {
  own_instances_ = false;
  pending_active_ = false;
  // Swap with empties: `v = {}` would keep the capacity.
  std::vector<ModelKey>().swap(instances_);
  std::vector<std::pair<ModelKey, uint32_t>>().swap(highest_);
  std::vector<ValueOverride>().swap(values_);
  std::vector<AttributeOverride>().swap(attributes_);
  std::vector<ModelKey>().swap(pending_changes_);
}

std::vector<cwmp::ParameterValueStruct> Device::InformParameters() const {
  std::vector<cwmp::ParameterValueStruct> out;
  out.reserve(model_->inform_parameters().size());
  const auto& nodes = model_->nodes();
  std::vector<std::string_view> segs;
  for (const std::string& path : model_->inform_parameters()) {
    // Without "{i}" the path names one parameter and is its own canonical name: no PathOf (which
    // builds the name from the node chain) for the common case, every Inform.
    const bool fans_out = path.find("{i}") != std::string::npos;
    segs.clear();
    std::string_view rest = std::string_view(path).substr(model_->root().size());
    while (!rest.empty()) {
      const size_t dot = rest.find('.');
      segs.push_back(rest.substr(0, dot));
      if (dot == std::string_view::npos) break;
      rest.remove_prefix(dot + 1);
    }
    // Depth-first over the segments; "{i}" fans out over existing instances.
    auto visit = [&](auto& self, size_t i, Resolved r) -> void {
      if (i == segs.size()) {
        const auto param = static_cast<uint16_t>(nodes[r.node].parameter);
        const ParameterDef& def = model_->parameters()[param];
        out.push_back(
            {fans_out ? PathOf(r.node, r.numbers) : path, {def.type, def.secret ? "" : Value(param, r.numbers)}});
        return;
      }
      const ModelNode& cur = nodes[r.node];
      if (cur.kind != Kind::kTable) {
        self(self, i + 1, Resolved{model_->FindChild(r.node, segs[i]), r.numbers});
        return;
      }
      const int32_t inst = cur.children.front();
      const auto object = static_cast<uint16_t>(nodes[inst].object);
      for (const uint32_t n : InstancesOf(object, r.numbers)) {
        if (segs[i] != "{i}" && segs[i] != std::to_string(n)) continue;
        Resolved child{inst, r.numbers};
        child.numbers[cur.depth] = n;
        self(self, i + 1, child);
      }
    };
    visit(visit, 0, Resolved{model_->root_node(), {}});
  }
  return out;
}

// ---- RPCs --------------------------------------------------------------------------------------

cwmp::Body Device::Handle(const cwmp::Body& request) {
  if (std::holds_alternative<cwmp::GetRPCMethods>(request)) return cwmp::GetRPCMethodsResponse{model_->rpc_methods()};
  if (const auto* r = std::get_if<cwmp::GetParameterNames>(&request)) return OnGetParameterNames(*r);
  if (const auto* r = std::get_if<cwmp::GetParameterValues>(&request)) return OnGetParameterValues(*r);
  if (const auto* r = std::get_if<cwmp::SetParameterValues>(&request)) return OnSetParameterValues(*r);
  if (const auto* r = std::get_if<cwmp::GetParameterAttributes>(&request)) return OnGetParameterAttributes(*r);
  if (const auto* r = std::get_if<cwmp::SetParameterAttributes>(&request)) return OnSetParameterAttributes(*r);
  if (const auto* r = std::get_if<cwmp::AddObject>(&request)) return OnAddObject(*r);
  if (const auto* r = std::get_if<cwmp::DeleteObject>(&request)) return OnDeleteObject(*r);
  return MakeFault(9000);
}

cwmp::Body Device::OnGetParameterNames(const cwmp::GetParameterNames& req) const {
  const auto& nodes = model_->nodes();
  cwmp::GetParameterNamesResponse resp;
  if (req.parameter_path.empty() && req.next_level) {  // A.3.2.3: only the root object
    resp.parameters.push_back({model_->root(), false});
    return resp;
  }
  const auto r = ResolveAny(req.parameter_path);
  if (!r) return MakeFault(9005);
  const bool is_param = nodes[r->node].kind == Kind::kParameter;
  if (is_param && req.next_level) return MakeFault(9003, "NextLevel must be false for a parameter name");
  auto info = [&](int32_t node, const InstanceNumbers& numbers) {
    const ModelNode& n = nodes[node];
    bool writable = false;
    if (n.kind == Kind::kParameter) writable = model_->parameters()[n.parameter].writable;
    if (n.kind == Kind::kInstance) writable = model_->objects()[n.object].addable;
    if (n.kind == Kind::kTable) writable = model_->objects()[nodes[n.children.front()].object].addable;
    return cwmp::ParameterInfo{PathOf(node, numbers), writable};
  };
  if (!req.next_level) {
    Walk(*r, [&](int32_t node, const InstanceNumbers& numbers) { resp.parameters.push_back(info(node, numbers)); });
    return resp;
  }
  const ModelNode& node = nodes[r->node];
  if (node.kind == Kind::kTable) {
    const int32_t inst = node.children.front();
    for (const uint32_t n : InstancesOf(static_cast<uint16_t>(nodes[inst].object), r->numbers)) {
      InstanceNumbers numbers = r->numbers;
      numbers[node.depth] = n;
      resp.parameters.push_back(info(inst, numbers));
    }
  } else {
    for (const int32_t c : node.children) resp.parameters.push_back(info(c, r->numbers));
  }
  return resp;
}

cwmp::Body Device::OnGetParameterValues(const cwmp::GetParameterValues& req) const {
  cwmp::GetParameterValuesResponse resp;
  for (const std::string& name : req.names) {
    const auto r = ResolveAny(name);
    if (!r) return MakeFault(9005, "Invalid parameter name: " + name);
    Walk(*r, [&](int32_t node, const InstanceNumbers& numbers) {
      const int32_t p = model_->nodes()[node].parameter;
      if (p < 0) return;
      const ParameterDef& def = model_->parameters()[p];
      resp.parameters.push_back(
          {PathOf(node, numbers), {def.type, def.secret ? "" : Value(static_cast<uint16_t>(p), numbers)}});
    });
  }
  return resp;
}

cwmp::Body Device::OnSetParameterValues(const cwmp::SetParameterValues& req) {
  // Validate everything first: a SetParameterValues is applied entirely or not at all.
  std::vector<cwmp::SetParameterValuesFault> faults;
  std::vector<ModelKey> keys;
  auto fail = [&](const std::string& name, uint32_t code) {
    faults.push_back({name, code, std::string(cwmp::StandardFaultText(code))});
  };
  for (const auto& pv : req.parameters) {
    const auto r = Resolve(pv.name, false);
    if (!r) {
      fail(pv.name, 9005);
      continue;
    }
    const auto param = static_cast<uint16_t>(model_->nodes()[r->node].parameter);
    const ParameterDef& def = model_->parameters()[param];
    if (!def.writable) {
      fail(pv.name, 9008);
    } else if (pv.value.type != def.type) {
      fail(pv.name, 9006);
    } else if (cwmp::ParameterValue{def.type, pv.value.text}.Validate() || def.CheckAllowed(pv.value.text)) {
      fail(pv.name, 9007);
    } else {
      keys.push_back({param, r->numbers});
    }
  }
  if (!faults.empty()) {
    cwmp::Fault f = MakeFault(9003);
    f.set_parameter_values_faults = std::move(faults);
    return f;
  }
  if (req.parameter_key.size() > cwmp::kMaxParameterKey) return MakeFault(9003, "ParameterKey longer than 32");
  for (size_t i = 0; i < keys.size(); ++i) StoreValue(keys[i], req.parameters[i].value.text);
  SetParameterKey(req.parameter_key);
  return cwmp::SetParameterValuesResponse{0};
}

cwmp::Body Device::OnGetParameterAttributes(const cwmp::GetParameterAttributes& req) const {
  cwmp::GetParameterAttributesResponse resp;
  for (const std::string& name : req.names) {
    const auto r = ResolveAny(name);
    if (!r) return MakeFault(9005, "Invalid parameter name: " + name);
    Walk(*r, [&](int32_t node, const InstanceNumbers& numbers) {
      const int32_t p = model_->nodes()[node].parameter;
      if (p >= 0) resp.parameters.push_back(Attribute(static_cast<uint16_t>(p), numbers));
    });
  }
  return resp;
}

cwmp::Body Device::OnSetParameterAttributes(const cwmp::SetParameterAttributes& req) {
  std::vector<Resolved> targets;
  for (const auto& s : req.parameters) {
    const auto r = ResolveAny(s.name);
    if (!r) return MakeFault(9005, "Invalid parameter name: " + s.name);
    if (s.notification_change && !cwmp::IsValidNotification(s.notification)) {
      return MakeFault(9003, "Notification not in 0-6 for " + s.name);
    }
    targets.push_back(*r);
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& s = req.parameters[i];
    Walk(targets[i], [&](int32_t node, const InstanceNumbers& numbers) {
      const int32_t p = model_->nodes()[node].parameter;
      if (p < 0) return;
      cwmp::ParameterAttribute a = Attribute(static_cast<uint16_t>(p), numbers);
      if (s.notification_change) a.notification = s.notification;
      if (s.access_list_change) a.access_list = s.access_list;
      const ModelKey key{static_cast<uint16_t>(p), numbers};
      const auto it = FindKey(attributes_, key);
      const bool present = it != attributes_.end() && it->key == key;
      if (a.notification == model_->parameters()[p].default_notification && a.access_list.empty()) {
        if (present) attributes_.erase(it);
      } else if (present) {
        it->notification = static_cast<uint8_t>(a.notification);
        it->access_list = std::move(a.access_list);
      } else {
        attributes_.insert(it, AttributeOverride{key, static_cast<uint8_t>(a.notification), std::move(a.access_list)});
      }
    });
  }
  return cwmp::SetParameterAttributesResponse{};
}

cwmp::Body Device::OnAddObject(const cwmp::AddObject& req) {
  const auto r = Resolve(req.object_name, true);
  if (!r || model_->nodes()[r->node].kind != Kind::kTable) {
    return MakeFault(9005, "Not a multi-instance object: " + req.object_name);
  }
  const ModelNode& table = model_->nodes()[r->node];
  const auto object = static_cast<uint16_t>(model_->nodes()[table.children.front()].object);
  if (!model_->objects()[object].addable) return MakeFault(9003, "Object is not addable: " + req.object_name);
  if (req.parameter_key.size() > cwmp::kMaxParameterKey) return MakeFault(9003, "ParameterKey longer than 32");
  const uint32_t n = HighestUsed(object, r->numbers) + 1;
  InstanceNumbers numbers = r->numbers;
  numbers[table.depth] = n;
  AddInstance(object, numbers);
  RecordHighest(object, r->numbers, n);
  SetParameterKey(req.parameter_key);
  return cwmp::AddObjectResponse{n, 0};
}

cwmp::Body Device::OnDeleteObject(const cwmp::DeleteObject& req) {
  const auto r = Resolve(req.object_name, true);
  if (!r || model_->nodes()[r->node].kind != Kind::kInstance) {
    return MakeFault(9005, "Not an object instance: " + req.object_name);
  }
  const int32_t inst_node = r->node;
  const auto object = static_cast<uint16_t>(model_->nodes()[inst_node].object);
  const auto& objects = model_->objects();
  if (!objects[object].addable) return MakeFault(9003, "Object is not deletable: " + req.object_name);
  if (req.parameter_key.size() > cwmp::kMaxParameterKey) return MakeFault(9003, "ParameterKey longer than 32");
  const size_t depth = objects[object].depth;
  // Instance numbers are never reused: remember the highest before removing it.
  RecordHighest(object, r->numbers, HighestUsed(object, r->numbers));

  const InstanceNumbers prefix = Prefix(r->numbers, depth);
  auto object_within = [&](int32_t o) {
    for (; o >= 0; o = objects[o].parent) {
      if (o == object) return true;
    }
    return false;
  };
  auto node_within = [&](int32_t node) {
    for (; node >= 0; node = model_->nodes()[node].parent) {
      if (node == inst_node) return true;
    }
    return false;
  };
  auto under = [&](const InstanceNumbers& numbers) { return Prefix(numbers, depth) == prefix; };
  auto& instances = MutableInstances();
  std::erase_if(instances, [&](const ModelKey& k) { return object_within(k.id) && under(k.numbers); });
  std::erase_if(highest_, [&](const auto& e) {
    return e.first.id != object && object_within(e.first.id) && under(e.first.numbers);
  });
  auto param_within = [&](const ModelKey& k) {
    return node_within(model_->parameters()[k.id].node) && under(k.numbers);
  };
  std::erase_if(values_, [&](const ValueOverride& v) { return param_within(v.key); });
  std::erase_if(attributes_, [&](const AttributeOverride& a) { return param_within(a.key); });
  std::erase_if(pending_changes_, param_within);
  SetParameterKey(req.parameter_key);
  return cwmp::DeleteObjectResponse{0};
}

size_t Device::MemoryFootprintBytes() const {
  size_t bytes = sizeof(*this);
  for (const std::string* s : {&identity_.serial, &identity_.wan_ip, &identity_.connreq_url, &identity_.mac,
                               &identity_.time_zone, &identity_.software_version, &identity_.acs_url}) {
    bytes += HeapOf(*s);
  }
  bytes += HeapOf(instances_) + HeapOf(highest_) + HeapOf(values_) + HeapOf(attributes_) + HeapOf(pending_changes_);
  for (const auto& v : values_) bytes += HeapOf(v.value);
  for (const auto& a : attributes_) {
    bytes += HeapOf(a.access_list);
    for (const auto& s : a.access_list) bytes += HeapOf(s);
  }
  return bytes;
}

}  // namespace ruru::cpesim

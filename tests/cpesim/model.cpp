#include "tests/cpesim/model.h"

#include <algorithm>
#include <string>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ruru::cpesim {

namespace {

using json = nlohmann::json;
using Kind = ModelNode::Kind;

constexpr std::string_view kTemplate = "{i}";

constexpr std::string_view kPlaceholders[] = {"serial",  "oui",       "product_class",    "wan_ip",
                                              "connreq_url", "mac",   "time_zone",        "software_version",
                                              "hardware_version", "acs_url", "now",       "i"};

// The methods a CPE must support (TR-069 Annex A table 5) plus the optional ones the simulator's
// later layers implement.
const std::vector<std::string> kDefaultRpcMethods = {
    "GetRPCMethods",          "SetParameterValues", "GetParameterValues", "GetParameterNames",
    "SetParameterAttributes", "GetParameterAttributes", "AddObject",     "DeleteObject",
    "Reboot",                 "Download",           "FactoryReset",       "ScheduleInform"};

std::optional<cwmp::ValueType> TypeFromName(std::string_view name) {
  using cwmp::ValueType;
  static constexpr std::pair<std::string_view, ValueType> kTypes[] = {
      {"string", ValueType::kString},     {"int", ValueType::kInt},
      {"unsignedInt", ValueType::kUnsignedInt}, {"long", ValueType::kLong},
      {"unsignedLong", ValueType::kUnsignedLong}, {"boolean", ValueType::kBoolean},
      {"dateTime", ValueType::kDateTime}, {"base64", ValueType::kBase64},
      {"hexBinary", ValueType::kHexBinary}};
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

bool IsNameSegment(std::string_view s) {
  if (s.empty()) return false;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '-'; });
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    out.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  return out;
}

// Placeholder names in `value`; error text for a malformed or unknown one.
Result<std::vector<std::string>> PlaceholdersOf(std::string_view value) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = value.find("${", pos)) != std::string_view::npos) {
    const size_t end = value.find('}', pos);
    if (end == std::string_view::npos) return InvalidArgument("unterminated placeholder");
    std::string name(value.substr(pos + 2, end - pos - 2));
    if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), name) == std::end(kPlaceholders)) {
      return InvalidArgument("unknown placeholder ${" + name + "}");
    }
    names.push_back(std::move(name));
    pos = end + 1;
  }
  return names;
}

}  // namespace

int32_t DeviceModel::FindChild(int32_t node, std::string_view name) const {
  for (const int32_t c : nodes_[node].children) {
    if (nodes_[c].name == name) return c;
  }
  return -1;
}

int32_t DeviceModel::FindParameter(std::string_view template_path) const {
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (parameters_[i].path == template_path) return static_cast<int32_t>(i);
  }
  return -1;
}

// Builds a DeviceModel; every check failure is a one-line InvalidArgument.
class ModelLoader {
 public:
  Result<std::shared_ptr<const DeviceModel>> Load(std::string_view text) {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return InvalidArgument("model: not valid JSON");
    if (!doc.is_object()) return InvalidArgument("model: top level is not a JSON object");
    try {
      if (auto s = LoadHeader(doc); !s) return s.error();
      // Parameters first, so that an object lists its parameters before its sub-objects.
      if (auto s = LoadParameters(doc); !s) return s.error();
      if (auto s = LoadObjects(doc); !s) return s.error();
      if (auto s = Link(); !s) return s.error();
      if (auto s = LoadInform(doc); !s) return s.error();
    } catch (const json::exception& e) {
      // Only reached on a JSON type mismatch the explicit checks did not foresee.
      return InvalidArgument(std::string("model: ") + e.what());
    }
    return std::shared_ptr<const DeviceModel>(std::move(m_));
  }

 private:
  static Error Bad(std::string message) { return InvalidArgument("model: " + std::move(message)); }

  static Result<std::string> RequiredString(const json& obj, const char* key, const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return Bad(where + ": \"" + key + "\" missing or not a string");
    return it->get<std::string>();
  }

  Status LoadHeader(const json& doc) {
    auto name = RequiredString(doc, "name", "top level");
    if (!name) return name.error();
    m_->name_ = *name;
    auto root = RequiredString(doc, "root", "top level");
    if (!root) return root.error();
    if (*root != "Device." && *root != "InternetGatewayDevice.") {
      return Bad("root \"" + *root + "\" is neither \"Device.\" nor \"InternetGatewayDevice.\"");
    }
    m_->root_ = *root;
    const auto id = doc.find("device_id");
    if (id == doc.end() || !id->is_object()) return Bad("\"device_id\" missing or not an object");
    auto manufacturer = RequiredString(*id, "manufacturer", "device_id");
    if (!manufacturer) return manufacturer.error();
    auto oui = RequiredString(*id, "oui", "device_id");
    if (!oui) return oui.error();
    auto product_class = RequiredString(*id, "product_class", "device_id");
    if (!product_class) return product_class.error();
    m_->device_id_ = {*manufacturer, *oui, *product_class, ""};
    auto sw = RequiredString(doc, "software_version", "top level");
    if (!sw) return sw.error();
    m_->software_version_ = *sw;
    m_->hardware_version_ = doc.value("hardware_version", std::string());
    m_->dual_bank_ = doc.value("dual_bank", false);
    if (const auto it = doc.find("rpc_methods"); it != doc.end()) {
      if (!it->is_array()) return Bad("\"rpc_methods\" is not an array");
      for (const auto& v : *it) {
        if (!v.is_string()) return Bad("\"rpc_methods\" holds a non-string");
        m_->rpc_methods_.push_back(v.get<std::string>());
      }
    } else {
      m_->rpc_methods_ = kDefaultRpcMethods;
    }
    // The root node.
    ModelNode root_node;
    root_node.name = m_->root_.substr(0, m_->root_.size() - 1);
    m_->nodes_.push_back(std::move(root_node));
    return {};
  }

  // Checks `path` is under the root and well-formed; returns its segments after the root.
  Result<std::vector<std::string_view>> CheckPath(std::string_view path, bool object, const std::string& what) {
    if (!path.starts_with(m_->root_)) return Bad(what + " " + std::string(path) + ": not under " + m_->root_);
    if (object != path.ends_with('.')) {
      return Bad(what + " " + std::string(path) + (object ? ": an object path must end with '.'"
                                                           : ": a parameter path must not end with '.'"));
    }
    std::string_view rest = path.substr(m_->root_.size());
    if (object) rest.remove_suffix(1);
    auto segs = SplitPath(rest);
    if (segs.empty() && !object) return Bad(what + " " + std::string(path) + ": no name after the root");
    size_t depth = 0;
    for (size_t i = 0; i < segs.size(); ++i) {
      if (segs[i] == kTemplate) {
        if (i == 0 || segs[i - 1] == kTemplate) {
          return Bad(what + " " + std::string(path) + ": {i} must follow an object name");
        }
        ++depth;
      } else if (!IsNameSegment(segs[i])) {
        return Bad(what + " " + std::string(path) + ": invalid segment \"" + std::string(segs[i]) + "\"");
      }
    }
    if (!object && segs.back() == kTemplate) return Bad(what + " " + std::string(path) + ": ends with {i}");
    if (depth > kMaxInstanceDepth) {
      return Bad(what + " " + std::string(path) + ": nested deeper than " + std::to_string(kMaxInstanceDepth) + " levels");
    }
    return segs;
  }

  // Walks/creates nodes for `segs` under the root; the last one gets `last_kind`.
  Result<int32_t> Insert(const std::vector<std::string_view>& segs, Kind last_kind, const std::string& path) {
    int32_t cur = 0;
    for (size_t i = 0; i < segs.size(); ++i) {
      const bool last = i + 1 == segs.size();
      const bool is_template = segs[i] == kTemplate;
      const Kind want = is_template ? Kind::kInstance : (last ? last_kind : Kind::kObject);
      if (m_->nodes_[cur].kind == Kind::kParameter) return Bad(path + ": goes through parameter " + NodePath(cur));
      int32_t child = m_->FindChild(cur, segs[i]);
      if (child >= 0) {
        if ((m_->nodes_[child].kind == Kind::kParameter) != (want == Kind::kParameter)) {
          return Bad(path + ": " + NodePath(child) + " is both an object and a parameter");
        }
        cur = child;
        continue;
      }
      ModelNode& parent = m_->nodes_[cur];
      if (is_template && !parent.children.empty()) {
        return Bad(path + ": " + NodePath(cur) + " has both instances and named children");
      }
      if (!is_template && parent.kind == Kind::kTable) {
        return Bad(path + ": " + NodePath(cur) + " has both instances and named children");
      }
      if (is_template) parent.kind = Kind::kTable;
      ModelNode node;
      node.name = std::string(segs[i]);
      node.kind = want;
      node.parent = cur;
      node.depth = static_cast<uint8_t>(parent.depth + (is_template ? 1 : 0));
      const auto index = static_cast<int32_t>(m_->nodes_.size());
      m_->nodes_[cur].children.push_back(index);
      m_->nodes_.push_back(std::move(node));
      cur = index;
    }
    return cur;
  }

  std::string NodePath(int32_t node) const {
    std::vector<std::string_view> names;
    for (int32_t n = node; n >= 0; n = m_->nodes_[n].parent) names.push_back(m_->nodes_[n].name);
    std::string out;
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      out += *it;
      out += '.';
    }
    if (m_->nodes_[node].kind == Kind::kParameter) out.pop_back();
    return out;
  }

  Status LoadObjects(const json& doc) {
    const auto objs = doc.find("objects");
    if (objs == doc.end()) return {};
    if (!objs->is_array()) return Bad("\"objects\" is not an array");
    for (const auto& o : *objs) {
      if (!o.is_object()) return Bad("\"objects\" holds a non-object");
      auto path = RequiredString(o, "path", "object");
      if (!path) return path.error();
      auto segs = CheckPath(*path, true, "object");
      if (!segs) return segs.error();
      ObjectDef def;
      def.path = *path;
      def.addable = o.value("addable", false);
      const auto inst = o.value("instances", 0);
      if (inst < 0 || inst > 10000) return Bad("object " + *path + ": \"instances\" out of range 0-10000");
      def.instances = static_cast<uint32_t>(inst);
      const bool multi = !segs->empty() && segs->back() == kTemplate;
      if (!multi && (def.addable || def.instances != 0)) {
        return Bad("object " + *path + ": only a {i} template can be addable or have instances");
      }
      for (const auto& existing : m_->objects_) {
        if (existing.path == def.path) return Bad("object " + *path + " declared twice");
      }
      auto node = Insert(*segs, Kind::kObject, *path);
      if (!node) return node.error();
      def.node = *node;
      def.depth = m_->nodes_[*node].depth;
      if (multi) m_->nodes_[*node].object = static_cast<int32_t>(m_->objects_.size());
      m_->objects_.push_back(std::move(def));
    }
    return {};
  }

  Status LoadParameters(const json& doc) {
    const auto params = doc.find("parameters");
    if (params == doc.end() || !params->is_array()) return Bad("\"parameters\" missing or not an array");
    if (params->size() > 65535) return Bad("more than 65535 parameters");
    for (const auto& p : *params) {
      if (!p.is_object()) return Bad("\"parameters\" holds a non-object");
      auto path = RequiredString(p, "path", "parameter");
      if (!path) return path.error();
      const std::string where = "parameter " + *path;
      auto segs = CheckPath(*path, false, "parameter");
      if (!segs) return segs.error();
      auto type_name = RequiredString(p, "type", where);
      if (!type_name) return type_name.error();
      const auto type = TypeFromName(*type_name);
      if (!type) return Bad(where + ": unknown type \"" + *type_name + "\"");
      ParameterDef def;
      def.path = *path;
      def.type = *type;
      const auto w = p.find("writable");
      if (w == p.end() || !w->is_boolean()) return Bad(where + ": \"writable\" missing or not a boolean");
      def.writable = w->get<bool>();
      def.secret = p.value("secret", false);
      def.default_notification = p.value("notification", 0);
      if (!cwmp::IsValidNotification(def.default_notification)) return Bad(where + ": notification not in 0-6");
      if (const auto r = p.find("range"); r != p.end()) {
        if (!r->is_array() || r->size() != 2 || !(*r)[0].is_number_integer() || !(*r)[1].is_number_integer() ||
            (*r)[0].get<int64_t>() > (*r)[1].get<int64_t>()) {
          return Bad(where + ": \"range\" must be [min, max] integers with min <= max");
        }
        if (def.type != cwmp::ValueType::kInt && def.type != cwmp::ValueType::kUnsignedInt &&
            def.type != cwmp::ValueType::kLong && def.type != cwmp::ValueType::kUnsignedLong) {
          return Bad(where + ": \"range\" only for numeric types");
        }
        def.range = std::pair{(*r)[0].get<int64_t>(), (*r)[1].get<int64_t>()};
      }
      if (const auto e = p.find("enum"); e != p.end()) {
        if (!e->is_array() || e->empty() || def.type != cwmp::ValueType::kString) {
          return Bad(where + ": \"enum\" must be a non-empty array, for string parameters");
        }
        for (const auto& item : *e) {
          if (!item.is_string()) return Bad(where + ": \"enum\" holds a non-string");
          def.enumeration.push_back(item.get<std::string>());
        }
      }
      const auto v = p.find("value");
      if (v == p.end() || !v->is_string()) return Bad(where + ": \"value\" missing or not a string");
      def.value = v->get<std::string>();
      auto placeholders = PlaceholdersOf(def.value);
      if (!placeholders) return Bad(where + ": " + placeholders.error().message);
      def.has_placeholders = !placeholders->empty();
      if (m_->FindParameter(def.path) >= 0) return Bad(where + " declared twice");
      auto node = Insert(*segs, Kind::kParameter, *path);
      if (!node) return node.error();
      const bool templated = m_->nodes_[*node].depth > 0;
      if (!templated && std::find(placeholders->begin(), placeholders->end(), "i") != placeholders->end()) {
        return Bad(where + ": ${i} outside a {i} template");
      }
      if (!def.has_placeholders) {
        if (auto err = cwmp::ParameterValue{def.type, def.value}.Validate()) {
          return Bad(where + ": default value invalid for " + *type_name + ": " + *err);
        }
        if (auto err = def.CheckAllowed(def.value)) return Bad(where + ": default value " + *err);
      }
      def.node = *node;
      m_->nodes_[*node].parameter = static_cast<int32_t>(m_->parameters_.size());
      m_->parameters_.push_back(std::move(def));
    }
    return {};
  }

  // Checks every {i} is declared, links parents, NumberOfEntries counters, initial instances.
  Status Link() {
    for (size_t n = 0; n < m_->nodes_.size(); ++n) {
      const ModelNode& node = m_->nodes_[n];
      if (node.kind == Kind::kInstance && node.object < 0) {
        return Bad("template " + NodePath(static_cast<int32_t>(n)) + " is used but not declared in \"objects\"");
      }
    }
    for (ObjectDef& def : m_->objects_) {
      if (def.depth == 0) continue;
      // The enclosing template: the nearest kInstance ancestor above this object's own {i} node.
      for (int32_t a = m_->nodes_[m_->nodes_[def.node].parent].parent; a >= 0; a = m_->nodes_[a].parent) {
        if (m_->nodes_[a].kind == Kind::kInstance) {
          def.parent = m_->nodes_[a].object;
          break;
        }
      }
      // "<Table>NumberOfEntries" beside the table counts its instances.
      const int32_t table = m_->nodes_[def.node].parent;
      const int32_t holder = m_->nodes_[table].parent;
      const int32_t counter = m_->FindChild(holder, m_->nodes_[table].name + "NumberOfEntries");
      if (counter >= 0 && m_->nodes_[counter].kind == Kind::kParameter) {
        m_->parameters_[m_->nodes_[counter].parameter].counts_object = m_->nodes_[def.node].object;
      }
    }
    if (m_->objects_.size() > 65535) return Bad("more than 65535 objects");
    // Initial instances, parents before children (by depth).
    for (uint8_t depth = 1; depth <= kMaxInstanceDepth; ++depth) {
      for (size_t o = 0; o < m_->objects_.size(); ++o) {
        const ObjectDef& def = m_->objects_[o];
        if (def.depth != depth) continue;
        std::vector<ModelKey> parents;
        if (def.parent < 0) {
          parents.push_back({});
        } else {
          for (const ModelKey& k : m_->initial_instances_) {
            if (k.id == def.parent) parents.push_back(k);
          }
        }
        for (const ModelKey& p : parents) {
          for (uint32_t i = 1; i <= def.instances; ++i) {
            ModelKey k = p;
            k.id = static_cast<uint16_t>(o);
            k.numbers[depth - 1] = i;
            m_->initial_instances_.push_back(k);
          }
        }
      }
    }
    std::sort(m_->initial_instances_.begin(), m_->initial_instances_.end());
    if (const int32_t pk = m_->FindParameter(m_->root_ + "ManagementServer.ParameterKey"); pk >= 0) {
      m_->parameter_key_ = static_cast<uint16_t>(pk);
    }
    return {};
  }

  // Inform parameters are concrete ("...Interface.1.IPAddress") or templated ("...{i}...") paths.
  Status LoadInform(const json& doc) {
    const auto inform = doc.find("inform_parameters");
    if (inform == doc.end()) return {};
    if (!inform->is_array()) return Bad("\"inform_parameters\" is not an array");
    for (const auto& v : *inform) {
      if (!v.is_string()) return Bad("\"inform_parameters\" holds a non-string");
      const std::string path = v.get<std::string>();
      if (!path.starts_with(m_->root_) || path.ends_with('.')) {
        return Bad("inform parameter " + path + " is not a parameter under " + m_->root_);
      }
      int32_t cur = 0;
      for (const std::string_view seg : SplitPath(std::string_view(path).substr(m_->root_.size()))) {
        if (m_->nodes_[cur].kind == Kind::kTable) {
          const bool number = !seg.empty() && std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; });
          cur = (number || seg == kTemplate) ? m_->nodes_[cur].children.front() : -1;
        } else {
          cur = m_->FindChild(cur, seg);
        }
        if (cur < 0) break;
      }
      if (cur < 0 || m_->nodes_[cur].kind != Kind::kParameter) {
        return Bad("inform parameter " + path + " is not a parameter of the model");
      }
      m_->inform_parameters_.push_back(path);
    }
    return {};
  }

  std::shared_ptr<DeviceModel> m_ = std::make_shared<DeviceModel>();
};

Result<std::shared_ptr<const DeviceModel>> LoadModel(std::string_view json_text) {
  return ModelLoader().Load(json_text);
}

Result<std::shared_ptr<const DeviceModel>> LoadModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("model file " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  auto model = LoadModel(text.str());
  if (!model) return InvalidArgument(path + ": " + model.error().message);
  return model;
}

std::optional<std::string> ParameterDef::CheckAllowed(std::string_view value) const {
  if (range) {
    long double v = 0;
    try {
      v = std::stold(std::string(value));
    } catch (...) {
      return "is not a number";
    }
    if (v < range->first || v > range->second) {
      return "out of range [" + std::to_string(range->first) + ", " + std::to_string(range->second) + "]";
    }
  }
  if (!enumeration.empty() && std::find(enumeration.begin(), enumeration.end(), value) == enumeration.end()) {
    std::string list;
    for (const auto& e : enumeration) list += (list.empty() ? "" : ", ") + e;
    return "not one of " + list;
  }
  return std::nullopt;
}

}  // namespace ruru::cpesim

// Helpers shared by the cwmp tests: fixture files, captured HTTP requests, and readable gtest
// output for the message model (so a failed EXPECT_EQ on an Envelope shows fields, not bytes).
// Header-only; include it from any test under tests/.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "cwmp/messages.h"
#include "cwmp/types.h"
#include "tests/support/test_paths.h"

namespace ruru::test {

// Absolute path of a file or directory under tests/fixtures, e.g. FixturePath("cwmp/x.xml").
inline std::filesystem::path FixturePath(std::string_view relative) {
  return std::filesystem::path(RURU_FIXTURES_DIR) / std::filesystem::path(relative);
}

// The whole file as bytes (no newline or encoding conversion). Records a test failure and returns
// "" when the file cannot be read.
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// File names (not paths) of the regular files in tests/fixtures/<dir> whose name ends with
// `suffix`, sorted. Empty when the directory does not exist. Safe to call during static
// initialisation (e.g. in INSTANTIATE_TEST_SUITE_P): it never touches gtest.
inline std::vector<std::string> ListFixtures(std::string_view dir, std::string_view suffix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(FixturePath(dir), ec)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A gtest parameter name from a file name: letters and digits kept, everything else '_'.
inline std::string TestNameFromFile(std::string_view file) {
  std::string out;
  for (const char c : file) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out.push_back(alnum ? c : '_');
  }
  return out;
}

// One HTTP/1.1 message as captured on the wire. Views into the captured text.
struct HttpCapture {
  std::string_view start_line;                                        // "POST / HTTP/1.1"
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // name, value (trimmed)
  std::string_view body;

  // The value of the first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n.size() == name.size() &&
          std::equal(n.begin(), n.end(), name.begin(), [](unsigned char a, unsigned char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return std::nullopt;
  }
};

// Splits a captured HTTP message at the first empty line. Accepts CRLF and bare LF line ends (both
// occur in the captures). Input without a blank line is all head, no body.
inline HttpCapture SplitHttp(std::string_view raw) {
  HttpCapture out;
  std::string_view head = raw;
  const size_t crlf = raw.find("\r\n\r\n");
  const size_t lf = raw.find("\n\n");
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) {
    head = raw.substr(0, crlf);
    out.body = raw.substr(crlf + 4);
  } else if (lf != std::string_view::npos) {
    head = raw.substr(0, lf);
    out.body = raw.substr(lf + 2);
  }
  bool first = true;
  while (!head.empty()) {
    const size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      out.start_line = line;
      first = false;
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    out.headers.emplace_back(line.substr(0, colon), value);
  }
  return out;
}

// The body of a captured HTTP message (everything after the headers).
inline std::string_view StripHttpHeaders(std::string_view raw) { return SplitHttp(raw).body; }

// True when some warning contains `needle`.
inline bool HasWarning(const std::vector<std::string>& warnings, std::string_view needle) {
  return std::any_of(warnings.begin(), warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

// A one-line, human-readable dump of an envelope for test failure messages.
inline std::string Describe(const cwmp::Envelope& envelope);

}  // namespace ruru::test

// gtest printers: found by argument-dependent lookup, so they live in the types' namespace.
namespace ruru::cwmp {

inline void PrintTo(const ParameterValue& v, std::ostream* os) {
  *os << ValueTypeName(v.type) << ":\"" << v.text << '"';
}
inline void PrintTo(const EventCode& e, std::ostream* os) { *os << '"' << e.text << '"'; }
inline void PrintTo(const Envelope& e, std::ostream* os) { *os << ruru::test::Describe(e); }

}  // namespace ruru::cwmp

namespace ruru::test {

// The fields of the bodies added with TR-069 Amendment 6 support, as ` key="value"` pairs.
template <typename T>
void DescribeMoreBodies(std::ostream& os, const T& b) {
  using namespace ruru::cwmp;
  auto kv = [&](std::string_view key, const auto& value) {
    os << ' ' << key << '=';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) {
      os << '"' << std::string_view(value) << '"';
    } else {
      os << value;
    }
  };
  auto list = [&](std::string_view key, const std::vector<std::string>& items) {
    os << ' ' << key << "=[";
    for (size_t i = 0; i < items.size(); ++i) os << (i ? ", " : "") << '"' << items[i] << '"';
    os << ']';
  };
  auto fault = [&](const TransferFault& f) {
    kv("fault", f.code);
    kv("fault_message", f.message);
  };
  auto results = [&](const std::vector<OpResult>& rs) {
    for (const auto& r : rs) {
      os << " [";
      kv("uuid", r.uuid);
      kv("du", r.deployment_unit_ref);
      kv("version", r.version);
      kv("state", r.current_state);
      kv("resolved", r.resolved);
      kv("eus", r.execution_unit_ref_list);
      kv("start", r.start_time);
      kv("complete", r.complete_time);
      fault(r.fault);
      kv("performed", r.operation_performed);
      os << ']';
    }
  };
  if constexpr (std::is_same_v<T, GetParameterAttributes>) {
    list("names", b.names);
  } else if constexpr (std::is_same_v<T, GetParameterAttributesResponse>) {
    for (const auto& p : b.parameters) {
      os << " [" << p.name;
      kv("notification", p.notification);
      list("access", p.access_list);
      os << ']';
    }
  } else if constexpr (std::is_same_v<T, SetParameterAttributes>) {
    for (const auto& p : b.parameters) {
      os << " [" << p.name;
      kv("notification_change", p.notification_change);
      kv("notification", p.notification);
      kv("access_list_change", p.access_list_change);
      list("access", p.access_list);
      os << ']';
    }
  } else if constexpr (std::is_same_v<T, AddObject> || std::is_same_v<T, DeleteObject>) {
    kv("object", b.object_name);
    kv("key", b.parameter_key);
  } else if constexpr (std::is_same_v<T, AddObjectResponse>) {
    kv("instance", b.instance_number);
    kv("status", b.status);
  } else if constexpr (std::is_same_v<T, DeleteObjectResponse>) {
    kv("status", b.status);
  } else if constexpr (std::is_same_v<T, Reboot> || std::is_same_v<T, CancelTransfer>) {
    kv("key", b.command_key);
  } else if constexpr (std::is_same_v<T, ScheduleInform>) {
    kv("delay", b.delay_seconds);
    kv("key", b.command_key);
  } else if constexpr (std::is_same_v<T, Download>) {
    kv("key", b.command_key);
    kv("type", b.file_type);
    kv("url", b.url);
    kv("user", b.username);
    kv("password", b.password);
    kv("size", b.file_size);
    kv("target", b.target_file_name);
    kv("delay", b.delay_seconds);
    kv("success", b.success_url);
    kv("failure", b.failure_url);
  } else if constexpr (std::is_same_v<T, DownloadResponse> || std::is_same_v<T, UploadResponse>) {
    kv("status", b.status);
    kv("start", b.start_time);
    kv("complete", b.complete_time);
  } else if constexpr (std::is_same_v<T, Upload>) {
    kv("key", b.command_key);
    kv("type", b.file_type);
    kv("url", b.url);
    kv("user", b.username);
    kv("password", b.password);
    kv("delay", b.delay_seconds);
  } else if constexpr (std::is_same_v<T, ScheduleDownload>) {
    kv("key", b.command_key);
    kv("type", b.file_type);
    kv("url", b.url);
    kv("user", b.username);
    kv("password", b.password);
    kv("size", b.file_size);
    kv("target", b.target_file_name);
    for (const auto& w : b.time_windows) {
      os << " [" << w.window_start << ".." << w.window_end;
      kv("mode", w.window_mode);
      kv("message", w.user_message);
      kv("retries", w.max_retries);
      os << ']';
    }
  } else if constexpr (std::is_same_v<T, GetQueuedTransfersResponse>) {
    for (const auto& t : b.transfers) {
      os << " [";
      kv("key", t.command_key);
      kv("state", t.state);
      os << ']';
    }
  } else if constexpr (std::is_same_v<T, GetAllQueuedTransfersResponse>) {
    for (const auto& t : b.transfers) {
      os << " [";
      kv("key", t.command_key);
      kv("state", t.state);
      kv("download", t.is_download);
      kv("type", t.file_type);
      kv("size", t.file_size);
      kv("target", t.target_file_name);
      os << ']';
    }
  } else if constexpr (std::is_same_v<T, ChangeDUState>) {
    for (const auto& op : b.operations) {
      const char* kind = op.kind == DuOperation::Kind::kInstall  ? "Install"
                         : op.kind == DuOperation::Kind::kUpdate ? "Update"
                                                                 : "Uninstall";
      os << " [" << kind;
      kv("url", op.url);
      kv("uuid", op.uuid);
      kv("user", op.username);
      kv("password", op.password);
      kv("env", op.execution_env_ref);
      kv("version", op.version);
      os << ']';
    }
    kv("key", b.command_key);
  } else if constexpr (std::is_same_v<T, AutonomousTransferComplete>) {
    kv("announce", b.announce_url);
    kv("transfer", b.transfer_url);
    kv("download", b.is_download);
    kv("type", b.file_type);
    kv("size", b.file_size);
    kv("target", b.target_file_name);
    fault(b.fault);
    kv("start", b.start_time);
    kv("complete", b.complete_time);
  } else if constexpr (std::is_same_v<T, RequestDownload>) {
    kv("type", b.file_type);
    for (const auto& a : b.args) {
      os << " [" << a.name << '=';
      os << '"' << a.value << '"' << ']';
    }
  } else if constexpr (std::is_same_v<T, DUStateChangeComplete>) {
    results(b.results);
    kv("key", b.command_key);
  } else if constexpr (std::is_same_v<T, AutonomousDUStateChangeComplete>) {
    results(b.results);
  } else if constexpr (std::is_same_v<T, Kicked>) {
    kv("command", b.command);
    kv("referer", b.referer);
    kv("arg", b.arg);
    kv("next", b.next);
  } else if constexpr (std::is_same_v<T, KickedResponse>) {
    kv("next_url", b.next_url);
  }
  // The remaining bodies have no fields.
}

inline std::string Describe(const cwmp::Envelope& envelope) {
  using namespace ruru::cwmp;
  std::ostringstream os;
  auto str = [&](std::string_view s) { os << '"' << s << '"'; };
  auto values = [&](const std::vector<ParameterValueStruct>& ps) {
    os << '[';
    for (size_t i = 0; i < ps.size(); ++i) {
      os << (i ? ", " : "") << ps[i].name << '=';
      PrintTo(ps[i].value, &os);
    }
    os << ']';
  };
  auto strings = [&](const std::vector<std::string>& ss) {
    os << '[';
    for (size_t i = 0; i < ss.size(); ++i) {
      os << (i ? ", " : "");
      str(ss[i]);
    }
    os << ']';
  };
  os << "Envelope{ns=" << NamespaceUri(envelope.ns) << " id=";
  str(envelope.id);
  os << " hold=" << envelope.hold_requests << " no_more="
     << (envelope.no_more_requests ? (*envelope.no_more_requests ? "1" : "0") : "unset");
  if (envelope.session_timeout) os << " session_timeout=" << *envelope.session_timeout;
  if (envelope.supported_cwmp_versions) os << " supported=\"" << *envelope.supported_cwmp_versions << '"';
  if (envelope.use_cwmp_version) os << " use=\"" << *envelope.use_cwmp_version << '"';
  os << ' '
     << (RpcName(envelope.body).empty() ? std::string_view("Empty") : RpcName(envelope.body)) << '{';
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Inform>) {
          os << "device=";
          str(b.device_id.manufacturer);
          os << '/';
          str(b.device_id.oui);
          os << '/';
          str(b.device_id.product_class);
          os << '/';
          str(b.device_id.serial_number);
          os << " events=[";
          for (size_t i = 0; i < b.events.size(); ++i) {
            os << (i ? ", " : "");
            str(b.events[i].code.text);
            os << '/';
            str(b.events[i].command_key);
          }
          os << "] max_envelopes=" << b.max_envelopes << " time=";
          str(b.current_time);
          os << " retry=" << b.retry_count << " params=";
          values(b.parameters);
        } else if constexpr (std::is_same_v<T, InformResponse>) {
          os << "max_envelopes=" << b.max_envelopes;
        } else if constexpr (std::is_same_v<T, TransferComplete>) {
          os << "key=";
          str(b.command_key);
          os << " fault=" << b.fault.code << ' ';
          str(b.fault.message);
          os << " start=";
          str(b.start_time);
          os << " complete=";
          str(b.complete_time);
        } else if constexpr (std::is_same_v<T, GetRPCMethodsResponse>) {
          strings(b.methods);
        } else if constexpr (std::is_same_v<T, GetParameterNames>) {
          str(b.parameter_path);
          os << " next_level=" << b.next_level;
        } else if constexpr (std::is_same_v<T, GetParameterNamesResponse>) {
          os << '[';
          for (size_t i = 0; i < b.parameters.size(); ++i) {
            os << (i ? ", " : "") << b.parameters[i].name << (b.parameters[i].writable ? " (w)" : " (r)");
          }
          os << ']';
        } else if constexpr (std::is_same_v<T, GetParameterValues>) {
          strings(b.names);
        } else if constexpr (std::is_same_v<T, GetParameterValuesResponse>) {
          values(b.parameters);
        } else if constexpr (std::is_same_v<T, SetParameterValues>) {
          values(b.parameters);
          os << " key=";
          str(b.parameter_key);
        } else if constexpr (std::is_same_v<T, SetParameterValuesResponse>) {
          os << "status=" << b.status;
        } else if constexpr (std::is_same_v<T, Fault>) {
          os << b.faultcode << ' ';
          str(b.faultstring);
          os << ' ' << b.code << ' ';
          str(b.message);
          for (const auto& f : b.set_parameter_values_faults) {
            os << " [" << f.parameter_name << ' ' << f.code << ' ';
            str(f.message);
            os << ']';
          }
        } else {
          DescribeMoreBodies(os, b);
        }
      },
      envelope.body);
  os << "}}";
  return os.str();
}

}  // namespace ruru::test

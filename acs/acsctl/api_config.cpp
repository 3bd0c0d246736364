#include "acs/acsctl/api_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "base/strings.h"

namespace ruru::acsctl {
namespace {

constexpr const char* kDefaultConfig = "./var/acsd.conf";
constexpr size_t kMaxTokenFileBytes = 4096;
constexpr size_t kMaxConfigBytes = 1024 * 1024;

std::optional<std::string> Env(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// The whole file, at most `max_bytes`. `what` names where the path came from, for the message.
CliResult<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Usage("cannot read " + what + " " + path + ": " + std::strerror(errno));
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) return Usage("cannot read " + what + " " + path);
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max_bytes)
    return Usage(what + " " + path + " is larger than " + std::to_string(max_bytes) + " bytes");
  return data;
}

// Visible ASCII only: a token goes into an HTTP header, so CR/LF or spaces would break (or
// inject into) the request. The message never shows the token.
CliStatus CheckToken(const std::string& token, const std::string& origin) {
  if (token.empty()) return Usage("the API token from " + origin + " is empty");
  for (unsigned char c : token) {
    if (c < 0x21 || c > 0x7e) return Usage("the API token from " + origin + " contains spaces or control characters");
  }
  return {};
}

CliResult<std::string> ReadTokenFile(const std::string& path, const std::string& origin, std::ostream& warnings) {
  auto data = ReadSmallFile(path, kMaxTokenFileBytes, "token file (" + origin + ")");
  if (!data) return data.failure();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
    // Warn only: the token is as safe as the file, but refusing would break shared lab setups.
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    warnings << "acsctl: warning: token file " << path << " is accessible by other users (mode " << mode
             << "); chmod 600 it\n";
  }
  std::string token = std::string(Trim(*data, kSpaces));
  if (CliStatus st2 = CheckToken(token, "token file " + path); !st2) return st2.failure();
  return token;
}

// What acsctl needs from acsd.conf: the [admin] section's listen and token_file.
struct AdminSection {
  std::optional<std::string> listen;
  std::optional<std::string> token_file;
  std::optional<std::string> tls_cert_file;
  std::optional<std::string> tls_ca_file;
};

// The same INI dialect as acsd (acs/config/config.cpp): '#' and ';' comments, [section],
// key = value, optional double quotes around the value. Other sections and keys are skipped.
CliResult<AdminSection> ParseAdminSection(const std::string& text, const std::string& path) {
  AdminSection admin;
  std::istringstream in(text);
  std::string line, section;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string t = std::string(Trim(line, kSpaces));
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') return Usage(path + ":" + std::to_string(n) + ": bad section header");
      section = std::string(Trim(std::string_view(t).substr(1, t.size() - 2), kSpaces));
      continue;
    }
    const size_t eq = t.find('=');
    if (eq == std::string::npos) return Usage(path + ":" + std::to_string(n) + ": expected key = value");
    if (section != "admin") continue;
    const std::string key(Trim(std::string_view(t).substr(0, eq), kSpaces));
    std::string value(Trim(std::string_view(t).substr(eq + 1), kSpaces));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key == "listen") admin.listen = value;
    if (key == "token_file") admin.token_file = value;
    if (key == "tls_cert_file") admin.tls_cert_file = value;
    if (key == "tls_ca_file") admin.tls_ca_file = value;
  }
  return admin;
}

const char* kUrlWays =
    "give --url URL, set RURU_API_URL, or run acsctl where ./var/acsd.conf is (or give --config FILE) with "
    "[admin] listen";
const char* kTokenWays =
    "give --token-file FILE (or --token), set RURU_API_TOKEN_FILE (or RURU_API_TOKEN), or run acsctl where "
    "./var/acsd.conf is (or give --config FILE) with [admin] token_file";

// "http://host:port" with no trailing '/' and no "/api/v1" (both tolerated on input).
CliResult<std::string> NormalizeUrl(std::string url, const std::string& origin) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Usage("API URL \"" + url + "\" from " + origin + ": expected http://host:port or https://host:port");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return Usage("API URL from " + origin + " contains spaces or control characters");
  }
  while (url.ends_with("/")) url.pop_back();
  if (url.ends_with("/api/v1")) url.resize(url.size() - 7);
  while (url.ends_with("/")) url.pop_back();
  return url;
}

}  // namespace

CliResult<std::string> UrlFromListen(const std::string& listen, bool https) {
  std::string host, port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return Usage("listen \"" + listen + "\": expected [ipv6]:port");
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
    if (host == "::" || host.empty()) host = "::1";
    host = "[" + host + "]";
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || listen.find(':') != colon) {
      return Usage("listen \"" + listen + "\": expected host:port");
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.empty() || host == "0.0.0.0" || host == "*") host = "127.0.0.1";
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) == 0 || std::stoul(port) > 65535) {
    return Usage("listen \"" + listen + "\": bad port");
  }
  return std::string(https ? "https://" : "http://") + host + ":" + port;
}

CliResult<ApiEndpoint> ResolveEndpoint(const ConnectionOptions& flags, const EnvLookup& env, std::ostream& warnings) {
  ApiEndpoint endpoint;
  std::string url_origin;
  if (!flags.url.empty()) {
    endpoint.base_url = flags.url;
    url_origin = "--url";
  } else if (auto v = Env(env, "RURU_API_URL")) {
    endpoint.base_url = *v;
    url_origin = "RURU_API_URL";
  }

  if (!flags.token.empty()) {
    if (CliStatus st = CheckToken(flags.token, "--token"); !st) return st.failure();
    endpoint.token = flags.token;
  } else if (!flags.token_file.empty()) {
    auto token = ReadTokenFile(flags.token_file, "--token-file", warnings);
    if (!token) return token.failure();
    endpoint.token = *token;
  } else if (auto v = Env(env, "RURU_API_TOKEN")) {
    if (CliStatus st = CheckToken(*v, "RURU_API_TOKEN"); !st) return st.failure();
    endpoint.token = *v;
  } else if (auto f = Env(env, "RURU_API_TOKEN_FILE")) {
    auto token = ReadTokenFile(*f, "RURU_API_TOKEN_FILE", warnings);
    if (!token) return token.failure();
    endpoint.token = *token;
  }

  if (!flags.ca_file.empty()) {
    endpoint.ca_file = flags.ca_file;
  } else if (auto v = Env(env, "RURU_API_CACERT")) {
    endpoint.ca_file = *v;
  }

  if (endpoint.base_url.empty() || endpoint.token.empty() ||
      (endpoint.ca_file.empty() && endpoint.base_url.starts_with("https://"))) {
    std::string path = flags.config;
    if (path.empty()) {
      struct stat st {};
      if (::stat(kDefaultConfig, &st) == 0) path = kDefaultConfig;
    }
    if (!path.empty()) {
      auto text = ReadSmallFile(path, kMaxConfigBytes, "config file");
      if (!text) return text.failure();
      auto admin = ParseAdminSection(*text, path);
      if (!admin) return admin.failure();
      if (endpoint.base_url.empty()) {
        // acsd's default when the file has no [admin] listen.
        auto url = UrlFromListen(admin->listen.value_or("127.0.0.1:7557"),
                                 admin->tls_cert_file.has_value() && !admin->tls_cert_file->empty());
        if (!url) return Usage(path + ": [admin] " + url.failure().message);
        endpoint.base_url = *url;
        url_origin = path + " [admin] listen";
      }
      if (endpoint.ca_file.empty() && admin->tls_ca_file) endpoint.ca_file = *admin->tls_ca_file;
      if (endpoint.token.empty() && admin->token_file && !admin->token_file->empty()) {
        // Relative to the working directory, as acsd reads it.
        auto token = ReadTokenFile(*admin->token_file, path + " [admin] token_file", warnings);
        if (!token) return token.failure();
        endpoint.token = *token;
      }
    }
  }

  if (endpoint.base_url.empty() && endpoint.token.empty()) {
    return Usage(
        "no API URL and no API token: give --url URL and --token-file FILE (or --token), set RURU_API_URL and "
        "RURU_API_TOKEN_FILE (or RURU_API_TOKEN), or run acsctl where ./var/acsd.conf is (or give --config FILE) "
        "with [admin] listen and token_file");
  }
  if (endpoint.base_url.empty()) return Usage(std::string("no API URL: ") + kUrlWays);
  if (endpoint.token.empty()) return Usage(std::string("no API token: ") + kTokenWays);
  auto url = NormalizeUrl(endpoint.base_url, url_origin);
  if (!url) return url.failure();
  endpoint.base_url = *url;
  if (!endpoint.ca_file.empty() && ::access(endpoint.ca_file.c_str(), R_OK) != 0) {
    return Usage("CA file " + endpoint.ca_file + " cannot be read");
  }
  endpoint.reason = flags.reason;
  if (endpoint.reason.empty()) {
    if (auto v = env("RURU_REASON"); v && !v->empty()) endpoint.reason = *v;
  }
  for (char c : endpoint.reason) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Usage("--reason: control characters are not allowed");
  }
  if (endpoint.reason.size() > 500) return Usage("--reason: at most 500 bytes");
  return endpoint;
}

}  // namespace ruru::acsctl

// `acsctl cwmp decode|encode`. Errors are values (Result/Status) down to Run(), which prints the
// one-line message and hands the exit code to CLI11.
#include "acs/acsctl/cwmp_command.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/strings.h"
#include "cwmp/codec.h"
#include "cwmp/json.h"

namespace ruru::acsctl {
namespace {

// Room for HTTP headers and chunk framing around a body of --max-body-bytes.
constexpr size_t kHttpFramingAllowance = 64 * 1024;
// encode reads JSON written by people or by decode; a real envelope is far smaller.
constexpr size_t kMaxJsonInputBytes = 16 * 1024 * 1024;

// Runs `command`; on failure prints "acsctl: cwmp <name>: <message>" as a single line and ends
// the parse with the exit code (CLI::RuntimeError is CLI11's way to return one from a callback).
template <typename F>
void Run(std::string_view name, F&& command) {
  const Status status = command();
  if (status.ok()) return;
  std::string line = status.error().message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cout.flush();
  std::cerr << "acsctl: cwmp " << name << ": " << line << "\n";
  throw CLI::RuntimeError(status.error().code == ErrorCode::kInternal ? kExitInternal : kExitBadInput);
}

// The whole of FILE, or standard input for "-"; more than `max_bytes` is an error.
Result<std::string> ReadInput(const std::string& path, size_t max_bytes) {
  const bool is_stdin = path == "-";
  std::FILE* f = is_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return NotFound("cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(is_stdin ? nullptr : f, &std::fclose);
  std::string data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.append(buf, n);
    if (data.size() > max_bytes) return InvalidArgument("input larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (std::ferror(f)) {
    return InvalidArgument("cannot read " + (is_stdin ? std::string("standard input") : path) + ": " +
                           std::strerror(errno));
  }
  return data;
}

// ---- HTTP framing ----------------------------------------------------------------------------
// Captures come from proxies, tcpdump and CPE logs with CRLF, LF or a mix of both.

// The next line of `s` from `*pos`, without its LF or CRLF; advances past it. nullopt at the end.
std::optional<std::string_view> NextLine(std::string_view s, size_t* pos) {
  if (*pos >= s.size()) return std::nullopt;
  const size_t lf = s.find('\n', *pos);
  const size_t end = lf == std::string_view::npos ? s.size() : lf;
  std::string_view line = s.substr(*pos, end - *pos);
  *pos = lf == std::string_view::npos ? s.size() : lf + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigit(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "HTTP/1.1", "HTTP/2".
bool IsHttpVersion(std::string_view v) {
  if (!v.starts_with("HTTP/") || v.size() == 5) return false;
  for (char c : v.substr(5)) {
    if (!IsDigit(c) && c != '.') return false;
  }
  return true;
}

// "POST / HTTP/1.1" or "HTTP/1.1 200 OK".
bool IsStartLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const std::string_view first = line.substr(0, sp1);
  const std::string_view rest = line.substr(sp1 + 1);
  if (IsHttpVersion(first)) {
    return rest.size() >= 3 && IsDigit(rest[0]) && IsDigit(rest[1]) && IsDigit(rest[2]) &&
           (rest.size() == 3 || rest[3] == ' ');
  }
  for (char c : first) {
    if ((c < 'A' || c > 'Z') && c != '-' && c != '_') return false;
  }
  const size_t sp2 = rest.find(' ');
  return !first.empty() && sp2 != std::string_view::npos && sp2 > 0 && IsHttpVersion(rest.substr(sp2 + 1));
}

std::string Clip(std::string_view s, size_t n = 60) {
  std::string out(s.substr(0, n));
  return s.size() > n ? out + "..." : out;
}

// The body of a chunked message; the trailer section is skipped.
Result<std::string> Dechunk(std::string_view s) {
  std::string out;
  size_t pos = 0;
  while (true) {
    auto line = NextLine(s, &pos);
    if (!line) return InvalidArgument("chunked body ends without the last (zero-size) chunk");
    std::string_view size_text = *line;
    if (const size_t ext = size_text.find(';'); ext != std::string_view::npos) size_text = size_text.substr(0, ext);
    size_text = Trim(size_text);
    const Error malformed = InvalidArgument("malformed chunk size line \"" + Clip(*line) + "\"");
    if (size_text.empty() || size_text.size() > 15) return malformed;
    size_t size = 0;
    for (char c : size_text) {
      const int digit = HexDigit(c);
      if (digit < 0) return malformed;
      size = size * 16 + static_cast<size_t>(digit);
    }
    if (size == 0) break;
    if (size > s.size() - pos) {
      return InvalidArgument("chunk of " + std::to_string(size) + " bytes but only " + std::to_string(s.size() - pos) +
                             " bytes follow");
    }
    out.append(s.substr(pos, size));
    pos += size;
    if (s.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (s.substr(pos, 1) == "\n") {
      pos += 1;
    } else {
      return InvalidArgument("chunk data not followed by CRLF");
    }
  }
  return out;
}

struct HttpPayload {
  std::string body;
  std::vector<std::string> warnings;  // framing oddities worth knowing when debugging interop
};

// The body of `input` when it is a raw HTTP request or response (start line, headers, blank
// line), else `input` itself.
Result<HttpPayload> UnwrapHttp(std::string input) {
  size_t pos = 0;
  auto start = NextLine(input, &pos);
  if (!start || !IsStartLine(*start)) return HttpPayload{std::move(input), {}};

  std::optional<size_t> content_length;
  bool chunked = false;
  bool blank_line = false;
  while (auto line = NextLine(input, &pos)) {
    if (line->empty()) {
      blank_line = true;
      break;
    }
    if (line->front() == ' ' || line->front() == '\t') continue;  // obsolete line folding
    const size_t colon = line->find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return InvalidArgument("malformed HTTP header line \"" + Clip(*line) + "\"");
    }
    const std::string name = ToLower(Trim(line->substr(0, colon)));
    const std::string_view value = Trim(line->substr(colon + 1));
    if (name == "content-length") {
      if (value.empty() || value.size() > 15 || value.find_first_not_of("0123456789") != std::string_view::npos) {
        return InvalidArgument("invalid Content-Length \"" + Clip(value) + "\"");
      }
      const size_t length = std::stoull(std::string(value));
      if (content_length && *content_length != length) return InvalidArgument("conflicting Content-Length headers");
      content_length = length;
    } else if (name == "transfer-encoding") {
      const std::string codings = ToLower(value);
      if (codings == "chunked") {
        chunked = true;
      } else if (codings != "identity") {
        return InvalidArgument("unsupported Transfer-Encoding \"" + Clip(value) + "\"");
      }
    } else if (name == "content-encoding") {
      const std::string coding = ToLower(value);
      if (coding != "identity") {
        return InvalidArgument("unsupported Content-Encoding \"" + Clip(value) + "\" (decompress the body first)");
      }
    }
  }
  if (!blank_line) return InvalidArgument("HTTP headers not ended by a blank line");

  HttpPayload out;
  std::string_view rest = std::string_view(input).substr(pos);
  if (chunked) {
    if (content_length) {
      out.warnings.push_back("HTTP: both Transfer-Encoding: chunked and Content-Length sent; Content-Length ignored");
    }
    auto body = Dechunk(rest);
    if (!body) return body.error();
    out.body = std::move(*body);
  } else if (content_length && *content_length < rest.size()) {
    out.warnings.push_back("HTTP: " + std::to_string(rest.size() - *content_length) +
                           " bytes after the Content-Length body ignored");
    out.body = std::string(rest.substr(0, *content_length));
  } else {
    if (content_length && *content_length > rest.size()) {
      out.warnings.push_back("HTTP: Content-Length is " + std::to_string(*content_length) + " but only " +
                             std::to_string(rest.size()) + " bytes follow");
    }
    out.body = std::string(rest);
  }
  return out;
}

// ---- Options -------------------------------------------------------------------------------
// Upper bounds of the --max-* options: far above any real CWMP message, low enough that no size
// arithmetic downstream can overflow. 10000 is also gSOAP's own nesting limit.
constexpr uint64_t kMaxBodyBytesBound = 1 << 30;
constexpr uint64_t kMaxDepthBound = 10000;
constexpr uint64_t kMaxArrayItemsBound = 100'000'000;
constexpr uint64_t kMaxStringBytesBound = 1 << 30;

// A plain decimal integer in [min, max]. CLI11's own conversion would take "-1" (wrapping to
// 2^64-1) and read "010" as octal.
CLI::Validator DecimalIn(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos ||
            (text.size() > 1 && text[0] == '0')) {
          return "expected a decimal integer, got \"" + Clip(text) + "\"";
        }
        const uint64_t value = std::stoull(text);
        if (value < min || value > max) {
          return "must be between " + std::to_string(min) + " and " + std::to_string(max);
        }
        return "";
      },
      std::to_string(min) + ".." + std::to_string(max));
}

// ---- Commands --------------------------------------------------------------------------------
struct DecodeOptions {
  std::string input = "-";
  bool compact = false;
  cwmp::DecodeLimits limits;
};

Status RunDecode(const DecodeOptions& options) {
  auto input = ReadInput(options.input, options.limits.max_body_bytes + kHttpFramingAllowance);
  if (!input) return input.error();
  auto payload = UnwrapHttp(std::move(*input));
  if (!payload) return payload.error();
  auto decoded = cwmp::Decode(payload->body, options.limits);
  if (!decoded) {
    // A framing oddity often explains the error ("truncated message" after a short Content-Length).
    std::string context;
    for (const auto& w : payload->warnings) context += (context.empty() ? " (" : "; ") + w;
    return InvalidArgument(decoded.error().message + (context.empty() ? "" : context + ")"));
  }
  decoded->warnings.insert(decoded->warnings.begin(), payload->warnings.begin(), payload->warnings.end());
  const cwmp::Json json = cwmp::ToJson(*decoded);
  std::cout << json.dump(options.compact ? -1 : 2, ' ', false, cwmp::Json::error_handler_t::replace) << "\n";
  return Status::Ok();
}

Status RunEncode(const std::string& path) {
  auto input = ReadInput(path, kMaxJsonInputBytes);
  if (!input) return input.error();
  auto envelope = cwmp::EnvelopeFromJsonText(*input);
  if (!envelope) return envelope.error();
  auto xml = cwmp::Encode(*envelope);
  if (!xml) return xml.error();  // kInvalidArgument: a schema limit; kInternal: gSOAP failed
  std::cout << *xml;
  // Empty encodes to an empty HTTP body: print nothing. gSOAP already ends the envelope with CRLF.
  if (!xml->empty() && xml->back() != '\n') std::cout << "\n";
  return Status::Ok();
}

}  // namespace

void AddCwmpCommands(CLI::App& app) {
  CLI::App* cwmp = app.add_subcommand("cwmp", "Offline tools for CWMP (TR-069) SOAP messages");
  cwmp->require_subcommand(1);

  auto decode_options = std::make_shared<DecodeOptions>();
  CLI::App* decode = cwmp->add_subcommand(
      "decode", "Decode one SOAP envelope, or a raw HTTP request/response carrying one, and print it as JSON");
  decode->add_option("FILE", decode_options->input, "Input file; '-' or absent: standard input");
  decode->add_flag("--compact", decode_options->compact, "Print the JSON on one line");
  cwmp::DecodeLimits& limits = decode_options->limits;
  decode->add_option("--max-body-bytes", limits.max_body_bytes, "Largest SOAP body accepted")
      ->capture_default_str()
      ->check(DecimalIn(1, kMaxBodyBytesBound));
  decode->add_option("--max-depth", limits.max_depth, "Deepest XML element nesting accepted")
      ->capture_default_str()
      ->check(DecimalIn(1, kMaxDepthBound));
  decode->add_option("--max-array-items", limits.max_array_items, "Most items in one array (declared or sent)")
      ->capture_default_str()
      ->check(DecimalIn(1, kMaxArrayItemsBound));
  decode->add_option("--max-string-bytes", limits.max_string_bytes, "Longest text node or attribute value")
      ->capture_default_str()
      ->check(DecimalIn(1, kMaxStringBytesBound));
  decode->callback([decode_options] { Run("decode", [&] { return RunDecode(*decode_options); }); });

  auto encode_input = std::make_shared<std::string>("-");
  CLI::App* encode = cwmp->add_subcommand("encode", "Encode the JSON printed by 'decode' back into a SOAP envelope");
  encode->add_option("FILE", *encode_input, "Input file; '-' or absent: standard input");
  encode->callback([encode_input] { Run("encode", [&] { return RunEncode(*encode_input); }); });
}

}  // namespace ruru::acsctl

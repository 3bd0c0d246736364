#include "cwmp/http_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace ruru::cwmp {
namespace {

// ---------------------------------------------------------------------------------------------
// Small text helpers.

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken68Char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~' || c == '+' || c == '/';
}

bool IsCtl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int HexValue(char c) { return c <= '9' ? c - '0' : Lower(c) - 'a' + 10; }

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}

// A quoted-string (RFC 9110 §5.6.4) with '"' and '\' escaped. Callers never pass control characters
// (they cannot be expressed; see the username* fallback).
std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Base64 (RFC 4648): the standard alphabet for Basic, the URL alphabet without padding for nonces.

constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kB64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Encode(std::string_view in, bool url) {
  const std::string_view alphabet = url ? kB64Url : kB64;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(alphabet[(v >> shift) & 0x3F]);
  }
  const size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 0x3F]);
    out.push_back(alphabet[(v >> 12) & 0x3F]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 0x3F]);
    if (!url) out.append(rest == 1 ? "==" : "=");
  }
  return out;
}

// Strict: only alphabet characters, padding optional but correct when present, no whitespace.
std::optional<std::string> Base64Decode(std::string_view in, bool url) {
  const std::string_view alphabet = url ? kB64Url : kB64;
  size_t padding = 0;
  while (!in.empty() && in.back() == '=' && padding < 2) {
    in.remove_suffix(1);
    ++padding;
  }
  if (in.size() % 4 == 1) return std::nullopt;
  if (padding > 0 && (in.size() + padding) % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const size_t v = alphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hashes.

const EVP_MD* MdOf(DigestAlgorithm a) {
  return (a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess) ? EVP_sha256() : EVP_md5();
}

bool IsSess(DigestAlgorithm a) { return a == DigestAlgorithm::kMd5Sess || a == DigestAlgorithm::kSha256Sess; }

size_t HexLengthOf(DigestAlgorithm a) { return static_cast<size_t>(EVP_MD_get_size(MdOf(a))) * 2; }

std::string HashHex(DigestAlgorithm a, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, MdOf(a), nullptr);
  return Hex(digest, len);
}

std::optional<DigestAlgorithm> ParseAlgorithm(std::string_view s) {
  for (DigestAlgorithm a :
       {DigestAlgorithm::kMd5, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256, DigestAlgorithm::kSha256Sess}) {
    if (IEquals(s, ToString(a))) return a;
  }
  return std::nullopt;
}

// "a:b:c", the joining rule of every Digest hash input.
std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) out.push_back(':');
    out.append(p);
    first = false;
  }
  return out;
}

std::string DigestResponseFromHa1(DigestAlgorithm a, std::string ha1, std::string_view nonce, std::string_view cnonce,
                                  std::string_view nc, bool qop_auth, std::string_view method, std::string_view uri);

// The RFC 7616 §3.4.1 response; without qop the RFC 2069 form H(HA1:nonce:HA2).
std::string DigestResponse(DigestAlgorithm a, std::string_view user, std::string_view realm, std::string_view password,
                           std::string_view nonce, std::string_view cnonce, std::string_view nc, bool qop_auth,
                           std::string_view method, std::string_view uri) {
  return DigestResponseFromHa1(a, HashHex(a, join({user, realm, password})), nonce, cnonce, nc, qop_auth, method, uri);
}

// The same from a stored HA1 = H(user:realm:password) of the algorithm's base hash.
std::string DigestResponseFromHa1(DigestAlgorithm a, std::string ha1, std::string_view nonce, std::string_view cnonce,
                                  std::string_view nc, bool qop_auth, std::string_view method, std::string_view uri) {
  if (IsSess(a)) ha1 = HashHex(a, join({ha1, nonce, cnonce}));
  const std::string ha2 = HashHex(a, join({method, uri}));
  if (qop_auth) return HashHex(a, join({ha1, nonce, nc, cnonce, "auth", ha2}));
  return HashHex(a, join({ha1, nonce, ha2}));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Hash first so that neither the length nor the contents of the secret leak through timing.
  unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
  unsigned int la = 0, lb = 0;
  EVP_Digest(a.data(), a.size(), da, &la, EVP_sha256(), nullptr);
  EVP_Digest(b.data(), b.size(), db, &lb, EVP_sha256(), nullptr);
  return la == lb && CRYPTO_memcmp(da, db, la) == 0;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    std::random_device rd;  // OpenSSL's generator failed: still unpredictable enough for a cnonce
    for (unsigned char& b : buf) b = static_cast<unsigned char>(rd());
  }
  return Hex(buf.data(), buf.size());
}

// ---------------------------------------------------------------------------------------------
// The challenge/credentials grammar of RFC 9110 §11:
//   challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//   auth-param  = token BWS "=" BWS ( token / quoted-string )
// Several challenges may share one value, separated by commas like the parameters: a token that is
// not followed by '=' after a comma starts the next challenge.

struct Param {
  std::string name;  // lower case
  std::string value;
};

struct RawChallenge {
  std::string scheme;  // lower case
  std::string token68;
  std::vector<Param> params;

  const std::string* Find(std::string_view name) const {
    for (const Param& p : params) {
      if (p.name == name) return &p.value;
    }
    return nullptr;
  }
};

class AuthLexer {
 public:
  AuthLexer(std::string_view s, std::string_view what) : s_(s), what_(what) {}

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }
  void Advance() { ++pos_; }
  void SkipOws() {
    while (!AtEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  void SkipOwsAndCommas() {
    while (!AtEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == ',')) ++pos_;
  }
  std::string_view Token() {
    const size_t start = pos_;
    while (!AtEnd() && IsTchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  std::string_view Token68() {
    const size_t start = pos_;
    while (!AtEnd() && IsToken68Char(s_[pos_])) ++pos_;
    if (pos_ == start) return {};
    while (!AtEnd() && s_[pos_] == '=') ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // At a '"': the unescaped contents.
  Result<std::string> QuotedString() {
    ++pos_;
    std::string out;
    while (!AtEnd()) {
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (AtEnd()) break;
        c = s_[pos_++];
      }
      if (IsCtl(c) && c != '\t') return Fail("control character in a quoted string");
      out.push_back(c);
    }
    return Fail("unterminated quoted string");
  }
  Error Fail(std::string_view why) const {
    return InvalidArgument(std::string(what_) + ": " + std::string(why) + " at offset " + std::to_string(pos_));
  }

 private:
  std::string_view s_;
  std::string_view what_;
  size_t pos_ = 0;
};

Result<std::vector<RawChallenge>> ParseChallengeList(std::string_view value, const AuthLimits& limits,
                                                     std::string_view what) {
  if (value.size() > limits.max_header_bytes) {
    return InvalidArgument(std::string(what) + " is " + std::to_string(value.size()) + " bytes, limit " +
                           std::to_string(limits.max_header_bytes));
  }
  AuthLexer lex(value, what);
  std::vector<RawChallenge> out;
  size_t param_count = 0;
  for (;;) {
    lex.SkipOwsAndCommas();  // empty list elements are allowed (RFC 9110 §5.6.1)
    if (lex.AtEnd()) break;
    const std::string_view scheme = lex.Token();
    if (scheme.empty()) return lex.Fail("expected an auth scheme");
    if (out.size() == limits.max_challenges) {
      return InvalidArgument(std::string(what) + ": more than " + std::to_string(limits.max_challenges) +
                             " challenges");
    }
    RawChallenge c;
    c.scheme = Lowered(scheme);
    const size_t after_scheme = lex.pos();
    lex.SkipOws();
    if (lex.AtEnd() || lex.Peek() == ',') {
      out.push_back(std::move(c));
      continue;
    }
    if (lex.pos() == after_scheme) return lex.Fail("expected a space after the auth scheme");

    for (bool first = true;; first = false) {
      const size_t item_start = lex.pos();
      const std::string_view name = lex.Token();
      lex.SkipOws();
      if (!name.empty() && lex.Peek() == '=') {
        lex.Advance();
        lex.SkipOws();
        std::string param_value;
        if (lex.Peek() == '"') {
          auto q = lex.QuotedString();
          if (!q) return q.error();
          param_value = std::move(*q);
        } else if (IsTchar(lex.Peek())) {
          param_value = std::string(lex.Token());
        } else if (first && (lex.AtEnd() || lex.Peek() == ',' || lex.Peek() == '=')) {
          lex.Reset(item_start);  // a token68 with '=' padding, e.g. "Basic dXNlcjpwYXNzMQ=="
          c.token68 = std::string(lex.Token68());
          break;
        } else {
          return lex.Fail("expected a value for parameter '" + std::string(name) + "'");
        }
        if (++param_count > limits.max_params) {
          return InvalidArgument(std::string(what) + ": more than " + std::to_string(limits.max_params) +
                                 " parameters");
        }
        std::string lname = Lowered(name);
        if (c.Find(lname) != nullptr) return lex.Fail("duplicate parameter '" + lname + "'");
        c.params.push_back({std::move(lname), std::move(param_value)});
      } else if (first) {
        lex.Reset(item_start);
        c.token68 = std::string(lex.Token68());
        if (c.token68.empty()) return lex.Fail("expected a parameter or token68");
        break;
      } else {
        lex.Reset(item_start);  // a token without '=' after a comma: the next challenge's scheme
        break;
      }
      lex.SkipOws();
      if (lex.AtEnd()) break;
      if (lex.Peek() != ',') return lex.Fail("expected ',' after parameter '" + c.params.back().name + "'");
      lex.SkipOwsAndCommas();
      if (lex.AtEnd()) break;
    }
    if (!c.token68.empty()) {
      lex.SkipOws();
      if (!lex.AtEnd() && lex.Peek() != ',') return lex.Fail("unexpected character after token68");
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) return InvalidArgument(std::string(what) + " is empty");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Client side.

Result<AuthChallenge> DigestChallengeOf(const RawChallenge& c) {
  if (!c.token68.empty()) return InvalidArgument("WWW-Authenticate: Digest challenge with a token68");
  AuthChallenge out;
  out.scheme = AuthScheme::kDigest;
  const std::string* realm = c.Find("realm");
  const std::string* nonce = c.Find("nonce");
  if (realm == nullptr) return InvalidArgument("WWW-Authenticate: Digest challenge without realm");
  if (nonce == nullptr || nonce->empty()) return InvalidArgument("WWW-Authenticate: Digest challenge without nonce");
  out.realm = *realm;
  out.nonce = *nonce;
  if (const std::string* opaque = c.Find("opaque")) out.opaque = *opaque;
  if (const std::string* algorithm = c.Find("algorithm")) {
    const auto a = ParseAlgorithm(*algorithm);
    if (!a) return InvalidArgument("WWW-Authenticate: unsupported Digest algorithm '" + *algorithm + "'");
    out.algorithm = *a;
  }
  if (const std::string* qop = c.Find("qop")) {
    // A quoted comma-separated list: "auth", "auth,auth-int", "auth-int".
    std::string_view rest = *qop;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (IEquals(item, "auth")) out.qop_auth = true;
    }
    if (!out.qop_auth) {
      return InvalidArgument("WWW-Authenticate: Digest qop=\"" + *qop + "\" is not supported (only auth)");
    }
  }
  if (IsSess(out.algorithm) && !out.qop_auth) {
    return InvalidArgument("WWW-Authenticate: Digest algorithm " + std::string(ToString(out.algorithm)) +
                           " without qop");
  }
  if (const std::string* stale = c.Find("stale")) out.stale = IEquals(*stale, "true");
  return out;
}

// RFC 8187 ext-value for username*: UTF-8''percent-encoded.
std::string ExtValue(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool attr_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                           std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
    if (attr_char) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

Result<std::string> DecodeExtValue(std::string_view v) {
  const size_t q1 = v.find('\'');
  const size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return InvalidArgument("Authorization: username* is not charset'lang'value");
  if (!IEquals(v.substr(0, q1), "UTF-8")) return InvalidArgument("Authorization: username* charset must be UTF-8");
  std::string out;
  for (size_t i = q2 + 1; i < v.size(); ++i) {
    if (v[i] != '%') {
      out.push_back(v[i]);
      continue;
    }
    if (i + 2 >= v.size() || !IsHexDigit(v[i + 1]) || !IsHexDigit(v[i + 2])) {
      return InvalidArgument("Authorization: bad percent-encoding in username*");
    }
    out.push_back(static_cast<char>(HexValue(v[i + 1]) << 4 | HexValue(v[i + 2])));
    i += 2;
  }
  return out;
}

Result<AuthorizationHeader> DigestCredentialsOf(const RawChallenge& c) {
  if (!c.token68.empty()) return InvalidArgument("Authorization: Digest credentials must be parameters");
  AuthorizationHeader h;
  h.scheme = AuthScheme::kDigest;
  const std::string* username = c.Find("username");
  const std::string* username_ext = c.Find("username*");
  if (username != nullptr && username_ext != nullptr) {
    return InvalidArgument("Authorization: both username and username*");
  }
  if (username_ext != nullptr) {
    auto decoded = DecodeExtValue(*username_ext);
    if (!decoded) return decoded.error();
    h.username = std::move(*decoded);
  } else if (username != nullptr) {
    h.username = *username;
  } else {
    return InvalidArgument("Authorization: Digest without username");
  }
  const std::pair<const char*, std::string*> required[] = {
      {"realm", &h.realm}, {"nonce", &h.nonce}, {"uri", &h.uri}, {"response", &h.response}};
  for (const auto& [name, field] : required) {
    const std::string* v = c.Find(name);
    if (v == nullptr) return InvalidArgument(std::string("Authorization: Digest without ") + name);
    *field = *v;
  }
  if (const std::string* userhash = c.Find("userhash"); userhash != nullptr && IEquals(*userhash, "true")) {
    return InvalidArgument("Authorization: Digest userhash is not supported");
  }
  if (const std::string* algorithm = c.Find("algorithm")) {
    const auto a = ParseAlgorithm(*algorithm);
    if (!a) return InvalidArgument("Authorization: unsupported Digest algorithm '" + *algorithm + "'");
    h.algorithm = *a;
  }
  if (const std::string* v = c.Find("opaque")) h.opaque = *v;
  if (const std::string* v = c.Find("cnonce")) h.cnonce = *v;
  if (const std::string* v = c.Find("nc")) h.nc = *v;
  if (const std::string* qop = c.Find("qop")) {
    if (!IEquals(*qop, "auth")) return InvalidArgument("Authorization: Digest qop '" + *qop + "' is not supported");
    h.qop = "auth";
    if (h.cnonce.empty()) return InvalidArgument("Authorization: Digest qop=auth without cnonce");
    if (h.nc.size() != 8 || !std::all_of(h.nc.begin(), h.nc.end(), IsHexDigit)) {
      return InvalidArgument("Authorization: Digest nc must be 8 hex digits");
    }
  } else if (IsSess(h.algorithm)) {
    return InvalidArgument("Authorization: Digest " + std::string(ToString(h.algorithm)) + " without qop");
  }
  if (h.response.size() != HexLengthOf(h.algorithm) || !std::all_of(h.response.begin(), h.response.end(), IsHexDigit)) {
    return InvalidArgument("Authorization: Digest response must be " + std::to_string(HexLengthOf(h.algorithm)) +
                           " hex digits for " + std::string(ToString(h.algorithm)));
  }
  return h;
}

constexpr size_t kNonceTimeBytes = 8;
constexpr size_t kNonceMacBytes = 32;  // HMAC-SHA256

std::string NonceMac(std::string_view key, std::string_view time_bytes, std::string_view realm) {
  std::string data(time_bytes);
  data.append(realm);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

int64_t SecondsSinceEpoch(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string_view ToString(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::kMd5:
      return "MD5";
    case DigestAlgorithm::kMd5Sess:
      return "MD5-sess";
    case DigestAlgorithm::kSha256:
      return "SHA-256";
    case DigestAlgorithm::kSha256Sess:
      return "SHA-256-sess";
  }
  return "MD5";
}

std::string_view ToString(DigestServer::Verdict v) {
  switch (v) {
    case DigestServer::Verdict::kOk:
      return "ok";
    case DigestServer::Verdict::kStale:
      return "stale";
    case DigestServer::Verdict::kWrongCredentials:
      return "wrong credentials";
    case DigestServer::Verdict::kMalformed:
      return "malformed";
  }
  return "unknown";
}

Result<AuthChallenge> ParseWwwAuthenticate(std::string_view value, const AuthLimits& limits) {
  auto challenges = ParseChallengeList(value, limits, "WWW-Authenticate");
  if (!challenges) return challenges.error();
  std::optional<AuthChallenge> best;
  int best_rank = -1;
  std::string refused;  // why the last Digest challenge was unusable
  std::string offered;
  for (const RawChallenge& c : *challenges) {
    AuthChallenge candidate;
    int rank = 0;
    if (c.scheme == "basic") {
      candidate.scheme = AuthScheme::kBasic;
      if (const std::string* realm = c.Find("realm")) candidate.realm = *realm;
    } else if (c.scheme == "digest") {
      auto digest = DigestChallengeOf(c);
      if (!digest) {
        refused = digest.error().message;
        continue;
      }
      candidate = std::move(*digest);
      const bool sha256 =
          candidate.algorithm == DigestAlgorithm::kSha256 || candidate.algorithm == DigestAlgorithm::kSha256Sess;
      rank = sha256 ? 2 : 1;
    } else {
      if (!offered.empty()) offered += ", ";
      offered += c.scheme;
      continue;
    }
    if (rank > best_rank) {
      best = std::move(candidate);
      best_rank = rank;
    }
  }
  if (best) return std::move(*best);
  if (!refused.empty()) return InvalidArgument(refused);
  return InvalidArgument("WWW-Authenticate: no supported scheme (offered: " + offered + ")");
}

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  std::string plain(user);
  plain.push_back(':');
  plain.append(password);
  return "Basic " + Base64Encode(plain, /*url=*/false);
}

DigestClient::DigestClient(AuthChallenge challenge, std::string user, std::string password)
    : challenge_(std::move(challenge)), user_(std::move(user)), password_(std::move(password)) {}

std::string DigestClient::Authorization(std::string_view method, std::string_view uri) {
  return Authorization(method, uri, RandomHex(16));
}

std::string DigestClient::Authorization(std::string_view method, std::string_view uri, std::string_view cnonce) {
  ++nc_;
  char nc[9];
  std::snprintf(nc, sizeof nc, "%08x", nc_);
  const AuthChallenge& c = challenge_;
  const std::string response =
      DigestResponse(c.algorithm, user_, c.realm, password_, c.nonce, cnonce, nc, c.qop_auth, method, uri);
  std::string out = "Digest ";
  // A quoted-string cannot carry control characters: such usernames go as RFC 8187 username*.
  if (std::any_of(user_.begin(), user_.end(), IsCtl)) {
    out += "username*=" + ExtValue(user_);
  } else {
    out += "username=" + Quote(user_);
  }
  out += ", realm=" + Quote(c.realm);
  out += ", nonce=" + Quote(c.nonce);
  out += ", uri=" + Quote(uri);
  out += ", algorithm=" + std::string(ToString(c.algorithm));
  out += ", response=" + Quote(response);
  if (c.qop_auth) {
    out += ", qop=auth, nc=";
    out += nc;
    out += ", cnonce=" + Quote(cnonce);
  }
  if (!c.opaque.empty()) out += ", opaque=" + Quote(c.opaque);
  return out;
}

Result<AuthorizationHeader> ParseAuthorization(std::string_view value, const AuthLimits& limits) {
  auto list = ParseChallengeList(value, limits, "Authorization");
  if (!list) return list.error();
  if (list->size() != 1) return InvalidArgument("Authorization: more than one set of credentials");
  const RawChallenge& c = list->front();
  if (c.scheme == "digest") return DigestCredentialsOf(c);
  if (c.scheme != "basic") return InvalidArgument("Authorization: unsupported scheme '" + c.scheme + "'");
  if (c.token68.empty()) return InvalidArgument("Authorization: Basic credentials must be one base64 token");
  auto plain = Base64Decode(c.token68, /*url=*/false);
  if (!plain) return InvalidArgument("Authorization: Basic credentials are not valid base64");
  const size_t colon = plain->find(':');
  if (colon == std::string::npos) return InvalidArgument("Authorization: Basic credentials without ':'");
  AuthorizationHeader h;
  h.scheme = AuthScheme::kBasic;
  h.username = plain->substr(0, colon);
  h.password = plain->substr(colon + 1);
  return h;
}

bool VerifyBasic(const AuthorizationHeader& h, std::string_view user, std::string_view password) {
  if (h.scheme != AuthScheme::kBasic) return false;
  const bool user_ok = ConstantTimeEquals(h.username, user);
  const bool password_ok = ConstantTimeEquals(h.password, password);
  return user_ok & password_ok;  // both compared whatever the first gives
}

DigestServer::DigestServer(std::string realm, std::string key, const Clock& clock, std::chrono::seconds nonce_lifetime)
    : realm_(std::move(realm)), key_(std::move(key)), clock_(clock), nonce_lifetime_(nonce_lifetime) {}

std::string DigestServer::MakeNonce(int64_t expiry_seconds) const {
  std::string bytes(kNonceTimeBytes, '\0');
  auto v = static_cast<uint64_t>(expiry_seconds);
  for (size_t i = kNonceTimeBytes; i-- > 0; v >>= 8) bytes[i] = static_cast<char>(v & 0xFF);
  bytes += NonceMac(key_, bytes, realm_);
  return Base64Encode(bytes, /*url=*/true);
}

std::string DigestServer::Challenge(bool stale, DigestAlgorithm algorithm) const {
  const int64_t expiry = SecondsSinceEpoch(clock_.Now()) + nonce_lifetime_.count();
  std::string out = "Digest realm=" + Quote(realm_);
  out += ", qop=\"auth\", algorithm=" + std::string(ToString(algorithm));
  out += ", nonce=" + Quote(MakeNonce(expiry));
  if (stale) out += ", stale=true";
  return out;
}

DigestServer::Verdict DigestServer::Verify(const AuthorizationHeader& h, std::string_view method,
                                           std::string_view request_uri, std::string_view password) const {
  return VerifyImpl(h, method, request_uri, DigestHa1(h.algorithm, h.username, realm_, password));
}

DigestServer::Verdict DigestServer::VerifyImpl(const AuthorizationHeader& h, std::string_view method,
                                               std::string_view request_uri, std::string_view ha1) const {
  if (h.scheme != AuthScheme::kDigest) return Verdict::kMalformed;
  // RFC 7616 §3.4.6: a uri that is not the request-target is a bad request, whatever the response.
  if (h.uri != request_uri) return Verdict::kMalformed;
  const bool qop_auth = !h.qop.empty();
  if (qop_auth && (h.qop != "auth" || h.nc.empty() || h.cnonce.empty())) return Verdict::kMalformed;
  if (IsSess(h.algorithm) && !qop_auth) return Verdict::kMalformed;
  if (h.realm != realm_) return Verdict::kWrongCredentials;

  const std::string expected =
      DigestResponseFromHa1(h.algorithm, std::string(ha1), h.nonce, h.cnonce, h.nc, qop_auth, method, request_uri);
  const std::string response = Lowered(h.response);  // LHEX, but some clients send upper case
  const bool response_ok =
      expected.size() == response.size() && CRYPTO_memcmp(expected.data(), response.data(), expected.size()) == 0;

  const auto nonce = Base64Decode(h.nonce, /*url=*/true);
  if (!nonce || nonce->size() != kNonceTimeBytes + kNonceMacBytes) return Verdict::kWrongCredentials;
  const std::string_view time_bytes = std::string_view(*nonce).substr(0, kNonceTimeBytes);
  const std::string mac = NonceMac(key_, time_bytes, realm_);
  if (CRYPTO_memcmp(mac.data(), nonce->data() + kNonceTimeBytes, kNonceMacBytes) != 0) {
    return Verdict::kWrongCredentials;
  }
  if (!response_ok) return Verdict::kWrongCredentials;
  uint64_t expiry = 0;
  for (char b : time_bytes) expiry = (expiry << 8) | static_cast<unsigned char>(b);
  if (static_cast<int64_t>(expiry) <= SecondsSinceEpoch(clock_.Now())) return Verdict::kStale;
  return Verdict::kOk;
}

std::string DigestHa1(DigestAlgorithm algorithm, std::string_view user, std::string_view realm,
                      std::string_view password) {
  const DigestAlgorithm base = (algorithm == DigestAlgorithm::kSha256 || algorithm == DigestAlgorithm::kSha256Sess)
                                   ? DigestAlgorithm::kSha256
                                   : DigestAlgorithm::kMd5;
  return HashHex(base, join({user, realm, password}));
}

bool VerifyBasicHa1(const AuthorizationHeader& h, std::string_view user, std::string_view realm,
                    std::string_view ha1_md5) {
  if (h.scheme != AuthScheme::kBasic) return false;
  const bool user_ok = ConstantTimeEquals(h.username, user);
  const bool ha1_ok = ConstantTimeEquals(DigestHa1(DigestAlgorithm::kMd5, h.username, realm, h.password), ha1_md5);
  return user_ok & ha1_ok;
}

DigestServer::Verdict DigestServer::VerifyHa1(const AuthorizationHeader& h, std::string_view method,
                                              std::string_view request_uri, std::string_view ha1_md5,
                                              std::string_view ha1_sha256) const {
  const bool sha = h.algorithm == DigestAlgorithm::kSha256 || h.algorithm == DigestAlgorithm::kSha256Sess;
  return VerifyImpl(h, method, request_uri, Lowered(sha ? ha1_sha256 : ha1_md5));
}

}  // namespace ruru::cwmp

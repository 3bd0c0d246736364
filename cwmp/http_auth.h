// HTTP authentication for both CWMP directions (TR-069 §3.4.4/§3.2.2): Basic (RFC 7617) and Digest
// (RFC 7616, RFC 2617 and RFC 2069 compatible), the client role (a CPE talking to the ACS, the ACS
// sending a connection request) and the server role. Pure: header values in, header values out,
// no sockets. Time comes from the injected Clock (nonce expiry).
//
// Hostile input: every header value is refused beyond AuthLimits (size, parameter and challenge
// counts), quoted strings must be terminated and free of control characters, and a malformed value
// is a one-line kInvalidArgument, never a crash. Secrets are compared in constant time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace ruru::cwmp {

enum class AuthScheme { kBasic, kDigest };
// The "-sess" variants are understood by both roles; DigestServer only ever offers the plain ones.
enum class DigestAlgorithm { kMd5, kMd5Sess, kSha256, kSha256Sess };

std::string_view ToString(DigestAlgorithm a);  // "MD5", "MD5-sess", "SHA-256", "SHA-256-sess"

// Limits on one untrusted header value (WWW-Authenticate or Authorization).
struct AuthLimits {
  size_t max_header_bytes = 4096;  // longer values are refused before parsing
  size_t max_params = 48;          // auth-params over all challenges of one value
  size_t max_challenges = 16;      // challenges in one WWW-Authenticate value
};

// One challenge chosen from a WWW-Authenticate value. For Basic only `realm` is meaningful.
struct AuthChallenge {
  AuthScheme scheme = AuthScheme::kBasic;
  std::string realm;
  std::string nonce;
  std::string opaque;  // echoed back when non-empty
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
  bool qop_auth = false;  // false: the server offered no qop (RFC 2069 style response)
  bool stale = false;     // the previous response was right but its nonce had expired
};

// Client: parses a WWW-Authenticate value that may hold several challenges
// (`Digest realm="a", nonce="n", Basic realm="a"`) and picks the strongest one we support:
// Digest SHA-256 > Digest MD5 > Basic, the first one of a rank winning. Schemes and parameter names
// are case-insensitive, unknown parameters and schemes are skipped, qop="auth,auth-int" uses auth.
// Fails when nothing usable is offered (e.g. Digest with qop="auth-int" only, an unknown algorithm)
// or the value is malformed. Several WWW-Authenticate headers may be joined with ", " first.
// Whether Basic may be sent over plain HTTP is the caller's policy.
Result<AuthChallenge> ParseWwwAuthenticate(std::string_view value, const AuthLimits& limits = {});

// "Basic " + base64(user ":" password). A user containing ':' cannot be expressed (RFC 7617); the
// receiver will split at the first ':'.
std::string BasicAuthorization(std::string_view user, std::string_view password);

// Digest client state for one challenge: keeps the nonce count. Create a new one (or assign) when
// the server sends a new challenge, e.g. after a 401 with stale=true. Not thread-safe.
class DigestClient {
 public:
  DigestClient(AuthChallenge challenge, std::string user, std::string password);

  // The Authorization value for the next request; increments the nonce count. `uri` is the
  // request-target exactly as it appears on the request line. `cnonce` is sent as is: callers
  // should pass unpredictable bytes (the overload without it draws 128 random bits). For "-sess"
  // algorithms the session key is derived from this request's cnonce.
  std::string Authorization(std::string_view method, std::string_view uri, std::string_view cnonce);
  std::string Authorization(std::string_view method, std::string_view uri);

  const AuthChallenge& challenge() const { return challenge_; }
  uint32_t nonce_count() const { return nc_; }  // of the last Authorization() (0 before the first)

 private:
  AuthChallenge challenge_;
  std::string user_;
  std::string password_;
  uint32_t nc_ = 0;
};

// Server: a parsed Authorization value. `password` is set for Basic only; the Digest fields are as
// sent (quoted-string escapes removed, username* decoded into `username`).
struct AuthorizationHeader {
  AuthScheme scheme = AuthScheme::kBasic;
  std::string username;
  std::string password;
  std::string realm, nonce, uri, response, qop, nc, cnonce, opaque;
  DigestAlgorithm algorithm = DigestAlgorithm::kMd5;
};

// Parses an Authorization value. Basic: base64 "user:password". Digest: username (or RFC 8187
// username*), realm, nonce, uri and response are required; qop must be absent or "auth" (then nc
// and cnonce are required and nc is 8 hex digits); response must be hex of the algorithm's length;
// userhash=true and other schemes are refused.
Result<AuthorizationHeader> ParseAuthorization(std::string_view value, const AuthLimits& limits = {});

// Constant-time check of a Basic header against the expected user and password; false for Digest.
bool VerifyBasic(const AuthorizationHeader& h, std::string_view user, std::string_view password);

// Digest server with stateless nonces: nonce = base64url(expiry || HMAC-SHA256(key, expiry || realm)),
// so nothing is stored per nonce and every server holding the same key accepts the same nonces.
// Consequently a captured request can be replayed until its nonce expires (the nonce count is not
// tracked); keep nonce_lifetime short. Thread-safe (const); `clock` must outlive the server.
class DigestServer {
 public:
  // `key` should be at least 32 random bytes; a new key invalidates every nonce issued before.
  DigestServer(std::string realm, std::string key, const Clock& clock,
               std::chrono::seconds nonce_lifetime = std::chrono::seconds(300));

  // A WWW-Authenticate value with a fresh nonce and qop="auth". To offer several algorithms, send
  // one WWW-Authenticate header per algorithm, the preferred one first.
  std::string Challenge(bool stale = false, DigestAlgorithm algorithm = DigestAlgorithm::kMd5) const;

  enum class Verdict {
    kOk,
    kStale,             // right response, expired nonce: answer 401 with Challenge(stale = true)
    kWrongCredentials,  // wrong response, another realm, or a nonce we did not issue (bad HMAC,
                        // unreadable): 401 with a fresh Challenge()
    kMalformed,         // not a Digest header, uri != request-target, inconsistent qop/nc/cnonce: 400
  };
  // Checks `h` for a request `method request_uri` (request_uri exactly as on the request line)
  // against `password`, which must be the one stored for h.username: the response proves knowledge
  // of the password for the user named in the header, so a caller that looked the password up by
  // something else (a device key) must also check h.username itself. Any algorithm is accepted,
  // with or without qop.
  Verdict Verify(const AuthorizationHeader& h, std::string_view method, std::string_view request_uri,
                 std::string_view password) const;

  // The same check against stored verifiers instead of the password (DigestHa1 of MD5 and of
  // SHA-256; the one matching h.algorithm is used), so the password need not be kept.
  Verdict VerifyHa1(const AuthorizationHeader& h, std::string_view method, std::string_view request_uri,
                    std::string_view ha1_md5, std::string_view ha1_sha256) const;

  const std::string& realm() const { return realm_; }

 private:
  std::string MakeNonce(int64_t expiry_seconds) const;
  Verdict VerifyImpl(const AuthorizationHeader& h, std::string_view method, std::string_view request_uri,
                     std::string_view ha1) const;

  std::string realm_;
  std::string key_;
  const Clock& clock_;
  std::chrono::seconds nonce_lifetime_;
};

std::string_view ToString(DigestServer::Verdict v);

// HA1 = H(user ":" realm ":" password), lowercase hex, with the algorithm's base hash (MD5 for MD5
// and MD5-sess, SHA-256 for SHA-256 and SHA-256-sess): the verifier an ACS stores instead of a
// password.
std::string DigestHa1(DigestAlgorithm algorithm, std::string_view user, std::string_view realm,
                      std::string_view password);
// Constant-time check of a Basic header against a stored MD5 HA1 of (user, realm, password).
bool VerifyBasicHa1(const AuthorizationHeader& h, std::string_view user, std::string_view realm,
                    std::string_view ha1_md5);  // "ok", "stale", ...

}  // namespace ruru::cwmp

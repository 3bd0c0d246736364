// HTTP Basic and Digest authentication: RFC vectors, client <-> server round trips, nonce expiry
// and forgery, and hostile header values.
#include "cwmp/http_auth.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <string>

namespace ruru::cwmp {
namespace {

using Verdict = DigestServer::Verdict;
using namespace std::chrono_literals;

// RFC 7616 §3.9.1.
constexpr std::string_view kRfc7616Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kRfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
constexpr std::string_view kRfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

AuthorizationHeader MustParse(std::string_view value) {
  auto h = ParseAuthorization(value);
  EXPECT_TRUE(h.ok()) << value << ": " << (h.ok() ? "" : h.error().message);
  return h.ok() ? *h : AuthorizationHeader{};
}

AuthChallenge MustParseChallenge(std::string_view value) {
  auto c = ParseWwwAuthenticate(value);
  EXPECT_TRUE(c.ok()) << value << ": " << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : AuthChallenge{};
}

AuthChallenge Rfc7616Challenge(DigestAlgorithm algorithm) {
  AuthChallenge c;
  c.scheme = AuthScheme::kDigest;
  c.realm = "http-auth@example.org";
  c.nonce = std::string(kRfc7616Nonce);
  c.opaque = std::string(kRfc7616Opaque);
  c.algorithm = algorithm;
  c.qop_auth = true;
  return c;
}

TEST(DigestVectors, Rfc7616Md5) {
  DigestClient client(Rfc7616Challenge(DigestAlgorithm::kMd5), "Mufasa", "Circle of Life");
  const AuthorizationHeader h = MustParse(client.Authorization("GET", "/dir/index.html", kRfc7616Cnonce));
  EXPECT_EQ(h.response, "8ca523f5e9506fed4657c9700eebdbec");
  EXPECT_EQ(h.username, "Mufasa");
  EXPECT_EQ(h.realm, "http-auth@example.org");
  EXPECT_EQ(h.uri, "/dir/index.html");
  EXPECT_EQ(h.qop, "auth");
  EXPECT_EQ(h.nc, "00000001");
  EXPECT_EQ(h.cnonce, kRfc7616Cnonce);
  EXPECT_EQ(h.opaque, kRfc7616Opaque);
  EXPECT_EQ(h.algorithm, DigestAlgorithm::kMd5);
}

TEST(DigestVectors, Rfc7616Sha256) {
  DigestClient client(Rfc7616Challenge(DigestAlgorithm::kSha256), "Mufasa", "Circle of Life");
  const std::string value = client.Authorization("GET", "/dir/index.html", kRfc7616Cnonce);
  EXPECT_NE(value.find("algorithm=SHA-256"), std::string::npos) << value;
  const AuthorizationHeader h = MustParse(value);
  EXPECT_EQ(h.response, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_EQ(h.algorithm, DigestAlgorithm::kSha256);
}

TEST(DigestVectors, Rfc2617) {
  AuthChallenge c;
  c.scheme = AuthScheme::kDigest;
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  c.opaque = "5ccc069c403ebaf9f0171e9517f40e41";
  c.qop_auth = true;
  DigestClient client(c, "Mufasa", "Circle Of Life");
  EXPECT_EQ(MustParse(client.Authorization("GET", "/dir/index.html", "0a4f113b")).response,
            "6629fae49393a05397450978507c4ef1");
}

TEST(DigestVectors, Rfc2069WithoutQop) {
  AuthChallenge c;
  c.scheme = AuthScheme::kDigest;
  c.realm = "testrealm@host.com";
  c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
  DigestClient client(c, "Mufasa", "CircleOfLife");
  const std::string value = client.Authorization("GET", "/dir/index.html", "ignored");
  EXPECT_EQ(value.find("qop"), std::string::npos) << value;
  EXPECT_EQ(value.find("cnonce"), std::string::npos) << value;
  EXPECT_EQ(MustParse(value).response, "1949323746fe6a43ef61f9606e7febea");
}

TEST(DigestVectors, NonceCountIncrements) {
  DigestClient client(Rfc7616Challenge(DigestAlgorithm::kMd5), "Mufasa", "Circle of Life");
  EXPECT_EQ(client.nonce_count(), 0u);
  for (int i = 0; i < 16; ++i) client.Authorization("GET", "/", "c");
  EXPECT_EQ(MustParse(client.Authorization("GET", "/", "c")).nc, "00000011");
  EXPECT_EQ(client.nonce_count(), 17u);
  // Without a cnonce argument a random one is drawn each time.
  EXPECT_NE(MustParse(client.Authorization("GET", "/")).cnonce, MustParse(client.Authorization("GET", "/")).cnonce);
}

TEST(BasicAuth, Rfc7617Example) {
  EXPECT_EQ(BasicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  const AuthorizationHeader h = MustParse("basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(h.scheme, AuthScheme::kBasic);
  EXPECT_EQ(h.username, "Aladdin");
  EXPECT_EQ(h.password, "open sesame");
  EXPECT_TRUE(VerifyBasic(h, "Aladdin", "open sesame"));
  EXPECT_FALSE(VerifyBasic(h, "Aladdin", "open sesame!"));
  EXPECT_FALSE(VerifyBasic(h, "Aladdin", "open sesam"));
  EXPECT_FALSE(VerifyBasic(h, "aladdin", "open sesame"));
  EXPECT_FALSE(VerifyBasic(h, "", ""));
}

TEST(BasicAuth, RoundTripOfOddCredentials) {
  for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"u", ""}, {"J\xC3\xA4s\xC3\xB8n", "p:a:ss"}, {"a\"b\\c", std::string("x\0y", 3)}, {"ab", "c"}}) {
    const AuthorizationHeader h = MustParse(BasicAuthorization(user, password));
    EXPECT_EQ(h.username, user);
    EXPECT_EQ(h.password, password);
    EXPECT_TRUE(VerifyBasic(h, user, password));
  }
}

TEST(BasicAuth, RefusesBadCredentials) {
  EXPECT_EQ(MustParse("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ").password, "open sesame");  // unpadded is tolerated
  for (std::string_view bad :
       {"Basic", "Basic !!!!", "Basic QWxhZGRpbg==" /* no colon */,
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ===", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZR==", "Basic realm=\"x\"",
        "Basic QQ== QQ==", "Bearer abc", "Basic YWI6Yw==, Basic YWI6Yw=="}) {
    auto h = ParseAuthorization(bad);
    EXPECT_FALSE(h.ok()) << bad;
    if (!h.ok()) {
      EXPECT_EQ(h.error().code, ErrorCode::kInvalidArgument);
    }
  }
  // A Digest header never passes VerifyBasic.
  DigestClient client(Rfc7616Challenge(DigestAlgorithm::kMd5), "Mufasa", "Circle of Life");
  EXPECT_FALSE(VerifyBasic(MustParse(client.Authorization("GET", "/")), "Mufasa", "Circle of Life"));
}

TEST(WwwAuthenticate, Rfc7616ChallengesPreferSha256) {
  const std::string sha =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  const std::string md5 =
      "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
      "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
      "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
  for (const std::string& value : {sha + ", " + md5, md5 + ", " + sha, "Basic realm=\"x\", " + md5 + "," + sha}) {
    const AuthChallenge c = MustParseChallenge(value);
    EXPECT_EQ(c.scheme, AuthScheme::kDigest) << value;
    EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256) << value;
    EXPECT_TRUE(c.qop_auth);
    EXPECT_FALSE(c.stale);
    EXPECT_EQ(c.realm, "http-auth@example.org");
    EXPECT_EQ(c.nonce, kRfc7616Nonce);
    EXPECT_EQ(c.opaque, kRfc7616Opaque);
  }
}

TEST(WwwAuthenticate, PrefersDigestOverBasicAndSkipsUnknownSchemes) {
  AuthChallenge c = MustParseChallenge("Basic realm=\"cpe\", Digest realm=\"cpe\", nonce=\"n1\", qop=\"auth\"");
  EXPECT_EQ(c.scheme, AuthScheme::kDigest);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5);  // no algorithm parameter: MD5
  EXPECT_EQ(c.nonce, "n1");

  // RFC 7235 §4.1's example: an unknown scheme with a token68-less parameter list, then Basic.
  c = MustParseChallenge("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"");
  EXPECT_EQ(c.scheme, AuthScheme::kBasic);
  EXPECT_EQ(c.realm, "simple");

  c = MustParseChallenge("Negotiate, NTLM, Basic");
  EXPECT_EQ(c.scheme, AuthScheme::kBasic);
  EXPECT_EQ(c.realm, "");

  c = MustParseChallenge("Negotiate abc/def+==, Basic realm=\"r\"");
  EXPECT_EQ(c.scheme, AuthScheme::kBasic);

  auto none = ParseWwwAuthenticate("Negotiate, NTLM");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("negotiate"), std::string::npos) << none.error().message;
}

TEST(WwwAuthenticate, CaseInsensitiveNamesEscapesAndFlags) {
  const AuthChallenge c = MustParseChallenge(
      "DIGEST REALM=\"a\\\"b\\\\c\" ,  NONCE = \"n\"\t, Algorithm=\"md5-SESS\", QOP=\"auth-int , AUTH\", "
      "Stale=TRUE, Domain=\"/x /y\", charset=UTF-8");
  EXPECT_EQ(c.scheme, AuthScheme::kDigest);
  EXPECT_EQ(c.realm, "a\"b\\c");
  EXPECT_EQ(c.nonce, "n");
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5Sess);
  EXPECT_TRUE(c.qop_auth);
  EXPECT_TRUE(c.stale);
  EXPECT_FALSE(MustParseChallenge("Digest realm=\"r\", nonce=\"n\", stale=false").stale);
  EXPECT_FALSE(MustParseChallenge("Digest realm=\"r\", nonce=\"n\"").qop_auth);  // RFC 2069 server
}

TEST(WwwAuthenticate, RefusesWhatItCannotAnswer) {
  for (std::string_view value : {
           "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"",       // auth-int only
           "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",  // unknown algorithm
           "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess",     // -sess needs qop
           "Digest realm=\"r\"",                                      // no nonce
           "Digest nonce=\"n\"",                                      // no realm
           "Digest abcdef",                                           // token68
       }) {
    auto c = ParseWwwAuthenticate(value);
    EXPECT_FALSE(c.ok()) << value;
    if (!c.ok()) {
      EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(c.error().message.rfind("WWW-Authenticate: ", 0), 0u) << c.error().message;
    }
  }
  // ... but a usable challenge next to an unusable one wins.
  const AuthChallenge c = MustParseChallenge(
      "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256, Digest realm=\"r\", nonce=\"m\", qop=auth");
  EXPECT_EQ(c.nonce, "m");
}

TEST(WwwAuthenticate, HostileValues) {
  std::string many_params = "Digest realm=\"r\", nonce=\"n\"";
  for (int i = 0; i < 1000; ++i) many_params += ", p" + std::to_string(i) + "=1";
  std::string sixty_params = "Digest realm=\"r\", nonce=\"n\"";
  for (int i = 0; i < 60; ++i) sixty_params += ", p" + std::to_string(i) + "=1";
  std::string many_challenges;
  for (int i = 0; i < 100; ++i) many_challenges += "Basic, ";
  const std::string big = "Digest realm=\"" + std::string(10 * 1024, 'a') + "\", nonce=\"n\"";
  for (const std::string& value :
       {std::string(), std::string("   "), std::string(" , ,, "), std::string("Digest realm=\"r, nonce=\"n"),
        std::string("Digest realm=\"r\\"), std::string("Digest realm=\"a\nb\", nonce=\"n\""),
        std::string("Digest realm=\"a\0b\", nonce=\"n\"", 27), std::string("Digest realm=\"r\" nonce=\"n\""),
        std::string("Digest realm=\"r\", realm=\"s\", nonce=\"n\""), std::string("Digest realm="),
        std::string("Digest realm=,"), std::string("Digest =x"), std::string("=Digest"),
        std::string("Digest, realm=\"r\""), std::string("\"Digest\""), big, many_params, sixty_params,
        many_challenges}) {
    auto c = ParseWwwAuthenticate(value);
    EXPECT_FALSE(c.ok()) << value.substr(0, 80);
    if (!c.ok()) {
      EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(c.error().message.find('\n'), std::string::npos);
      EXPECT_LT(c.error().message.size(), 200u) << c.error().message;
    }
  }
  AuthLimits generous;
  generous.max_params = 100;
  EXPECT_TRUE(ParseWwwAuthenticate(sixty_params, generous).ok());
}

// Random bytes and random mutations of a valid value must give a value or an error, never a crash.
TEST(WwwAuthenticate, SurvivesRandomInput) {
  std::mt19937 rng(7616);
  const std::string seed = "Digest realm=\"r\\\"\", nonce=\"n\", qop=\"auth\", algorithm=SHA-256, Basic realm=x";
  for (int i = 0; i < 20000; ++i) {
    std::string value = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) value[rng() % value.size()] = static_cast<char>(rng() % 256);
    if (i % 4 == 0) value.resize(rng() % value.size());
    (void)ParseWwwAuthenticate(value);
    (void)ParseAuthorization(value);
  }
}

class DigestServerTest : public ::testing::Test {
 protected:
  ManualClock clock_{Clock::TimePoint(std::chrono::hours(24 * 365 * 56))};
  DigestServer server_{"cpesim", std::string(32, 'k'), clock_, 300s};

  // The header a client answering our own challenge sends.
  std::string Answer(std::string_view user, std::string_view password, std::string_view method, std::string_view uri,
                     DigestAlgorithm algorithm = DigestAlgorithm::kMd5) {
    DigestClient client(MustParseChallenge(server_.Challenge(false, algorithm)), std::string(user),
                        std::string(password));
    return client.Authorization(method, uri, "0a4f113b");
  }
  Verdict Check(std::string_view value, std::string_view password, std::string_view uri = "/dev1") {
    auto h = ParseAuthorization(value);
    EXPECT_TRUE(h.ok()) << value << ": " << (h.ok() ? "" : h.error().message);
    if (!h.ok()) return Verdict::kMalformed;
    return server_.Verify(*h, "GET", uri, password);
  }
};

TEST_F(DigestServerTest, ChallengeShape) {
  const std::string value = server_.Challenge();
  EXPECT_EQ(value.rfind("Digest realm=\"cpesim\", qop=\"auth\", algorithm=MD5, nonce=\"", 0), 0u) << value;
  const AuthChallenge c = MustParseChallenge(value);
  EXPECT_EQ(c.realm, "cpesim");
  EXPECT_EQ(c.nonce.size(), 54u);  // base64url of 8 + 32 bytes
  EXPECT_FALSE(c.stale);
  EXPECT_TRUE(MustParseChallenge(server_.Challenge(true, DigestAlgorithm::kSha256)).stale);
  EXPECT_EQ(MustParseChallenge(server_.Challenge(true, DigestAlgorithm::kSha256)).algorithm, DigestAlgorithm::kSha256);
}

TEST_F(DigestServerTest, RoundTripEveryAlgorithm) {
  for (DigestAlgorithm a :
       {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256Sess}) {
    SCOPED_TRACE(std::string(ToString(a)));
    DigestClient client(MustParseChallenge(server_.Challenge(false, a)), "cpe-user", "s3cret");
    for (int i = 0; i < 3; ++i) {  // one nonce, several requests of a session
      EXPECT_EQ(Check(client.Authorization("GET", "/dev1"), "s3cret"), Verdict::kOk);
      clock_.Advance(10s);
    }
    EXPECT_EQ(Check(client.Authorization("GET", "/dev1"), "s3creT"), Verdict::kWrongCredentials);
  }
}

TEST_F(DigestServerTest, OldClientWithoutQopVerifies) {
  AuthChallenge c = MustParseChallenge(server_.Challenge());
  c.qop_auth = false;  // an RFC 2069 client ignores qop
  DigestClient client(c, "cpe-user", "s3cret");
  const std::string value = client.Authorization("GET", "/dev1", "x");
  EXPECT_EQ(value.find("qop"), std::string::npos);
  EXPECT_EQ(Check(value, "s3cret"), Verdict::kOk);
  EXPECT_EQ(Check(value, "wrong"), Verdict::kWrongCredentials);
}

TEST_F(DigestServerTest, UpperCaseResponseHexIsAccepted) {
  std::string value = Answer("u", "p", "GET", "/dev1");
  const size_t at = value.find("response=\"") + 10;
  for (size_t i = at; i < at + 32; ++i) value[i] = static_cast<char>(std::toupper(value[i]));
  EXPECT_EQ(Check(value, "p"), Verdict::kOk);
}

TEST_F(DigestServerTest, StaleNonce) {
  const std::string value = Answer("cpe-user", "s3cret", "GET", "/dev1");
  clock_.Advance(299s);
  EXPECT_EQ(Check(value, "s3cret"), Verdict::kOk);
  clock_.Advance(2s);
  EXPECT_EQ(Check(value, "s3cret"), Verdict::kStale);
  EXPECT_EQ(Check(value, "wrong"), Verdict::kWrongCredentials);  // stale only for a right response
  // The client retries with the stale challenge's nonce.
  const AuthChallenge c = MustParseChallenge(server_.Challenge(true));
  EXPECT_TRUE(c.stale);
  DigestClient client(c, "cpe-user", "s3cret");
  EXPECT_EQ(Check(client.Authorization("GET", "/dev1"), "s3cret"), Verdict::kOk);
}

TEST_F(DigestServerTest, WrongPasswordUserOrRealm) {
  EXPECT_EQ(Check(Answer("cpe-user", "wrong", "GET", "/dev1"), "s3cret"), Verdict::kWrongCredentials);
  EXPECT_EQ(Check(Answer("cpe-user", "", "GET", "/dev1"), "s3cret"), Verdict::kWrongCredentials);
  // The server looked up the password of "cpe-user" but the hash was made for another user name.
  AuthorizationHeader h = MustParse(Answer("cpe-user", "s3cret", "GET", "/dev1"));
  h.username = "other";
  EXPECT_EQ(server_.Verify(h, "GET", "/dev1", "s3cret"), Verdict::kWrongCredentials);
  // Same key, another realm: the nonce is not ours either.
  DigestServer other("other-realm", std::string(32, 'k'), clock_);
  h = MustParse(Answer("cpe-user", "s3cret", "GET", "/dev1"));
  EXPECT_EQ(other.Verify(h, "GET", "/dev1", "s3cret"), Verdict::kWrongCredentials);
  // A different method is a different response.
  EXPECT_EQ(server_.Verify(h, "POST", "/dev1", "s3cret"), Verdict::kWrongCredentials);
}

TEST_F(DigestServerTest, ForgedAndForeignNoncesNeverPass) {
  const AuthChallenge good = MustParseChallenge(server_.Challenge());
  std::vector<std::string> nonces;
  // Each byte position changed: the expiry (e.g. pushed into the future) or the MAC.
  for (size_t i = 0; i < good.nonce.size(); ++i) {
    std::string n = good.nonce;
    n[i] = n[i] == 'A' ? 'B' : 'A';
    nonces.push_back(n);
  }
  nonces.push_back(good.nonce.substr(0, 53));
  nonces.push_back(good.nonce + "AAAA");
  nonces.push_back("");
  nonces.push_back("not base64!");
  nonces.push_back(std::string(kRfc7616Nonce));
  DigestServer other_key("cpesim", std::string(32, 'x'), clock_);
  nonces.push_back(MustParseChallenge(other_key.Challenge()).nonce);
  for (const std::string& nonce : nonces) {
    SCOPED_TRACE(nonce);
    AuthChallenge c = good;
    c.nonce = nonce;
    // The client computes a right response for the forged nonce: the nonce alone must fail it.
    DigestClient client(c, "cpe-user", "s3cret");
    const std::string value = client.Authorization("GET", "/dev1", "c");
    auto h = ParseAuthorization(value);
    if (!h.ok()) continue;  // an empty nonce may be refused by the parser already
    const Verdict v = server_.Verify(*h, "GET", "/dev1", "s3cret");
    EXPECT_TRUE(v == Verdict::kWrongCredentials || v == Verdict::kMalformed) << ToString(v);
  }
}

TEST_F(DigestServerTest, UriMustBeTheRequestTarget) {
  const std::string value = Answer("cpe-user", "s3cret", "GET", "/dev1");
  EXPECT_EQ(Check(value, "s3cret", "/dev2"), Verdict::kMalformed);
  EXPECT_EQ(Check(value, "s3cret", "/dev1?x"), Verdict::kMalformed);
  EXPECT_EQ(Check(value, "s3cret", "/dev1"), Verdict::kOk);
}

TEST_F(DigestServerTest, BasicHeaderIsMalformedForDigest) {
  EXPECT_EQ(server_.Verify(MustParse(BasicAuthorization("u", "p")), "GET", "/dev1", "p"), Verdict::kMalformed);
}

TEST_F(DigestServerTest, UsernamesWithQuotesBackslashesUtf8AndControls) {
  for (const std::string& user :
       std::vector<std::string>{"a\"b\\c", "\\\\\"\"", "J\xC3\xA4s\xC3\xB8n D\xC5\x8D\xC3\xA9", "tab\there",
                                "line\nfeed", std::string("nul\0byte", 8), "pct%41"}) {
    SCOPED_TRACE(user);
    const std::string value = Answer(user, "pw", "GET", "/dev1");
    const AuthorizationHeader h = MustParse(value);
    EXPECT_EQ(h.username, user);
    EXPECT_EQ(server_.Verify(h, "GET", "/dev1", "pw"), Verdict::kOk);
  }
  EXPECT_NE(Answer("a\"b", "pw", "GET", "/dev1").find("username=\"a\\\"b\""), std::string::npos);
  EXPECT_NE(Answer("line\nfeed", "pw", "GET", "/dev1").find("username*=UTF-8''line%0Afeed"), std::string::npos);
}

TEST(Authorization, RefusesMalformedDigestCredentials) {
  const std::string ok =
      "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, nc=00000001, "
      "cnonce=\"c\", response=\"0123456789abcdef0123456789abcdef\"";
  ASSERT_TRUE(ParseAuthorization(ok).ok());
  const std::string resp = "response=\"0123456789abcdef0123456789abcdef\"";
  for (const std::string& value : std::vector<std::string>{
           "Digest realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,         // no username
           "Digest username=\"u\", nonce=\"n\", uri=\"/\", " + resp,      // no realm
           "Digest username=\"u\", realm=\"r\", uri=\"/\", " + resp,      // no nonce
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", " + resp,    // no uri
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\"",  // no response
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0123\"",
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", response=\"0123456789abcdef0123456789abcdeg\"",
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=SHA-256, " + resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=SHA-1, " + resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", algorithm=MD5-sess, " + resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth-int, nc=00000001, cnonce=\"c\", " +
               resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, cnonce=\"c\", " + resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, nc=1, cnonce=\"c\", " + resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, nc=0000000g, cnonce=\"c\", " + resp,
           "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/\", qop=auth, nc=00000001, " + resp,
           "Digest username=\"u\", username*=UTF-8''u, realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,
           "Digest username*=ISO-8859-1''u, realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,
           "Digest username*=UTF-8''%4, realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,
           "Digest username*=u, realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,
           "Digest username=\"u\", userhash=true, realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,
           "Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"/\", " + resp,
           ok + ", " + ok,
           "Digest dXNlcjpwYXNz",
           "Digest",
           "Digest username=\"u",
           "",
           "Negotiate abc",
           ok + "\r\nX-Injected: 1",
       }) {
    auto h = ParseAuthorization(value);
    EXPECT_FALSE(h.ok()) << value;
    if (!h.ok()) {
      EXPECT_EQ(h.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(h.error().message.rfind("Authorization", 0), 0u) << h.error().message;
    }
  }
}

TEST(Authorization, SizeAndParameterLimits) {
  std::string many = "Digest username=\"u\"";
  for (int i = 0; i < 1000; ++i) many += ", x" + std::to_string(i) + "=\"y\"";
  auto h = ParseAuthorization(many);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("limit 4096"), std::string::npos) << h.error().message;

  AuthLimits limits;
  limits.max_header_bytes = 1 << 20;
  h = ParseAuthorization(many, limits);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find("parameters"), std::string::npos) << h.error().message;

  const std::string big = "Digest username=\"" + std::string(10 * 1024, 'u') + "\"";
  EXPECT_FALSE(ParseAuthorization(big).ok());
}

TEST(Authorization, UnknownParametersAreIgnored) {
  const AuthorizationHeader h = MustParse(
      "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/a?b=c\", future=thing, "
      "response=\"0123456789ABCDEF0123456789abcdef\", userhash=false, opaque=\"o\"");
  EXPECT_EQ(h.uri, "/a?b=c");
  EXPECT_EQ(h.opaque, "o");
  EXPECT_EQ(h.qop, "");
}

TEST(DigestHa1, Rfc2617Vector) {
  // RFC 2617 §3.5: HA1 of Mufasa / testrealm@host.com / Circle Of Life.
  EXPECT_EQ(DigestHa1(DigestAlgorithm::kMd5, "Mufasa", "testrealm@host.com", "Circle Of Life"),
            "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(DigestHa1(DigestAlgorithm::kMd5Sess, "Mufasa", "testrealm@host.com", "Circle Of Life"),
            "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(DigestHa1(DigestAlgorithm::kSha256, "u", "r", "p").size(), 64u);
}

TEST_F(DigestServerTest, VerifyAgainstStoredHa1EveryAlgorithm) {
  const std::string md5 = DigestHa1(DigestAlgorithm::kMd5, "cpe-user", "cpesim", "s3cret");
  const std::string sha = DigestHa1(DigestAlgorithm::kSha256, "cpe-user", "cpesim", "s3cret");
  const std::string other_md5 = DigestHa1(DigestAlgorithm::kMd5, "cpe-user", "cpesim", "other");
  for (DigestAlgorithm a :
       {DigestAlgorithm::kMd5, DigestAlgorithm::kSha256, DigestAlgorithm::kMd5Sess, DigestAlgorithm::kSha256Sess}) {
    SCOPED_TRACE(std::string(ToString(a)));
    DigestClient client(MustParseChallenge(server_.Challenge(false, a)), "cpe-user", "s3cret");
    auto h = ParseAuthorization(client.Authorization("POST", "/acs"));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(server_.VerifyHa1(*h, "POST", "/acs", md5, sha), Verdict::kOk);
    EXPECT_EQ(server_.VerifyHa1(*h, "POST", "/acs", other_md5, other_md5), Verdict::kWrongCredentials);
    // Upper-case stored hex is accepted too.
    std::string upper_md5 = md5, upper_sha = sha;
    for (char& c : upper_md5) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (char& c : upper_sha) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(server_.VerifyHa1(*h, "POST", "/acs", upper_md5, upper_sha), Verdict::kOk);
  }
}

TEST(BasicAuth, VerifyAgainstStoredHa1) {
  const std::string ha1 = DigestHa1(DigestAlgorithm::kMd5, "dev", "ruru", "pw");
  auto good = ParseAuthorization(BasicAuthorization("dev", "pw"));
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(VerifyBasicHa1(*good, "dev", "ruru", ha1));
  EXPECT_FALSE(VerifyBasicHa1(*good, "dev", "other-realm", ha1));
  EXPECT_FALSE(VerifyBasicHa1(*good, "dev2", "ruru", ha1));
  auto bad = ParseAuthorization(BasicAuthorization("dev", "pW"));
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(VerifyBasicHa1(*bad, "dev", "ruru", ha1));
  // The empty password of the genieacs-sim pattern is a password like any other.
  const std::string empty_ha1 = DigestHa1(DigestAlgorithm::kMd5, "shared", "ruru", "");
  auto empty = ParseAuthorization(BasicAuthorization("shared", ""));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(VerifyBasicHa1(*empty, "shared", "ruru", empty_ha1));
}

}  // namespace
}  // namespace ruru::cwmp

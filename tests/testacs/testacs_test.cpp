// The scripted test ACS driven by a tiny hand-made CPE (Beast client + cwmp::Encode/Decode, with a
// cwmp::Session(Role::kCpe) checking the ACS from the other end), over real sockets on 127.0.0.1.
#include "tests/testacs/testacs.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "base/beast.h"
#include "base/clock.h"
#include "cwmp/codec.h"
#include "cwmp/http_auth.h"
#include "cwmp/session.h"
#include "cwmp/version.h"
#include "tests/support/tls_cert.h"

namespace ruru::testacs {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

constexpr auto kIo = 5s;     // bound on every socket operation of the test clients
constexpr auto kWait = 10s;  // bound on waiting for the server to record something

struct HttpReply {
  unsigned status = 0;  // 0: no answer (connection closed or error, see `error`)
  std::string body;
  http::fields headers;
  bool keep_alive = false;
  std::string error;
  std::string Header(http::field f) const { return std::string(headers[f]); }
};

// A minimal HTTP/1.1 client with keep-alive, a session cookie, optional TLS and a deadline on every
// operation. Each call runs the private io_context until the exchange is over.
class MiniClient {
 public:
  explicit MiniClient(uint16_t port, asio::ssl::context* tls = nullptr) : port_(port), tls_(tls) {}

  HttpReply Request(http::verb verb, std::string target, std::string body = {},
                    std::vector<std::pair<http::field, std::string>> headers = {}) {
    HttpReply out;
    asio::co_spawn(ioc_, Do(verb, std::move(target), std::move(body), std::move(headers), &out),
                   [&out](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       out.error = std::string("exception: ") + ex.what();
                     }
                   });
    ioc_.restart();
    ioc_.run();
    return out;
  }

  // POST to the CWMP path with the session cookie (and an Authorization value when given).
  HttpReply Post(std::string body, std::string authorization = {}) {
    std::vector<std::pair<http::field, std::string>> headers = {{http::field::content_type, "text/xml; charset=utf-8"},
                                                                {http::field::soapaction, ""}};
    if (!cookie.empty()) headers.emplace_back(http::field::cookie, "session=" + cookie);
    if (!authorization.empty()) headers.emplace_back(http::field::authorization, authorization);
    HttpReply r = Request(http::verb::post, "/acs", std::move(body), std::move(headers));
    const std::string set_cookie = r.Header(http::field::set_cookie);
    if (set_cookie.rfind("session=", 0) == 0) cookie = set_cookie.substr(8, set_cookie.find(';') - 8);
    return r;
  }

  void Close() {
    beast::error_code ec;
    if (tcp_) tcp_->socket().close(ec);
    if (tls_stream_) beast::get_lowest_layer(*tls_stream_).socket().close(ec);
    tcp_.reset();
    tls_stream_.reset();
    buffer_.clear();
  }
  bool connected() const { return tcp_ || tls_stream_; }

  std::string cookie;

 private:
  asio::awaitable<void> Do(http::verb verb, std::string target, std::string body,
                           std::vector<std::pair<http::field, std::string>> headers, HttpReply* out) {
    beast::error_code ec;
    if (!connected()) {
      tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
      if (tls_) {
        tls_stream_.emplace(ioc_, *tls_);
        beast::get_lowest_layer(*tls_stream_).expires_after(kIo);
        co_await beast::get_lowest_layer(*tls_stream_).async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) {
          co_await tls_stream_->async_handshake(asio::ssl::stream_base::client,
                                                asio::redirect_error(asio::use_awaitable, ec));
        }
      } else {
        tcp_.emplace(ioc_);
        tcp_->expires_after(kIo);
        co_await tcp_->async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        out->error = "connect: " + ec.message();
        Close();
        co_return;
      }
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    for (auto& [f, v] : headers) req.set(f, v);
    req.body() = std::move(body);
    req.keep_alive(true);
    req.prepare_payload();
    if (tls_stream_) {
      co_await Exchange(*tls_stream_, req, out);
    } else {
      co_await Exchange(*tcp_, req, out);
    }
  }

  template <class Stream>
  asio::awaitable<void> Exchange(Stream& stream, http::request<http::string_body>& req, HttpReply* out) {
    beast::error_code ec;
    beast::get_lowest_layer(stream).expires_after(kIo);
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 << 20);
    parser.skip(req.method() == http::verb::head);  // Content-Length without a body
    if (!ec) co_await http::async_read(stream, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out->error = ec.message();
      Close();
      co_return;
    }
    auto res = parser.release();
    out->status = res.result_int();
    out->keep_alive = res.keep_alive();
    out->body = std::move(res.body());
    out->headers = res.base();
    if (!out->keep_alive) Close();
  }

  uint16_t port_;
  asio::ssl::context* tls_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> tcp_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
};

cwmp::Envelope MakeInform(const std::string& serial, std::vector<std::string> events = {"1 BOOT"}) {
  cwmp::Inform inform;
  inform.device_id = {"Ruru", "00D09E", "TestGW", serial};
  for (auto& code : events) inform.events.push_back({cwmp::EventCode::FromText(code), ""});
  inform.current_time = "2026-11-28T03:17:58Z";
  inform.parameters = {
      {"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("5.4.2")},
      {"Device.ManagementServer.ConnectionRequestURL", cwmp::ParameterValue::String("http://127.0.0.1:1/" + serial)}};
  cwmp::Envelope env;
  env.id = "inform-" + serial;
  env.body = std::move(inform);
  return env;
}

std::string Xml(const cwmp::Envelope& env) {
  auto xml = cwmp::Encode(env);
  EXPECT_TRUE(xml.ok()) << (xml.ok() ? "" : xml.error().message);
  return xml.ok() ? *xml : std::string();
}

cwmp::Envelope Parse(const std::string& body) {
  auto d = cwmp::Decode(body);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() ? d->envelope : cwmp::Envelope{};
}

// A CPE: the client plus a cwmp::Session(Role::kCpe) that checks every message both ways, so a
// message the test ACS should not have sent fails the test.
class MiniCpe {
 public:
  explicit MiniCpe(uint16_t port, asio::ssl::context* tls = nullptr) : client(port, tls) {}

  // Sends `env` (Empty: an empty POST) and returns the ACS's answer (Empty for 204).
  cwmp::Envelope Send(const cwmp::Envelope& env, unsigned expected_status = 200) {
    EXPECT_TRUE(session.Send(env).ok()) << "the test CPE itself broke the rules";
    last = client.Post(std::holds_alternative<cwmp::Empty>(env.body) ? std::string() : Xml(env), authorization);
    EXPECT_EQ(last.status, expected_status) << last.error;
    if (last.status == 204) {
      EXPECT_TRUE(last.body.empty());
    }
    cwmp::Envelope answer = Parse(last.body);
    if (last.status == 200 || last.status == 204) {
      Status st = session.Receive(answer);
      EXPECT_TRUE(st.ok()) << st.error().message;
    }
    return answer;
  }
  cwmp::Envelope SendBody(cwmp::Body body, unsigned expected_status = 200) {
    cwmp::Envelope env;
    env.body = std::move(body);
    return Send(env, expected_status);
  }

  MiniClient client;
  SystemClock clock;
  cwmp::Session session{cwmp::Role::kCpe, clock};
  std::string authorization;
  HttpReply last;
};

// ---- Sessions ----------------------------------------------------------------------------------

TEST(ScriptedAcs, InformScriptedRequestResponseAndEmptyResponseEndTheSession) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  EXPECT_EQ(acs.url(), "http://127.0.0.1:" + std::to_string(acs.port()) + "/acs");
  acs.Enqueue("SN1", cwmp::GetParameterValues{{"Device.DeviceInfo.SoftwareVersion"}});
  EXPECT_EQ(acs.Pending("SN1"), 1u);

  MiniCpe cpe(acs.port());
  cwmp::Envelope ir = cpe.Send(MakeInform("SN1", {"0 BOOTSTRAP", "1 BOOT"}));
  ASSERT_TRUE(std::holds_alternative<cwmp::InformResponse>(ir.body));
  EXPECT_EQ(std::get<cwmp::InformResponse>(ir.body).max_envelopes, 1u);
  EXPECT_EQ(ir.id, "inform-SN1");
  EXPECT_EQ(ir.ns, cwmp::Namespace::kCwmp10);
  EXPECT_FALSE(ir.hold_requests);
  EXPECT_FALSE(cpe.client.cookie.empty());
  EXPECT_NE(cpe.last.Header(http::field::content_type).find("text/xml"), std::string::npos);

  cwmp::Envelope req = cpe.SendBody(cwmp::Empty{});
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(req.body));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(req.body).names[0], "Device.DeviceInfo.SoftwareVersion");
  EXPECT_FALSE(req.id.empty());

  cwmp::Envelope answer;
  answer.id = req.id;
  answer.body =
      cwmp::GetParameterValuesResponse{{{"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("5.4.2")}}};
  cwmp::Envelope end = cpe.Send(answer, 204);
  EXPECT_TRUE(std::holds_alternative<cwmp::Empty>(end.body));
  EXPECT_EQ(cpe.session.state(), cwmp::SessionState::kDone);

  ASSERT_TRUE(acs.WaitForSessions("SN1", 1, kWait));
  const auto sessions = acs.SessionsOf("SN1");
  ASSERT_EQ(sessions.size(), 1u);
  const SessionRecord& s = sessions[0];
  EXPECT_EQ(s.outcome, Outcome::kCompleted) << s.error;
  EXPECT_EQ(s.serial, "SN1");
  EXPECT_EQ(s.cookie, cpe.client.cookie);
  EXPECT_EQ(s.remote_address, "127.0.0.1");
  EXPECT_EQ(s.version, cwmp::CwmpVersion::k1_0);
  EXPECT_TRUE(s.HasEvent("0 BOOTSTRAP"));
  EXPECT_TRUE(s.HasEvent("1 BOOT"));
  EXPECT_FALSE(s.HasEvent("2 PERIODIC"));
  ASSERT_NE(s.InformParameter("Device.DeviceInfo.SoftwareVersion"), nullptr);
  EXPECT_EQ(s.InformParameter("Device.DeviceInfo.SoftwareVersion")->text, "5.4.2");
  ASSERT_EQ(s.exchanges.size(), 1u);
  ASSERT_TRUE(s.exchanges[0].response.has_value());
  EXPECT_EQ(s.exchanges[0].response->body, answer.body);
  EXPECT_EQ(s.http_statuses, (std::vector<unsigned>{200, 200, 204}));
  EXPECT_GE(s.ended, s.started);

  const auto gpv = acs.ResponsesOf<cwmp::GetParameterValuesResponse>("SN1");
  ASSERT_EQ(gpv.size(), 1u);
  EXPECT_EQ(gpv[0].parameters[0].value.text, "5.4.2");
  EXPECT_EQ(acs.Pending("SN1"), 0u);
  const Counters c = acs.GetCounters();
  EXPECT_EQ(c.informs, 1u);
  EXPECT_EQ(c.sessions_completed, 1u);
  EXPECT_EQ(c.sessions_failed, 0u);
  EXPECT_EQ(c.requests_sent, 1u);
  EXPECT_EQ(c.responses_received, 1u);
  EXPECT_EQ(c.connections, 1u);
}

TEST(ScriptedAcs, AnswersCpeRequestsAndRecordsThem) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN2", {"7 TRANSFER COMPLETE", "M Download"}));

  cwmp::TransferComplete tc{"fw-543", {0, ""}, "2026-11-28T03:18:46Z", "2026-11-28T03:18:48Z"};
  cwmp::Envelope tc_env;
  tc_env.id = "tc-1";
  tc_env.body = tc;
  cwmp::Envelope tcr = cpe.Send(tc_env);
  EXPECT_TRUE(std::holds_alternative<cwmp::TransferCompleteResponse>(tcr.body));
  EXPECT_EQ(tcr.id, "tc-1");

  cwmp::Envelope methods = cpe.SendBody(cwmp::GetRPCMethods{});
  ASSERT_TRUE(std::holds_alternative<cwmp::GetRPCMethodsResponse>(methods.body));
  const auto& list = std::get<cwmp::GetRPCMethodsResponse>(methods.body).methods;
  EXPECT_NE(std::find(list.begin(), list.end(), "Inform"), list.end());
  EXPECT_NE(std::find(list.begin(), list.end(), "TransferComplete"), list.end());

  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN2", 1, kWait));
  const auto tcs = acs.CpeRequestsOf<cwmp::TransferComplete>("SN2");
  ASSERT_EQ(tcs.size(), 1u);
  EXPECT_EQ(tcs[0], tc);
  const SessionRecord s = acs.SessionsOf("SN2").at(0);
  EXPECT_EQ(s.cpe_requests.size(), 2u);
  ASSERT_NE(s.FindEvent("M Download"), nullptr);
  EXPECT_EQ(s.outcome, Outcome::kCompleted);
  EXPECT_EQ(acs.GetCounters().cpe_requests, 2u);
}

TEST(ScriptedAcs, AdaptiveScriptSeesTheSessionSoFarAndFaultsAreRecorded) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  std::atomic<int> calls{0};
  acs.SetScript([&](const SessionView& view) -> std::optional<cwmp::Body> {
    ++calls;
    if (view.serial != "SN3") return std::nullopt;
    if (view.exchanges.empty()) return cwmp::GetParameterNames{"Device.WiFi.", true};
    const auto& last = view.exchanges.back();
    if (view.exchanges.size() == 1 && last.response &&
        std::holds_alternative<cwmp::GetParameterNamesResponse>(last.response->body)) {
      return cwmp::Reboot{"rb-1"};
    }
    return std::nullopt;
  });
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN3"));
  cwmp::Envelope gpn = cpe.SendBody(cwmp::Empty{});
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterNames>(gpn.body));
  cwmp::Envelope reboot = cpe.SendBody(cwmp::GetParameterNamesResponse{{{"Device.WiFi.SSID.", false}}});
  ASSERT_TRUE(std::holds_alternative<cwmp::Reboot>(reboot.body));
  EXPECT_EQ(std::get<cwmp::Reboot>(reboot.body).command_key, "rb-1");
  cpe.SendBody(cwmp::Fault{"Client", "CWMP fault", 9001, "Request denied", {}}, 204);

  ASSERT_TRUE(acs.WaitForSessions("SN3", 1, kWait));
  EXPECT_EQ(calls.load(), 3);
  const auto faults = acs.ResponsesOf<cwmp::Fault>("SN3");
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0].code, 9001u);
  EXPECT_EQ(acs.GetCounters().faults_received, 1u);
  EXPECT_EQ(acs.SessionsOf("SN3").at(0).exchanges.size(), 2u);
}

TEST(ScriptedAcs, QueuedRequestsCarryOverToTheNextSession) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  MiniCpe first(acs.port());
  first.Send(MakeInform("SN4"));
  first.SendBody(cwmp::Empty{}, 204);
  acs.Enqueue("SN4", cwmp::FactoryReset{});
  MiniCpe second(acs.port());
  second.Send(MakeInform("SN4", {"2 PERIODIC"}));
  EXPECT_TRUE(std::holds_alternative<cwmp::FactoryReset>(second.SendBody(cwmp::Empty{}).body));
  second.SendBody(cwmp::FactoryResetResponse{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN4", 2, kWait));
  const auto sessions = acs.SessionsOf("SN4");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_TRUE(sessions[0].exchanges.empty());
  EXPECT_EQ(sessions[1].exchanges.size(), 1u);
  EXPECT_NE(sessions[0].cookie, sessions[1].cookie);
}

TEST(ScriptedAcs, CookieResumesTheSessionOnANewConnection) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  acs.Enqueue("SN5", cwmp::GetParameterValues{{"Device.Time.LocalTimeZone"}});
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN5"));
  cpe.client.Close();  // a CPE that cannot keep the connection resumes with the cookie
  EXPECT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(cpe.SendBody(cwmp::Empty{}).body));
  cpe.client.Close();
  cpe.SendBody(cwmp::GetParameterValuesResponse{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN5", 1, kWait));
  const auto sessions = acs.Sessions();
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].outcome, Outcome::kCompleted) << sessions[0].error;
  EXPECT_EQ(acs.GetCounters().connections, 3u);
}

TEST(ScriptedAcs, ClosedConnectionWithoutResumeFailsTheSession) {
  Options options;
  options.reconnect_grace = 100ms;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  acs.Enqueue("SN6", cwmp::GetParameterValues{{"Device."}});
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN6"));
  cpe.SendBody(cwmp::Empty{});
  cpe.client.Close();  // with a request outstanding
  ASSERT_TRUE(acs.WaitForSessions("SN6", 1, kWait));
  const SessionRecord s = acs.SessionsOf("SN6").at(0);
  EXPECT_EQ(s.outcome, Outcome::kFailed);
  EXPECT_NE(s.error.find("connection closed in state acs-requests"), std::string::npos) << s.error;
  ASSERT_EQ(s.exchanges.size(), 1u);
  EXPECT_FALSE(s.exchanges[0].response.has_value());
}

TEST(ScriptedAcs, ProtocolViolationIs400AndRecorded) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  MiniClient client(acs.port());
  cwmp::Envelope env;
  env.body = cwmp::GetParameterValuesResponse{};
  HttpReply r = client.Post(Xml(env));
  EXPECT_EQ(r.status, 400u);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_FALSE(client.connected());

  r = client.Post("<not-soap/>");
  EXPECT_EQ(r.status, 400u);

  ASSERT_TRUE(acs.WaitFor([&] { return acs.GetCounters().sessions_failed == 2; }, kWait));
  const auto sessions = acs.Sessions();
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].outcome, Outcome::kFailed);
  EXPECT_EQ(sessions[0].serial, "");
  EXPECT_NE(sessions[0].error.find("must open with an Inform"), std::string::npos) << sessions[0].error;
  EXPECT_EQ(sessions[0].http_statuses, std::vector<unsigned>{400});
  EXPECT_NE(sessions[1].error.find("undecodable"), std::string::npos) << sessions[1].error;
  EXPECT_EQ(acs.GetCounters().bad_requests, 2u);
  EXPECT_EQ(acs.GetCounters().informs, 0u);
}

TEST(ScriptedAcs, ViolationInsideASessionEndsIt) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  acs.Enqueue("SN7", cwmp::GetParameterNames{"Device.", false});
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN7"));
  cpe.SendBody(cwmp::Empty{});
  // A GetParameterValuesResponse to a GetParameterNames.
  cwmp::Envelope wrong;
  wrong.body = cwmp::GetParameterValuesResponse{};
  HttpReply r = cpe.client.Post(Xml(wrong));
  EXPECT_EQ(r.status, 400u);
  ASSERT_TRUE(acs.WaitForSessions("SN7", 1, kWait));
  const SessionRecord s = acs.SessionsOf("SN7").at(0);
  EXPECT_EQ(s.outcome, Outcome::kFailed);
  EXPECT_NE(s.error.find("expected GetParameterNamesResponse"), std::string::npos) << s.error;
  EXPECT_EQ(s.http_statuses, (std::vector<unsigned>{200, 200, 400}));
}

TEST(ScriptedAcs, NegotiatesCwmp14WithUseCwmpVersion) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  MiniCpe cpe(acs.port());
  cwmp::Envelope inform = MakeInform("SN8");
  cwmp::OfferAsCpe(cwmp::CwmpVersion::k1_4, 45, &inform);
  cwmp::Envelope ir = cpe.Send(inform);
  EXPECT_EQ(ir.ns, cwmp::Namespace::kCwmp12);
  EXPECT_EQ(ir.use_cwmp_version, "1.4");
  auto accepted = cwmp::AcceptAsCpe(cwmp::CwmpVersion::k1_4, ir);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(*accepted, cwmp::CwmpVersion::k1_4);
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN8", 1, kWait));
  const SessionRecord s = acs.SessionsOf("SN8").at(0);
  EXPECT_EQ(s.version, cwmp::CwmpVersion::k1_4);
  EXPECT_EQ(s.session_timeout, 45u);
  EXPECT_EQ(s.supported_cwmp_versions, "1.0,1.1,1.2,1.3,1.4");
}

TEST(ScriptedAcs, AnAcsLimitedToCwmp12IgnoresSupportedVersions) {
  Options options;
  options.max_version = cwmp::CwmpVersion::k1_2;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  MiniCpe cpe(acs.port());
  cwmp::Envelope inform = MakeInform("SN8b");
  cwmp::OfferAsCpe(cwmp::CwmpVersion::k1_4, 45, &inform);
  cwmp::Envelope ir = cpe.Send(inform);
  EXPECT_TRUE(std::holds_alternative<cwmp::InformResponse>(ir.body));
  EXPECT_EQ(ir.ns, cwmp::Namespace::kCwmp12);
  EXPECT_FALSE(ir.use_cwmp_version.has_value());
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN8b", 1, kWait));
  const SessionRecord s = acs.SessionsOf("SN8b").at(0);
  EXPECT_EQ(s.outcome, Outcome::kCompleted) << s.error;
  EXPECT_EQ(s.version, cwmp::CwmpVersion::k1_2);
  EXPECT_FALSE(s.use_cwmp_version.has_value());
}

TEST(ScriptedAcs, NoCommonVersionIsFault8006) {
  Options options;
  options.max_version = cwmp::CwmpVersion::k1_2;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  MiniClient client(acs.port());
  cwmp::Envelope inform = MakeInform("SN8c");
  cwmp::OfferAsCpe(cwmp::CwmpVersion::k1_4, 45, &inform);
  inform.supported_cwmp_versions = "1.4";
  HttpReply r = client.Post(Xml(inform));
  EXPECT_EQ(r.status, 500u);
  const cwmp::Envelope fault = Parse(r.body);
  ASSERT_TRUE(std::holds_alternative<cwmp::Fault>(fault.body));
  EXPECT_EQ(std::get<cwmp::Fault>(fault.body).code, 8006u);
  ASSERT_TRUE(acs.WaitForSessions("SN8c", 1, kWait));
  const SessionRecord s = acs.SessionsOf("SN8c").at(0);
  EXPECT_EQ(s.outcome, Outcome::kFailed);
  EXPECT_NE(s.error.find("no common CWMP version"), std::string::npos) << s.error;
}

TEST(ScriptedAcs, HoldRequestsKeepsTheCpeFromSendingRequests) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  acs.SetHoldRequests(true);
  MiniCpe cpe(acs.port());
  cwmp::Envelope ir = cpe.Send(MakeInform("SN9"));
  EXPECT_TRUE(ir.hold_requests);
  HttpReply r = cpe.client.Post(Xml([] {
    cwmp::Envelope e;
    e.body = cwmp::GetRPCMethods{};
    return e;
  }()));
  EXPECT_EQ(r.status, 400u);
  ASSERT_TRUE(acs.WaitForSessions("SN9", 1, kWait));
  EXPECT_NE(acs.SessionsOf("SN9").at(0).error.find("HoldRequests"), std::string::npos);
}

// ---- Failure injection ----------------------------------------------------------------------

TEST(ScriptedAcs, BusyAnswers503WithRetryAfterAndCloses) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  acs.SetBusy(2, 7);
  MiniClient client(acs.port());
  for (int i = 0; i < 2; ++i) {
    HttpReply r = client.Post(Xml(MakeInform("SN10")));
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.Header(http::field::retry_after), "7");
    EXPECT_FALSE(r.keep_alive);
    EXPECT_FALSE(client.connected());
  }
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN10"));
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN10", 1, kWait));
  EXPECT_EQ(acs.GetCounters().busy_rejections, 2u);
  EXPECT_EQ(acs.GetCounters().informs, 1u);
  const auto rejections = acs.Rejections();
  ASSERT_EQ(rejections.size(), 2u);
  EXPECT_EQ(rejections[0].serial, "SN10");
  EXPECT_EQ(rejections[0].retry_after_seconds, 7);
  EXPECT_EQ(acs.SessionsOf("SN10").size(), 1u);
}

TEST(ScriptedAcs, DropNextInformResponseClosesWithoutAnswer) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  acs.DropNextInformResponse("SN11");
  MiniClient client(acs.port());
  HttpReply r = client.Post(Xml(MakeInform("SN11")));
  EXPECT_EQ(r.status, 0u);
  EXPECT_FALSE(r.error.empty());
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN11"));
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN11", 2, kWait));
  const auto sessions = acs.SessionsOf("SN11");
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(sessions[0].outcome, Outcome::kFailed);
  EXPECT_NE(sessions[0].error.find("dropped"), std::string::npos);
  EXPECT_TRUE(sessions[0].http_statuses.empty());
  EXPECT_EQ(sessions[1].outcome, Outcome::kCompleted);
  EXPECT_EQ(acs.GetCounters().dropped_inform_responses, 1u);
}

TEST(ScriptedAcs, DelayedResponsesStillArrive) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  acs.SetDelay(50ms);
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN12"));
  cpe.SendBody(cwmp::Empty{}, 204);
  EXPECT_TRUE(acs.WaitForSessions("SN12", 1, kWait));
}

// ---- Authentication -------------------------------------------------------------------------

TEST(ScriptedAcs, DigestChallengeThenSuccessAndTheConnectionStaysAuthenticated) {
  Options options;
  options.auth = AuthMode::kDigest;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  acs.SetCredentials("SN20", "s3cret");
  MiniCpe cpe(acs.port());
  const std::string inform = Xml(MakeInform("SN20"));
  HttpReply r = cpe.client.Post(inform);
  ASSERT_EQ(r.status, 401u);
  EXPECT_TRUE(r.keep_alive);
  auto challenge = cwmp::ParseWwwAuthenticate(r.Header(http::field::www_authenticate));
  ASSERT_TRUE(challenge.ok()) << challenge.error().message;
  EXPECT_EQ(challenge->scheme, cwmp::AuthScheme::kDigest);
  EXPECT_EQ(challenge->realm, "ruru-testacs");
  cwmp::DigestClient digest(*challenge, "SN20", "s3cret");
  cpe.authorization = digest.Authorization("POST", "/acs");
  cpe.Send(MakeInform("SN20"));
  cpe.authorization.clear();  // the connection is authenticated now
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN20", 1, kWait));
  const SessionRecord s = acs.SessionsOf("SN20").at(0);
  EXPECT_EQ(s.auth_username, "SN20");
  EXPECT_EQ(s.outcome, Outcome::kCompleted);
  EXPECT_EQ(acs.GetCounters().auth_challenges, 1u);
  EXPECT_EQ(acs.GetCounters().auth_failures, 0u);

  // A Digest client may also authenticate every request.
  MiniCpe again(acs.port());
  cwmp::DigestClient digest2(*challenge, "SN20", "s3cret");
  again.authorization = digest2.Authorization("POST", "/acs");
  again.Send(MakeInform("SN20"));
  again.authorization = digest2.Authorization("POST", "/acs");
  again.SendBody(cwmp::Empty{}, 204);
  EXPECT_TRUE(acs.WaitForSessions("SN20", 2, kWait));
}

TEST(ScriptedAcs, WrongDigestCredentialsAre401AndCounted) {
  Options options;
  options.auth = AuthMode::kDigest;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  acs.SetCredentials("SN21", "right");
  acs.SetCredentialLookup([](const std::string& user) -> std::optional<std::string> {
    if (user.rfind("LK", 0) == 0) return "pw-" + user;
    return std::nullopt;
  });
  MiniClient client(acs.port());
  HttpReply r = client.Post(Xml(MakeInform("SN21")));
  ASSERT_EQ(r.status, 401u);
  auto challenge = cwmp::ParseWwwAuthenticate(r.Header(http::field::www_authenticate));
  ASSERT_TRUE(challenge.ok());
  for (auto [user, password] : {std::pair{"SN21", "wrong"}, std::pair{"nobody", "x"}}) {
    cwmp::DigestClient digest(*challenge, user, password);
    r = client.Post(Xml(MakeInform("SN21")), digest.Authorization("POST", "/acs"));
    EXPECT_EQ(r.status, 401u) << user;
  }
  cwmp::DigestClient looked_up(*challenge, "LK7", "pw-LK7");
  r = client.Post(Xml(MakeInform("LK7")), looked_up.Authorization("POST", "/acs"));
  EXPECT_EQ(r.status, 200u);

  const Counters c = acs.GetCounters();
  EXPECT_EQ(c.auth_failures, 2u);
  EXPECT_EQ(c.auth_challenges, 1u);
  EXPECT_EQ(c.informs, 1u);
  EXPECT_TRUE(acs.SessionsOf("SN21").empty());
}

TEST(ScriptedAcs, BasicAuth) {
  Options options;
  options.auth = AuthMode::kBasic;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  acs.SetCredentials("SN22", "pw");
  MiniClient client(acs.port());
  HttpReply r = client.Post(Xml(MakeInform("SN22")));
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.Header(http::field::www_authenticate), "Basic realm=\"ruru-testacs\"");
  r = client.Post(Xml(MakeInform("SN22")), cwmp::BasicAuthorization("SN22", "nope"));
  EXPECT_EQ(r.status, 401u);
  r = client.Post(Xml(MakeInform("SN22")), cwmp::BasicAuthorization("SN22", "pw"));
  EXPECT_EQ(r.status, 200u);
  r = client.Post("");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(acs.GetCounters().auth_failures, 1u);
  EXPECT_TRUE(acs.WaitForSessions("SN22", 1, kWait));
}

// ---- Files and uploads ----------------------------------------------------------------------

TEST(ScriptedAcs, ServesFilesWithOptionalAuthAnd404) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  std::string firmware(100000, '\0');
  for (size_t i = 0; i < firmware.size(); ++i) firmware[i] = static_cast<char>(i * 7);
  acs.AddFile("/files/fw-5.4.3.bin", firmware);
  acs.AddFile("/files/private.bin", "secret-bytes", {AuthMode::kDigest, "dl", "dlpw"});
  EXPECT_EQ(acs.FileUrl("/files/fw-5.4.3.bin"),
            "http://127.0.0.1:" + std::to_string(acs.port()) + "/files/fw-5.4.3.bin");

  MiniClient client(acs.port());
  HttpReply r = client.Request(http::verb::get, "/files/fw-5.4.3.bin");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, firmware);
  r = client.Request(http::verb::head, "/files/fw-5.4.3.bin");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.Header(http::field::content_length), std::to_string(firmware.size()));
  EXPECT_TRUE(r.body.empty());
  r = client.Request(http::verb::get, "/files/missing.bin");
  EXPECT_EQ(r.status, 404u);
  r = client.Request(http::verb::get, "/files/private.bin");
  ASSERT_EQ(r.status, 401u);
  auto challenge = cwmp::ParseWwwAuthenticate(r.Header(http::field::www_authenticate));
  ASSERT_TRUE(challenge.ok());
  cwmp::DigestClient digest(*challenge, "dl", "dlpw");
  r = client.Request(http::verb::get, "/files/private.bin", {},
                     {{http::field::authorization, digest.Authorization("GET", "/files/private.bin")}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "secret-bytes");

  const auto requests = acs.FileRequests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[0].path, "/files/fw-5.4.3.bin");
  EXPECT_EQ(requests[0].status, 200u);
  EXPECT_EQ(requests[0].remote_address, "127.0.0.1");
  EXPECT_EQ(requests[2].status, 404u);
  EXPECT_EQ(requests[3].status, 401u);
  EXPECT_EQ(requests[4].status, 200u);
  EXPECT_EQ(acs.GetCounters().file_gets, 3u);
  EXPECT_EQ(acs.GetCounters().file_not_found, 1u);

  // Absolute-form request-target.
  r = client.Request(http::verb::get, acs.FileUrl("/files/fw-5.4.3.bin"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.size(), firmware.size());
}

TEST(ScriptedAcs, StoresUploads) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  MiniClient client(acs.port());
  HttpReply r = client.Request(http::verb::put, "/upload/SN30/config.xml", "<config/>",
                               {{http::field::content_type, "text/xml"}});
  EXPECT_EQ(r.status, 200u);
  acs.SetUploadAuth({AuthMode::kBasic, "up", "uppw"});
  r = client.Request(http::verb::put, "/upload/SN30/log.txt", "log");
  EXPECT_EQ(r.status, 401u);
  r = client.Request(http::verb::put, "/upload/SN30/log.txt", "log line",
                     {{http::field::authorization, cwmp::BasicAuthorization("up", "uppw")}});
  EXPECT_EQ(r.status, 200u);
  const auto uploads = acs.Uploads();
  ASSERT_EQ(uploads.size(), 2u);
  EXPECT_EQ(uploads[0].path, "/upload/SN30/config.xml");
  EXPECT_EQ(uploads[0].content_type, "text/xml");
  EXPECT_EQ(uploads[0].body, "<config/>");
  EXPECT_EQ(uploads[0].remote_address, "127.0.0.1");
  EXPECT_EQ(uploads[1].body, "log line");
}

TEST(ScriptedAcs, RefusesOversizedBodiesAndWrongMethods) {
  Options options;
  options.max_body_bytes = 1024;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  MiniClient client(acs.port());
  HttpReply r = client.Post(std::string(4096, 'x'));
  EXPECT_EQ(r.status, 413u);
  r = client.Request(http::verb::get, "/acs");
  EXPECT_EQ(r.status, 405u);
  r = client.Request(http::verb::delete_, "/files/x");
  EXPECT_EQ(r.status, 404u);
  // Over the 64 KiB header limit in two fields (Beast refuses to build one field that long).
  const std::string half(35 * 1024, 'a');
  r = client.Request(http::verb::get, "/files/x", {}, {{http::field::user_agent, half}, {http::field::referer, half}});
  EXPECT_EQ(r.status, 431u) << r.error;
}

// ---- Many devices at once ------------------------------------------------------------------

TEST(ScriptedAcs, ManyConcurrentDevices) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  constexpr int kThreads = 16;
  constexpr int kPerThread = 8;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      acs.Enqueue("D" + std::to_string(t * kPerThread + i), cwmp::GetParameterValues{{"Device.DeviceInfo."}});
    }
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string serial = "D" + std::to_string(t * kPerThread + i);
        MiniCpe cpe(acs.port());
        cpe.Send(MakeInform(serial));
        cpe.SendBody(cwmp::Empty{});
        cpe.SendBody(cwmp::GetParameterValuesResponse{{{"Device.DeviceInfo.SerialNumber",
                                                        cwmp::ParameterValue::String(serial)}}},
                     204);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(acs.WaitFor([&] { return acs.GetCounters().sessions_completed == kThreads * kPerThread; }, kWait));
  for (int d = 0; d < kThreads * kPerThread; ++d) {
    const std::string serial = "D" + std::to_string(d);
    const auto responses = acs.ResponsesOf<cwmp::GetParameterValuesResponse>(serial);
    ASSERT_EQ(responses.size(), 1u) << serial;
    EXPECT_EQ(responses[0].parameters[0].value.text, serial);
  }
  EXPECT_EQ(acs.GetCounters().sessions_failed, 0u);
}

TEST(ScriptedAcs, BoundedConnectionsMakeLaterDevicesWaitNotFail) {
  Options options;
  options.max_connections = 2;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  constexpr int kDevices = 8;
  std::vector<std::thread> threads;
  for (int d = 0; d < kDevices; ++d) {
    threads.emplace_back([&, d] {
      MiniCpe cpe(acs.port());
      cpe.Send(MakeInform("B" + std::to_string(d)));
      cpe.SendBody(cwmp::Empty{}, 204);
      cpe.client.Close();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(acs.WaitFor([&] { return acs.GetCounters().sessions_completed == kDevices; }, kWait));
  EXPECT_EQ(acs.GetCounters().connections, static_cast<uint64_t>(kDevices));
}

TEST(ScriptedAcs, WaitForGivesUpAtTheDeadline) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  EXPECT_FALSE(acs.WaitForSessions("nobody", 1, 20ms));
  EXPECT_TRUE(acs.SessionsOf("nobody").empty());
}

TEST(ScriptedAcs, ForgetsFinishedSessionsWhenAskedButKeepsCounting) {
  Options options;
  options.keep_finished_sessions = false;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN40"));
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN40", 1, kWait));
  EXPECT_TRUE(acs.Sessions().empty());
  EXPECT_EQ(acs.EndedSessionCount("SN40"), 1u);
}

TEST(ScriptedAcs, StopFailsOpenSessions) {
  ScriptedAcs acs;
  ASSERT_TRUE(acs.Start().ok());
  MiniCpe cpe(acs.port());
  cpe.Send(MakeInform("SN41"));
  acs.Stop();
  acs.Stop();  // idempotent
  const auto sessions = acs.SessionsOf("SN41");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].outcome, Outcome::kFailed);
  EXPECT_EQ(sessions[0].error, "ACS stopped");
}

// ---- TLS -------------------------------------------------------------------------------------

using SelfSigned = ruru::test::SelfSignedCert;

TEST(ScriptedAcs, ServesCwmpOverTls) {
  SelfSigned pem("testacs-tls");
  Options options;
  options.tls_cert_file = pem.cert;
  options.tls_key_file = pem.key;
  ScriptedAcs acs(options);
  ASSERT_TRUE(acs.Start().ok());
  EXPECT_EQ(acs.url().rfind("https://127.0.0.1:", 0), 0u);
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.load_verify_file(pem.cert.string());
  tls.set_verify_mode(asio::ssl::verify_peer);
  MiniCpe cpe(acs.port(), &tls);
  cpe.Send(MakeInform("SN50"));
  cpe.SendBody(cwmp::Empty{}, 204);
  ASSERT_TRUE(acs.WaitForSessions("SN50", 1, kWait));
  EXPECT_EQ(acs.SessionsOf("SN50").at(0).outcome, Outcome::kCompleted);
}

TEST(ScriptedAcs, StartFailsClearlyOnMissingTlsFiles) {
  Options options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  ScriptedAcs acs(options);
  Status st = acs.Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("/nonexistent/cert.pem"), std::string::npos);
}

// ---- Connection requests ---------------------------------------------------------------------

// A CPE's connection-request listener: GET with Digest (DigestServer), 204 when accepted.
class DigestListener {
 public:
  DigestListener(std::string password, bool close_after_challenge)
      : password_(std::move(password)),
        close_after_challenge_(close_after_challenge),
        server_("cpe-realm", std::string(32, 'k'), clock_),
        acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~DigestListener() {
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/cr/SN60";
  }
  int requests() const { return requests_; }
  int accepted() const { return accepted_; }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket(ioc_);
      co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(ioc_, Serve(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }
  asio::awaitable<void> Serve(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      http::request<http::string_body> req;
      stream.expires_after(kIo);
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++requests_;
      http::response<http::string_body> res{http::status::unauthorized, 11};
      const auto value = req[http::field::authorization];
      if (!value.empty()) {
        auto h = cwmp::ParseAuthorization(std::string(value));
        if (h.ok() &&
            server_.Verify(*h, "GET", std::string(req.target()), password_) == cwmp::DigestServer::Verdict::kOk) {
          res.result(http::status::no_content);
          ++accepted_;
        }
      }
      if (res.result() == http::status::unauthorized) res.set(http::field::www_authenticate, server_.Challenge());
      const bool close = close_after_challenge_ && res.result() == http::status::unauthorized;
      res.keep_alive(!close && req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !res.keep_alive()) co_return;
    }
  }

  std::string password_;
  bool close_after_challenge_;
  SystemClock clock_;
  cwmp::DigestServer server_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::atomic<int> accepted_{0};
};

TEST(ConnectionRequest, AnswersTheDigestChallenge) {
  for (bool close_after_challenge : {false, true}) {
    DigestListener cpe("cr-pass", close_after_challenge);
    auto status = ScriptedAcs::ConnectionRequest(cpe.url(), "SN60", "cr-pass", kIo);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 204u);
    EXPECT_EQ(cpe.requests(), 2);
    EXPECT_EQ(cpe.accepted(), 1);

    status = ScriptedAcs::ConnectionRequest(cpe.url(), "SN60", "wrong", kIo);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(*status, 401u);
    EXPECT_EQ(cpe.accepted(), 1);
  }
}

TEST(ConnectionRequest, FailsClearlyWhenTheCpeIsUnreachableOrTheUrlIsBad) {
  uint16_t closed_port;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = a.local_endpoint().port();
  }
  auto status =
      ScriptedAcs::ConnectionRequest("http://127.0.0.1:" + std::to_string(closed_port) + "/cr", "u", "p", kIo);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  for (const char* bad :
       {"https://127.0.0.1:1/x", "http://:80/x", "http://127.0.0.1:99999/x", "ftp://x", "http://127.0.0.1:80/a b"}) {
    auto r = ScriptedAcs::ConnectionRequest(bad, "u", "p", kIo);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace ruru::testacs

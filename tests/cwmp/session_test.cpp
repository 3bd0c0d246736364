// The CWMP session state machine, driven without sockets from both ends.
#include "cwmp/session.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ruru::cwmp {
namespace {

using namespace std::chrono_literals;

Envelope Env(Body body, bool hold = false) {
  Envelope e;
  e.body = std::move(body);
  e.hold_requests = hold;
  return e;
}

// One step of a session: who sends, and what.
struct Step {
  bool from_cpe;
  Envelope env;
};

Step Cpe(Body b) { return {true, Env(std::move(b))}; }
Step Acs(Body b, bool hold = false) { return {false, Env(std::move(b), hold)}; }

Inform AnInform() {
  Inform i;
  i.device_id = {"Acme", "00D09E", "Router", "SN1"};
  i.events.push_back({EventCode::Of(EventKind::kBoot), ""});
  i.current_time = "2026-11-28T00:00:00Z";
  return i;
}
TransferComplete ATransferComplete() {
  TransferComplete t;
  t.command_key = "fw-1";
  t.start_time = t.complete_time = "0001-01-01T00:00:00Z";
  return t;
}
Fault CpeFault(uint32_t code) {
  Fault f;
  f.code = code;
  f.message = std::string(StandardFaultText(code));
  return f;
}

// Drives an ACS-side session through `steps`, storing durable requests automatically.
class AcsDriver {
 public:
  AcsDriver() : session_(Role::kAcs, clock_) {}
  Status Step(const struct Step& s) {
    if (s.from_cpe) return session_.Receive(s.env);
    if (session_.AwaitingStore()) {
      EXPECT_TRUE(session_.MarkStored().ok());
    }
    return session_.Send(s.env);
  }
  Session& session() { return session_; }
  ManualClock& clock() { return clock_; }

 private:
  ManualClock clock_;
  Session session_;
};

class CpeDriver {
 public:
  CpeDriver() : session_(Role::kCpe, clock_) {}
  Status Step(const struct Step& s) { return s.from_cpe ? session_.Send(s.env) : session_.Receive(s.env); }
  Session& session() { return session_; }

 private:
  ManualClock clock_;
  Session session_;
};

std::vector<Step> FullSession() {
  GetParameterValues gpv;
  gpv.names = {"Device.DeviceInfo."};
  SetParameterValues spv;
  spv.parameter_key = "pk-7";
  spv.parameters.push_back({"Device.ManagementServer.PeriodicInformInterval", ParameterValue::UnsignedInt(300)});
  return {
      Cpe(AnInform()),
      Acs(InformResponse{}),
      Cpe(ATransferComplete()),
      Acs(TransferCompleteResponse{}),
      Cpe(GetRPCMethods{}),
      Acs(GetRPCMethodsResponse{{"Inform", "TransferComplete"}}),
      Cpe(Empty{}),
      Acs(gpv),
      Cpe(GetParameterValuesResponse{}),
      Acs(spv),
      Cpe(CpeFault(9003)),  // a fault answers one request; the session goes on
      Acs(GetRPCMethods{}),
      Cpe(GetRPCMethodsResponse{{"GetParameterValues"}}),
      Acs(Empty{}),
  };
}

TEST(Session, FullSessionFromBothEnds) {
  AcsDriver acs;
  CpeDriver cpe;
  for (const auto& step : FullSession()) {
    ASSERT_TRUE(acs.Step(step).ok()) << RpcName(step.env.body);
    ASSERT_TRUE(cpe.Step(step).ok()) << RpcName(step.env.body);
    EXPECT_EQ(acs.session().state(), cpe.session().state()) << RpcName(step.env.body);
  }
  EXPECT_EQ(acs.session().state(), SessionState::kDone);
  EXPECT_TRUE(acs.session().MayEnd());
  EXPECT_TRUE(cpe.session().InformAcknowledged());
}

TEST(Session, StatesAlongTheWay) {
  AcsDriver acs;
  auto steps = FullSession();
  std::vector<SessionState> expected = {
      SessionState::kAwaitInformAck, SessionState::kCpeRequests, SessionState::kCpeRequests,
      SessionState::kCpeRequests,    SessionState::kCpeRequests, SessionState::kCpeRequests,
      SessionState::kAcsRequests,    SessionState::kAcsRequests, SessionState::kAcsRequests,
      SessionState::kAcsRequests,    SessionState::kAcsRequests, SessionState::kAcsRequests,
      SessionState::kAcsRequests,    SessionState::kDone};
  ASSERT_EQ(steps.size(), expected.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    ASSERT_TRUE(acs.Step(steps[i]).ok());
    EXPECT_EQ(acs.session().state(), expected[i]) << "after step " << i << " " << RpcName(steps[i].env.body);
  }
}

TEST(Session, InformResponseOnlyAfterTheInformIsStored) {
  ManualClock clock;
  Session s(Role::kAcs, clock);
  ASSERT_TRUE(s.Receive(Env(AnInform())).ok());
  EXPECT_TRUE(s.AwaitingStore());
  Status early = s.Send(Env(InformResponse{}));
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message.find("stored"), std::string::npos);
  EXPECT_EQ(s.state(), SessionState::kAwaitInformAck);  // refused: nothing changed
  ASSERT_TRUE(s.MarkStored().ok());
  EXPECT_TRUE(s.Send(Env(InformResponse{})).ok());
  EXPECT_EQ(s.state(), SessionState::kCpeRequests);
}

TEST(Session, TransferCompleteResponseOnlyAfterStored) {
  ManualClock clock;
  Session s(Role::kAcs, clock);
  ASSERT_TRUE(s.Receive(Env(AnInform())).ok());
  ASSERT_TRUE(s.MarkStored().ok());
  ASSERT_TRUE(s.Send(Env(InformResponse{})).ok());
  ASSERT_TRUE(s.Receive(Env(ATransferComplete())).ok());
  EXPECT_FALSE(s.Send(Env(TransferCompleteResponse{})).ok());
  ASSERT_TRUE(s.MarkStored().ok());
  EXPECT_TRUE(s.Send(Env(TransferCompleteResponse{})).ok());
}

TEST(Session, GetRPCMethodsFromTheCpeNeedsNoStore) {
  ManualClock clock;
  Session s(Role::kAcs, clock);
  ASSERT_TRUE(s.Receive(Env(AnInform())).ok());
  ASSERT_TRUE(s.MarkStored().ok());
  ASSERT_TRUE(s.Send(Env(InformResponse{})).ok());
  ASSERT_TRUE(s.Receive(Env(GetRPCMethods{})).ok());
  EXPECT_FALSE(s.AwaitingStore());
  EXPECT_FALSE(s.MarkStored().ok());
  EXPECT_TRUE(s.Send(Env(GetRPCMethodsResponse{})).ok());
}

TEST(Session, HoldRequestsKeepsTheCpeFromSendingRequests) {
  AcsDriver acs;
  ASSERT_TRUE(acs.Step(Cpe(AnInform())).ok());
  ASSERT_TRUE(acs.Step(Acs(InformResponse{}, /*hold=*/true)).ok());
  EXPECT_TRUE(acs.session().hold_requests());
  Status s = acs.Step(Cpe(ATransferComplete()));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("HoldRequests"), std::string::npos);
  // The CPE holds its TransferComplete: empty POST, the ACS runs its requests first.
  ASSERT_TRUE(acs.Step(Cpe(Empty{})).ok());
  ASSERT_TRUE(acs.Step(Acs(GetRPCMethods{}, true)).ok());
  ASSERT_TRUE(acs.Step(Cpe(GetRPCMethodsResponse{})).ok());
  // The ACS is finished; the CPE may now send what it held back, then end.
  ASSERT_TRUE(acs.Step(Acs(Empty{})).ok());
  EXPECT_TRUE(acs.session().MayEnd());
  EXPECT_FALSE(acs.session().hold_requests());
  ASSERT_TRUE(acs.Step(Cpe(ATransferComplete())).ok());
  EXPECT_FALSE(acs.session().MayEnd());
  ASSERT_TRUE(acs.Step(Acs(TransferCompleteResponse{})).ok());
  ASSERT_TRUE(acs.Step(Cpe(Empty{})).ok());
  ASSERT_TRUE(acs.Step(Acs(Empty{})).ok());
  EXPECT_EQ(acs.session().state(), SessionState::kDone);
}

TEST(Session, AcsFaultToTheInformEndsTheSession) {
  AcsDriver acs;
  ASSERT_TRUE(acs.Step(Cpe(AnInform())).ok());
  Fault f;
  f.faultcode = "Server";
  f.code = 8005;
  ASSERT_TRUE(acs.session().Send(Env(f)).ok());  // a refusal needs no store
  EXPECT_EQ(acs.session().state(), SessionState::kDone);
  EXPECT_FALSE(acs.session().InformAcknowledged());
}

TEST(Session, ReconcileKeyOfTheOutstandingRequest) {
  AcsDriver acs;
  SetParameterValues spv;
  spv.parameter_key = "pk-42";
  spv.parameters.push_back({"Device.X", ParameterValue::String("y")});
  for (const auto& st : {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(spv)}) ASSERT_TRUE(acs.Step(st).ok());
  EXPECT_EQ(acs.session().outstanding_acs_request(), "SetParameterValues");
  ASSERT_TRUE(acs.session().outstanding_key().has_value());
  EXPECT_EQ(acs.session().outstanding_key()->kind, ReconcileKey::Kind::kParameterKey);
  EXPECT_EQ(acs.session().outstanding_key()->value, "pk-42");
  ASSERT_TRUE(acs.Step(Cpe(SetParameterValuesResponse{})).ok());
  EXPECT_FALSE(acs.session().outstanding_key().has_value());
  EXPECT_FALSE(ReconcileKeyOf(GetParameterValues{}).has_value());
}

// Illegal orders: each sequence is legal up to its last step, which must be refused without any
// change of state.
struct IllegalCase {
  const char* name;
  std::vector<Step> steps;
};

std::vector<IllegalCase> IllegalCases() {
  GetParameterValues gpv;
  gpv.names = {"Device."};
  return {
      {"first message not an Inform (empty)", {Cpe(Empty{})}},
      {"first message not an Inform (TransferComplete)", {Cpe(ATransferComplete())}},
      {"first message a response", {Cpe(GetParameterValuesResponse{})}},
      {"ACS speaks first", {Acs(InformResponse{})}},
      {"ACS request instead of InformResponse", {Cpe(AnInform()), Acs(gpv)}},
      {"empty answer to an Inform", {Cpe(AnInform()), Acs(Empty{})}},
      {"CPE sends before the InformResponse", {Cpe(AnInform()), Cpe(Empty{})}},
      {"second Inform", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(AnInform())}},
      {"wrong response to a CPE request", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(ATransferComplete()), Acs(InformResponse{})}},
      {"ACS request instead of a response", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(ATransferComplete()), Acs(gpv)}},
      {"ACS request before the CPE's empty POST",
       {Cpe(AnInform()), Acs(InformResponse{}), Cpe(ATransferComplete()), Acs(TransferCompleteResponse{}), Acs(gpv)}},
      {"CPE request while held", {Cpe(AnInform()), Acs(InformResponse{}, true), Cpe(ATransferComplete())}},
      {"CPE request after its empty POST, ACS request pending",
       {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(gpv), Cpe(ATransferComplete())}},
      {"empty POST while a response is owed", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(gpv), Cpe(Empty{})}},
      {"wrong response type", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(gpv), Cpe(SetParameterValuesResponse{})}},
      {"two ACS requests in a row", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(gpv), Acs(gpv)}},
      {"two empty POSTs", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Cpe(Empty{})}},
      {"CPE sends an ACS request", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(gpv)}},
      {"ACS sends a CPE request", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(ATransferComplete())}},
      {"empty with HoldRequests", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(Empty{}, true)}},
      {"message after the end", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(Empty{}), Cpe(Empty{})}},
      {"ACS message after the end", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(Empty{}), Acs(gpv)}},
      {"CPE fault without an ACS request", {Cpe(AnInform()), Acs(InformResponse{}), Cpe(CpeFault(9002))}},
  };
}

TEST(Session, RefusesEveryIllegalOrderFromBothEnds) {
  for (const auto& c : IllegalCases()) {
    AcsDriver acs;
    CpeDriver cpe;
    for (size_t i = 0; i + 1 < c.steps.size(); ++i) {
      ASSERT_TRUE(acs.Step(c.steps[i]).ok()) << c.name << ": prefix step " << i;
      ASSERT_TRUE(cpe.Step(c.steps[i]).ok()) << c.name << ": prefix step " << i;
    }
    const SessionState before = acs.session().state();
    const std::string outstanding = acs.session().outstanding_acs_request();
    Status a = acs.Step(c.steps.back());
    Status b = cpe.Step(c.steps.back());
    EXPECT_FALSE(a.ok()) << c.name << " accepted by the ACS side";
    EXPECT_FALSE(b.ok()) << c.name << " accepted by the CPE side";
    if (!a.ok()) {
      EXPECT_EQ(a.error().message.rfind("session: ", 0), 0u) << a.error().message;
    }
    EXPECT_EQ(acs.session().state(), before) << c.name;
    EXPECT_EQ(acs.session().outstanding_acs_request(), outstanding) << c.name;
  }
}

// Exhaustive: every sequence of up to 9 messages from a small alphabet. Both ends must agree on
// every verdict, a refused message must change nothing, and durable responses are never sent
// before their request is stored.
TEST(Session, BothEndsAgreeOnEverySequence) {
  GetParameterValues gpv;
  gpv.names = {"Device."};
  const std::vector<Step> alphabet = {
      Cpe(AnInform()),       Acs(InformResponse{}),  Acs(InformResponse{}, true), Cpe(ATransferComplete()),
      Acs(TransferCompleteResponse{}), Cpe(Empty{}),  Acs(Empty{}),                Acs(gpv),
      Cpe(GetParameterValuesResponse{}), Cpe(CpeFault(9005)), Cpe(GetRPCMethods{}), Acs(GetRPCMethodsResponse{}),
  };
  size_t sequences = 0, accepted_steps = 0;
  std::vector<size_t> idx;
  // Depth-first over sequences; each node replays its prefix into fresh machines.
  std::function<void(int)> explore = [&](int depth) {
    AcsDriver acs;
    CpeDriver cpe;
    for (size_t i : idx) {
      ASSERT_TRUE(acs.Step(alphabet[i]).ok());
      ASSERT_TRUE(cpe.Step(alphabet[i]).ok());
    }
    ++sequences;
    if (depth == 0) return;
    for (size_t k = 0; k < alphabet.size(); ++k) {
      AcsDriver a2;
      CpeDriver c2;
      for (size_t i : idx) {
        ASSERT_TRUE(a2.Step(alphabet[i]).ok());
        ASSERT_TRUE(c2.Step(alphabet[i]).ok());
      }
      const SessionState before = a2.session().state();
      Status ra = a2.Step(alphabet[k]);
      Status rc = c2.Step(alphabet[k]);
      ASSERT_EQ(ra.ok(), rc.ok()) << "ends disagree on step " << k << " after " << idx.size() << " steps";
      if (!ra.ok()) {
        ASSERT_EQ(a2.session().state(), before);
        continue;
      }
      ++accepted_steps;
      ASSERT_EQ(a2.session().state(), c2.session().state());
      idx.push_back(k);
      explore(depth - 1);
      idx.pop_back();
    }
  };
  explore(9);
  // The alphabet allows a few hundred legal sequences of this length; far fewer means the
  // machine refuses legal orders.
  EXPECT_GT(sequences, 150u);
  EXPECT_EQ(sequences, accepted_steps + 1);
}

TEST(Session, ExpiresAfterTheTimeoutWithoutMessages) {
  AcsDriver acs;
  ASSERT_TRUE(acs.Step(Cpe(AnInform())).ok());
  acs.clock().Advance(29s);
  EXPECT_FALSE(acs.session().Expired());
  ASSERT_TRUE(acs.Step(Acs(InformResponse{})).ok());  // activity resets the timer
  acs.clock().Advance(30s);
  EXPECT_FALSE(acs.session().Expired());
  acs.clock().Advance(1s);
  EXPECT_TRUE(acs.session().Expired());
  acs.session().SetTimeout(120s);
  EXPECT_FALSE(acs.session().Expired());
}

TEST(Session, TheIdleTimeoutFollowsMonotonicTimeNotTheWallClock) {
  AcsDriver acs;
  ASSERT_TRUE(acs.Step(Cpe(AnInform())).ok());
  acs.clock().Set(acs.clock().Now() + 24h);  // the wall clock is set forward: no time has passed
  EXPECT_FALSE(acs.session().Expired());
  acs.clock().Set(acs.clock().Now() - 48h);  // and back
  acs.clock().Advance(29s);
  EXPECT_FALSE(acs.session().Expired());
  acs.clock().Advance(2s);
  EXPECT_TRUE(acs.session().Expired());
}

TEST(Session, RetryWindowsFollowTr069) {
  struct Row {
    uint32_t retry;
    int64_t min_s, max_s;
  };
  for (const Row r : {Row{1, 5, 10}, Row{2, 10, 20}, Row{3, 20, 40}, Row{4, 40, 80}, Row{5, 80, 160},
                      Row{6, 160, 320}, Row{7, 320, 640}, Row{8, 640, 1280}, Row{9, 1280, 2560},
                      Row{10, 2560, 5120}, Row{11, 2560, 5120}, Row{1000, 2560, 5120}}) {
    const RetryWindow w = RetryWindowFor(r.retry);
    EXPECT_EQ(w.min, std::chrono::seconds(r.min_s)) << "retry " << r.retry;
    EXPECT_EQ(w.max, std::chrono::seconds(r.max_s)) << "retry " << r.retry;
  }
  EXPECT_EQ(RetryDelay(1, 0.0), 5s);
  EXPECT_EQ(RetryDelay(1, 0.5), 7500ms);
  EXPECT_EQ(RetryDelay(2, 1.0), 20s);
  // CWMPRetryMinimumWaitInterval 10 s, multiplier 1.5
  const RetryWindow custom = RetryWindowFor(2, 10, 1500);
  EXPECT_EQ(custom.min, 15s);
  EXPECT_EQ(custom.max, 22500ms);
}

TEST(Session, WhoSendsWhat) {
  EXPECT_TRUE(IsCpeRequest("Inform"));
  EXPECT_TRUE(IsCpeRequest("GetRPCMethods"));
  EXPECT_TRUE(IsAcsRequest("GetRPCMethods"));
  EXPECT_TRUE(IsAcsRequest("ScheduleDownload"));
  EXPECT_FALSE(IsAcsRequest("Inform"));
  EXPECT_TRUE(ResponseNeedsDurableStore("TransferComplete"));
  EXPECT_FALSE(ResponseNeedsDurableStore("GetRPCMethods"));
}

// Every ACS request that carries a key the CPE reports back: the CommandKey of Reboot, Download,
// Upload, ScheduleInform, ScheduleDownload and ChangeDUState ("M <method>" events), the ParameterKey
// of SetParameterValues, AddObject and DeleteObject (ManagementServer.ParameterKey). Each is the
// outstanding key while its answer is awaited.
struct KeyedRequest {
  Body request;
  ReconcileKey::Kind kind;
  std::string value;
};

std::vector<KeyedRequest> KeyedRequests() {
  SetParameterValues spv;
  spv.parameters.push_back({"Device.WiFi.SSID.1.SSID", ParameterValue::String("home")});
  spv.parameter_key = "pk-spv-1";
  Download download;
  download.command_key = "ck-download";
  download.file_type = "1 Firmware Upgrade Image";
  download.url = "https://fw.example.net/fw.img";
  Upload upload;
  upload.command_key = "ck-upload";
  upload.file_type = "1 Vendor Configuration File";
  upload.url = "https://upload.example.net/cfg";
  ScheduleDownload schedule_download;
  schedule_download.command_key = "ck-schedule-download";
  schedule_download.file_type = "1 Firmware Upgrade Image";
  schedule_download.url = "https://fw.example.net/fw.img";
  schedule_download.time_windows = {{0, 3600, "1 At Any Time", "", -1}};
  DuOperation install;
  install.url = "https://apps.example.net/du.ipk";
  using K = ReconcileKey::Kind;
  return {
      {spv, K::kParameterKey, "pk-spv-1"},
      {AddObject{"Device.NAT.PortMapping.", "pk-add-1"}, K::kParameterKey, "pk-add-1"},
      {DeleteObject{"Device.NAT.PortMapping.3.", "pk-del-1"}, K::kParameterKey, "pk-del-1"},
      {Reboot{"ck-reboot"}, K::kCommandKey, "ck-reboot"},
      {download, K::kCommandKey, "ck-download"},
      {upload, K::kCommandKey, "ck-upload"},
      {ScheduleInform{300, "ck-schedule-inform"}, K::kCommandKey, "ck-schedule-inform"},
      {schedule_download, K::kCommandKey, "ck-schedule-download"},
      {ChangeDUState{{install}, "ck-du"}, K::kCommandKey, "ck-du"},
  };
}

TEST(Session, ReconcileKeyOfEveryKeyedRequest) {
  const auto keyed = KeyedRequests();
  ASSERT_EQ(keyed.size(), 9u);
  for (const auto& k : keyed) {
    SCOPED_TRACE(RpcName(k.request));
    const auto key = ReconcileKeyOf(k.request);
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(key->kind, k.kind);
    EXPECT_EQ(key->value, k.value);

    // The session holds it while the request is outstanding, and drops it with the answer.
    AcsDriver acs;
    for (const auto& st : {Cpe(AnInform()), Acs(InformResponse{}), Cpe(Empty{}), Acs(k.request)}) {
      ASSERT_TRUE(acs.Step(st).ok());
    }
    EXPECT_EQ(acs.session().outstanding_acs_request(), RpcName(k.request));
    ASSERT_TRUE(acs.session().outstanding_key().has_value());
    EXPECT_EQ(acs.session().outstanding_key()->kind, k.kind);
    EXPECT_EQ(acs.session().outstanding_key()->value, k.value);
    ASSERT_TRUE(acs.Step(Cpe(CpeFault(9002))).ok());
    EXPECT_FALSE(acs.session().outstanding_key().has_value());
  }
}

TEST(Session, ReconcileKeyOfAnEmptyKeyIsStillAKey) {
  // "" is a legal key: the CPE reports "M Reboot" with an empty CommandKey, ParameterKey "".
  const auto reboot = ReconcileKeyOf(Reboot{""});
  ASSERT_TRUE(reboot.has_value());
  EXPECT_EQ(reboot->kind, ReconcileKey::Kind::kCommandKey);
  EXPECT_EQ(reboot->value, "");
  const auto add = ReconcileKeyOf(AddObject{"Device.NAT.PortMapping.", ""});
  ASSERT_TRUE(add.has_value());
  EXPECT_EQ(add->kind, ReconcileKey::Kind::kParameterKey);
}

template <size_t... I>
std::vector<Body> EveryBodyAlternative(std::index_sequence<I...>) {
  return {Body(std::in_place_index<I>)...};
}

TEST(Session, ReconcileKeyOfEveryOtherMessageIsNone) {
  std::set<size_t> keyed;
  for (const auto& k : KeyedRequests()) keyed.insert(k.request.index());
  int without_key = 0;
  for (const Body& body : EveryBodyAlternative(std::make_index_sequence<std::variant_size_v<Body>>())) {
    if (keyed.count(body.index())) continue;
    SCOPED_TRACE(RpcName(body));
    // CancelTransfer carries a CommandKey, but no event reports it back.
    EXPECT_FALSE(ReconcileKeyOf(body).has_value());
    ++without_key;
  }
  EXPECT_EQ(without_key, static_cast<int>(std::variant_size_v<Body>) - 9);
  EXPECT_FALSE(ReconcileKeyOf(CancelTransfer{"ck-download"}).has_value());
}

}  // namespace
}  // namespace ruru::cwmp

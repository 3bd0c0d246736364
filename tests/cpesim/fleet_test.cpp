// cpesim against the scripted test ACS (tests/testacs): real CWMP over real sockets on 127.0.0.0/8.
// Every ACS RPC, the events of TR-069 3.7.1.5, transfers, authentication both ways, the retry
// back-off on 503, quirks and fault scenarios.
#include "tests/cpesim/fleet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <set>
#include <thread>

#include "tests/cpesim/firmware_image.h"
#include "tests/cpesim/model.h"
#include "tests/support/tls_cert.h"
#include "tests/testacs/testacs.h"
#include "tests/support/test_paths.h"

namespace ruru::cpesim {
namespace {

using namespace std::chrono_literals;
using testacs::ScriptedAcs;
using testacs::SessionRecord;

constexpr auto kWait = 20s;

std::shared_ptr<const DeviceModel> Model(const char* name = "tr181-router.json") {
  static std::map<std::string, std::shared_ptr<const DeviceModel>> cache;
  auto& m = cache[name];
  if (!m) {
    auto loaded = LoadModelFile(std::string(RURU_CPESIM_DIR) + "/models/" + name);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    if (loaded.ok()) m = *loaded;
  }
  return m;
}

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override { RestartAcs({}); }

  void RestartAcs(testacs::Options options) {
    if (acs_ptr_) acs_ptr_->Stop();
    acs_ptr_ = std::make_unique<ScriptedAcs>(options);
    ASSERT_TRUE(acs_ptr_->Start().ok());
  }

  void TearDown() override {
    if (fleet_) fleet_->RunOnIo([&] { fleet_->Stop(); });
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    fleet_.reset();
    acs_ptr_->Stop();
  }

  FleetConfig Config(size_t devices = 1) {
    FleetConfig c;
    c.acs_url = acs().url();
    c.devices = devices;
    c.model = Model();
    c.serial_prefix = "T";
    c.inform_interval_seconds = 86400;  // no periodic informs unless a test asks
    c.ramp_per_second = 0;
    c.connreq_listen = "127.0.0.1:0";
    c.source_ips = *ParseCidr("127.1.0.0/16");
    c.max_inflight = 64;
    c.reboot_delay = 200ms;
    c.retry_min_wait_seconds = 1;
    c.http_timeout = 5s;
    return c;
  }

  void Run(FleetConfig config) {
    fleet_ = std::make_unique<Fleet>(io_, std::move(config));
    Status s = fleet_->Start();
    ASSERT_TRUE(s.ok()) << s.error().message;
    thread_ = std::thread([this] { io_.run(); });
  }

  std::string Serial(size_t i = 0) const { return fleet_->SerialOf(i); }

  // Waits for `n` ended sessions of device i and returns them all.
  std::vector<SessionRecord> WaitSessions(size_t n, size_t i = 0) {
    EXPECT_TRUE(acs().WaitForSessions(Serial(i), n, kWait)) << "device " << Serial(i) << " had "
                                                            << acs().EndedSessionCount(Serial(i)) << " sessions";
    return acs().SessionsOf(Serial(i));
  }

  std::string Get(size_t i, const std::string& path) {
    std::string v;
    fleet_->Inspect(i, [&](Device& d) { v = d.Get(path); });
    return v;
  }

  std::unique_ptr<ScriptedAcs> acs_ptr_;
  ScriptedAcs& acs() { return *acs_ptr_; }
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::unique_ptr<Fleet> fleet_;
  std::thread thread_;
};

// Polls `pred` (e.g. a fleet metric, which the ACS's WaitFor would not notice) until it holds.
bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

template <class T>
const T* BodyOf(const std::optional<cwmp::Envelope>& e) {
  return e ? std::get_if<T>(&e->body) : nullptr;
}

TEST_F(FleetTest, FirstContactIsBootstrapAndBootFromItsOwnSourceAddress) {
  Run(Config(2));
  auto s0 = WaitSessions(1, 0);
  auto s1 = WaitSessions(1, 1);
  ASSERT_FALSE(s0.empty());
  ASSERT_FALSE(s1.empty());
  const SessionRecord& s = s0.front();
  EXPECT_EQ(s.outcome, testacs::Outcome::kCompleted) << s.error;
  EXPECT_TRUE(s.HasEvent("0 BOOTSTRAP"));
  EXPECT_TRUE(s.HasEvent("1 BOOT"));
  EXPECT_EQ(s.inform.device_id.serial_number, "T000001");
  EXPECT_EQ(s.inform.device_id.oui, Model()->device_id().oui);
  EXPECT_EQ(s.remote_address, "127.1.0.1");
  EXPECT_EQ(s1.front().remote_address, "127.1.0.2");
  const cwmp::ParameterValue* sw = s.InformParameter("Device.DeviceInfo.SoftwareVersion");
  ASSERT_NE(sw, nullptr);
  EXPECT_EQ(sw->text, Model()->software_version());
  const cwmp::ParameterValue* cr = s.InformParameter("Device.ManagementServer.ConnectionRequestURL");
  ASSERT_NE(cr, nullptr);
  EXPECT_EQ(cr->text, "http://127.0.0.1:" + std::to_string(fleet_->connreq_port()) + "/T000001");
  EXPECT_EQ(s.inform.retry_count, 0u);
}

TEST_F(FleetTest, AnswersEveryParameterRpc) {
  const std::string serial = "T000001";
  acs().Enqueue(serial, cwmp::GetRPCMethods{});
  acs().Enqueue(serial, cwmp::GetParameterNames{"Device.DeviceInfo.", true});
  acs().Enqueue(serial, cwmp::GetParameterValues{{"Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.ConnectionRequestPassword"}});
  acs().Enqueue(serial, cwmp::GetParameterValues{{"Device.No.Such.Thing"}});
  cwmp::SetParameterValues good;
  good.parameters = {{"Device.ManagementServer.PeriodicInformInterval", cwmp::ParameterValue::UnsignedInt(7200)}};
  good.parameter_key = "pk-1";
  acs().Enqueue(serial, good);
  cwmp::SetParameterValues bad;
  bad.parameters = {{"Device.ManagementServer.PeriodicInformInterval", cwmp::ParameterValue::UnsignedInt(60)},
                    {"Device.No.Such", cwmp::ParameterValue::String("x")},
                    {"Device.DeviceInfo.SoftwareVersion", cwmp::ParameterValue::String("9")},
                    {"Device.ManagementServer.PeriodicInformEnable", cwmp::ParameterValue::String("maybe")},
                    {"Device.UserInterface.RemoteAccess.Protocol", cwmp::ParameterValue::String("TELNET")}};
  bad.parameter_key = "pk-2";
  acs().Enqueue(serial, bad);
  acs().Enqueue(serial, cwmp::GetParameterValues{{"Device.ManagementServer.PeriodicInformInterval", "Device.ManagementServer.ParameterKey"}});
  acs().Enqueue(serial, cwmp::GetParameterAttributes{{"Device.DeviceInfo.SoftwareVersion"}});
  acs().Enqueue(serial, cwmp::SetParameterAttributes{{{"Device.DeviceInfo.ProvisioningCode", true, 2, false, {}}}});
  acs().Enqueue(serial, cwmp::AddObject{"Device.NAT.PortMapping.", "k"});
  acs().Enqueue(serial, cwmp::AddObject{"Device.NAT.PortMapping.", "k"});
  acs().Enqueue(serial, cwmp::DeleteObject{"Device.NAT.PortMapping.1.", "k"});
  acs().Enqueue(serial, cwmp::GetParameterNames{"Device.NAT.PortMapping.", true});
  cwmp::ChangeDUState du;
  du.operations.push_back(cwmp::DuOperation{cwmp::DuOperation::Kind::kInstall, "http://127.0.0.1:9/du.ipk", "", "", "", "", ""});
  acs().Enqueue(serial, du);
  Run(Config());
  auto sessions = WaitSessions(1);
  ASSERT_EQ(sessions.size(), 1u);
  const auto& ex = sessions[0].exchanges;
  ASSERT_EQ(ex.size(), 14u) << sessions[0].error;
  EXPECT_EQ(sessions[0].outcome, testacs::Outcome::kCompleted) << sessions[0].error;

  const auto* methods = BodyOf<cwmp::GetRPCMethodsResponse>(ex[0].response);
  ASSERT_NE(methods, nullptr);
  EXPECT_NE(std::find(methods->methods.begin(), methods->methods.end(), "Download"), methods->methods.end());
  const auto* names = BodyOf<cwmp::GetParameterNamesResponse>(ex[1].response);
  ASSERT_NE(names, nullptr);
  EXPECT_GT(names->parameters.size(), 5u);
  const auto* values = BodyOf<cwmp::GetParameterValuesResponse>(ex[2].response);
  ASSERT_NE(values, nullptr);
  ASSERT_EQ(values->parameters.size(), 2u);
  EXPECT_EQ(values->parameters[1].value.text, "") << "passwords read back empty";
  const auto* unknown = BodyOf<cwmp::Fault>(ex[3].response);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->code, 9005u);
  const auto* set = BodyOf<cwmp::SetParameterValuesResponse>(ex[4].response);
  ASSERT_NE(set, nullptr);
  const auto* refused = BodyOf<cwmp::Fault>(ex[5].response);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code, 9003u);
  std::map<std::string, uint32_t> per_param;
  for (const auto& f : refused->set_parameter_values_faults) per_param[f.parameter_name] = f.code;
  EXPECT_EQ(per_param["Device.No.Such"], 9005u);
  EXPECT_EQ(per_param["Device.DeviceInfo.SoftwareVersion"], 9008u);
  EXPECT_EQ(per_param["Device.ManagementServer.PeriodicInformEnable"], 9006u) << "xsd:string for a boolean";
  EXPECT_EQ(per_param["Device.UserInterface.RemoteAccess.Protocol"], 9007u) << "not one of HTTP, HTTPS";
  EXPECT_EQ(per_param.count("Device.ManagementServer.PeriodicInformInterval"), 0u);
  const auto* after = BodyOf<cwmp::GetParameterValuesResponse>(ex[6].response);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->parameters[0].value.text, "7200") << "the refused SetParameterValues changed nothing";
  EXPECT_EQ(after->parameters[1].value.text, "pk-1");
  ASSERT_NE(BodyOf<cwmp::GetParameterAttributesResponse>(ex[7].response), nullptr);
  ASSERT_NE(BodyOf<cwmp::SetParameterAttributesResponse>(ex[8].response), nullptr);
  const auto* add1 = BodyOf<cwmp::AddObjectResponse>(ex[9].response);
  const auto* add2 = BodyOf<cwmp::AddObjectResponse>(ex[10].response);
  ASSERT_NE(add1, nullptr);
  ASSERT_NE(add2, nullptr);
  EXPECT_NE(add1->instance_number, add2->instance_number);
  ASSERT_NE(BodyOf<cwmp::DeleteObjectResponse>(ex[11].response), nullptr);
  const auto* left = BodyOf<cwmp::GetParameterNamesResponse>(ex[12].response);
  ASSERT_NE(left, nullptr);
  ASSERT_EQ(left->parameters.size(), 1u);
  EXPECT_EQ(left->parameters[0].name, "Device.NAT.PortMapping." + std::to_string(add2->instance_number) + ".");
  const auto* unsupported = BodyOf<cwmp::Fault>(ex[13].response);
  ASSERT_NE(unsupported, nullptr);
  EXPECT_EQ(unsupported->code, 9000u);

  // The simulator counted what crossed the wire, per RPC and per fault code.
  Counters c;
  ASSERT_TRUE(Eventually([&] {
    fleet_->RunOnIo([&] { c = fleet_->metrics().counters(); });
    return c.sessions_completed == 1;  // the simulator's side of the session has ended too
  }));
  auto at = [](const cwmp::Body& b) { return b.index(); };
  EXPECT_EQ(c.received[at(cwmp::GetRPCMethods{})], 1u);
  EXPECT_EQ(c.received[at(cwmp::AddObject{})], 2u);
  EXPECT_EQ(c.received[at(cwmp::Empty{})], 1u) << "the 204 that ended the session";
  EXPECT_EQ(c.sent[at(cwmp::Inform{})], 1u);
  EXPECT_EQ(c.sent[at(cwmp::Empty{})], 1u) << "the empty POST";
  EXPECT_EQ(c.sent[at(cwmp::GetParameterValuesResponse{})], 2u);
  EXPECT_EQ(c.sent[at(cwmp::Fault{})], 3u);
  EXPECT_EQ(c.cpe_faults.Get(9005), 1u);
  EXPECT_EQ(c.cpe_faults.Get(9003), 1u);
  EXPECT_EQ(c.cpe_faults.Get(9000), 1u);
  EXPECT_EQ(c.sessions_completed, 1u);
}

TEST_F(FleetTest, RebootComesBackWithBootAndMRebootCarryingTheCommandKey) {
  acs().Enqueue("T000001", cwmp::Reboot{"rb-42"});
  Run(Config());
  auto sessions = WaitSessions(2);
  ASSERT_GE(sessions.size(), 2u);
  ASSERT_NE(BodyOf<cwmp::RebootResponse>(sessions[0].exchanges.at(0).response), nullptr);
  const SessionRecord& boot = sessions[1];
  EXPECT_TRUE(boot.HasEvent("1 BOOT"));
  EXPECT_FALSE(boot.HasEvent("0 BOOTSTRAP"));
  const cwmp::EventStruct* m = boot.FindEvent("M Reboot");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->command_key, "rb-42");
}

TEST_F(FleetTest, FactoryResetBootstrapsWithDefaultsBack) {
  cwmp::SetParameterValues spv;
  spv.parameters = {{"Device.DeviceInfo.ProvisioningCode", cwmp::ParameterValue::String("CHANGED")}};
  acs().Enqueue("T000001", spv);
  acs().Enqueue("T000001", cwmp::FactoryReset{});
  Run(Config());
  auto sessions = WaitSessions(2);
  ASSERT_GE(sessions.size(), 2u);
  const SessionRecord& again = sessions[1];
  EXPECT_TRUE(again.HasEvent("0 BOOTSTRAP"));
  EXPECT_TRUE(again.HasEvent("1 BOOT"));
  const cwmp::ParameterValue* code = again.InformParameter("Device.DeviceInfo.ProvisioningCode");
  ASSERT_NE(code, nullptr);
  EXPECT_NE(code->text, "CHANGED");
}

TEST_F(FleetTest, FirmwareDownloadInstallsRebootsAndReportsTransferComplete) {
  const std::string image = BuildFirmwareImage(Model()->device_id().product_class, "9.9.1", std::string(50000, 'x'));
  acs().AddFile("/files/fw-9.9.1.bin", image, testacs::FileAuth{testacs::AuthMode::kDigest, "fw-user", "fw-pass"});
  cwmp::Download dl;
  dl.command_key = "dl-1";
  dl.file_type = "1 Firmware Upgrade Image";
  dl.url = acs().FileUrl("/files/fw-9.9.1.bin");
  dl.file_size = static_cast<uint32_t>(image.size());
  dl.username = "fw-user";
  dl.password = "fw-pass";
  acs().Enqueue("T000001", dl);
  Run(Config());
  auto sessions = WaitSessions(2);
  ASSERT_GE(sessions.size(), 2u);
  const auto* resp = BodyOf<cwmp::DownloadResponse>(sessions[0].exchanges.at(0).response);
  ASSERT_NE(resp, nullptr);
  EXPECT_EQ(resp->status, 1);
  const SessionRecord& after = sessions[1];
  EXPECT_TRUE(after.HasEvent("1 BOOT"));
  EXPECT_TRUE(after.HasEvent("7 TRANSFER COMPLETE"));
  const cwmp::EventStruct* m = after.FindEvent("M Download");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->command_key, "dl-1");
  const cwmp::ParameterValue* sw = after.InformParameter("Device.DeviceInfo.SoftwareVersion");
  ASSERT_NE(sw, nullptr);
  EXPECT_EQ(sw->text, "9.9.1");
  auto tcs = acs().CpeRequestsOf<cwmp::TransferComplete>("T000001");
  ASSERT_EQ(tcs.size(), 1u);
  EXPECT_EQ(tcs[0].command_key, "dl-1");
  EXPECT_EQ(tcs[0].fault.code, 0u);
  // Dual bank: the previous image stays in the other bank.
  EXPECT_EQ(Get(0, "Device.DeviceInfo.FirmwareImage.1.Version"), Model()->software_version());
  EXPECT_EQ(Get(0, "Device.DeviceInfo.FirmwareImage.2.Version"), "9.9.1");
  EXPECT_EQ(Get(0, "Device.DeviceInfo.ActiveFirmwareImage"), "Device.DeviceInfo.FirmwareImage.2");
  // The download came from the device's own address, answering the file server's Digest challenge.
  auto files = acs().FileRequests();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].status, 401u);
  EXPECT_EQ(files[1].status, 200u);
  for (const auto& f : files) EXPECT_EQ(f.remote_address, "127.1.0.1");
}

TEST_F(FleetTest, BadDownloadsFailWithTheRightFaultCodesAndNoReboot) {
  const std::string good = BuildFirmwareImage(Model()->device_id().product_class, "9.9.2", "payload");
  std::string corrupt = good;
  corrupt.back() ^= 1;
  acs().AddFile("/files/corrupt.bin", corrupt);
  acs().AddFile("/files/good.bin", good);
  acs().AddFile("/files/other-model.bin", BuildFirmwareImage("SOME-OTHER", "9.9.2", "payload"));
  acs().AddFile("/files/locked.bin", good, testacs::FileAuth{testacs::AuthMode::kBasic, "u", "right"});
  struct Case {
    std::string serial, path;
    uint32_t size;
    uint32_t code;
  };
  const std::vector<Case> cases = {{"T000001", "/files/corrupt.bin", 0, 9018},
                                   {"T000002", "/files/good.bin", 12345, 9018},
                                   {"T000003", "/files/missing.bin", 0, 9016},
                                   {"T000004", "/files/other-model.bin", 0, 9018},
                                   {"T000005", "/files/locked.bin", 0, 9012}};
  for (const Case& c : cases) {
    cwmp::Download dl;
    dl.command_key = "k-" + c.serial;
    dl.file_type = "1 Firmware Upgrade Image";
    dl.url = acs().FileUrl(c.path);
    dl.file_size = c.size;
    dl.username = "u";
    dl.password = "wrong";
    acs().Enqueue(c.serial, dl);
  }
  Run(Config(cases.size()));
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].path);
    auto sessions = WaitSessions(2, i);
    ASSERT_GE(sessions.size(), 2u);
    EXPECT_FALSE(sessions[1].HasEvent("1 BOOT")) << "a failed download does not reboot";
    EXPECT_TRUE(sessions[1].HasEvent("7 TRANSFER COMPLETE"));
    auto tcs = acs().CpeRequestsOf<cwmp::TransferComplete>(cases[i].serial);
    ASSERT_EQ(tcs.size(), 1u);
    EXPECT_EQ(tcs[0].fault.code, cases[i].code) << tcs[0].fault.message;
    EXPECT_FALSE(tcs[0].fault.message.empty());
    EXPECT_EQ(Get(i, "Device.DeviceInfo.SoftwareVersion"), Model()->software_version());
  }
}

TEST_F(FleetTest, UploadPutsTheConfigurationAndReportsTransferComplete) {
  cwmp::Upload up;
  up.command_key = "up-1";
  up.file_type = "1 Vendor Configuration File";
  up.url = acs().FileUrl("/upload/T000001.cfg");
  acs().Enqueue("T000001", up);
  Run(Config());
  auto sessions = WaitSessions(2);
  ASSERT_GE(sessions.size(), 2u);
  EXPECT_TRUE(sessions[1].HasEvent("7 TRANSFER COMPLETE"));
  ASSERT_NE(sessions[1].FindEvent("M Upload"), nullptr);
  auto uploads = acs().Uploads();
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].path, "/upload/T000001.cfg");
  EXPECT_NE(uploads[0].body.find("Device.DeviceInfo.SerialNumber=T000001"), std::string::npos);
  EXPECT_NE(uploads[0].body.find("Device.ManagementServer.ConnectionRequestPassword=\n"), std::string::npos)
      << "secrets are not uploaded";
  auto tcs = acs().CpeRequestsOf<cwmp::TransferComplete>("T000001");
  ASSERT_EQ(tcs.size(), 1u);
  EXPECT_EQ(tcs[0].fault.code, 0u);
}

TEST_F(FleetTest, ScheduleInformQueuedTransfersAndCancel) {
  cwmp::Download later;
  later.command_key = "later";
  later.file_type = "1 Firmware Upgrade Image";
  later.url = acs().FileUrl("/files/none.bin");
  later.delay_seconds = 3600;
  cwmp::ScheduleDownload windowed;
  windowed.command_key = "sd-1";
  windowed.file_type = "1 Firmware Upgrade Image";
  windowed.url = acs().FileUrl("/files/none.bin");
  windowed.time_windows = {cwmp::TimeWindow{1, 3600, "1 At Any Time", "", 0}};
  const std::string serial = "T000001";
  acs().Enqueue(serial, later);
  acs().Enqueue(serial, cwmp::GetAllQueuedTransfers{});
  acs().Enqueue(serial, cwmp::CancelTransfer{"later"});
  acs().Enqueue(serial, cwmp::CancelTransfer{"no-such-key"});
  acs().Enqueue(serial, cwmp::ScheduleInform{1, "si-1"});
  acs().Enqueue(serial, windowed);
  acs().Enqueue(serial, cwmp::GetQueuedTransfers{});
  Run(Config());
  auto sessions = WaitSessions(3);
  ASSERT_GE(sessions.size(), 3u);
  const auto& ex = sessions[0].exchanges;
  ASSERT_EQ(ex.size(), 7u);
  const auto* queued = BodyOf<cwmp::GetAllQueuedTransfersResponse>(ex[1].response);
  ASSERT_NE(queued, nullptr);
  ASSERT_EQ(queued->transfers.size(), 1u);
  EXPECT_EQ(queued->transfers[0].command_key, "later");
  EXPECT_EQ(queued->transfers[0].state, 1);
  EXPECT_TRUE(queued->transfers[0].is_download);
  ASSERT_NE(BodyOf<cwmp::CancelTransferResponse>(ex[2].response), nullptr);
  const auto* no_key = BodyOf<cwmp::Fault>(ex[3].response);
  ASSERT_NE(no_key, nullptr);
  ASSERT_NE(BodyOf<cwmp::ScheduleInformResponse>(ex[4].response), nullptr);
  ASSERT_NE(BodyOf<cwmp::ScheduleDownloadResponse>(ex[5].response), nullptr);
  const auto* q2 = BodyOf<cwmp::GetQueuedTransfersResponse>(ex[6].response);
  ASSERT_NE(q2, nullptr);
  ASSERT_EQ(q2->transfers.size(), 1u);
  EXPECT_EQ(q2->transfers[0].command_key, "sd-1");
  // The scheduled inform and the scheduled download (its file is missing: 9016), in some order.
  bool scheduled = false, transfer = false;
  for (size_t i = 1; i < sessions.size(); ++i) {
    if (const auto* e = sessions[i].FindEvent("M ScheduleInform")) {
      scheduled = sessions[i].HasEvent("3 SCHEDULED") && e->command_key == "si-1";
    }
    if (const auto* e = sessions[i].FindEvent("M ScheduleDownload")) transfer = e->command_key == "sd-1";
  }
  EXPECT_TRUE(scheduled);
  EXPECT_TRUE(transfer);
  auto tcs = acs().CpeRequestsOf<cwmp::TransferComplete>(serial);
  ASSERT_EQ(tcs.size(), 1u) << "the cancelled download never ran";
  EXPECT_EQ(tcs[0].command_key, "sd-1");
  EXPECT_EQ(tcs[0].fault.code, 9016u);
}

TEST_F(FleetTest, BusyAcsGetsTheBackOffAndRetryAfterIsAFloor) {
  acs().SetBusy(2, 2);
  Run(Config());
  auto sessions = WaitSessions(1);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].outcome, testacs::Outcome::kCompleted);
  EXPECT_EQ(sessions[0].inform.retry_count, 2u);
  EXPECT_TRUE(sessions[0].HasEvent("0 BOOTSTRAP")) << "events are kept until an InformResponse";
  auto rejections = acs().Rejections();
  ASSERT_EQ(rejections.size(), 2u);
  // Back-off alone would retry after 1-2 s (CWMPRetryMinimumWaitInterval 1); Retry-After says 2.
  EXPECT_GE(rejections[1].at - rejections[0].at, 1900ms);
  EXPECT_GE(sessions[0].started - rejections[1].at, 1900ms);
  uint64_t honoured = 0;
  fleet_->RunOnIo([&] { honoured = fleet_->metrics().counters().retry_after_honoured; });
  EXPECT_GE(honoured, 1u) << "at least the first wait (back-off 1-2 s) was stretched to Retry-After";
}

TEST_F(FleetTest, DigestBothWaysWithPerDeviceCredentials) {
  testacs::Options o;
  o.auth = testacs::AuthMode::kDigest;
  RestartAcs(o);
  acs().SetCredentialLookup([](const std::string& user) -> std::optional<std::string> { return "pw-" + user; });
  FleetConfig c = Config(3);
  c.faults = *ParseFaultSpec("wrong-credentials=0");
  Run(c);
  for (size_t i = 0; i < 3; ++i) {
    auto sessions = WaitSessions(1, i);
    ASSERT_FALSE(sessions.empty());
    EXPECT_EQ(sessions[0].outcome, testacs::Outcome::kCompleted) << sessions[0].error;
    EXPECT_EQ(sessions[0].auth_username, Serial(i));
  }
  // ACS -> CPE: a connection request with the device's own Digest credentials.
  const std::string url = "http://127.0.0.1:" + std::to_string(fleet_->connreq_port()) + "/T000002";
  auto wrong = ScriptedAcs::ConnectionRequest(url, "T000002", "cr-T000001", 5s);
  ASSERT_TRUE(wrong.ok()) << wrong.error().message;
  EXPECT_EQ(*wrong, 401u);
  auto ok = ScriptedAcs::ConnectionRequest(url, "T000002", "cr-T000002", 5s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, 200u);
  auto sessions = WaitSessions(2, 1);
  ASSERT_GE(sessions.size(), 2u);
  EXPECT_TRUE(sessions[1].HasEvent("6 CONNECTION REQUEST"));
  EXPECT_FALSE(sessions[1].HasEvent("1 BOOT"));
  auto unknown = ScriptedAcs::ConnectionRequest("http://127.0.0.1:" + std::to_string(fleet_->connreq_port()) + "/T000099",
                                                "T000099", "x", 5s);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, 404u);
}

TEST_F(FleetTest, WrongCredentialsAreRefusedAndRetried) {
  testacs::Options o;
  o.auth = testacs::AuthMode::kBasic;
  RestartAcs(o);
  acs().SetCredentialLookup([](const std::string& user) -> std::optional<std::string> { return "pw-" + user; });
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("wrong-credentials=1");
  Run(c);
  auto auth_failed = [&] {
    uint64_t n = 0;
    fleet_->RunOnIo([&] { n = fleet_->metrics().counters().sessions_failed[static_cast<size_t>(SessionFailure::kAuth)]; });
    return n;
  };
  ASSERT_TRUE(Eventually([&] { return auth_failed() >= 2; })) << "the device retries with back-off";
  EXPECT_GE(acs().GetCounters().auth_failures, 2u);
  EXPECT_EQ(acs().GetCounters().informs, 0u);
}

TEST_F(FleetTest, ActiveNotificationSendsValueChangeAtOnce) {
  acs().Enqueue("T000001", cwmp::SetParameterAttributes{{{"Device.DeviceInfo.ProvisioningCode", true, 2, false, {}}}});
  Run(Config());
  WaitSessions(1);
  Status s;
  fleet_->RunOnIo([&] { s = fleet_->SetParameter(0, "Device.DeviceInfo.ProvisioningCode", "NEW-CODE"); });
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto sessions = WaitSessions(2);
  ASSERT_GE(sessions.size(), 2u);
  EXPECT_TRUE(sessions[1].HasEvent("4 VALUE CHANGE"));
  const cwmp::ParameterValue* v = sessions[1].InformParameter("Device.DeviceInfo.ProvisioningCode");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->text, "NEW-CODE");
}

TEST_F(FleetTest, PeriodicInformsFollowTheInterval) {
  FleetConfig c = Config();
  c.inform_interval_seconds = 1;
  Run(c);
  auto sessions = WaitSessions(3);
  ASSERT_GE(sessions.size(), 3u);
  EXPECT_TRUE(sessions[1].HasEvent("2 PERIODIC"));
  EXPECT_TRUE(sessions[2].HasEvent("2 PERIODIC"));
  EXPECT_FALSE(sessions[2].HasEvent("1 BOOT"));
}

TEST_F(FleetTest, QuirkyDevicesStillCompleteTheirSessions) {
  FleetConfig c = Config(3);
  c.faults = *ParseFaultSpec("quirk-no-xml-decl=1,quirk-1999-schema=1,quirk-arraytype-mismatch=1,quirk-cwmp10=1");
  Run(c);
  auto s = WaitSessions(1);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].outcome, testacs::Outcome::kCompleted) << s[0].error;
  EXPECT_EQ(s[0].ns, cwmp::Namespace::kCwmp10);
  EXPECT_FALSE(s[0].warnings.empty()) << "the arrayType mismatch is visible to the ACS";
}

TEST_F(FleetTest, Cwmp14DevicesOfferTheirVersions) {
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("quirk-cwmp14=1");
  Run(c);
  auto s = WaitSessions(1);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].outcome, testacs::Outcome::kCompleted) << s[0].error;
  ASSERT_TRUE(s[0].supported_cwmp_versions.has_value());
  EXPECT_EQ(s[0].version, cwmp::CwmpVersion::k1_4);
}

TEST_F(FleetTest, InfectedDevicesLookInfected) {
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("infected=1");
  acs().Enqueue("T000001", cwmp::GetParameterValues{{"Device.DNS.Client.Server.1.DNSServer",
                                                    "Device.DNS.Relay.X_RURU_DNSRelayWANAccess",
                                                    "Device.UserInterface.RemoteAccess.Enable",
                                                    "Device.NAT.PortMappingNumberOfEntries"}});
  Run(c);
  auto s = WaitSessions(1);
  ASSERT_FALSE(s.empty());
  const auto* v = BodyOf<cwmp::GetParameterValuesResponse>(s[0].exchanges.at(0).response);
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->parameters.size(), 4u);
  EXPECT_EQ(v->parameters[0].value.text, "198.51.100.53");
  EXPECT_EQ(v->parameters[1].value.text, "true");
  EXPECT_EQ(v->parameters[2].value.text, "true");
  EXPECT_NE(v->parameters[3].value.text, "0");
}

TEST_F(FleetTest, SilentAndBrickedDevicesStopInforming) {
  const std::string image = BuildFirmwareImage(Model()->device_id().product_class, "6.6.6", "bad");
  acs().AddFile("/files/bad.bin", image);
  cwmp::Download dl;
  dl.command_key = "brick";
  dl.file_type = "1 Firmware Upgrade Image";
  dl.url = acs().FileUrl("/files/bad.bin");
  acs().Enqueue("T000001", dl);
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("brick-version=6.6.6:1");
  Run(c);
  WaitSessions(1);
  ASSERT_TRUE(Eventually([&] {
    uint64_t bricked = 0;
    fleet_->RunOnIo([&] { bricked = fleet_->metrics().counters().devices_bricked; });
    return bricked == 1;
  }));
  // A connection request finds nobody.
  auto cr = ScriptedAcs::ConnectionRequest("http://127.0.0.1:" + std::to_string(fleet_->connreq_port()) + "/T000001",
                                           "T000001", "cr-T000001", 5s);
  ASSERT_TRUE(cr.ok());
  EXPECT_NE(*cr, 200u);
  EXPECT_EQ(acs().EndedSessionCount("T000001"), 1u);
}

TEST_F(FleetTest, LostInformResponseKeepsTheEventsForTheRetry) {
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("lost-inform-response=1");
  Run(c);
  ASSERT_TRUE(acs().WaitFor([&] { return acs().GetCounters().informs >= 2; }, kWait));
  auto s = acs().SessionsOf("T000001");
  ASSERT_GE(s.size(), 2u);
  EXPECT_TRUE(s[1].HasEvent("0 BOOTSTRAP"));
  EXPECT_GE(s[1].inform.retry_count, 1u);
}

TEST_F(FleetTest, HttpsWithTheRightCaWorksAndAWrongCaFails) {
  test::SelfSignedCert server("cpesim-acs");
  test::SelfSignedCert other("cpesim-other");
  testacs::Options o;
  o.tls_cert_file = server.cert.string();
  o.tls_key_file = server.key.string();
  RestartAcs(o);
  ASSERT_TRUE(acs().url().starts_with("https://"));
  FleetConfig c = Config(2);
  c.tls_ca_file = server.cert.string();
  Run(c);
  auto s = WaitSessions(1);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].outcome, testacs::Outcome::kCompleted) << s[0].error;

  // Another fleet that trusts another CA never gets a session through.
  asio::io_context io2;
  FleetConfig c2 = Config(1);
  c2.serial_prefix = "W";
  c2.tls_ca_file = other.cert.string();
  Fleet wrong(io2, c2);
  ASSERT_TRUE(wrong.Start().ok());
  uint64_t tls_failures = 0;
  for (int i = 0; i < 100 && tls_failures == 0; ++i) {
    io2.run_for(50ms);
    tls_failures = wrong.metrics().counters().sessions_failed[static_cast<size_t>(SessionFailure::kTls)];
  }
  wrong.Stop();
  io2.run_for(50ms);
  EXPECT_EQ(tls_failures, 1u);
  EXPECT_EQ(acs().SessionsOf("W000001").size(), 0u);
}

TEST_F(FleetTest, HijackedDevicesStopInformingThisAcs) {
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("hijacked=1:1");
  Run(c);
  WaitSessions(1);
  ASSERT_TRUE(Eventually([&] {
    uint64_t h = 0;
    fleet_->RunOnIo([&] { h = fleet_->metrics().counters().devices_hijacked; });
    return h == 1;
  }));
  EXPECT_EQ(Get(0, "Device.ManagementServer.URL"), std::string(kHijackAcsUrl));
  auto cr = ScriptedAcs::ConnectionRequest("http://127.0.0.1:" + std::to_string(fleet_->connreq_port()) + "/T000001",
                                           "T000001", "cr-T000001", 5s);
  ASSERT_TRUE(cr.ok());
  EXPECT_EQ(*cr, 503u) << "it no longer answers this ACS";
  EXPECT_EQ(acs().EndedSessionCount("T000001"), 1u);
}

TEST_F(FleetTest, WanAddressesChurnAndTheAcsSeesTheNewSource) {
  FleetConfig c = Config(1);
  c.source_ips = *ParseCidr("127.4.0.0/24");
  c.inform_interval_seconds = 1;
  c.faults = *ParseFaultSpec("ip-churn=1:1");
  Run(c);
  ASSERT_TRUE(acs().WaitFor([&] {
    std::set<std::string> seen;
    for (const auto& s : acs().SessionsOf("T000001")) seen.insert(s.remote_address);
    return seen.size() >= 2;
  }, kWait));
  // The Inform reports the address the device now has, i.e. the one the ACS sees.
  for (const auto& s : acs().SessionsOf("T000001")) {
    const cwmp::ParameterValue* ip = s.InformParameter("Device.IP.Interface.1.IPv4Address.1.IPAddress");
    ASSERT_NE(ip, nullptr);
    EXPECT_EQ(ip->text, s.remote_address);
  }
}

TEST_F(FleetTest, DroppedConnectionsFailTheSessionAndTheDeviceRetries) {
  // drop-tcp drops after 0-2 ACS requests: enough requests that every session has one to drop on.
  for (int i = 0; i < 12; ++i) acs().Enqueue("T000001", cwmp::GetRPCMethods{});
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("drop-tcp=1");
  Run(c);
  ASSERT_TRUE(acs().WaitFor([&] { return acs().GetCounters().sessions_failed >= 2; }, kWait));
  auto s = acs().SessionsOf("T000001");
  ASSERT_GE(s.size(), 2u);
  EXPECT_EQ(s[0].outcome, testacs::Outcome::kFailed);
  EXPECT_GE(s[1].inform.retry_count, 1u) << "a retry after a failed session says so";
  uint64_t simulated = 0;
  fleet_->RunOnIo([&] { simulated = fleet_->metrics().counters().sessions_failed[static_cast<size_t>(SessionFailure::kSimulated)]; });
  EXPECT_GE(simulated, 1u);
}

TEST_F(FleetTest, SlowDevicesStillComplete) {
  FleetConfig c = Config(1);
  c.faults = *ParseFaultSpec("slow=1:300");
  acs().Enqueue("T000001", cwmp::GetRPCMethods{});
  Run(c);
  auto s = WaitSessions(1);
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].outcome, testacs::Outcome::kCompleted) << s[0].error;
  EXPECT_GE(s[0].ended - s[0].started, 550ms) << "two messages after the Inform, 300 ms late each";
}

TEST_F(FleetTest, PeriodicInformTimeAlignsTheInforms) {
  cwmp::SetParameterValues spv;
  spv.parameters = {{"Device.ManagementServer.PeriodicInformInterval", cwmp::ParameterValue::UnsignedInt(3)},
                    {"Device.ManagementServer.PeriodicInformTime", cwmp::ParameterValue::DateTime("2026-01-01T00:00:01Z")}};
  acs().Enqueue("T000001", spv);
  Run(Config(1));
  auto s = WaitSessions(3);
  ASSERT_GE(s.size(), 3u);
  const auto pit = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} + 1s;
  for (size_t i = 1; i < s.size(); ++i) {
    EXPECT_TRUE(s[i].HasEvent("2 PERIODIC"));
    // Informs at 00:00:01 + k * 3 s: the phase within the 3 s period is the time it takes to
    // connect and send (well under a second; a free-running device would land anywhere in it).
    const auto phase = std::chrono::duration_cast<std::chrono::milliseconds>(s[i].started - pit).count() % 3000;
    EXPECT_LT(phase, 1000) << "session " << i;
  }
}

TEST_F(FleetTest, EveryDeviceHasATimeZone) {
  FleetConfig c = Config(2);
  c.time_zones = {"NZST-12NZDT,M9.5.0,M4.1.0/3", "UTC0"};
  Run(c);
  WaitSessions(1, 1);
  EXPECT_EQ(Get(0, "Device.Time.LocalTimeZone"), "NZST-12NZDT,M9.5.0,M4.1.0/3");
  EXPECT_EQ(Get(1, "Device.Time.LocalTimeZone"), "UTC0");
}

TEST_F(FleetTest, TheAcsChangesTheDevicesCredentials) {
  testacs::Options o;
  o.auth = testacs::AuthMode::kDigest;
  RestartAcs(o);
  std::atomic<bool> rotated{false};
  acs().SetCredentialLookup([&](const std::string& user) -> std::optional<std::string> {
    return rotated ? "rotated-" + user : "pw-" + user;
  });
  cwmp::SetParameterValues spv;
  spv.parameters = {{"Device.ManagementServer.Password", cwmp::ParameterValue::String("rotated-T000001")},
                    {"Device.ManagementServer.ConnectionRequestPassword", cwmp::ParameterValue::String("new-cr")}};
  acs().Enqueue("T000001", spv);
  Run(Config(1));
  auto first = WaitSessions(1);
  ASSERT_FALSE(first.empty());
  ASSERT_NE(BodyOf<cwmp::SetParameterValuesResponse>(first[0].exchanges.at(0).response), nullptr);
  rotated = true;
  const std::string url = "http://127.0.0.1:" + std::to_string(fleet_->connreq_port()) + "/T000001";
  auto old_cr = ScriptedAcs::ConnectionRequest(url, "T000001", "cr-T000001", 5s);
  ASSERT_TRUE(old_cr.ok());
  EXPECT_EQ(*old_cr, 401u) << "the old connection request password no longer works";
  auto cr = ScriptedAcs::ConnectionRequest(url, "T000001", "new-cr", 5s);
  ASSERT_TRUE(cr.ok());
  EXPECT_EQ(*cr, 200u);
  auto s = WaitSessions(2);
  ASSERT_GE(s.size(), 2u);
  EXPECT_EQ(s[1].outcome, testacs::Outcome::kCompleted) << "the device logs in with its new password: " << s[1].error;
}

TEST_F(FleetTest, InformParameterTableAddsParametersToTheInform) {
  const std::string serial = "T000001";
  acs().Enqueue(serial, cwmp::AddObject{"Device.ManagementServer.InformParameter.", ""});
  cwmp::SetParameterValues spv;
  spv.parameters = {{"Device.ManagementServer.InformParameter.1.Enable", cwmp::ParameterValue::Boolean(true)},
                    {"Device.ManagementServer.InformParameter.1.ParameterName", cwmp::ParameterValue::String("Device.DNS.Client.Server.1.DNSServer")},
                    {"Device.ManagementServer.InformParameter.1.EventList", cwmp::ParameterValue::String("")}};
  acs().Enqueue(serial, spv);
  acs().Enqueue(serial, cwmp::AddObject{"Device.ManagementServer.InformParameter.", ""});
  cwmp::SetParameterValues only_boot;
  only_boot.parameters = {{"Device.ManagementServer.InformParameter.2.Enable", cwmp::ParameterValue::Boolean(true)},
                          {"Device.ManagementServer.InformParameter.2.ParameterName", cwmp::ParameterValue::String("Device.UserInterface.RemoteAccess.Enable")},
                          {"Device.ManagementServer.InformParameter.2.EventList", cwmp::ParameterValue::String("1 BOOT")}};
  acs().Enqueue(serial, only_boot);
  acs().Enqueue(serial, cwmp::Reboot{"r"});
  Run(Config(1));
  auto s = WaitSessions(2);
  ASSERT_GE(s.size(), 2u);
  EXPECT_EQ(s[0].InformParameter("Device.DNS.Client.Server.1.DNSServer"), nullptr) << "not asked for yet";
  EXPECT_NE(s[1].InformParameter("Device.DNS.Client.Server.1.DNSServer"), nullptr);
  EXPECT_NE(s[1].InformParameter("Device.UserInterface.RemoteAccess.Enable"), nullptr) << "a 1 BOOT Inform";
  fleet_->RunOnIo([&] { fleet_->Kick(0, "6 CONNECTION REQUEST"); });
  auto s3 = WaitSessions(3);
  ASSERT_GE(s3.size(), 3u);
  EXPECT_NE(s3[2].InformParameter("Device.DNS.Client.Server.1.DNSServer"), nullptr);
  EXPECT_EQ(s3[2].InformParameter("Device.UserInterface.RemoteAccess.Enable"), nullptr) << "only with 1 BOOT";
}

}  // namespace
}  // namespace ruru::cpesim

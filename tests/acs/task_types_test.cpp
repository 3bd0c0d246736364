// The task catalogue and its rules (acs/tasks/task_types.h): argument checks, what each runner
// sends and makes of the answers, and how an interrupted task is settled from the next Inform.
#include "acs/tasks/task_types.h"

#include <gtest/gtest.h>

namespace ruru::acs::tasks {
namespace {

using nlohmann::json;
using Kind = TaskOutcome::Kind;
using Verdict = Reconciliation::Verdict;

const TaskLimits kLimits{};

db::Task MakeTask(const std::string& type, json args, db::TaskPhase phase = db::TaskPhase::kClaimed,
                  const std::string& key = "ruru-00000000000000aa") {
  db::Task t;
  t.id = 7;
  t.device_id = 3;
  t.type = type;
  t.args_json = args.dump();
  t.state = db::TaskState::kRunning;
  t.phase = phase;
  t.reconcile_key = key;
  t.attempts = phase == db::TaskPhase::kClaimed ? 0 : 1;
  t.max_attempts = 3;
  return t;
}

InformFacts Facts(std::vector<db::EventRecord> events = {}, std::optional<std::string> pk = std::nullopt,
                  std::string root = "Device") {
  InformFacts f;
  f.events = std::move(events);
  f.parameter_key = std::move(pk);
  f.root = std::move(root);
  return f;
}

std::unique_ptr<TaskRunner> Runner(const db::Task& t, const InformFacts& f = Facts(), bool probe = false,
                                   TaskLimits limits = kLimits) {
  auto r = TaskRunner::Create(t, f, limits, probe);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : nullptr;
}

cwmp::ParameterValueStruct Value(const std::string& name, const std::string& v) {
  return {name, cwmp::ParameterValue::String(v)};
}

std::string Error(std::string_view type, const json& args) {
  auto r = ValidateTaskArgs(type, args, kLimits);
  return r.ok() ? std::string() : r.error().message;
}

// ---- Arguments -----------------------------------------------------------------------------------

TEST(TaskArgs, EveryTypeAcceptsItsArguments) {
  const std::vector<std::pair<std::string, json>> good = {
      {"get_parameter_values", {{"names", {"Device.DeviceInfo.", "Device.ManagementServer.URL"}}}},
      {"set_parameter_values",
       {{"parameters", {{{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "home"}},
                        {{"name", "Device.ManagementServer.PeriodicInformInterval"}, {"value", "300"},
                         {"type", "xsd:unsignedInt"}}}}}},
      {"get_parameter_names", {{"path", "Device.WiFi."}, {"next_level", true}}},
      {"get_parameter_attributes", {{"names", {"Device.WiFi."}}}},
      {"set_parameter_attributes",
       {{"parameters", {{{"name", "Device.WiFi.SSID.1.SSID"}, {"notification_change", true}, {"notification", 2}}}}}},
      {"add_object", {{"object", "Device.NAT.PortMapping."}}},
      {"delete_object", {{"object", "Device.NAT.PortMapping.3."}}},
      {"reboot", json::object()},
      {"factory_reset", json::object()},
      {"schedule_inform", {{"delay_seconds", 30}}},
      {"download", {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://fw.example/fw.bin"}, {"file_size", 100}}},
      {"upload", {{"file_type", "1 Vendor Configuration File"}, {"url", "http://up.example/put"}}},
      {"schedule_download",
       {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://fw.example/fw.bin"},
        {"time_windows", {{{"window_start", 0}, {"window_end", 3600}, {"window_mode", "1 At Any Time"}}}}}},
      {"cancel_transfer", {{"command_key", "ruru-0123456789abcdef"}}},
      {"get_queued_transfers", json::object()},
      {"get_all_queued_transfers", json::object()},
      {"change_du_state", {{"operations", {{{"operation", "Install"}, {"url", "http://x/du.ipk"}}}}}},
      {"get_rpc_methods", json::object()},
      {"refresh", {{"path", "Device.WiFi."}}},
      {"refresh", json::object()},
      {"provision", {{"hook", "periodic_inform"}, {"args", {{"interval", 300}}}}},
  };
  for (const auto& [type, args] : good) {
    auto r = ValidateTaskArgs(type, args, kLimits);
    EXPECT_TRUE(r.ok()) << type << ": " << (r.ok() ? "" : r.error().message);
  }
  EXPECT_EQ(TaskTypes().size(), 20u);
  for (const TaskTypeInfo& t : TaskTypes()) {
    EXPECT_TRUE(std::any_of(good.begin(), good.end(), [&](const auto& g) { return g.first == t.name; })) << t.name;
  }
}

TEST(TaskArgs, RefusesWithTheFieldNamed) {
  EXPECT_NE(Error("rebot", json::object()).find("unknown task type"), std::string::npos);
  EXPECT_NE(Error("reboot", {{"delay", 3}}).find("args.delay: unknown argument"), std::string::npos);
  EXPECT_NE(Error("reboot", {{"command_key", "mine"}}).find("chosen by Ruru"), std::string::npos);
  EXPECT_NE(Error("reboot", json::array()).find("expected a JSON object"), std::string::npos);
  EXPECT_NE(Error("get_parameter_values", {{"names", json::array()}}).find("args.names: empty"), std::string::npos);
  EXPECT_NE(Error("get_parameter_values", {{"names", {"Device..X"}}}).find("args.names[0]"), std::string::npos);
  EXPECT_NE(Error("get_parameter_values", {{"names", {"Device.A", 5}}}).find("args.names[1]: expected a string"),
            std::string::npos);
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back("Device.X" + std::to_string(i));
  EXPECT_NE(Error("get_parameter_values", {{"names", many}}).find("more than 1000"), std::string::npos);
  EXPECT_NE(Error("set_parameter_values", {{"parameters", {{{"name", "Device.A"}, {"value", "1"}, {"type", "int"}},
                                                          {{"name", "Device.A"}, {"value", "2"}, {"type", "int"}}}}})
                .find("given twice"),
            std::string::npos);
  EXPECT_NE(Error("set_parameter_values", {{"parameters", {{{"name", "Device.A"}, {"value", "x"}, {"type", "int"}}}}})
                .find("args"),
            std::string::npos);
  EXPECT_NE(Error("set_parameter_values", {{"parameters", {{{"value", "x"}}}}}).find("args.parameters[0]"),
            std::string::npos);
  EXPECT_NE(Error("delete_object", {{"object", "Device.NAT.PortMapping."}}).find("must name an instance"),
            std::string::npos);
  EXPECT_NE(Error("add_object", {{"object", "Device.NAT.PortMapping"}}).find("must end with '.'"), std::string::npos);
  EXPECT_NE(Error("schedule_inform", {{"delay_seconds", 0}}).find("DelaySeconds"), std::string::npos);
  EXPECT_NE(Error("schedule_inform", json::object()).find("args.delay_seconds: required"), std::string::npos);
  EXPECT_NE(Error("download", {{"file_type", "9 Nonsense"}, {"url", "http://x/"}}).find("FileType"), std::string::npos);
  EXPECT_NE(Error("download", {{"file_type", "1 Firmware Upgrade Image"}, {"url", std::string(300, 'a')}})
                .find("longer than 256"),
            std::string::npos);
  EXPECT_NE(Error("download", {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://x/"}, {"bogus", 1}})
                .find("bogus"),
            std::string::npos);
  EXPECT_NE(Error("provision", {{"hook", "nope"}}).find("unknown hook"), std::string::npos);
  EXPECT_NE(Error("provision", {{"hook", "periodic_inform"}, {"args", {{"interval", 0}}}}).find("interval"),
            std::string::npos);
  EXPECT_NE(Error("refresh", {{"path", "Device..X"}}).find("args.path"), std::string::npos);
}

TEST(TaskArgs, NormalisedArgumentsOmitTheKeyRuruChooses) {
  auto r = ValidateTaskArgs("download", {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://x/f"}}, kLimits);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->contains("command_key"));
  EXPECT_EQ((*r)["url"], "http://x/f");
  EXPECT_EQ((*r)["delay_seconds"], 0);
  auto gpn = ValidateTaskArgs("get_parameter_names", {{"path", "Device."}}, kLimits);
  ASSERT_TRUE(gpn.ok());
  EXPECT_EQ((*gpn)["next_level"], false);
}

TEST(TaskKeys, AreFreshAndFitTheSchema) {
  const std::string a = NewReconcileKey(), b = NewReconcileKey();
  EXPECT_NE(a, b);
  EXPECT_LE(a.size(), 32u);
  EXPECT_EQ(a.rfind("ruru-", 0), 0u);
}

TEST(TaskFaults, TransientCodesAndBackOff) {
  for (uint32_t c : {9002u, 9004u, 9010u, 9015u, 9017u}) EXPECT_TRUE(IsTransientFault(c)) << c;
  for (uint32_t c : {9000u, 9003u, 9005u, 9007u, 9008u, 9012u, 9018u, 9019u, 8801u}) EXPECT_FALSE(IsTransientFault(c)) << c;
  using std::chrono::seconds;
  EXPECT_EQ(RetryBackoff(1, seconds(30), seconds(3600)), seconds(30));
  EXPECT_EQ(RetryBackoff(2, seconds(30), seconds(3600)), seconds(60));
  EXPECT_EQ(RetryBackoff(4, seconds(30), seconds(3600)), seconds(240));
  EXPECT_EQ(RetryBackoff(20, seconds(30), seconds(3600)), seconds(3600));
}

// ---- Runners -------------------------------------------------------------------------------------

TEST(TaskRunners, GetParameterValuesStoresWhatItRead) {
  auto r = Runner(MakeTask("get_parameter_values", {{"names", {"Device.DeviceInfo."}}}));
  auto req = r->Next();
  ASSERT_TRUE(req.has_value());
  ASSERT_TRUE(std::holds_alternative<cwmp::GetParameterValues>(*req));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(*req).names, std::vector<std::string>{"Device.DeviceInfo."});
  EXPECT_FALSE(r->outcome().has_value());
  r->OnAnswer(cwmp::GetParameterValuesResponse{{Value("Device.DeviceInfo.SoftwareVersion", "2.0"),
                                                {"Device.DeviceInfo.UpTime", cwmp::ParameterValue::UnsignedInt(5)}}});
  ASSERT_TRUE(r->outcome().has_value());
  EXPECT_EQ(r->outcome()->kind, Kind::kDone);
  ASSERT_EQ(r->outcome()->store.size(), 2u);
  EXPECT_EQ(r->outcome()->store[1].type, "unsignedInt");
  EXPECT_EQ(r->outcome()->result["parameters"][0]["value"], "2.0");
  EXPECT_FALSE(r->Next().has_value());
}

TEST(TaskRunners, SetParameterValuesCarriesTheKeyAndReportsFaultsPerParameter) {
  const db::Task t =
      MakeTask("set_parameter_values", {{"parameters", {{{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "x"}}}}});
  auto r = Runner(t);
  auto req = r->Next();
  ASSERT_TRUE(req && std::holds_alternative<cwmp::SetParameterValues>(*req));
  EXPECT_EQ(std::get<cwmp::SetParameterValues>(*req).parameter_key, t.reconcile_key);
  cwmp::Fault f;
  f.code = 9003;
  f.message = "Invalid arguments";
  f.set_parameter_values_faults = {{"Device.WiFi.SSID.1.SSID", 9008, "not writable"}};
  r->OnAnswer(f);
  ASSERT_TRUE(r->outcome());
  EXPECT_EQ(r->outcome()->kind, Kind::kFault);
  EXPECT_EQ(r->outcome()->fault_code, 9003u);
  EXPECT_EQ(r->outcome()->fault_rpc, "SetParameterValues");
  EXPECT_NE(r->outcome()->fault_detail.find("9008"), std::string::npos);

  auto ok = Runner(t);
  ok->Next();
  ok->OnAnswer(cwmp::SetParameterValuesResponse{0});
  EXPECT_EQ(ok->outcome()->kind, Kind::kDone);
  ASSERT_EQ(ok->outcome()->store.size(), 1u);
  EXPECT_EQ(ok->outcome()->store[0].value, "x");
}

TEST(TaskRunners, RebootAndTransfersWaitForTheirEffect) {
  auto reboot = Runner(MakeTask("reboot", json::object()));
  auto req = reboot->Next();
  ASSERT_TRUE(req && std::holds_alternative<cwmp::Reboot>(*req));
  EXPECT_EQ(std::get<cwmp::Reboot>(*req).command_key, "ruru-00000000000000aa");
  reboot->OnAnswer(cwmp::RebootResponse{});
  EXPECT_EQ(reboot->outcome()->kind, Kind::kAwaiting);

  const json dl = {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://fw/x"}};
  auto later = Runner(MakeTask("download", dl));
  later->Next();
  later->OnAnswer(cwmp::DownloadResponse{1});
  EXPECT_EQ(later->outcome()->kind, Kind::kAwaiting);
  auto at_once = Runner(MakeTask("download", dl));
  at_once->Next();
  at_once->OnAnswer(cwmp::DownloadResponse{0, "2026-01-01T00:00:00Z", "2026-01-01T00:00:05Z"});
  EXPECT_EQ(at_once->outcome()->kind, Kind::kDone);
  auto refused = Runner(MakeTask("download", dl));
  refused->Next();
  refused->OnAnswer(cwmp::RebootResponse{});  // nonsense answer
  EXPECT_EQ(refused->outcome()->kind, Kind::kFault);
  EXPECT_EQ(refused->outcome()->fault_code, kFaultBadAnswer);
}

TEST(TaskRunners, AddObjectReadsTheNewInstance) {
  auto r = Runner(MakeTask("add_object", {{"object", "Device.NAT.PortMapping."}}));
  auto add = r->Next();
  ASSERT_TRUE(add && std::holds_alternative<cwmp::AddObject>(*add));
  EXPECT_EQ(std::get<cwmp::AddObject>(*add).parameter_key, "ruru-00000000000000aa");
  r->OnAnswer(cwmp::AddObjectResponse{4, 0});
  EXPECT_FALSE(r->outcome());
  auto gpv = r->Next();
  ASSERT_TRUE(gpv && std::holds_alternative<cwmp::GetParameterValues>(*gpv));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(*gpv).names, std::vector<std::string>{"Device.NAT.PortMapping.4."});
  r->OnAnswer(cwmp::GetParameterValuesResponse{{Value("Device.NAT.PortMapping.4.Enable", "false")}});
  ASSERT_TRUE(r->outcome());
  EXPECT_EQ(r->outcome()->kind, Kind::kDone);
  EXPECT_EQ(r->outcome()->result["instance_number"], 4);
  EXPECT_EQ(r->outcome()->replace_prefix, "Device.NAT.PortMapping.4.");
  ASSERT_EQ(r->outcome()->store.size(), 1u);
}

TEST(TaskRunners, DeleteObjectRemovesTheSubtree) {
  auto r = Runner(MakeTask("delete_object", {{"object", "Device.NAT.PortMapping.2."}}));
  r->Next();
  r->OnAnswer(cwmp::DeleteObjectResponse{0});
  EXPECT_EQ(r->outcome()->kind, Kind::kDone);
  EXPECT_EQ(r->outcome()->remove_prefix, "Device.NAT.PortMapping.2.");
}

TEST(TaskRunners, RefreshReadsNamesThenValuesInBatches) {
  TaskLimits limits;
  limits.refresh_batch = 2;
  auto r = Runner(MakeTask("refresh", json::object()), Facts({}, std::nullopt, "InternetGatewayDevice"), false, limits);
  auto gpn = r->Next();
  ASSERT_TRUE(gpn && std::holds_alternative<cwmp::GetParameterNames>(*gpn));
  EXPECT_EQ(std::get<cwmp::GetParameterNames>(*gpn).parameter_path, "InternetGatewayDevice.");
  EXPECT_FALSE(std::get<cwmp::GetParameterNames>(*gpn).next_level);
  const std::string p = "InternetGatewayDevice.X.";
  r->OnAnswer(cwmp::GetParameterNamesResponse{
      {{p, false}, {p + "A", true}, {p + "B", false}, {p + "1.", false}, {p + "1.C", true}}});
  auto b1 = r->Next();
  ASSERT_TRUE(b1 && std::holds_alternative<cwmp::GetParameterValues>(*b1));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(*b1).names, (std::vector<std::string>{p + "A", p + "B"}));
  r->OnAnswer(cwmp::GetParameterValuesResponse{{Value(p + "A", "a"), Value(p + "B", "b")}});
  EXPECT_FALSE(r->outcome());
  auto b2 = r->Next();
  ASSERT_TRUE(b2);
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(*b2).names, (std::vector<std::string>{p + "1.C"}));
  r->OnAnswer(cwmp::GetParameterValuesResponse{{Value(p + "1.C", "c")}});
  ASSERT_TRUE(r->outcome());
  EXPECT_EQ(r->outcome()->kind, Kind::kDone);
  EXPECT_EQ(r->outcome()->replace_prefix, "InternetGatewayDevice.");
  ASSERT_EQ(r->outcome()->store.size(), 3u);
  EXPECT_EQ(r->outcome()->store[0].writable, true);
  EXPECT_EQ(r->outcome()->store[1].writable, false);
  EXPECT_EQ(r->outcome()->result["parameters"], 3);
  EXPECT_FALSE(r->Next());
}

TEST(TaskRunners, RefreshOfATooLargeSubtreeIsAFault) {
  TaskLimits limits;
  limits.max_refresh_parameters = 2;
  auto r = Runner(MakeTask("refresh", {{"path", "Device.X."}}), Facts(), false, limits);
  r->Next();
  r->OnAnswer(cwmp::GetParameterNamesResponse{{{"Device.X.A", true}, {"Device.X.B", true}, {"Device.X.C", true}}});
  ASSERT_TRUE(r->outcome());
  EXPECT_EQ(r->outcome()->kind, Kind::kFault);
  EXPECT_EQ(r->outcome()->fault_code, kFaultSubtreeTooLarge);
}

TEST(TaskRunners, ProvisionHookSendsItsRequestsWithTheTaskKey) {
  auto r = Runner(MakeTask("provision", {{"hook", "periodic_inform"}, {"args", {{"interval", 600}}}}),
                  Facts({}, std::nullopt, "InternetGatewayDevice"));
  auto req = r->Next();
  ASSERT_TRUE(req && std::holds_alternative<cwmp::SetParameterValues>(*req));
  const auto& spv = std::get<cwmp::SetParameterValues>(*req);
  EXPECT_EQ(spv.parameter_key, "ruru-00000000000000aa");
  ASSERT_EQ(spv.parameters.size(), 2u);
  EXPECT_EQ(spv.parameters[1].name, "InternetGatewayDevice.ManagementServer.PeriodicInformInterval");
  EXPECT_EQ(spv.parameters[1].value.text, "600");
  r->OnAnswer(cwmp::SetParameterValuesResponse{0});
  ASSERT_TRUE(r->outcome());
  EXPECT_EQ(r->outcome()->kind, Kind::kDone);
  EXPECT_EQ(r->outcome()->store.size(), 2u);
}

TEST(TaskRunners, TransferProbeFallsBackToGetQueuedTransfers) {
  const db::Task t = MakeTask("download", {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://fw/x"}},
                              db::TaskPhase::kSent);
  auto queued = Runner(t, Facts(), true);
  EXPECT_TRUE(queued->probing());
  auto all = queued->Next();
  ASSERT_TRUE(all && std::holds_alternative<cwmp::GetAllQueuedTransfers>(*all));
  cwmp::Fault unsupported;
  unsupported.code = 9000;
  queued->OnAnswer(unsupported);
  EXPECT_FALSE(queued->outcome());
  auto some = queued->Next();
  ASSERT_TRUE(some && std::holds_alternative<cwmp::GetQueuedTransfers>(*some));
  queued->OnAnswer(cwmp::GetQueuedTransfersResponse{{{t.reconcile_key, 2}}});
  EXPECT_EQ(queued->outcome()->kind, Kind::kAwaiting);

  auto lost = Runner(t, Facts(), true);
  lost->Next();
  lost->OnAnswer(cwmp::GetAllQueuedTransfersResponse{{{"other", 1, true, "1 Firmware Upgrade Image", 0, ""}}});
  EXPECT_EQ(lost->outcome()->kind, Kind::kRequeue);

  auto unknown = Runner(t, Facts(), true);
  unknown->Next();
  unknown->OnAnswer(unsupported);
  unknown->Next();
  unknown->OnAnswer(unsupported);
  EXPECT_EQ(unknown->outcome()->kind, Kind::kKeep);
}

TEST(TaskRunners, ParameterKeyProbeReadsTheDevicesKey) {
  const db::Task t = MakeTask("set_parameter_values", {{"parameters", {{{"name", "Device.A"}, {"value", "1"}}}}},
                              db::TaskPhase::kSent);
  auto applied = Runner(t, Facts(), true);
  auto gpv = applied->Next();
  ASSERT_TRUE(gpv && std::holds_alternative<cwmp::GetParameterValues>(*gpv));
  EXPECT_EQ(std::get<cwmp::GetParameterValues>(*gpv).names,
            std::vector<std::string>{"Device.ManagementServer.ParameterKey"});
  applied->OnAnswer(cwmp::GetParameterValuesResponse{{Value("Device.ManagementServer.ParameterKey", t.reconcile_key)}});
  EXPECT_EQ(applied->outcome()->kind, Kind::kDone);
  auto not_applied = Runner(t, Facts(), true);
  not_applied->Next();
  not_applied->OnAnswer(cwmp::GetParameterValuesResponse{{Value("Device.ManagementServer.ParameterKey", "older")}});
  EXPECT_EQ(not_applied->outcome()->kind, Kind::kRequeue);
}

TEST(TaskRunners, StoredArgumentsThatNoLongerValidateAreRefused) {
  db::Task t = MakeTask("reboot", {{"surprise", 1}});
  EXPECT_FALSE(TaskRunner::Create(t, Facts(), kLimits, false).ok());
  t.args_json = "{not json";
  EXPECT_FALSE(TaskRunner::Create(t, Facts(), kLimits, false).ok());
  t.type = "no_such_type";
  EXPECT_FALSE(TaskRunner::Create(t, Facts(), kLimits, false).ok());
}

TEST(TaskReports, TransferCompleteSettlesDoneOrFault) {
  cwmp::TransferComplete ok{"k", {0, ""}, "2026-01-01T00:00:00Z", "2026-01-01T00:00:09Z"};
  TaskOutcome o = OutcomeOfTransferComplete(ok);
  EXPECT_EQ(o.kind, Kind::kDone);
  EXPECT_EQ(o.result["complete_time"], "2026-01-01T00:00:09Z");
  cwmp::TransferComplete bad{"k", {9018, "corrupt"}, "", ""};
  o = OutcomeOfTransferComplete(bad);
  EXPECT_EQ(o.kind, Kind::kFault);
  EXPECT_EQ(o.fault_code, 9018u);
  EXPECT_EQ(o.fault_rpc, "TransferComplete");
  EXPECT_EQ(TypesCompletedBy("TransferComplete").size(), 3u);
  EXPECT_EQ(TypesCompletedBy("DUStateChangeComplete"), std::vector<std::string>{"change_du_state"});
}

// ---- Reconciliation ------------------------------------------------------------------------------

TEST(TaskReconcile, ClaimedButNeverSentGoesBackOnlyWhenItsHolderIsGone) {
  const db::Task t = MakeTask("reboot", json::object(), db::TaskPhase::kClaimed);
  EXPECT_EQ(Reconcile(t, Facts(), true).verdict, Verdict::kRequeue);
  EXPECT_EQ(Reconcile(t, Facts(), false).verdict, Verdict::kKeep);
}

TEST(TaskReconcile, RebootIsSettledByTheInformNeverResent) {
  const db::Task sent = MakeTask("reboot", json::object(), db::TaskPhase::kSent);
  const db::Task awaiting = MakeTask("reboot", json::object(), db::TaskPhase::kAwaiting);
  for (const db::Task* t : {&sent, &awaiting}) {
    for (bool stale : {true, false}) {
      auto r = Reconcile(*t, Facts({{"1 BOOT", ""}, {"M Reboot", t->reconcile_key}}), stale);
      EXPECT_EQ(r.verdict, Verdict::kDone);
      EXPECT_EQ(r.result["confirmed_by"], "M Reboot");
      // Another task's reboot, or no reboot at all: never resent while the session that sent it may
      // still be live; once it is gone, an Inform without a boot since proves the Reboot never took
      // effect (a CPE reboots when the session that carried it ends): it goes back to the queue.
      const Verdict no_boot = stale && t->phase == db::TaskPhase::kSent ? Verdict::kRequeue : Verdict::kKeep;
      EXPECT_EQ(Reconcile(*t, Facts({{"2 PERIODIC", ""}, {"M Reboot", "other"}}), stale).verdict, no_boot);
      EXPECT_EQ(Reconcile(*t, Facts({{"2 PERIODIC", ""}}), stale).verdict, no_boot);
    }
  }
  auto boot = Reconcile(sent, Facts({{"1 BOOT", ""}}), true);
  EXPECT_EQ(boot.verdict, Verdict::kDone);
  EXPECT_EQ(boot.result["confirmed_by"], "1 BOOT");
  // A boot stored since the RPC went out (an earlier Inform that did not settle it) is proof too.
  db::Task booted = sent;
  booted.booted_since_sent = true;
  EXPECT_EQ(Reconcile(booted, Facts({{"2 PERIODIC", ""}}), true).verdict, Verdict::kDone);
}

TEST(TaskReconcile, FactoryResetIsSettledByBootstrap) {
  const db::Task t = MakeTask("factory_reset", json::object(), db::TaskPhase::kSent, "");
  EXPECT_EQ(Reconcile(t, Facts({{"0 BOOTSTRAP", ""}, {"1 BOOT", ""}}), true).verdict, Verdict::kDone);
  // A boot without a bootstrap is not a factory reset: resent once its session is gone, else kept.
  EXPECT_EQ(Reconcile(t, Facts({{"1 BOOT", ""}}), true).verdict, Verdict::kRequeue);
  EXPECT_EQ(Reconcile(t, Facts({{"1 BOOT", ""}}), false).verdict, Verdict::kKeep);
  db::Task bootstrapped = t;
  bootstrapped.bootstrapped_since_sent = true;
  EXPECT_EQ(Reconcile(bootstrapped, Facts({{"2 PERIODIC", ""}}), true).verdict, Verdict::kDone);
}

TEST(TaskReconcile, TransfersAwaitTheirReportOrAreProbed) {
  const json dl = {{"file_type", "1 Firmware Upgrade Image"}, {"url", "http://fw/x"}};
  const db::Task sent = MakeTask("download", dl, db::TaskPhase::kSent);
  EXPECT_EQ(Reconcile(sent, Facts({{"7 TRANSFER COMPLETE", ""}, {"M Download", sent.reconcile_key}}), true).verdict,
            Verdict::kAwait);
  EXPECT_EQ(Reconcile(sent, Facts({{"2 PERIODIC", ""}}), true).verdict, Verdict::kProbe);
  EXPECT_EQ(Reconcile(sent, Facts({{"2 PERIODIC", ""}}), false).verdict, Verdict::kKeep);
  const db::Task awaiting = MakeTask("download", dl, db::TaskPhase::kAwaiting);
  EXPECT_EQ(Reconcile(awaiting, Facts({{"2 PERIODIC", ""}}), true).verdict, Verdict::kKeep);
  const db::Task du = MakeTask("change_du_state", {{"operations", {{{"operation", "Install"}, {"url", "http://x/d"}}}}},
                               db::TaskPhase::kSent);
  EXPECT_EQ(Reconcile(du, Facts(), true).verdict, Verdict::kKeep);  // no probe for ChangeDUState: wait
}

TEST(TaskReconcile, ParameterKeyTasksUseTheReportedKey) {
  const db::Task t = MakeTask("set_parameter_values", {{"parameters", {{{"name", "Device.A"}, {"value", "1"}}}}},
                              db::TaskPhase::kSent);
  EXPECT_EQ(Reconcile(t, Facts({}, t.reconcile_key), true).verdict, Verdict::kDone);
  EXPECT_EQ(Reconcile(t, Facts({}, std::string("older")), true).verdict, Verdict::kRequeue);
  EXPECT_EQ(Reconcile(t, Facts({}, std::nullopt), true).verdict, Verdict::kProbe);
  EXPECT_EQ(Reconcile(t, Facts({}, std::string("older")), false).verdict, Verdict::kKeep);
}

TEST(TaskReconcile, HarmlessRequestsAreSentAgain) {
  EXPECT_EQ(Reconcile(MakeTask("get_parameter_values", {{"names", {"Device."}}}, db::TaskPhase::kSent, ""), Facts(),
                      true)
                .verdict,
            Verdict::kRequeue);
  const db::Task si = MakeTask("schedule_inform", {{"delay_seconds", 5}}, db::TaskPhase::kSent);
  EXPECT_EQ(Reconcile(si, Facts(), true).verdict, Verdict::kRequeue);
  EXPECT_EQ(Reconcile(si, Facts({{"3 SCHEDULED", ""}, {"M ScheduleInform", si.reconcile_key}}), false).verdict,
            Verdict::kDone);
}

}  // namespace
}  // namespace ruru::acs::tasks

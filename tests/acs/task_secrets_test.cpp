// Secrets in task arguments (acs/tasks/task_secrets.h): what is sealed, that it opens only with
// the key and for the device it was sealed for, and that a runner gets the plain values.
#include "acs/tasks/task_secrets.h"

#include <gtest/gtest.h>

#include "acs/tasks/task_types.h"

namespace ruru::acs::tasks {
namespace {

using nlohmann::json;

access::SecretBox Box(const std::string& id, char fill, std::map<std::string, std::string> old = {}) {
  auto box = access::SecretBox::Create(id, std::string(32, fill), std::move(old));
  EXPECT_TRUE(box.ok());
  return std::move(*box);
}

const json kDownload = {{"file_type", "1 Firmware Upgrade Image"},
                        {"url", "http://fw.example/x.bin"},
                        {"username", "fw-user"},
                        {"password", "dl-pw"}};
const json kSpv = {{"parameters",
                    {{{"name", "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"}, {"value", "wifi-pw"}},
                     {{"name", "Device.WiFi.SSID.1.SSID"}, {"value", "home"}},
                     {{"name", "Device.Users.User.1.Password"}, {"value", "u-pw"}, {"type", "xsd:string"}},
                     {{"name", "Device.X_ACME.SecretNumber"}, {"value", 42}}}}};

TEST(TaskSecrets, SecretNamesFollowTheAuditRule) {
  for (const char* n : {"password", "Password", "KeyPassphrase", "PreSharedKey", "X_Token", "client_secret",
                        "Device.ManagementServer.ConnectionRequestPassword"}) {
    EXPECT_TRUE(IsSecretName(n)) << n;
  }
  for (const char* n : {"username", "url", "Device.WiFi.SSID.1.SSID", "file_type", "value", "", "command_key",
                        "Device.ManagementServer.ParameterKey", "CommandKey"}) {
    EXPECT_FALSE(IsSecretName(n)) << n;
  }
}

TEST(TaskSecrets, SealsPasswordsAndSecretParameterValuesOnly) {
  const access::SecretBox box = Box("k1", 'a');
  const json sealed = SealTaskSecrets(kDownload, box, 3);
  EXPECT_TRUE(IsSealedSecret(sealed["password"]));
  EXPECT_EQ(sealed["password"]["$sealed"]["key_id"], "k1");
  EXPECT_EQ(sealed["username"], "fw-user");
  EXPECT_EQ(sealed["url"], kDownload["url"]);
  EXPECT_EQ(sealed.dump().find("dl-pw"), std::string::npos);

  const json spv = SealTaskSecrets(kSpv, box, 3);
  const json& p = spv["parameters"];
  EXPECT_TRUE(IsSealedSecret(p[0]["value"]));
  EXPECT_EQ(p[1]["value"], "home");
  EXPECT_TRUE(IsSealedSecret(p[2]["value"]));
  EXPECT_EQ(p[2]["type"], "xsd:string");
  EXPECT_TRUE(IsSealedSecret(p[3]["value"]));  // any JSON type
  EXPECT_EQ(p[0]["name"], kSpv["parameters"][0]["name"]);  // the name itself is not secret
  for (const char* plain : {"wifi-pw", "u-pw"}) EXPECT_EQ(spv.dump().find(plain), std::string::npos) << plain;

  // Sealing twice leaves sealed values as they are; every seal has its own nonce.
  EXPECT_EQ(SealTaskSecrets(sealed, box, 3), sealed);
  EXPECT_NE(SealTaskSecrets(kDownload, box, 3)["password"], sealed["password"]);
  // Nothing secret: unchanged.
  const json plain = {{"names", {"Device.DeviceInfo."}}};
  EXPECT_EQ(SealTaskSecrets(plain, box, 3), plain);
  const json cancel = {{"command_key", "ruru-0123"}};
  EXPECT_EQ(SealTaskSecrets(cancel, box, 3), cancel);
}

TEST(TaskSecrets, OpensWithTheKeyForTheSameDeviceOnly) {
  const access::SecretBox k1 = Box("k1", 'a');
  const json sealed_dl = SealTaskSecrets(kDownload, k1, 3);
  const json sealed_spv = SealTaskSecrets(kSpv, k1, 3);
  auto dl = OpenTaskSecrets(sealed_dl, k1, 3);
  ASSERT_TRUE(dl.ok()) << dl.error().message;
  EXPECT_EQ(*dl, kDownload);
  auto spv = OpenTaskSecrets(sealed_spv, k1, 3);
  ASSERT_TRUE(spv.ok());
  EXPECT_EQ(*spv, kSpv);

  // Another device's context, an unknown key, changed data: a clear error naming the key id.
  auto other = OpenTaskSecrets(sealed_dl, k1, 4);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(other.error().message.find("key id k1"), std::string::npos) << other.error().message;
  EXPECT_FALSE(OpenTaskSecrets(sealed_dl, Box("k2", 'b'), 3).ok());
  json tampered = sealed_dl;
  std::string data = tampered["password"]["$sealed"]["data"];
  data[data.size() - 1] = data.back() == '0' ? '1' : '0';
  tampered["password"]["$sealed"]["data"] = data;
  EXPECT_FALSE(OpenTaskSecrets(tampered, k1, 3).ok());
  tampered["password"]["$sealed"]["data"] = "zz";
  EXPECT_FALSE(OpenTaskSecrets(tampered, k1, 3).ok());

  // After a key rotation the old key, kept as an old key, still opens what it sealed.
  const access::SecretBox k2 = Box("k2", 'b', {{"k1", std::string(32, 'a')}});
  auto rotated = OpenTaskSecrets(sealed_dl, k2, 3);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(*rotated, kDownload);
}

TEST(TaskSecrets, TheRunnerSendsThePlainValues) {
  const access::SecretBox box = Box("k1", 'a');
  db::Task t;
  t.id = 9;
  t.device_id = 3;
  t.type = "download";
  t.args_json = SealTaskSecrets(kDownload, box, 3).dump();
  t.state = db::TaskState::kRunning;
  t.phase = db::TaskPhase::kClaimed;
  t.reconcile_key = "ruru-00000000000000bb";
  t.max_attempts = 1;
  InformFacts facts;
  facts.root = "Device";
  auto runner = TaskRunner::Create(t, facts, TaskLimits{}, false, &box);
  ASSERT_TRUE(runner.ok()) << runner.error().message;
  auto req = (*runner)->Next();
  ASSERT_TRUE(req && std::holds_alternative<cwmp::Download>(*req));
  EXPECT_EQ(std::get<cwmp::Download>(*req).username, "fw-user");
  EXPECT_EQ(std::get<cwmp::Download>(*req).password, "dl-pw");

  // Without the box, or for another device, the stored task is not runnable (a fault, never the
  // sealed form sent as a password).
  EXPECT_FALSE(TaskRunner::Create(t, facts, TaskLimits{}, false, nullptr).ok());
  t.device_id = 4;
  auto wrong = TaskRunner::Create(t, facts, TaskLimits{}, false, &box);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("does not open"), std::string::npos) << wrong.error().message;
}

}  // namespace
}  // namespace ruru::acs::tasks

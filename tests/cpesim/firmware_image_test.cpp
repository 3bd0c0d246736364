#include "firmware_image.h"

#include <gtest/gtest.h>

namespace ruru::cpesim {
namespace {

TEST(FirmwareImage, BuildsAndVerifies) {
  const std::string image = BuildFirmwareImage("RR-5000", "5.4.3", std::string(4096, '\x5a'));
  auto v = VerifyFirmwareImage(image);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->model, "RR-5000");
  EXPECT_EQ(v->version, "5.4.3");
  EXPECT_EQ(v->payload_size, 4096u);
  EXPECT_EQ(v->sha256, Sha256Hex(std::string(4096, '\x5a')));
}

TEST(FirmwareImage, KnownSha256) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FirmwareImage, RejectsCorruption) {
  const std::string good = BuildFirmwareImage("RR-5000", "5.4.3", "payload-bytes");
  std::string flipped = good;
  flipped.back() ^= 1;
  EXPECT_NE(VerifyFirmwareImage(flipped).error().message.find("SHA-256"), std::string::npos);
  EXPECT_NE(VerifyFirmwareImage(good.substr(0, good.size() - 1)).error().message.find("payload"), std::string::npos);
  EXPECT_NE(VerifyFirmwareImage(good + "x").error().message.find("payload"), std::string::npos);
  EXPECT_NE(VerifyFirmwareImage("<html>404</html>").error().message.find("magic"), std::string::npos);
  EXPECT_FALSE(VerifyFirmwareImage("RURU-FW/1\nmodel: x\n").ok());
  EXPECT_FALSE(VerifyFirmwareImage("RURU-FW/1\nversion: 1\nmodel: x\nsize: 0\nsha256: e3\n\n").ok());
  std::string bad_size = good;
  bad_size.replace(bad_size.find("size: 13"), 8, "size: 1x");
  EXPECT_FALSE(VerifyFirmwareImage(bad_size).ok());
}

TEST(FirmwareImage, EmptyPayloadIsValid) {
  auto v = VerifyFirmwareImage(BuildFirmwareImage("M", "1", ""));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->payload_size, 0u);
}

}  // namespace
}  // namespace ruru::cpesim

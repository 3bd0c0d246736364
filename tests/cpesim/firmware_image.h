// The simulator's test-firmware format: a tiny text header that says which model and version the
// image is for and a SHA-256 of the payload, so a download can be checked the way a real CPE checks
// its image (wrong model, truncated or corrupted file -> fault 9018) and "installing" it means
// taking the version from the header.
//
//   RURU-FW/1\n
//   model: RR-5000\n
//   version: 5.4.3\n
//   size: 1048576\n
//   sha256: <64 lowercase hex digits of the payload>\n
//   \n
//   <payload bytes>
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ruru::cpesim {

struct FirmwareImage {
  std::string model;    // product class the image is for
  std::string version;  // software version it installs
  uint64_t payload_size = 0;
  std::string sha256;   // hex, of the payload
};

// Builds an image around `payload` (test and demo firmware, e.g. for the firmware catalogue tests).
std::string BuildFirmwareImage(std::string_view model, std::string_view version, std::string_view payload);

// Parses and verifies an image: header syntax, payload size and SHA-256. kInvalidArgument with a
// one-line reason otherwise (the simulator answers fault 9018 then).
Result<FirmwareImage> VerifyFirmwareImage(std::string_view bytes);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace ruru::cpesim

#include "firmware_image.h"

#include <openssl/evp.h>

#include <charconv>
#include <memory>

namespace ruru::cpesim {
namespace {

constexpr std::string_view kMagic = "RURU-FW/1\n";
constexpr size_t kMaxHeaderBytes = 1024;

// Reads "key: value\n" at `pos`; advances `pos` past the newline.
bool ReadField(std::string_view header, size_t* pos, std::string_view key, std::string_view* value) {
  const size_t end = header.find('\n', *pos);
  if (end == std::string_view::npos) return false;
  const std::string_view line = header.substr(*pos, end - *pos);
  if (line.size() < key.size() + 2 || line.substr(0, key.size()) != key || line.substr(key.size(), 2) != ": ") {
    return false;
  }
  *value = line.substr(key.size() + 2);
  *pos = end + 1;
  return !value->empty();
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

std::string BuildFirmwareImage(std::string_view model, std::string_view version, std::string_view payload) {
  std::string out(kMagic);
  out += "model: " + std::string(model) + "\n";
  out += "version: " + std::string(version) + "\n";
  out += "size: " + std::to_string(payload.size()) + "\n";
  out += "sha256: " + Sha256Hex(payload) + "\n\n";
  out.append(payload);
  return out;
}

Result<FirmwareImage> VerifyFirmwareImage(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return InvalidArgument("not a Ruru test firmware image (bad magic)");
  const size_t header_end = bytes.find("\n\n");
  if (header_end == std::string_view::npos || header_end > kMaxHeaderBytes) {
    return InvalidArgument("firmware image header is truncated or too long");
  }
  const std::string_view header = bytes.substr(0, header_end + 1);
  size_t pos = kMagic.size();
  std::string_view model, version, size, sha;
  if (!ReadField(header, &pos, "model", &model) || !ReadField(header, &pos, "version", &version) ||
      !ReadField(header, &pos, "size", &size) || !ReadField(header, &pos, "sha256", &sha) || pos != header.size()) {
    return InvalidArgument("firmware image header must be model, version, size, sha256");
  }
  FirmwareImage image{std::string(model), std::string(version), 0, std::string(sha)};
  const auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), image.payload_size);
  if (ec != std::errc() || ptr != size.data() + size.size()) return InvalidArgument("firmware image size is not a number");
  const std::string_view payload = bytes.substr(header_end + 2);
  if (payload.size() != image.payload_size) {
    return InvalidArgument("firmware image payload is " + std::to_string(payload.size()) + " bytes, header says " +
                           std::to_string(image.payload_size));
  }
  if (Sha256Hex(payload) != image.sha256) return InvalidArgument("firmware image SHA-256 mismatch");
  return image;
}

}  // namespace ruru::cpesim

// Reads the pixel size from PNG and JPEG headers so that oversized images are refused before OpenCV
// allocates memory for them.
#include <cstdint>
#include <optional>
#include <vector>

#include "ferguard/io/image_io.h"

namespace ferguard {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

std::optional<ImageSize> probe_png(const std::vector<std::uint8_t>& b) {
  static const std::uint8_t kSig[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (b.size() < 24 || !std::equal(kSig, kSig + 8, b.begin())) return std::nullopt;
  if (!std::equal(b.begin() + 12, b.begin() + 16, "IHDR")) return std::nullopt;
  const std::uint32_t w = be32(&b[16]), h = be32(&b[20]);
  if (w > 0x7fffffffu || h > 0x7fffffffu) return std::nullopt;
  return ImageSize{static_cast<int>(w), static_cast<int>(h)};
}

std::optional<ImageSize> probe_jpeg(const std::vector<std::uint8_t>& b) {
  if (b.size() < 4 || b[0] != 0xff || b[1] != 0xd8) return std::nullopt;
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xff) return std::nullopt;
    const std::uint8_t marker = b[i + 1];
    if (marker == 0xff) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {  // no length field
      i += 2;
      continue;
    }
    const std::uint16_t len = be16(&b[i + 2]);
    if (len < 2) return std::nullopt;
    // Start-of-frame markers: C0..CF except C4 (DHT), C8 (JPG), CC (DAC).
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
      if (i + 9 > b.size()) return std::nullopt;
      return ImageSize{be16(&b[i + 7]), be16(&b[i + 5])};
    }
    i += 2 + len;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> probe_image_size(const std::vector<std::uint8_t>& bytes) {
  if (auto s = probe_png(bytes)) return s;
  return probe_jpeg(bytes);
}

}  // namespace ferguard

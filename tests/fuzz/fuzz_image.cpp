// Feeds the image header probe (probe_image_size) and then decode_image, the in-memory half of read_image,
// with a 4-megapixel limit. Any input may be rejected, but only with a ferguard::Error.
#include <cstdint>
#include <vector>

#include "ferguard/error.h"
#include "ferguard/io/image_io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  if (const auto probed = ferguard::probe_image_size(bytes)) {
    if (probed->width < 0 || probed->height < 0) __builtin_trap();  // the probe promises non-negative sizes
  }
  ferguard::ImageReadOptions options;
  options.max_pixels = 4'000'000;
  try {
    const ferguard::Image image = ferguard::decode_image(bytes, "fuzz", options);
    if (image.pixels().size() != std::size_t(image.height()) * image.width() * image.channels()) __builtin_trap();
  } catch (const ferguard::Error&) {
  }
  return 0;
}

#pragma once
/// Reading and writing images (PNG, JPEG, BMP, ...) through OpenCV; RGB order inside ferguard.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferguard/types.h"

namespace ferguard {

/// How `read_image` treats what it finds in a file.
struct ImageReadOptions {
  /// Images with more pixels than this are refused before they are decoded (decompression bombs).
  std::int64_t max_pixels = 50'000'000;
  /// Files larger than this many bytes are refused before they are read (512 MiB: a 50-megapixel 16-bit PNG fits).
  std::int64_t max_bytes = std::int64_t(512) << 20;
  /// Convert grey images to 3 identical RGB channels (otherwise they keep 1 channel).
  bool force_rgb = true;

  /// Throws InvalidArgument if max_pixels or max_bytes < 1.
  void validate() const;
};

/// Reads an image file as HWC uint8: RGB (or grey when !force_rgb). 16-bit images are scaled to 8 bits;
/// an alpha channel is dropped (pixels are taken as opaque). A JPEG's EXIF orientation is applied: the image comes
/// back upright, as viewers show it.
/// Throws IoError naming the path if it is missing, not a regular file (a device such as /dev/zero, a FIFO or a
/// socket, also behind a symlink: refused without reading from it), empty, larger than options.max_bytes, corrupt or
/// unsupported, and InvalidArgument if it has more than options.max_pixels pixels.
Image read_image(const std::string& path, const ImageReadOptions& options = {});

/// Decodes an in-memory encoded image (same rules as read_image); `name` is used in messages.
Image decode_image(const std::vector<std::uint8_t>& bytes, const std::string& name,
                   const ImageReadOptions& options = {});

/// Writes an HWC uint8 image (1 or 3 channels, RGB) to `path`; the format follows the extension
/// (.png, .jpg/.jpeg, .bmp). The file appears whole or not at all (written to a temporary name, then renamed).
/// Throws InvalidArgument for an empty image or unknown extension, IoError if writing fails.
void write_image(const std::string& path, const Image& image);

/// Pixel size of an encoded image.
struct ImageSize {
  int width = 0;
  int height = 0;
};

/// Size read from a PNG or JPEG header without decoding; nullopt for other formats or unreadable headers.
std::optional<ImageSize> probe_image_size(const std::vector<std::uint8_t>& bytes);

}  // namespace ferguard

#pragma once
// Writes low.png and high.png for an image; high is shown offset to mid-grey (0.5 + high).
#include <filesystem>
#include <iostream>

#include "ferguard/ferguard.h"

namespace ferguard::cli {

inline void write_split(const BandSplitter& splitter, const Image& image, const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw IoError("output folder '" + out_dir + "': cannot create (" + ec.message() + ")");
  const SplitResult r = splitter.split(to_tensor(image));
  Tensor4 shown = r.high;
  for (float& v : shown.vector()) v += 0.5f;
  const std::string low_path = (std::filesystem::path(out_dir) / "low.png").string();
  const std::string high_path = (std::filesystem::path(out_dir) / "high.png").string();
  write_image(low_path, to_image(r.low));
  write_image(high_path, to_image(shown));
  std::cout << "split " << image.width() << "x" << image.height() << " with " << splitter.name() << "\n  wrote "
            << low_path << "\n  wrote " << high_path << "\n";
}

}  // namespace ferguard::cli

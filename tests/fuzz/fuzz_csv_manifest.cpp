// Feeds the CSV dataset manifest reader (open_csv, which splits rows with split_csv): the input is written
// as manifest.csv next to three image files (a.png, b.jpg, faces/c.png) that rows may name. Images are not
// decoded (verify_images off): the target is the manifest, not the codecs. Each input is read once with
// on_error=skip and once with on_error=fail. Any input may be rejected, but only with a ferguard::Error.
#include <cstdint>
#include <filesystem>
#include <string>

#include "data/file_dataset.h"
#include "ferguard/error.h"
#include "fuzz_util.h"

namespace {

void read_manifest(const std::string& path, ferguard::OnError on_error) {
  ferguard::DatasetOptions options;
  options.verify_images = false;
  options.on_error = on_error;
  options.threads = 1;
  try {
    const auto dataset = ferguard::detail::open_csv(path, options);
    for (std::size_t i = 0; i < dataset->size(); ++i) {
      (void)dataset->label_of(i);
      (void)dataset->split_of(i);
    }
    (void)dataset->issues();
  } catch (const ferguard::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool images_written = [] {
    std::filesystem::create_directories(std::filesystem::path(ferguard::fuzz::scratch_dir()) / "faces");
    for (const char* name : {"a.png", "b.jpg", "faces/c.png"}) ferguard::fuzz::write_scratch(name, nullptr, 0);
    return true;
  }();
  (void)images_written;
  const std::string path = ferguard::fuzz::write_scratch("manifest.csv", data, size);
  read_manifest(path, ferguard::OnError::skip);
  read_manifest(path, ferguard::OnError::fail);
  return 0;
}

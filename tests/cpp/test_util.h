#pragma once
// Helpers shared by the C++ tests.
#include <filesystem>
#include <random>
#include <string>

#include "ferguard/types.h"

namespace ferguard::test {

/// Uniform [0, 1) values from a fixed seed.
inline Tensor4 random_tensor(Shape4 shape, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Tensor4 t(shape);
  for (float& v : t.vector()) v = u(rng);
  return t;
}

inline float max_abs_diff(const Tensor4& a, const Tensor4& b) {
  float m = 0.0f;
  for (std::size_t i = 0; i < a.vector().size(); ++i) m = std::max(m, std::abs(a.vector()[i] - b.vector()[i]));
  return m;
}

/// A fresh, empty temporary folder removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ferguard-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// The graph goldens' synthetic input (tools/reference/make_graph_goldens.js): a size x size RGB image with
/// pixel(y, x, c) = (7y + 13x + 61c + (y x) % 17) % 256.
inline Image golden_synthetic_image(int size) {
  Image im(size, size, 3);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < 3; ++c) im.at(y, x, c) = static_cast<std::uint8_t>((y * 7 + x * 13 + c * 61 + (y * x) % 17) % 256);
  return im;
}

}  // namespace ferguard::test

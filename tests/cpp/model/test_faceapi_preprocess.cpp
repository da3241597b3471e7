#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <random>

#include "faceapi_reference.h"
#include "ferguard/error.h"
#include "model/faceapi_preprocess.h"

namespace ferguard {
namespace {

// Slow scalar legacy-TF resize in double (one channel plane); positions use TF's float32 scale.
std::vector<double> slow_resize(const std::vector<double>& src, int ih, int iw, int oh, int ow) {
  std::vector<double> out(static_cast<std::size_t>(oh) * ow);
  const float sy = static_cast<float>(ih) / oh, sx = static_cast<float>(iw) / ow;
  for (int y = 0; y < oh; ++y) {
    const double fy = static_cast<float>(y) * sy;
    const int y0 = static_cast<int>(std::floor(fy)), y1 = std::min(static_cast<int>(std::ceil(fy)), ih - 1);
    for (int x = 0; x < ow; ++x) {
      const double fx = static_cast<float>(x) * sx;
      const int x0 = static_cast<int>(std::floor(fx)), x1 = std::min(static_cast<int>(std::ceil(fx)), iw - 1);
      auto at = [&](int yy, int xx) { return src[static_cast<std::size_t>(yy) * iw + xx]; };
      const double top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (fx - x0);
      const double bot = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (fx - x0);
      out[static_cast<std::size_t>(y) * ow + x] = top + (bot - top) * (fy - y0);
    }
  }
  return out;
}

TEST(FaceapiPreprocess, LegacyResizeMatchesScalarReference) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 255.0f);
  const int sizes[][4] = {{131, 131, 112, 112}, {50, 70, 150, 150}, {213, 213, 150, 150}, {7, 3, 5, 11}, {1, 1, 4, 4}};
  for (const auto& s : sizes) {
    const int ih = s[0], iw = s[1], oh = s[2], ow = s[3];
    at::Tensor x = at::empty({2, 3, ih, iw});
    float* p = x.data_ptr<float>();
    for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = u(rng);
    const at::Tensor y = detail::resize_bilinear_legacy(x, oh, ow);
    ASSERT_EQ(y.sizes().vec(), (std::vector<std::int64_t>{2, 3, oh, ow}));
    double max_diff = 0.0;
    for (int n = 0; n < 2; ++n)
      for (int c = 0; c < 3; ++c) {
        const at::Tensor plane = x[n][c].contiguous();
        const std::vector<double> src(plane.data_ptr<float>(), plane.data_ptr<float>() + ih * iw);
        const std::vector<double> ref = slow_resize(src, ih, iw, oh, ow);
        const at::Tensor got = y[n][c].contiguous();
        for (int i = 0; i < oh * ow; ++i) max_diff = std::max(max_diff, std::abs(got.data_ptr<float>()[i] - ref[i]));
      }
    EXPECT_LE(max_diff, 1e-3) << ih << "x" << iw << " -> " << oh << "x" << ow;  // float32 lerp of 0..255 values
  }
}

TEST(FaceapiPreprocess, LegacyResizeLoopEqualsTheDifferentiableForm) {
  // Without a gradient resize_bilinear_legacy runs a direct loop; with one, the tensor-op form. Same bytes, and the
  // 640x480 -> 512 detector case included (non-contiguous input too).
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 255.0f);
  const int sizes[][4] = {{480, 640, 512, 512}, {131, 97, 112, 112}, {7, 3, 5, 11}, {1, 1, 4, 4}};
  for (const auto& s : sizes) {
    at::Tensor x = at::empty({2, 3, s[0], s[1]});
    float* p = x.data_ptr<float>();
    for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = u(rng);
    for (const at::Tensor& in : {x, x.contiguous(at::MemoryFormat::ChannelsLast)}) {
      const at::Tensor loop = detail::resize_bilinear_legacy_loop(in, s[2], s[3]);
      const at::Tensor ref = detail::resize_bilinear_legacy_reference(in, s[2], s[3]);
      EXPECT_TRUE(at::equal(loop, ref)) << s[0] << "x" << s[1] << " -> " << s[2] << "x" << s[3] << ": max diff "
                                        << (loop - ref).abs().max().item<float>();
    }
  }
  // A gradient still flows through the public function.
  const at::Tensor g = at::rand({1, 3, 9, 7}).requires_grad_(true);
  detail::resize_bilinear_legacy(g, 5, 5).sum().backward();
  EXPECT_TRUE(g.grad().defined());
}

// The graph models' one-pass input against the tensor ops it replaces (the graph runner's differentiable input):
// legacy resize of the crop as a 0..255 tensor, scaled to lo..hi, grey for the emotion model; crops of several
// sizes in one batch, larger and smaller than the input.
TEST(FaceapiPreprocess, GraphModelInputEqualsTheTensorOps) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> u(0, 255);
  std::vector<Image> crops;
  for (const auto& hw : {std::pair{200, 187}, std::pair{64, 64}, std::pair{31, 45}, std::pair{1, 1}}) {
    Image im(hw.first, hw.second, 3);
    for (std::size_t i = 0; i < im.pixels().size(); ++i) im.data()[i] = static_cast<std::uint8_t>(u(rng));
    crops.push_back(im);
  }
  struct Spec {
    int size;
    float lo, hi;
    bool grey;
  };
  for (const Spec& s : {Spec{64, 0.0f, 1.0f, true}, Spec{112, 0.0f, 255.0f, false}, Spec{224, -1.0f, 1.0f, false}}) {
    const at::Tensor got = detail::graph_model_input(crops, s.size, s.lo, s.hi, s.grey, "m");
    ASSERT_EQ(got.sizes().vec(), (std::vector<std::int64_t>{4, s.size, s.size, s.grey ? 1 : 3}));
    for (std::size_t i = 0; i < crops.size(); ++i) {
      at::Tensor x = detail::resize_bilinear_legacy_reference(detail::image_to_tensor255(crops[i]), s.size, s.size);
      x = x * ((double(s.hi) - s.lo) / 255.0);
      if (s.lo != 0.0f) x = x + double(s.lo);
      if (s.grey) {
        const at::Tensor w = at::tensor({0.2989f, 0.587f, 0.114f}).view({1, 3, 1, 1});
        x = ((x * w).sum(1, true) - 0.5) * 2.0;
      }
      const at::Tensor want = x.permute({0, 2, 3, 1});
      EXPECT_LE((got[i] - want[0]).abs().max().item<double>(), 1e-6 * std::max(1.0f, s.hi))
          << "crop " << i << " to " << s.size;
    }
  }
  Image grey_image(8, 8, 1);
  EXPECT_THROW(detail::graph_model_input({crops[0], grey_image}, 64, 0.0f, 1.0f, true, "m"), InvalidArgument);
  EXPECT_THROW(detail::graph_model_input({Image()}, 64, 0.0f, 1.0f, true, "m"), InvalidArgument);
}

TEST(FaceapiPreprocess, LegacyResizeHasNoHalfPixelOffset) {
  // 4 -> 2: src = dst*2 exactly, so the output is x[0] and x[2] (half-pixel centres would average pairs).
  const at::Tensor x = at::arange(4, at::kFloat).view({1, 1, 1, 4}) * 10;
  const at::Tensor y = detail::resize_bilinear_legacy(x, 1, 2);
  EXPECT_EQ(y[0][0][0][0].item<float>(), 0.0f);
  EXPECT_EQ(y[0][0][0][1].item<float>(), 20.0f);
  // 2 -> 4: positions 0, 0.5, 1, 1.5; the last clamps i1 to 1 so it repeats x[1].
  const at::Tensor z = detail::resize_bilinear_legacy(at::tensor({0.0f, 8.0f}).view({1, 1, 1, 2}), 1, 4);
  EXPECT_EQ(z.view({-1})[1].item<float>(), 4.0f);
  EXPECT_EQ(z.view({-1})[3].item<float>(), 8.0f);
}

TEST(FaceapiPreprocess, CentredPadPutsTheExtraPixelBottomRight) {
  const at::Tensor tall = at::ones({1, 1, 5, 2});  // diff 3: 1 column left, 2 right
  const at::Tensor p = detail::pad_to_square(tall, true);
  ASSERT_EQ(p.sizes().vec(), (std::vector<std::int64_t>{1, 1, 5, 5}));
  const at::Tensor row = p[0][0][0];
  EXPECT_EQ(row[0].item<float>(), 0.0f);
  EXPECT_EQ(row[1].item<float>(), 1.0f);
  EXPECT_EQ(row[2].item<float>(), 1.0f);
  EXPECT_EQ(row[3].item<float>(), 0.0f);
  EXPECT_EQ(row[4].item<float>(), 0.0f);
  const at::Tensor wide = detail::pad_to_square(at::ones({1, 1, 2, 5}), true);  // 1 row top, 2 bottom
  EXPECT_EQ(wide[0][0].select(1, 0).sum().item<float>(), 2.0f);
  EXPECT_EQ(wide[0][0][0][0].item<float>(), 0.0f);
  EXPECT_EQ(wide[0][0][1][0].item<float>(), 1.0f);
  EXPECT_EQ(wide[0][0][3][0].item<float>(), 0.0f);
  // Not centred (SSD): everything at the bottom/right.
  const at::Tensor ssd = detail::pad_to_square(tall, false);
  EXPECT_EQ(ssd[0][0][0][0].item<float>(), 1.0f);
  EXPECT_EQ(ssd[0][0][0][2].item<float>(), 0.0f);
}

TEST(FaceapiPreprocess, NetInputMatchesDoubleReference) {
  std::mt19937 rng(3);
  std::vector<Image> crops;
  for (auto [h, w] : {std::pair{131, 100}, {112, 112}, {40, 57}, {213, 213}}) {
    Image im(h, w, 3);
    for (std::size_t i = 0; i < im.pixels().size(); ++i) im.data()[i] = static_cast<std::uint8_t>(rng() & 0xff);
    crops.push_back(im);
  }
  for (int size : {112, 150}) {
    const at::Tensor x = detail::faceapi_net_input(crops, size);
    ASSERT_EQ(x.sizes().vec(), (std::vector<std::int64_t>{4, 3, size, size}));
    for (std::size_t i = 0; i < crops.size(); ++i) {
      const test::ref::Map r = test::ref::preprocess(crops[i], size);
      const auto acc = x.accessor<float, 4>();
      double max_diff = 0.0;
      for (int y = 0; y < size; ++y)
        for (int xx = 0; xx < size; ++xx)
          for (int c = 0; c < 3; ++c)
            max_diff = std::max(max_diff, std::abs(acc[i][c][y][xx] - r.at(y, xx, c)));
      EXPECT_LE(max_diff, 1e-5) << "crop " << i << " size " << size;
    }
  }
}

TEST(FaceapiPreprocess, RejectsBadCrops) {
  EXPECT_THROW(detail::faceapi_net_input(std::vector<Image>{}, 112), InvalidArgument);
  try {
    detail::faceapi_net_input(std::vector<Image>{Image(4, 4, 3), Image(4, 4, 1)}, 112);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("face crop 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferguard

// The differentiable face models the privatizer steers with: oneDNN convolution gradients against a float64
// reference, the same function as the public recognisers and expression models, and gradients against finite
// differences.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <filesystem>

#include "ferguard/error.h"
#include "ferguard/model/faceapi_nets.h"
#include "ferguard/model/recognizer.h"
#include "model/conv.h"
#include "model/differentiable.h"
#include "model/faceapi_preprocess.h"

namespace ferguard::detail {
namespace {

namespace fs = std::filesystem;

bool models_present() {
  return fs::exists(fs::path(resolve_graph_models_dir()) / "faceres.json") &&
         fs::exists(fs::path(resolve_models_dir()) / "face_recognition_model-weights_manifest.json");
}

struct ConvCase {
  int in, out, k, stride, pad, groups;
};

class ConvGradient : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvGradient, MatchesFloat64Reference) {
  const ConvCase c = GetParam();
  at::manual_seed(7);
  const at::Tensor x = at::randn({2, c.in, 19, 19});
  const at::Tensor w = conv_weight_layout(at::randn({c.out, c.in / c.groups, c.k, c.k}));
  const at::Tensor b = at::randn({c.out});
  const at::Tensor v = at::randn({2, c.out, (19 + 2 * c.pad - c.k) / c.stride + 1, (19 + 2 * c.pad - c.k) / c.stride + 1});

  const at::Tensor xf = x.clone().requires_grad_(true);
  const at::Tensor y = conv2d(xf, w, b, c.stride, c.pad, c.groups);
  const at::Tensor g = torch::autograd::grad({(y * v).sum()}, {xf})[0];

  // float64 takes LibTorch's plain (non-oneDNN) path: the slow reference.
  const at::Tensor xd = x.to(at::kDouble).requires_grad_(true);
  const at::Tensor yd = at::conv2d(xd, w.to(at::kDouble).contiguous(), b.to(at::kDouble), c.stride, c.pad, 1, c.groups);
  const at::Tensor gd = torch::autograd::grad({(yd * v.to(at::kDouble)).sum()}, {xd})[0];

  EXPECT_LT((y.to(at::kDouble) - yd).abs().max().item<double>(), 1e-3 * (1.0 + yd.abs().max().item<double>()));
  EXPECT_LT((g.to(at::kDouble) - gd).abs().max().item<double>(), 1e-3 * (1.0 + gd.abs().max().item<double>()));
  EXPECT_GT(gd.abs().max().item<double>(), 0.1);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvGradient,
                         ::testing::Values(ConvCase{8, 16, 3, 1, 1, 1}, ConvCase{8, 16, 3, 2, 1, 1},
                                           ConvCase{16, 16, 3, 1, 1, 16}, ConvCase{16, 8, 1, 1, 0, 1}));

// A smooth synthetic face-sized image, values 0..255.
Image synthetic(int size) {
  Image im(size, size, 3);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < 3; ++c)
        im.at(y, x, c) = static_cast<std::uint8_t>(128 + 100 * std::sin(0.07 * x * (c + 1) + 0.05 * y) * std::cos(0.04 * y));
  return im;
}

class SameFunction : public ::testing::TestWithParam<std::string> {};

TEST_P(SameFunction, RecognizerEmbeddingEqualsPublicPath) {
  if (!models_present()) GTEST_SKIP() << "models absent: run scripts/fetch_models.sh (make test does)";
  const std::string name = GetParam();
  const auto pub = make_recognizer(name);
  const auto diff = make_differentiable_recognizer(name, {});
  EXPECT_EQ(diff->name(), name);
  EXPECT_EQ(diff->threshold(), pub->threshold());
  EXPECT_EQ(diff->distance_kind(), pub->distance_kind());
  // An image already at the model's input size is not resized by either path.
  const Image im = synthetic(diff->input_size());
  const std::vector<float> expected = pub->embed({im})[0];
  const at::Tensor got = diff->forward(image_to_tensor255(im));
  ASSERT_EQ(got.numel(), static_cast<int64_t>(expected.size()));
  double worst = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    worst = std::max(worst, std::abs(double(got[0][i].item<float>()) - expected[i]));
    scale = std::max(scale, std::abs(double(expected[i])));
  }
  EXPECT_LT(worst, 1e-4 * (1.0 + scale)) << name;
  // The differentiable distance is the public one.
  const std::vector<float> other = pub->embed({synthetic(diff->input_size() / 2)})[0];
  const at::Tensor o = at::from_blob(const_cast<float*>(other.data()), {1, int64_t(other.size())}, at::kFloat);
  const at::Tensor e = at::from_blob(const_cast<float*>(expected.data()), {1, int64_t(expected.size())}, at::kFloat);
  EXPECT_NEAR(diff->distance(e, o).item<float>(), pub->distance(expected, other), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Recognizers, SameFunction, ::testing::Values("faceapi", "faceres", "mobileface"));

TEST(DifferentiableExpression, LogProbabilitiesEqualPublicPath) {
  if (!models_present()) GTEST_SKIP() << "models absent";
  for (const std::string name : {"faceapi", "emotion"}) {
    const auto pub = make_expression_model(name);
    const auto diff = make_differentiable_expression_model(name, {});
    const Image im = synthetic(diff->input_size());
    const ExpressionScores expected = pub->predict({im})[0];
    const at::Tensor got = diff->forward(image_to_tensor255(im)).exp();
    for (int i = 0; i < kNumExpressions; ++i) EXPECT_NEAR(got[0][i].item<float>(), expected.probs[i], 1e-5) << name << " " << i;
  }
}

TEST(DifferentiableRecognizer, GradientMatchesFiniteDifferences) {
  if (!models_present()) GTEST_SKIP() << "models absent";
  for (const std::string name : {"faceapi", "mobileface"}) {
    const auto m = make_differentiable_recognizer(name, {});
    const at::Tensor x0 = image_to_tensor255(synthetic(m->input_size()));
    at::Tensor ref;
    {
      at::NoGradGuard g;
      ref = m->forward(x0 + 20.0);  // a nearby face, so the distance is not at its non-smooth minimum
    }
    const at::Tensor x = x0.clone().requires_grad_(true);
    const at::Tensor d = m->distance(m->forward(x), ref).sum();
    const at::Tensor grad = torch::autograd::grad({d}, {x})[0];
    // Along the gradient itself the directional derivative is |grad|: large enough to measure in float.
    const at::Tensor v = grad / grad.norm();
    const double eps = 0.05;
    at::NoGradGuard g;
    const double fd = (m->distance(m->forward(x0 + eps * v), ref).sum().item<double>() -
                       m->distance(m->forward(x0 - eps * v), ref).sum().item<double>()) /
                      (2 * eps);
    const double an = (grad * v).sum().item<double>();
    EXPECT_NEAR(an, fd, 0.05 * std::abs(fd)) << name;
    EXPECT_NEAR(an, grad.norm().item<double>(), 1e-4 * an) << name;
    EXPECT_GT(std::abs(fd), 0.0) << name;
  }
}

TEST(DifferentiableModels, UnknownNamesAreTypedErrors) {
  EXPECT_THROW(make_differentiable_recognizer("dlib", {}), InvalidArgument);
  EXPECT_THROW(make_differentiable_expression_model("nope", {}), InvalidArgument);
}

}  // namespace
}  // namespace ferguard::detail

// Inference convolutions with packed oneDNN weights against LibTorch's float64 convolution (the slow reference)
// and LibTorch's own oneDNN binding (the peer), including TF's asymmetric "SAME" padding and the fused ReLU.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "model/conv.h"

namespace ferguard::detail {
namespace {

struct PackedCase {
  int in, out, k, stride, pad_tl, pad_br, groups, size, batch;
  bool bias;
  ConvActivation act;
};

class PackedConv : public ::testing::TestWithParam<PackedCase> {};

TEST_P(PackedConv, MatchesFloat64ReferenceAndTheTorchBinding) {
  const PackedCase c = GetParam();
  at::manual_seed(11);
  const at::Tensor x = at::randn({c.batch, c.in, c.size, c.size + 3});
  const at::Tensor w = conv_weight_layout(at::randn({c.out, c.in / c.groups, c.k, c.k}));
  const at::Tensor b = c.bias ? at::randn({c.out}) : at::Tensor();
  const std::vector<int64_t> s{c.stride, c.stride}, tl{c.pad_tl, c.pad_tl}, br{c.pad_br, c.pad_br};
  const at::Tensor y = conv2d(x, w, b, s, tl, br, {1, 1}, c.groups, c.act);

  // The reference: pad explicitly, convolve in float64 on LibTorch's plain path, then ReLU.
  const at::Tensor xd = at::constant_pad_nd(x.to(at::kDouble), {c.pad_tl, c.pad_br, c.pad_tl, c.pad_br}, 0.0);
  at::Tensor yd = at::conv2d(xd, w.to(at::kDouble).contiguous(), c.bias ? b.to(at::kDouble) : at::Tensor(), s, std::vector<int64_t>{0, 0},
                             std::vector<int64_t>{1, 1}, c.groups);
  if (c.act == ConvActivation::relu) yd = at::relu(yd);
  if (c.act == ConvActivation::relu6) yd = at::clamp(yd, 0.0, 6.0);
  ASSERT_EQ(y.sizes(), yd.sizes());
  const double scale = 1.0 + yd.abs().max().item<double>();
  EXPECT_LT((y.to(at::kDouble) - yd).abs().max().item<double>(), 1e-4 * scale);

  at::Tensor peer = conv2d_torch_binding(x, w, b, s, tl, br, c.groups);
  if (c.act == ConvActivation::relu) peer = at::relu(peer);
  if (c.act == ConvActivation::relu6) peer = at::clamp(peer, 0.0, 6.0);
  EXPECT_LT((y - peer).abs().max().item<double>(), 1e-4 * scale);

  // A second call reuses the packed weights and gives the same bytes.
  EXPECT_TRUE(at::equal(conv2d(x, w, b, s, tl, br, {1, 1}, c.groups, c.act), y));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PackedConv,
    ::testing::Values(PackedCase{8, 16, 3, 1, 1, 1, 1, 19, 1, true, ConvActivation::none},    // SAME, stride 1
                      PackedCase{8, 16, 3, 2, 0, 1, 1, 20, 2, true, ConvActivation::relu},     // TF SAME on stride 2: 0 top, 1 bottom
                      PackedCase{16, 16, 3, 2, 0, 1, 16, 21, 1, false, ConvActivation::relu6}, // depthwise, asymmetric
                      PackedCase{16, 16, 3, 1, 1, 1, 16, 19, 3, true, ConvActivation::relu},   // depthwise, symmetric
                      PackedCase{16, 8, 1, 1, 0, 0, 1, 19, 1, true, ConvActivation::relu},     // pointwise
                      PackedCase{3, 32, 7, 2, 0, 0, 1, 38, 1, true, ConvActivation::none},    // VALID stem (face-api recogniser)
                      PackedCase{64, 64, 3, 1, 1, 1, 1, 9, 4, false, ConvActivation::relu}));  // batched

TEST(PackedConv, SeesInPlaceWeightChangesAndGradientsStillFlow) {
  at::manual_seed(3);
  const at::Tensor x = at::randn({1, 4, 9, 9});
  at::Tensor w = conv_weight_layout(at::randn({6, 4, 3, 3}));
  const at::Tensor before = conv2d(x, w, at::Tensor(), 1, 1);
  w.mul_(2.0);  // a new version of the same tensor: its packed copy must not be reused
  EXPECT_TRUE(at::allclose(conv2d(x, w, at::Tensor(), 1, 1), before * 2.0, 1e-4, 1e-4));

  // With an input that needs a gradient, the result is differentiable (OneDnnConv), asymmetric padding included.
  const at::Tensor xg = x.clone().requires_grad_(true);
  const at::Tensor y = conv2d(xg, w, at::Tensor(), {2, 2}, {0, 0}, {1, 1}, {1, 1}, 1, ConvActivation::relu);
  EXPECT_TRUE(y.requires_grad());
  y.sum().backward();
  ASSERT_TRUE(xg.grad().defined());
  EXPECT_GT(xg.grad().abs().max().item<double>(), 0.0);
}

}  // namespace
}  // namespace ferguard::detail

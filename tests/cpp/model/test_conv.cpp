// Inference convolutions with packed oneDNN weights against LibTorch's float64 convolution (the slow reference)
// and LibTorch's own oneDNN binding (the peer), including TF's asymmetric "SAME" padding and the fused ReLU.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include <ATen/ATen.h>

#include "ferguard/error.h"
#include "model/conv.h"
#include "model/torch_runtime.h"
#include "model/winograd.h"

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
  const at::Tensor x = at::randn({c.batch, c.in, c.size, c.size == 1 ? 1 : c.size + 3});
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
                      PackedCase{64, 64, 3, 1, 1, 1, 1, 9, 4, false, ConvActivation::relu},  // batched
                      PackedCase{16, 24, 1, 2, 0, 0, 1, 15, 2, true, ConvActivation::relu},  // strided 1x1: a subsample
                      PackedCase{24, 16, 3, 1, 1, 1, 1, 1, 1, true, ConvActivation::none},   // 1 pixel: the centre tap
                      PackedCase{24, 16, 3, 2, 0, 2, 1, 1, 1, false, ConvActivation::relu})); // 1 pixel: the corner tap

// Output rows computed band by band (conv2d_rows_into) equal the whole convolution's, and read only the input rows
// conv2d_input_rows names: every other input row is NaN here.
struct RowsCase {
  int in, out, k, stride, pad_tl, pad_br, groups, h, w;
  ConvActivation act;
};

class ConvRows : public ::testing::TestWithParam<RowsCase> {};

TEST_P(ConvRows, BandsOfRowsEqualTheWholeConvolution) {
  const RowsCase c = GetParam();
  const ScopedTorchThreads one(1);  // so that the Winograd case takes Winograd
  at::manual_seed(3);
  const at::Tensor x = at::randn({1, c.in, c.h, c.w}).contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor w = conv_weight_layout(0.2 * at::randn({c.out, c.in / c.groups, c.k, c.k}));
  const at::Tensor b = at::randn({c.out});
  const std::vector<int64_t> s{c.stride, c.stride}, tl{c.pad_tl, c.pad_tl}, br{c.pad_br, c.pad_br};
  const at::Tensor whole = conv2d(x, w, b, s, tl, br, {1, 1}, c.groups, c.act);
  const std::int64_t ho = whole.size(2);
  at::Tensor out = at::full(whole.sizes(), std::nan(""), at::kFloat).contiguous(at::MemoryFormat::ChannelsLast);
  const std::vector<std::int64_t> cuts{0, 1, ho / 3, ho / 3 + 1, ho - 2, ho};
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const std::int64_t r0 = cuts[i], r1 = cuts[i + 1];
    if (r1 <= r0) continue;
    const auto [first, last] = conv2d_input_rows(c.h, c.k, c.stride, c.pad_tl, r0, r1);
    at::Tensor poisoned = x.clone();
    poisoned.slice(2, 0, first).fill_(std::nan(""));
    poisoned.slice(2, last, c.h).fill_(std::nan(""));
    conv2d_rows_into(out, r0, r1, poisoned, w, b, s, tl, br, c.groups, c.act);
  }
  EXPECT_FALSE(out.isnan().any().item<bool>());
  const double scale = 1.0 + whole.abs().max().item<double>();
  EXPECT_LT((out - whole).abs().max().item<double>(), 1e-5 * scale);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvRows,
    ::testing::Values(RowsCase{16, 24, 1, 1, 0, 0, 1, 13, 9, ConvActivation::relu6},    // pointwise
                      RowsCase{16, 16, 3, 1, 1, 1, 16, 14, 11, ConvActivation::relu6},  // depthwise, SAME
                      RowsCase{16, 16, 3, 2, 0, 1, 16, 16, 12, ConvActivation::relu6},  // depthwise, TF SAME stride 2
                      RowsCase{3, 8, 3, 2, 0, 1, 1, 20, 20, ConvActivation::relu6},     // the detector's stem
                      RowsCase{16, 16, 3, 1, 1, 1, 1, 24, 24, ConvActivation::relu},    // Winograd's shape: a copy
                      RowsCase{8, 8, 1, 2, 0, 0, 1, 12, 12, ConvActivation::none}));    // strided 1x1: a copy

TEST(ConvRows, RejectsWhatItCannotDo) {
  const at::Tensor x = at::randn({1, 4, 8, 8}).contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor w = conv_weight_layout(at::randn({4, 4, 3, 3}));
  at::Tensor out = at::empty({1, 4, 8, 8}).contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor wrong = at::empty({1, 4, 7, 8}).contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor plain_layout = at::empty({1, 4, 8, 8});
  EXPECT_THROW(conv2d_rows_into(wrong, 0, 4, x, w, {}, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none), InvalidArgument);
  EXPECT_THROW(conv2d_rows_into(plain_layout, 0, 4, x, w, {}, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none),
               InvalidArgument);
  EXPECT_THROW(conv2d_rows_into(out, 5, 4, x, w, {}, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none), InvalidArgument);
  const at::Tensor three_channels = at::randn({1, 3, 8, 8}).contiguous(at::MemoryFormat::ChannelsLast);
  EXPECT_THROW(conv2d_rows_into(out, 0, 4, three_channels, w, {}, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none),
               InvalidArgument);
  const at::Tensor trainable = w.clone().requires_grad_(true);
  EXPECT_THROW(conv2d_rows_into(out, 0, 4, x, trainable, {}, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none),
               InvalidArgument);
  conv2d_rows_into(out, 0, 8, x, w, {}, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none);
  EXPECT_TRUE(at::allclose(out, conv2d(x, w, {}, 1, 1), 1e-5, 1e-5));
}

// Winograd's F(4x4, 3x3) layers: the shapes it takes, against the float64 reference and oneDNN's direct kernel.
struct WinogradCase {
  int in, out, h, w, pad_tl, pad_br, batch;
  bool bias;
  ConvActivation act;
};

class WinogradConv : public ::testing::TestWithParam<WinogradCase> {};

TEST_P(WinogradConv, MatchesFloat64ReferenceAndTheDirectKernel) {
  const WinogradCase c = GetParam();
  const ScopedTorchThreads one(1);  // Winograd runs on one intra-op thread only
  at::manual_seed(7);
  const at::Tensor x = at::relu(at::randn({c.batch, c.in, c.h, c.w}));
  const at::Tensor w = conv_weight_layout(0.1 * at::randn({c.out, c.in, 3, 3}));
  const at::Tensor b = c.bias ? at::randn({c.out}) : at::Tensor();
  const std::vector<int64_t> s{1, 1}, tl{c.pad_tl, c.pad_tl}, br{c.pad_br, c.pad_br};
  ASSERT_TRUE(conv2d_uses_winograd(x, w, s, tl, br, 1, c.act));
  const at::Tensor y = conv2d(x, w, b, s, tl, br, {1, 1}, 1, c.act);

  const at::Tensor xd = at::constant_pad_nd(x.to(at::kDouble), {c.pad_tl, c.pad_br, c.pad_tl, c.pad_br}, 0.0);
  at::Tensor yd = at::conv2d(xd, w.to(at::kDouble).contiguous(), c.bias ? b.to(at::kDouble) : at::Tensor());
  if (c.act == ConvActivation::relu) yd = at::relu(yd);
  ASSERT_EQ(y.sizes(), yd.sizes());
  const double scale = 1.0 + yd.abs().max().item<double>();
  const double err = (y.to(at::kDouble) - yd).abs().max().item<double>();
  at::Tensor direct = conv2d_torch_binding(x, w, b, s, tl, br, 1);
  if (c.act == ConvActivation::relu) direct = at::relu(direct);
  const double direct_err = (direct.to(at::kDouble) - yd).abs().max().item<double>();
  std::cout << "[ winograd vs float64 ] " << c.in << "->" << c.out << " on " << c.h << "x" << c.w << ": max |diff| "
            << err << " (direct kernel " << direct_err << ", max |y| " << scale - 1.0 << ")\n";
  EXPECT_LT(err, 2e-5 * scale);
  EXPECT_LT((y - direct).abs().max().item<double>(), 2e-5 * scale);
  EXPECT_TRUE(y.is_contiguous(at::MemoryFormat::ChannelsLast));
  // The same bytes on a second call (transformed weights cached, buffers reused).
  EXPECT_TRUE(at::equal(conv2d(x, w, b, s, tl, br, {1, 1}, 1, c.act), y));
  // The transforms' plain code (CPUs without AVX2) gives the same sums up to rounding.
  winograd_generic_only(true);
  const at::Tensor generic = conv2d(x, w, b, s, tl, br, {1, 1}, 1, c.act);
  winograd_generic_only(false);
  EXPECT_LT((generic - y).abs().max().item<double>(), 1e-5 * scale);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, WinogradConv,
    ::testing::Values(WinogradCase{32, 32, 35, 35, 1, 1, 1, true, ConvActivation::relu},   // the recogniser's first stage
                      WinogradCase{64, 64, 17, 17, 1, 1, 1, true, ConvActivation::none},   // its second
                      WinogradCase{32, 64, 31, 31, 0, 0, 1, true, ConvActivation::relu},   // emotion, VALID
                      WinogradCase{16, 24, 18, 23, 0, 1, 2, false, ConvActivation::none},  // TF SAME's extra row, batch 2
                      WinogradCase{20, 16, 21, 14, 2, 2, 1, true, ConvActivation::none})); // odd sizes, wide padding

TEST(WinogradConv, OnlyWhereItIsFaster) {
  const ScopedTorchThreads one(1);
  const at::Tensor w = conv_weight_layout(at::randn({32, 32, 3, 3}));
  const at::Tensor x = at::randn({1, 32, 35, 35});
  EXPECT_TRUE(conv2d_uses_winograd(x, w, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none));
  EXPECT_FALSE(conv2d_uses_winograd(x, w, {2, 2}, {1, 1}, {1, 1}, 1, ConvActivation::none));  // strided
  EXPECT_FALSE(conv2d_uses_winograd(x, w, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::relu6));
  EXPECT_FALSE(conv2d_uses_winograd(at::randn({1, 32, 8, 8}), w, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none));
  EXPECT_FALSE(conv2d_uses_winograd(at::randn({1, 8, 35, 35}), conv_weight_layout(at::randn({32, 8, 3, 3})), {1, 1},
                                    {1, 1}, {1, 1}, 1, ConvActivation::none));  // too few channels
  EXPECT_FALSE(conv2d_uses_winograd(x, conv_weight_layout(at::randn({32, 1, 3, 3})), {1, 1}, {1, 1}, {1, 1}, 32,
                                    ConvActivation::none));  // depthwise
  const ScopedTorchThreads two(2);
  EXPECT_FALSE(conv2d_uses_winograd(x, w, {1, 1}, {1, 1}, {1, 1}, 1, ConvActivation::none));
}

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

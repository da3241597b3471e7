// Each graph op against a slow reference written independently of ATen's convolution and pooling: plain
// loops in double over logical NHWC arrays, with TensorFlow's padding rules spelled out.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>
#include <fstream>
#include <random>

#include "ferguard/error.h"
#include "model/graph/tfjs_graph.h"
#include "test_util.h"

namespace ferguard::detail {
namespace {

at::Tensor rnd(std::vector<int64_t> shape, unsigned seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(static_cast<float>(lo), static_cast<float>(hi));
  at::Tensor t = at::empty(shape, at::kFloat);
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = u(rng);
  return t;
}

GraphNode node(std::string name, std::string op, std::vector<std::string> inputs) {
  GraphNode n;
  n.name = std::move(name);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  return n;
}

GraphNode conv_node(std::string name, std::string op, std::vector<std::string> inputs, std::string padding,
                    int64_t stride, int64_t dilation = 1) {
  GraphNode n = node(std::move(name), std::move(op), std::move(inputs));
  n.strings["padding"] = std::move(padding);
  n.strings["data_format"] = "NHWC";
  n.int_lists["strides"] = {1, stride, stride, 1};
  n.int_lists["dilations"] = {1, dilation, dilation, 1};
  return n;
}

// Runs a graph whose single placeholder is "x" and returns `out`.
at::Tensor run(std::vector<GraphNode> nodes, std::map<std::string, at::Tensor> consts, const at::Tensor& x,
               const std::string& out = "y") {
  nodes.push_back(node("x", "Placeholder", {}));
  for (const auto& [name, v] : consts) nodes.push_back(node(name, "Const", {}));
  const TfjsGraph g = TfjsGraph::from_nodes(std::move(nodes), std::move(consts), "test");
  return g.run({{"x", x}}, {out})[0];
}

// TF padding before the first element along one axis, for SAME/VALID.
int64_t pad_before(const std::string& mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t* out) {
  if (mode == "VALID") {
    *out = (in - (k - 1) * d - 1) / s + 1;
    return 0;
  }
  *out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>((*out - 1) * s + (k - 1) * d + 1 - in, 0);
  return total / 2;
}

// Naive NHWC convolution; depthwise when `depthwise` (filter [kh,kw,C,M], output channel c*M+m).
at::Tensor naive_conv(const at::Tensor& x, const at::Tensor& f, const std::string& mode, int64_t s, int64_t d,
                      bool depthwise) {
  const auto X = x.to(at::kDouble).contiguous(), F = f.to(at::kDouble).contiguous();
  const int64_t N = X.size(0), H = X.size(1), W = X.size(2), C = X.size(3);
  const int64_t KH = F.size(0), KW = F.size(1), M = F.size(3);
  int64_t OH, OW;
  const int64_t pt = pad_before(mode, H, KH, s, d, &OH), pl = pad_before(mode, W, KW, s, d, &OW);
  const int64_t OC = depthwise ? C * M : M;
  at::Tensor Y = at::zeros({N, OH, OW, OC}, at::kDouble);
  auto xa = X.accessor<double, 4>();
  auto fa = F.accessor<double, 4>();
  auto ya = Y.accessor<double, 4>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t oc = 0; oc < OC; ++oc) {
          double acc = 0;
          for (int64_t ky = 0; ky < KH; ++ky)
            for (int64_t kx = 0; kx < KW; ++kx) {
              const int64_t iy = oy * s + ky * d - pt, ix = ox * s + kx * d - pl;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              if (depthwise) {
                acc += xa[n][iy][ix][oc / M] * fa[ky][kx][oc / M][oc % M];
              } else {
                for (int64_t c = 0; c < C; ++c) acc += xa[n][iy][ix][c] * fa[ky][kx][c][oc];
              }
            }
          ya[n][oy][ox][oc] = acc;
        }
  return Y.to(at::kFloat);
}

double max_diff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

struct ConvCase {
  std::string op, padding;
  int64_t h, w, k, stride, dilation;
};

class GraphConv : public ::testing::TestWithParam<ConvCase> {};

TEST_P(GraphConv, MatchesNaiveTensorFlowConvolution) {
  const ConvCase& c = GetParam();
  const bool dw = c.op == "DepthwiseConv2dNative";
  const at::Tensor x = rnd({2, c.h, c.w, 3}, 1);
  const at::Tensor f = rnd({c.k, c.k, 3, dw ? 2 : 5}, 2);
  const at::Tensor y = run({conv_node("y", c.op, {"x", "f"}, c.padding, c.stride, c.dilation)}, {{"f", f}}, x);
  EXPECT_LE(max_diff(y, naive_conv(x, f, c.padding, c.stride, c.dilation, dw)), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(
    Ops, GraphConv,
    ::testing::Values(ConvCase{"Conv2D", "SAME", 8, 8, 3, 2, 1},  // even input, stride 2: padding 0 top, 1 bottom
                      ConvCase{"Conv2D", "SAME", 7, 9, 3, 2, 1}, ConvCase{"Conv2D", "VALID", 9, 8, 3, 2, 1},
                      ConvCase{"Conv2D", "SAME", 10, 10, 3, 1, 2}, ConvCase{"Conv2D", "VALID", 11, 11, 7, 2, 1},
                      ConvCase{"Conv2D", "SAME", 6, 6, 1, 1, 1},
                      ConvCase{"DepthwiseConv2dNative", "SAME", 8, 8, 3, 2, 1},
                      ConvCase{"DepthwiseConv2dNative", "VALID", 9, 7, 3, 1, 1},
                      ConvCase{"DepthwiseConv2dNative", "SAME", 9, 9, 3, 1, 2}),
    [](const ::testing::TestParamInfo<ConvCase>& i) {
      return i.param.op.substr(0, 6) + "_" + i.param.padding + "_" + std::to_string(i.param.h) + "x" +
             std::to_string(i.param.w) + "_k" + std::to_string(i.param.k) + "_s" + std::to_string(i.param.stride) +
             "_d" + std::to_string(i.param.dilation);
    });

TEST(GraphOps, ExplicitPaddingConvolution) {
  const at::Tensor x = rnd({1, 5, 6, 3}, 3), f = rnd({3, 3, 3, 4}, 4);
  GraphNode n = conv_node("y", "Conv2D", {"x", "f"}, "EXPLICIT", 1);
  n.int_lists["explicit_paddings"] = {0, 0, 2, 0, 1, 1, 0, 0};
  const at::Tensor padded = at::constant_pad_nd(x, {0, 0, 1, 1, 2, 0});  // NHWC: C, W, H from the back
  EXPECT_LE(max_diff(run({n}, {{"f", f}}, x), naive_conv(padded, f, "VALID", 1, 1, false)), 1e-5);
}

TEST(GraphOps, FusedConvolutionBiasActivationsAndBatchNorm) {
  const at::Tensor x = rnd({1, 6, 6, 3}, 5), f = rnd({3, 3, 3, 4}, 6), b = rnd({4}, 7), alpha = rnd({4}, 8, 0, 0.5);
  const at::Tensor ref = naive_conv(x, f, "SAME", 2, 1, false) + b;
  GraphNode relu = conv_node("y", "_FusedConv2D", {"x", "f", "b"}, "SAME", 2);
  relu.fused_ops = {"BiasAdd", "Relu"};
  EXPECT_LE(max_diff(run({relu}, {{"f", f}, {"b", b}}, x), at::relu(ref)), 1e-5);
  GraphNode relu6 = relu;
  relu6.fused_ops = {"BiasAdd", "Relu6"};
  EXPECT_LE(max_diff(run({relu6}, {{"f", f}, {"b", b * 20}}, x), at::clamp(naive_conv(x, f, "SAME", 2, 1, false) + b * 20, 0, 6)),
            1e-4);
  GraphNode prelu = conv_node("y", "_FusedConv2D", {"x", "f", "b", "a"}, "SAME", 2);
  prelu.fused_ops = {"BiasAdd", "Prelu"};
  EXPECT_LE(max_diff(run({prelu}, {{"f", f}, {"b", b}, {"a", alpha}}, x), at::where(ref > 0, ref, ref * alpha)), 1e-5);
  GraphNode bn = conv_node("y", "_FusedConv2D", {"x", "f", "s", "o", "m", "v"}, "VALID", 1);
  bn.fused_ops = {"FusedBatchNorm"};
  bn.numbers["epsilon"] = 0.001;
  const at::Tensor s = rnd({4}, 9), o = rnd({4}, 10), m = rnd({4}, 11), v = rnd({4}, 12, 0.1, 2);
  const at::Tensor conv = naive_conv(x, f, "VALID", 1, 1, false);
  EXPECT_LE(max_diff(run({bn}, {{"f", f}, {"s", s}, {"o", o}, {"m", m}, {"v", v}}, x),
                     (conv - m) / at::sqrt(v + 0.001) * s + o),
            1e-5);
  GraphNode dw = conv_node("y", "FusedDepthwiseConv2dNative", {"x", "f", "b"}, "SAME", 1);
  dw.fused_ops = {"BiasAdd", "Relu"};
  const at::Tensor fd = rnd({3, 3, 3, 1}, 13), bd = rnd({3}, 14);
  EXPECT_LE(max_diff(run({dw}, {{"f", fd}, {"b", bd}}, x), at::relu(naive_conv(x, fd, "SAME", 1, 1, true) + bd)), 1e-5);
}

TEST(GraphOps, MatMulWithTransposesAndFusedBias) {
  const at::Tensor x = rnd({3, 5}, 15), w = rnd({4, 5}, 16), b = rnd({4}, 17);
  GraphNode mm = node("y", "MatMul", {"x", "w"});
  mm.flags["transpose_b"] = true;
  EXPECT_LE(max_diff(run({mm}, {{"w", w}}, x), at::matmul(x.to(at::kDouble), w.to(at::kDouble).t())), 1e-5);
  GraphNode fused = node("y", "_FusedMatMul", {"x", "w", "b"});
  fused.flags["transpose_b"] = true;
  fused.fused_ops = {"BiasAdd", "Relu"};
  EXPECT_LE(max_diff(run({fused}, {{"w", w}, {"b", b}}, x), at::relu(at::matmul(x, w.t()) + b)), 1e-5);
}

TEST(GraphOps, BroadcastingAgainstConstantsAfterAConvolution) {
  // After a convolution the value is stored NCHW; a per-channel constant and a scalar must still broadcast on the
  // logical channel axis, in either operand order.
  const at::Tensor x = rnd({2, 4, 5, 3}, 18), f = rnd({1, 1, 3, 3}, 19), c = rnd({3}, 20), k = rnd({}, 21);
  const at::Tensor conv = naive_conv(x, f, "VALID", 1, 1, false);
  std::vector<GraphNode> nodes = {conv_node("conv", "Conv2D", {"x", "f"}, "VALID", 1), node("a", "Sub", {"c", "conv"}),
                                  node("b", "Mul", {"a", "k"}), node("m", "Maximum", {"b", "x"}),
                                  node("y", "Minimum", {"k", "m"})};
  const at::Tensor ref = at::minimum(k, at::maximum((c - conv) * k, x));
  EXPECT_LE(max_diff(run(nodes, {{"f", f}, {"c", c}, {"k", k}}, x), ref), 1e-5);
}

// A spatial Mean of a stride-1 convolution that nothing else reads is computed from window sums of the input, without
// the convolution's output (the emotion model's last two nodes): against the naive convolution, then the mean.
TEST(GraphOps, SpatialMeanOfAConvolutionFromWindowSums) {
  const at::Tensor axes = at::tensor({1, 2}, at::kInt), negative = at::tensor({-3, -2}, at::kInt);
  for (const std::string padding : {"SAME", "VALID"})
    for (int64_t w : {5, 8}) {
      const at::Tensor x = rnd({2, 7, w, 6}, 30 + w), f = rnd({3, 3, 6, 4}, 31), b = rnd({4}, 32);
      const at::Tensor want = (naive_conv(x, f, padding, 1, 1, false) + b).mean({1, 2});
      GraphNode conv = conv_node("conv", "_FusedConv2D", {"x", "f", "b"}, padding, 1);
      conv.fused_ops = {"BiasAdd"};
      for (const at::Tensor& ax : {axes, negative}) {
        std::vector<GraphNode> nodes{conv, node("y", "Mean", {"conv", "ax"}), node("x", "Placeholder", {}),
                                     node("f", "Const", {}), node("b", "Const", {}), node("ax", "Const", {})};
        const TfjsGraph g = TfjsGraph::from_nodes(nodes, {{"f", f}, {"b", b}, {"ax", ax}}, "test");
        EXPECT_EQ(g.fused_spatial_means(), 1u);
        EXPECT_LE(max_diff(g.run({{"x", x}}, {"y"})[0], want), 1e-5) << padding << " width " << w;
      }
    }
  // With an input that needs a gradient, the convolution and the mean run as LibTorch ops, and the gradient flows.
  {
    const at::Tensor x = rnd({1, 7, 5, 6}, 35).requires_grad_(true), f = rnd({3, 3, 6, 4}, 31), b = rnd({4}, 32);
    GraphNode conv = conv_node("conv", "_FusedConv2D", {"x", "f", "b"}, "SAME", 1);
    conv.fused_ops = {"BiasAdd"};
    std::vector<GraphNode> nodes{conv, node("y", "Mean", {"conv", "ax"}), node("x", "Placeholder", {}),
                                 node("f", "Const", {}), node("b", "Const", {}), node("ax", "Const", {})};
    const TfjsGraph g = TfjsGraph::from_nodes(nodes, {{"f", f}, {"b", b}, {"ax", axes}}, "test");
    const at::Tensor y = g.run({{"x", x}}, {"y"})[0];
    EXPECT_LE(max_diff(y.detach(), (naive_conv(x.detach(), f, "SAME", 1, 1, false) + b).mean({1, 2})), 1e-5);
    ASSERT_TRUE(y.requires_grad());
    y.sum().backward();
    EXPECT_GT(x.grad().abs().max().item<double>(), 0.0);
  }
  // Not when the convolution is read twice, strided, or followed by an activation: the plain ops then run.
  const at::Tensor x = rnd({1, 6, 6, 3}, 40), f = rnd({3, 3, 3, 2}, 41);
  GraphNode strided = conv_node("conv", "Conv2D", {"x", "f"}, "SAME", 2);
  GraphNode relu = conv_node("conv", "_FusedConv2D", {"x", "f", "b"}, "SAME", 1);
  relu.fused_ops = {"BiasAdd", "Relu"};
  for (const GraphNode& c : {strided, relu}) {
    std::vector<GraphNode> nodes{c, node("y", "Mean", {"conv", "ax"}), node("x", "Placeholder", {}),
                                 node("f", "Const", {}), node("b", "Const", {}), node("ax", "Const", {})};
    EXPECT_EQ(TfjsGraph::from_nodes(nodes, {{"f", f}, {"b", rnd({2}, 42)}, {"ax", axes}}, "test").fused_spatial_means(),
              0u);
  }
  std::vector<GraphNode> twice{conv_node("conv", "Conv2D", {"x", "f"}, "SAME", 1), node("y", "Mean", {"conv", "ax"}),
                               node("z", "Relu", {"conv"}), node("x", "Placeholder", {}), node("f", "Const", {}),
                               node("ax", "Const", {})};
  const TfjsGraph g = TfjsGraph::from_nodes(twice, {{"f", f}, {"ax", axes}}, "test");
  EXPECT_EQ(g.fused_spatial_means(), 0u);
  EXPECT_LE(max_diff(g.run({{"x", x}}, {"y"})[0], naive_conv(x, f, "SAME", 1, 1, false).mean({1, 2})), 1e-5);
}

TEST(GraphOps, ReductionsOnLogicalAxes) {
  const at::Tensor x = rnd({2, 4, 5, 3}, 22), f = rnd({1, 1, 3, 3}, 23);
  const at::Tensor conv = naive_conv(x, f, "VALID", 1, 1, false);
  const at::Tensor axes = at::tensor({1, 2}, at::kInt), last = at::tensor({-1}, at::kInt);
  for (bool keep : {false, true}) {
    GraphNode mean = node("y", "Mean", {"conv", "ax"});
    mean.flags["keep_dims"] = keep;
    EXPECT_LE(max_diff(run({conv_node("conv", "Conv2D", {"x", "f"}, "VALID", 1), mean}, {{"f", f}, {"ax", axes}}, x),
                       conv.mean({1, 2}, keep)),
              1e-5);
    GraphNode sum = node("y", "Sum", {"conv", "ax"});
    sum.flags["keep_dims"] = keep;
    EXPECT_LE(max_diff(run({conv_node("conv", "Conv2D", {"x", "f"}, "VALID", 1), sum}, {{"f", f}, {"ax", last}}, x),
                       conv.sum({3}, keep)),
              1e-5);
    GraphNode mx = node("y", "Max", {"x", "ax"});
    mx.flags["keep_dims"] = keep;
    EXPECT_LE(max_diff(run({mx}, {{"ax", axes}}, x), x.amax({1, 2}, keep)), 0);
  }
}

TEST(GraphOps, MaxPoolSameAndValid) {
  const at::Tensor x = rnd({1, 8, 7, 2}, 24);
  for (std::string mode : {"SAME", "VALID"}) {
    GraphNode p = conv_node("y", "MaxPool", {"x"}, mode, 2);
    p.int_lists["ksize"] = {1, 3, 3, 1};
    p.int_lists.erase("dilations");
    const at::Tensor y = run({p}, {}, x);
    // Naive: the maximum over the window's pixels that lie inside the image.
    int64_t oh, ow;
    const int64_t pt = pad_before(mode, 8, 3, 2, 1, &oh), pl = pad_before(mode, 7, 3, 2, 1, &ow);
    at::Tensor ref = at::full({1, oh, ow, 2}, -1e30, at::kFloat);
    auto xa = x.accessor<float, 4>();
    auto ra = ref.accessor<float, 4>();
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t c = 0; c < 2; ++c)
          for (int64_t ky = 0; ky < 3; ++ky)
            for (int64_t kx = 0; kx < 3; ++kx) {
              const int64_t iy = oy * 2 + ky - pt, ix = ox * 2 + kx - pl;
              if (iy >= 0 && iy < 8 && ix >= 0 && ix < 7) ra[0][oy][ox][c] = std::max(ra[0][oy][ox][c], xa[0][iy][ix][c]);
            }
    EXPECT_LE(max_diff(y, ref), 0) << mode;
  }
}

TEST(GraphOps, PadReshapeSqueezeAndUnaryOps) {
  const at::Tensor x = rnd({1, 3, 4, 2}, 25), f = rnd({1, 1, 2, 2}, 26);
  const at::Tensor paddings = at::tensor({0, 0, 1, 2, 0, 1, 0, 0}, at::kInt).reshape({4, 2});
  const at::Tensor shape = at::tensor({1, -1}, at::kInt);
  // conv -> pad -> reshape flattens in NHWC order, as TensorFlow does.
  std::vector<GraphNode> nodes = {conv_node("conv", "Conv2D", {"x", "f"}, "VALID", 1), node("p", "Pad", {"conv", "pads"}),
                                  node("y", "Reshape", {"p", "shape"})};
  const at::Tensor conv = naive_conv(x, f, "VALID", 1, 1, false);
  const at::Tensor ref = at::constant_pad_nd(conv, {0, 0, 0, 1, 1, 2}).reshape({1, -1});
  EXPECT_LE(max_diff(run(nodes, {{"f", f}, {"pads", paddings}, {"shape", shape}}, x), ref), 1e-5);

  const at::Tensor v = rnd({1, 1, 1, 6}, 27, 0.1, 2.0);
  GraphNode sq = node("s", "Squeeze", {"x"});
  sq.int_lists["squeeze_dims"] = {1, 2};
  std::vector<GraphNode> chain = {sq, node("a", "Abs", {"s"}), node("b", "Square", {"a"}), node("c", "Rsqrt", {"b"}),
                                  node("d", "Sigmoid", {"c"}), node("e", "Relu", {"d"}), node("g", "Relu6", {"e"}),
                                  node("h", "Identity", {"g"}), node("y", "Softmax", {"h"})};
  const at::Tensor r = at::softmax(at::sigmoid(at::rsqrt(v.squeeze(1).squeeze(1).abs().pow(2))), -1);
  EXPECT_LE(max_diff(run(chain, {}, v), r), 1e-6);
}

TEST(GraphOps, GradientsFlowToTheInput) {
  const at::Tensor f = rnd({3, 3, 2, 2}, 28), b = rnd({2}, 29);
  GraphNode c = conv_node("conv", "_FusedConv2D", {"x", "f", "b"}, "SAME", 2);
  c.fused_ops = {"BiasAdd", "Relu6"};
  GraphNode mean = node("y", "Mean", {"conv", "ax"});
  std::vector<GraphNode> nodes = {c, mean};
  nodes.push_back(node("x", "Placeholder", {}));
  for (const char* k : {"f", "b", "ax"}) nodes.push_back(node(k, "Const", {}));
  const TfjsGraph g =
      TfjsGraph::from_nodes(nodes, {{"f", f}, {"b", b * 0.1}, {"ax", at::tensor({1, 2, 3}, at::kInt)}}, "test");
  at::Tensor x = rnd({1, 6, 6, 2}, 30, 0, 1).set_requires_grad(true);
  const at::Tensor y = g.run({{"x", x}}, {"y"})[0].sum();
  const at::Tensor grad = torch::autograd::grad({y}, {x})[0];
  // Finite differences in a few coordinates.
  for (int64_t i : {0, 7, 20, 41, 60}) {
    at::Tensor xp = x.detach().clone(), xm = x.detach().clone();
    xp.view(-1)[i] += 1e-2;
    xm.view(-1)[i] -= 1e-2;
    const double fd = (g.run({{"x", xp}}, {"y"})[0].sum().item<double>() - g.run({{"x", xm}}, {"y"})[0].sum().item<double>()) / 2e-2;
    EXPECT_NEAR(grad.view(-1)[i].item<double>(), fd, 2e-3) << i;
  }
  EXPECT_GT(grad.abs().sum().item<double>(), 0.0);
}

TEST(GraphOps, UnknownOpsAttributesAndInputsAreModelErrors) {
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::vector<GraphNode> bad = {node("x", "Placeholder", {}), node("y", "Cumsum", {"x"})};
  EXPECT_NE(message([&] { TfjsGraph::from_nodes(bad, {}, "m.json"); }).find("'y' uses op 'Cumsum'"), std::string::npos);
  GraphNode fused = conv_node("y", "_FusedConv2D", {"x", "f", "b"}, "SAME", 1);
  fused.fused_ops = {"BiasAdd", "Gelu"};
  std::vector<GraphNode> nodes = {node("x", "Placeholder", {}), node("f", "Const", {}), node("b", "Const", {}), fused};
  EXPECT_NE(message([&] { TfjsGraph::from_nodes(nodes, {{"f", rnd({1, 1, 1, 1}, 1)}, {"b", rnd({1}, 1)}}, "m.json"); })
                .find("'Gelu'"),
            std::string::npos);
  std::vector<GraphNode> dangling = {node("y", "Relu", {"nothing"})};
  EXPECT_NE(message([&] { TfjsGraph::from_nodes(dangling, {}, "m.json"); }).find("unknown node 'nothing'"),
            std::string::npos);
  std::vector<GraphNode> missing_const = {node("c", "Const", {})};
  EXPECT_THROW(TfjsGraph::from_nodes(missing_const, {}, "m.json"), ModelError);
}

TEST(GraphOps, LoadsModelJsonWithWeightsAndRejectsUnknownAttributes) {
  test::TempDir dir;
  // A two-node model: y = relu(x * w), w a float16-free raw float32 [2] constant.
  const std::string topology = R"({"format":"graph-model","modelTopology":{"node":[
    {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"}}},
    {"name":"w","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
    {"name":"m","op":"Mul","input":["x","w"],"attr":{"T":{"type":"DT_FLOAT"}}},
    {"name":"y","op":"Relu","input":["m:0"]%EXTRA%}]},
    "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"w","shape":[2],"dtype":"float32"}]}]})";
  const float w[2] = {2.0f, -3.0f};
  std::ofstream(dir.file("w.bin"), std::ios::binary).write(reinterpret_cast<const char*>(w), sizeof(w));
  auto write = [&](const std::string& extra) {
    std::string t = topology;
    t.replace(t.find("%EXTRA%"), 7, extra);
    std::ofstream(dir.file("model.json")) << t;
  };
  write("");
  const TfjsGraph g = TfjsGraph::load(dir.file("model.json"));
  const at::Tensor y = g.run({{"x", at::tensor({1.5f, -1.0f})}}, {"y"})[0];
  EXPECT_FLOAT_EQ(y[0].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(y[1].item<float>(), 3.0f);
  EXPECT_THROW(g.run({}, {"y"}), InvalidArgument);        // placeholder not fed
  EXPECT_THROW(g.run({{"x", y}}, {"zzz"}), InvalidArgument);  // unknown output
  write(R"(,"attr":{"approximate":{"b":true}})");
  try {
    TfjsGraph::load(dir.file("model.json"));
    FAIL();
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("attribute 'approximate'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TfjsGraph::load(dir.file("absent.json")), ModelError);
}

// Inputs found by fuzzing (tests/fuzz, docs/fuzzing.md): each used to escape as a non-ferguard exception, or (the
// long base64 string) as a signed shift overflow that UndefinedBehaviorSanitizer reports.
TEST(GraphOps, MalformedModelJsonIsModelErrorNamingTheFile) {
  test::TempDir dir;
  auto error_of_load = [&](const std::string& text) {
    std::ofstream(dir.file("model.json")) << text;
    try {
      TfjsGraph::load(dir.file("model.json"));
    } catch (const ModelError& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return std::string("not a ModelError: ") + e.what();
    }
    return std::string("no error");
  };
  const std::string cases[][2] = {
      {R"({"modelTopology":{"node":[{"name":"x","op":"MaxPool","attr":{"strides":{"list":{"i":["abc"]}}}}]},
          "weightsManifest":[]})",
       "integer attribute is not a number"},
      {R"({"modelTopology":{"node":[]},"weightsManifest":[{"paths":[1]}]})", "malformed weightsManifest"},
      {R"({"modelTopology":{"node":[]},"weightsManifest":[7]})", "malformed weightsManifest"},
      // data_format "NCHW, spelled out at some length", in base64.
      {R"({"modelTopology":{"node":[{"name":"x","op":"Placeholder",
          "attr":{"data_format":{"s":"TkNIVywgc3BlbGxlZCBvdXQgYXQgc29tZSBsZW5ndGg="}}}]},
          "weightsManifest":[{"paths":[],"weights":[]}]})",
       "data_format 'NCHW, spelled out at some length'"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string msg = error_of_load(text);
    EXPECT_NE(msg.find("model.json"), std::string::npos) << text << ": " << msg;
    EXPECT_NE(msg.find(expected), std::string::npos) << text << ": " << msg;
  }
}

TEST(GraphOps, LoadsBase64StringAttributes) {
  test::TempDir dir;
  // TF.js stores string attributes base64-encoded: "VkFMSUQ=" is VALID, "TkhXQw==" NHWC. A 3x3 input pooled 2x2
  // with stride 2 gives 1x1 under VALID and 2x2 under SAME (what a misread padding falls back to).
  std::ofstream(dir.file("model.json")) << R"({"format":"graph-model","modelTopology":{"node":[
    {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"}}},
    {"name":"w","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
    {"name":"m","op":"Mul","input":["x","w"]},
    {"name":"y","op":"MaxPool","input":["m"],"attr":{"padding":{"s":"VkFMSUQ="},"data_format":{"s":"TkhXQw=="},
      "ksize":{"list":{"i":["1","2","2","1"]}},"strides":{"list":{"i":["1","2","2","1"]}}}}]},
    "weightsManifest":[{"paths":["w.bin"],"weights":[{"name":"w","shape":[1],"dtype":"float32"}]}]})";
  const float w = 2.0f;
  std::ofstream(dir.file("w.bin"), std::ios::binary).write(reinterpret_cast<const char*>(&w), sizeof(w));
  const TfjsGraph g = TfjsGraph::load(dir.file("model.json"));
  const at::Tensor x = at::arange(9, at::kFloat).reshape({1, 3, 3, 1});
  const at::Tensor y = g.run({{"x", x}}, {"y"})[0];
  ASSERT_EQ(y.sizes(), at::IntArrayRef({1, 1, 1, 1}));
  EXPECT_FLOAT_EQ(y.item<float>(), 8.0f);  // 2 * max(0, 1, 3, 4)
}

}  // namespace
}  // namespace ferguard::detail

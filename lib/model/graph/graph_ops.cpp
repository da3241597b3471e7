#include "model/graph/graph_ops.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "detail/check.h"
#include "model/activations.h"
#include "model/conv.h"

namespace ferguard::detail {
namespace {

using Args = std::vector<const GraphValue*>;

const std::vector<std::string> kOps = {
    "Const", "Placeholder", "Identity", "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative",
    "FusedDepthwiseConv2dNative", "MatMul", "_FusedMatMul", "Add", "AddV2", "Sub", "Mul", "Maximum", "Minimum",
    "Abs", "Square", "Rsqrt", "Sum", "Mean", "Max", "MaxPool", "Pad", "Reshape", "Squeeze", "Relu", "Relu6",
    "Sigmoid", "Softmax"};

const std::vector<std::string> kFusedActivations = {"Relu", "Relu6", "Sigmoid", "Elu", "LeakyRelu", "Prelu"};

int64_t physical_axis(int64_t logical) {  // NHWC axis -> NCHW axis
  static const int64_t map[4] = {0, 2, 3, 1};
  return map[logical];
}

at::Tensor to_nchw(const GraphValue& v, const GraphNode& n) {
  if (v.nchw) return v.tensor;
  FERGUARD_CHECK_AS(v.tensor.dim() == 4, ModelError, "node '{}' ({}): expected a 4-D NHWC input, got {} dimensions",
                    n.name, n.op, v.tensor.dim());
  return v.tensor.permute({0, 3, 1, 2});
}

std::vector<int64_t> int_values(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous().cpu();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

const std::vector<int64_t>& attr_list(const GraphNode& n, const char* key) {
  static const std::vector<int64_t> empty;
  auto it = n.int_lists.find(key);
  return it == n.int_lists.end() ? empty : it->second;
}

std::vector<int64_t> spatial(const GraphNode& n, const char* key, int64_t dflt) {
  const auto& v = attr_list(n, key);
  if (v.size() == 4) return {v[1], v[2]};
  return {dflt, dflt};
}

// (top, bottom, left, right) padding for TF's SAME/VALID/EXPLICIT on an input of h x w.
std::array<int64_t, 4> tf_padding(const GraphNode& n, int64_t h, int64_t w, int64_t kh, int64_t kw) {
  const std::string& mode = n.strings.at("padding");
  if (mode == "VALID") return {0, 0, 0, 0};
  if (mode == "EXPLICIT") {
    const auto& p = attr_list(n, "explicit_paddings");
    FERGUARD_CHECK_AS(p.size() == 8, ModelError, "graph node '{}' ({}): EXPLICIT padding needs 8 explicit_paddings, got {}",
                      n.name, n.op, p.size());
    return {p[2], p[3], p[4], p[5]};
  }
  const auto s = spatial(n, "strides", 1), d = spatial(n, "dilations", 1);
  auto total = [](int64_t in, int64_t k, int64_t st, int64_t dil) {
    const int64_t out = (in + st - 1) / st;
    return std::max<int64_t>((out - 1) * st + (k - 1) * dil + 1 - in, 0);
  };
  const int64_t th = total(h, kh, s[0], d[0]), tw = total(w, kw, s[1], d[1]);
  return {th / 2, th - th / 2, tw / 2, tw - tw / 2};
}

at::Tensor channel_vector(const at::Tensor& v, int64_t channels, const GraphNode& n, const char* what) {
  FERGUARD_CHECK_AS(v.numel() == channels || v.numel() == 1, ModelError,
                    "node '{}' ({}): {} has {} values for {} channels", n.name, n.op, what, v.numel(), channels);
  return v.reshape({-1});
}

// Fused post-ops of _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul. `y` is NCHW (4-D) or [N, C] (2-D);
// extra arguments follow the op's two main inputs.
at::Tensor apply_fused(const GraphNode& n, at::Tensor y, const Args& args, std::size_t first = 0) {
  std::size_t next = 2 + first;
  const int64_t channels = y.size(1);
  auto shape_like = [&](const at::Tensor& v) {
    return y.dim() == 4 ? v.reshape({1, -1, 1, 1}) : v.reshape({1, -1});
  };
  auto take = [&](const char* what) {
    FERGUARD_CHECK_AS(next < args.size(), ModelError, "node '{}' ({}): fused op needs argument '{}' that is missing",
                      n.name, n.op, what);
    return args[next++]->tensor;
  };
  for (std::size_t i = first; i < n.fused_ops.size(); ++i) {
    const std::string& f = n.fused_ops[i];
    if (f == "BiasAdd") {
      y = act::add(y, shape_like(channel_vector(take("bias"), channels, n, "bias")));
    } else if (f == "FusedBatchNorm" || f == "FusedBatchNormV3") {
      const at::Tensor scale = take("scale"), offset = take("offset"), mean = take("mean"), var = take("variance");
      const double eps = n.numbers.count("epsilon") ? n.numbers.at("epsilon") : 0.001;
      y = act::add(act::mul(act::sub(y, shape_like(mean)), shape_like(at::rsqrt(var + eps) * scale)), shape_like(offset));
    } else if (f == "Relu") {
      y = y.requires_grad() ? at::relu(y) : at::relu_(y);  // in place when no gradient needs the input
    } else if (f == "Relu6") {
      y = act::clamp(y, 0.0, 6.0);
    } else if (f == "Sigmoid") {
      y = act::sigmoid(y);
    } else if (f == "Elu") {
      y = at::elu(y);
    } else if (f == "LeakyRelu") {
      const double alpha = n.numbers.count("leakyrelu_alpha") ? n.numbers.at("leakyrelu_alpha") : 0.2;
      y = at::leaky_relu(y, alpha);
    } else if (f == "Prelu") {
      const at::Tensor alpha = shape_like(channel_vector(take("alpha"), channels, n, "alpha"));
      y = at::relu(y) + alpha * at::clamp_max(y, 0.0);
    } else {
      throw ModelError(fmt::format("node '{}' ({}): fused op '{}' is not implemented", n.name, n.op, f));
    }
  }
  FERGUARD_CHECK_AS(next == args.size(), ModelError, "node '{}' ({}): {} inputs but the fused ops use {}", n.name,
                    n.op, args.size(), next);
  return y;
}

GraphValue convolution(const GraphNode& n, const Args& args, const at::Tensor& filter) {
  at::Tensor x = to_nchw(*args[0], n);
  const int64_t kh = filter.size(2), kw = filter.size(3);
  const auto pad = tf_padding(n, x.size(2), x.size(3), kh, kw);
  const auto s = spatial(n, "strides", 1), d = spatial(n, "dilations", 1);
  const bool depthwise = n.op == "DepthwiseConv2dNative" || n.op == "FusedDepthwiseConv2dNative";
  const int64_t groups = depthwise ? x.size(1) : 1;
  const bool fused = n.op == "_FusedConv2D" || n.op == "FusedDepthwiseConv2dNative";
  // A leading BiasAdd goes into the convolution itself (oneDNN adds it in the kernel), and so does a Relu or Relu6
  // right after it; any other fused op follows the convolution.
  at::Tensor bias;
  std::size_t done = 0;
  ConvActivation act = ConvActivation::none;
  if (fused && !n.fused_ops.empty() && n.fused_ops[0] == "BiasAdd") {
    FERGUARD_CHECK_AS(args.size() > 2, ModelError, "node '{}' ({}): fused BiasAdd needs a bias argument", n.name, n.op);
    bias = channel_vector(args[2]->tensor, filter.size(0), n, "bias");
    done = 1;
    if (n.fused_ops.size() == 2 && (n.fused_ops[1] == "Relu" || n.fused_ops[1] == "Relu6")) {
      act = n.fused_ops[1] == "Relu" ? ConvActivation::relu : ConvActivation::relu6;
      done = 2;
    }
  }
  // TF's SAME padding may put one more row/column at the bottom/right: conv2d takes the two sides apart.
  at::Tensor y = conv2d(x, filter, bias, s, {pad[0], pad[2]}, {pad[1], pad[3]}, d, groups, act);
  if (fused && done < n.fused_ops.size()) y = apply_fused(n, y, args, done);
  return {y, true};
}

GraphValue matmul(const GraphNode& n, const Args& args) {
  at::Tensor a = to_logical(*args[0]), b = to_logical(*args[1]);
  FERGUARD_CHECK_AS(a.dim() == 2 && b.dim() == 2, ModelError, "node '{}' ({}): expected 2-D operands, got {}-D and {}-D",
                    n.name, n.op, a.dim(), b.dim());
  if (n.flags.count("transpose_a") && n.flags.at("transpose_a")) a = a.t();
  if (n.flags.count("transpose_b") && n.flags.at("transpose_b")) b = b.t();
  at::Tensor y = at::matmul(a, b);
  if (n.op == "_FusedMatMul") y = apply_fused(n, y, args);
  return {y, false};
}

// Broadcasting of a 4-D NCHW-stored value against a logical one: the logical operand is left-padded to rank 4
// (NumPy broadcasting) and permuted to NCHW.
GraphValue binary(const GraphNode& n, const Args& args) {
  const GraphValue& a = *args[0];
  const GraphValue& b = *args[1];
  at::Tensor x = a.tensor, y = b.tensor;
  bool nchw = a.nchw;
  if (a.nchw != b.nchw) {
    const GraphValue& logical = a.nchw ? b : a;
    FERGUARD_CHECK_AS(logical.tensor.dim() <= 4, ModelError, "node '{}' ({}): cannot broadcast a {}-D operand", n.name,
                      n.op, logical.tensor.dim());
    std::vector<int64_t> shape(4 - logical.tensor.dim(), 1);
    for (auto s : logical.tensor.sizes()) shape.push_back(s);
    const at::Tensor moved = logical.tensor.reshape(shape).permute({0, 3, 1, 2});
    (a.nchw ? y : x) = moved;
    nchw = true;
  }
  const std::string& op = n.op;
  at::Tensor r;
  if (op == "Add" || op == "AddV2") r = act::add(x, y);
  else if (op == "Sub") r = act::sub(x, y);
  else if (op == "Mul") r = act::mul(x, y);
  else if (op == "Maximum") r = act::maximum(x, y);
  else r = act::minimum(x, y);
  return {r, nchw && r.dim() == 4};
}

GraphValue reduce(const GraphNode& n, const Args& args) {
  const bool keep = n.flags.count("keep_dims") && n.flags.at("keep_dims");
  const GraphValue& v = *args[0];
  std::vector<int64_t> axes = int_values(args[1]->tensor);
  const int64_t rank = v.tensor.dim();
  for (auto& a : axes) {
    if (a < 0) a += rank;
    FERGUARD_CHECK_AS(a >= 0 && a < rank, ModelError, "node '{}' ({}): axis out of range for rank {}", n.name, n.op,
                      rank);
  }
  at::Tensor x;
  bool nchw = false;
  if (v.nchw && keep) {  // stays 4-D: reduce the physical axes
    for (auto& a : axes) a = physical_axis(a);
    x = v.tensor;
    nchw = true;
  } else {
    x = to_logical(v);
  }
  at::Tensor r;
  if (n.op == "Sum") r = at::sum(x, axes, keep);
  else if (n.op == "Mean") r = at::mean(x, axes, keep);
  else r = at::amax(x, axes, keep);
  return {r, nchw};
}

GraphValue max_pool(const GraphNode& n, const Args& args) {
  at::Tensor x = to_nchw(*args[0], n);
  const auto k = spatial(n, "ksize", 1), s = spatial(n, "strides", 1);
  const auto pad = tf_padding(n, x.size(2), x.size(3), k[0], k[1]);
  if (!(pad[0] || pad[1] || pad[2] || pad[3])) return {act::max_pool2d(x, k, s), true};
  // Padding with -inf is what max_pool2d does itself: symmetric padding (at most half the window) as its padding
  // argument, and padding only after the input as ceil mode (windows that start inside may run past the end).
  // Both avoid copying the input into a padded tensor; anything else pads explicitly.
  auto out_size = [](int64_t in, int64_t kk, int64_t st, int64_t p, bool ceil) {
    return (in + 2 * p - kk + (ceil ? st - 1 : 0)) / st + 1;
  };
  const int64_t want_h = (x.size(2) + pad[0] + pad[1] - k[0]) / s[0] + 1, want_w = (x.size(3) + pad[2] + pad[3] - k[1]) / s[1] + 1;
  if (pad[0] == pad[1] && pad[2] == pad[3] && 2 * pad[0] <= k[0] && 2 * pad[2] <= k[1])
    return {act::max_pool2d(x, k, s, {pad[0], pad[2]}), true};
  if (pad[0] == 0 && pad[2] == 0 && out_size(x.size(2), k[0], s[0], 0, true) == want_h &&
      out_size(x.size(3), k[1], s[1], 0, true) == want_w)
    return {act::max_pool2d(x, k, s, {0, 0}, /*ceil_mode=*/true), true};
  x = act::constant_pad_nd(x, {pad[2], pad[3], pad[0], pad[1]}, -std::numeric_limits<double>::infinity());
  return {act::max_pool2d(x, k, s), true};
}

GraphValue pad(const GraphNode& n, const Args& args) {
  const GraphValue& v = *args[0];
  const std::vector<int64_t> p = int_values(args[1]->tensor);
  const int64_t rank = v.tensor.dim();
  FERGUARD_CHECK_AS(static_cast<int64_t>(p.size()) == 2 * rank, ModelError,
                    "node '{}' (Pad): expected {} padding values for rank {}, got {}", n.name, 2 * rank, rank, p.size());
  // constant_pad_nd lists (before, after) from the last physical dimension backwards.
  std::vector<int64_t> before(rank), after(rank);
  for (int64_t a = 0; a < rank; ++a) {
    const int64_t phys = v.nchw ? physical_axis(a) : a;
    before[phys] = p[2 * a];
    after[phys] = p[2 * a + 1];
  }
  std::vector<int64_t> spec;
  for (int64_t d = rank - 1; d >= 0; --d) {
    spec.push_back(before[d]);
    spec.push_back(after[d]);
  }
  return {act::constant_pad_nd(v.tensor, spec, 0.0), v.nchw};
}

}  // namespace

const std::vector<std::string>& supported_graph_ops() { return kOps; }

bool spatial_mean_of_convolution_fits(const GraphNode& conv, const GraphNode& mean, const at::Tensor& axes) {
  if (mean.op != "Mean" || (mean.flags.count("keep_dims") && mean.flags.at("keep_dims"))) return false;
  if (conv.op != "Conv2D" && !(conv.op == "_FusedConv2D" && conv.fused_ops == std::vector<std::string>{"BiasAdd"}))
    return false;
  const auto s = spatial(conv, "strides", 1), d = spatial(conv, "dilations", 1);
  if (s != std::vector<int64_t>{1, 1} || d != std::vector<int64_t>{1, 1}) return false;
  if (!axes.defined() || axes.numel() != 2) return false;
  std::vector<int64_t> a = int_values(axes);
  for (auto& v : a) v = v < 0 ? v + 4 : v;
  std::sort(a.begin(), a.end());
  return a == std::vector<int64_t>{1, 2};
}

GraphValue spatial_mean_of_convolution(const GraphNode& conv, const Args& args, const at::Tensor& filter) {
  const at::Tensor x = pooled_contiguous(to_nchw(*args[0], conv), at::MemoryFormat::ChannelsLast);  // NHWC memory
  FERGUARD_CHECK_AS(x.scalar_type() == at::kFloat, ModelError, "node '{}' ({}): expected a float input", conv.name,
                    conv.op);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t out = filter.size(0), kh = filter.size(2), kw = filter.size(3);
  FERGUARD_CHECK_AS(filter.size(1) == c, ModelError, "node '{}' ({}): filter for {} channels, input has {}", conv.name,
                    conv.op, filter.size(1), c);
  const auto pad = tf_padding(conv, h, w, kh, kw);  // top, bottom, left, right
  const int64_t ho = h + pad[0] + pad[1] - kh + 1, wo = w + pad[2] + pad[3] - kw + 1;
  FERGUARD_CHECK_AS(ho > 0 && wo > 0, ModelError, "node '{}' ({}): empty output", conv.name, conv.op);
  // Summed-area table per channel, in double: I[y][x] = sum of rows < y and columns < x.
  const float* px = x.data_ptr<float>();
  std::vector<double> table(std::size_t((h + 1) * (w + 1) * c));
  auto cell = [&](int64_t y, int64_t xx) { return table.data() + (y * (w + 1) + xx) * c; };
  // One row of per-channel window sums for each tap, then the product with the taps' weights.
  const auto f = filter.accessor<float, 4>();  // [out][C][kh][kw], read where it lies
  std::vector<double> bias{0.0};
  if (conv.op == "_FusedConv2D") {
    FERGUARD_CHECK_AS(args.size() > 2, ModelError, "node '{}' ({}): fused BiasAdd needs a bias argument", conv.name,
                      conv.op);
    const at::Tensor b = channel_vector(args[2]->tensor, out, conv, "bias").to(at::kDouble).contiguous();
    bias.assign(b.data_ptr<double>(), b.data_ptr<double>() + b.numel());
  }
  at::Tensor result = at::empty({n, out}, at::kFloat);
  std::vector<double> acc(out);
  for (int64_t b = 0; b < n; ++b) {
    std::fill(table.begin(), table.end(), 0.0);
    for (int64_t y = 0; y < h; ++y)
      for (int64_t xx = 0; xx < w; ++xx) {
        const float* v = px + ((b * h + y) * w + xx) * c;
        double* dst = cell(y + 1, xx + 1);
        const double *up = cell(y, xx + 1), *left = cell(y + 1, xx), *diag = cell(y, xx);
        for (int64_t k = 0; k < c; ++k) dst[k] = v[k] + up[k] + left[k] - diag[k];
      }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t ky = 0; ky < kh; ++ky)
      for (int64_t kx = 0; kx < kw; ++kx) {
        // Output (oy, ox) reads input (oy + ky - top, ox + kx - left); over the output's extent, cut to the input.
        const int64_t y0 = std::max<int64_t>(0, ky - pad[0]), y1 = std::min<int64_t>(h, ky - pad[0] + ho);
        const int64_t x0 = std::max<int64_t>(0, kx - pad[2]), x1 = std::min<int64_t>(w, kx - pad[2] + wo);
        if (y0 >= y1 || x0 >= x1) continue;
        const double *a = cell(y1, x1), *bq = cell(y0, x1), *cq = cell(y1, x0), *dq = cell(y0, x0);
        for (int64_t k = 0; k < c; ++k) {
          const double sum = a[k] - bq[k] - cq[k] + dq[k];
          for (int64_t o = 0; o < out; ++o) acc[o] += sum * f[o][k][ky][kx];
        }
      }
    const double inv = 1.0 / double(ho * wo);
    float* r = result.data_ptr<float>() + b * out;
    for (int64_t o = 0; o < out; ++o) r[o] = float(acc[o] * inv + bias[std::size_t(bias.size() == 1 ? 0 : o)]);
  }
  return {result, false};
}



bool is_convolution(const std::string& op) {
  return op == "Conv2D" || op == "_FusedConv2D" || op == "DepthwiseConv2dNative" || op == "FusedDepthwiseConv2dNative";
}

at::Tensor torch_filter(const GraphNode& n, const at::Tensor& f, const std::string& source) {
  FERGUARD_CHECK_AS(f.dim() == 4, ModelError, "graph model '{}': node '{}' expects a 4-D filter, got {}-D", source,
                    n.name, f.dim());
  if (n.op == "DepthwiseConv2dNative" || n.op == "FusedDepthwiseConv2dNative") {
    // [kh, kw, C, M] -> [C*M, 1, kh, kw]; TF's output channel c*M + m is torch's group c, filter m.
    return conv_weight_layout(f.permute({2, 3, 0, 1}).reshape({f.size(2) * f.size(3), 1, f.size(0), f.size(1)}));
  }
  return conv_weight_layout(f.permute({3, 2, 0, 1}));
}

void check_node(const GraphNode& n, const std::string& source) {
  auto need_inputs = [&](std::size_t count) {
    FERGUARD_CHECK_AS(n.inputs.size() >= count, ModelError, "graph model '{}': node '{}' ({}) needs {} inputs, has {}",
                      source, n.name, n.op, count, n.inputs.size());
  };
  const std::string& op = n.op;
  if (is_convolution(op) || op == "MaxPool") {
    need_inputs(op == "MaxPool" ? 1 : 2);
    auto it = n.strings.find("padding");
    FERGUARD_CHECK_AS(it != n.strings.end() && (it->second == "SAME" || it->second == "VALID" ||
                                                 (it->second == "EXPLICIT" && attr_list(n, "explicit_paddings").size() == 8)),
                      ModelError, "graph model '{}': node '{}' ({}) has unsupported padding '{}'", source, n.name, op,
                      it == n.strings.end() ? "" : it->second);
    for (const char* key : {"strides", "dilations", "ksize"}) {
      const auto& v = attr_list(n, key);
      FERGUARD_CHECK_AS(v.empty() || (v.size() == 4 && v[0] == 1 && v[3] == 1), ModelError,
                        "graph model '{}': node '{}' ({}) has {} over batch or channels, which is not supported", source,
                        n.name, op, key);
    }
  }
  if (op == "_FusedConv2D" || op == "FusedDepthwiseConv2dNative" || op == "_FusedMatMul") {
    for (const auto& f : n.fused_ops)
      FERGUARD_CHECK_AS(f == "BiasAdd" || f == "FusedBatchNorm" || f == "FusedBatchNormV3" ||
                            std::find(kFusedActivations.begin(), kFusedActivations.end(), f) != kFusedActivations.end(),
                        ModelError, "graph model '{}': node '{}' ({}) fuses op '{}', which is not implemented", source,
                        n.name, op, f);
  }
  if (op == "MatMul" || op == "_FusedMatMul" || op == "Add" || op == "AddV2" || op == "Sub" || op == "Mul" ||
      op == "Maximum" || op == "Minimum" || op == "Sum" || op == "Mean" || op == "Max" || op == "Pad" ||
      op == "Reshape")
    need_inputs(2);
  if (op == "Identity" || op == "Abs" || op == "Square" || op == "Rsqrt" || op == "Relu" || op == "Relu6" ||
      op == "Sigmoid" || op == "Softmax" || op == "Squeeze")
    need_inputs(1);
}

at::Tensor to_logical(const GraphValue& v) { return v.nchw ? v.tensor.permute({0, 2, 3, 1}) : v.tensor; }

GraphValue run_op(const GraphNode& n, const Args& args, const at::Tensor& filter) {
  const std::string& op = n.op;
  if (is_convolution(op)) return convolution(n, args, filter);
  if (op == "MatMul" || op == "_FusedMatMul") return matmul(n, args);
  if (op == "Add" || op == "AddV2" || op == "Sub" || op == "Mul" || op == "Maximum" || op == "Minimum")
    return binary(n, args);
  if (op == "Sum" || op == "Mean" || op == "Max") return reduce(n, args);
  if (op == "MaxPool") return max_pool(n, args);
  if (op == "Pad") return pad(n, args);
  const GraphValue& x = *args[0];
  if (op == "Identity") return x;
  if (op == "Abs") return {at::abs(x.tensor), x.nchw};
  if (op == "Square") return {act::mul(x.tensor, x.tensor), x.nchw};
  if (op == "Rsqrt") return {at::rsqrt(x.tensor), x.nchw};
  if (op == "Relu") return {act::relu(x.tensor), x.nchw};
  if (op == "Relu6") return {act::clamp(x.tensor, 0.0, 6.0), x.nchw};
  if (op == "Sigmoid") return {act::sigmoid(x.tensor), x.nchw};
  if (op == "Softmax") return {at::softmax(x.tensor, x.nchw ? 1 : -1), x.nchw};
  if (op == "Reshape") {
    return {to_logical(x).reshape(int_values(args[1]->tensor)), false};
  }
  if (op == "Squeeze") {
    at::Tensor t = to_logical(x);
    std::vector<int64_t> dims = attr_list(n, "squeeze_dims");
    if (dims.empty()) return {t.squeeze(), false};
    for (auto& d : dims)
      if (d < 0) d += t.dim();
    std::sort(dims.rbegin(), dims.rend());
    for (auto d : dims) t = t.squeeze(d);
    return {t, false};
  }
  throw ModelError(fmt::format("node '{}': op '{}' is not implemented", n.name, op));
}

}  // namespace ferguard::detail

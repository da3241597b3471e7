#include "model/conv.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "detail/check.h"
#include "model/activations.h"
#include "model/winograd.h"

#ifdef FERGUARD_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace ferguard::detail {
namespace {

struct Geometry {
  std::array<std::int64_t, 2> stride, pad_tl, pad_br, dilation;
  std::int64_t groups;
  ConvActivation act;
};

c10::optional<at::Tensor> optional_bias(const at::Tensor& bias) {
  return bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt;
}

// For paths whose padding is symmetric only: the extra bottom/right rows and columns of `g` as a padded copy of `x`;
// what is left is the symmetric padding g.pad_tl.
at::Tensor pad_bottom_right(const at::Tensor& x, const Geometry& g) {
  if (g.pad_tl == g.pad_br) return x;
  return at::constant_pad_nd(x, {0, g.pad_br[1] - g.pad_tl[1], 0, g.pad_br[0] - g.pad_tl[0]}, 0.0);
}

at::Tensor activate(at::Tensor y, ConvActivation act, bool in_place) {
  switch (act) {
    case ConvActivation::relu:
      return in_place ? at::relu_(y) : at::relu(y);
    case ConvActivation::relu6:
      return in_place ? y.clamp_(0.0, 6.0) : at::clamp(y, 0.0, 6.0);
    case ConvActivation::none:
      break;
  }
  return y;
}

// A weight tensor's version for the caches below: in-place changes bump it and make them repack (inference tensors
// keep no version: weights loaded under InferenceMode are taken as frozen).
std::uint32_t weight_version(const at::Tensor& weight) {
  return weight.is_inference() ? 0u : static_cast<std::uint32_t>(weight._version());
}

// A tensor derived from a frozen weight (its Winograd transform, one of its taps, its flip for the input gradient),
// made once per (weight, version, `kind`) by `make` and kept while the weight lives.
template <typename Make>
at::Tensor derived_weight(const at::Tensor& weight, std::int64_t kind, Make&& make) {
  struct Derived {
    c10::weak_intrusive_ptr<c10::TensorImpl> owner;
    std::uint32_t version;
    at::Tensor value;
  };
  static std::mutex mutex;
  static std::map<std::pair<c10::TensorImpl*, std::int64_t>, Derived> cache;
  const auto key = std::make_pair(weight.unsafeGetTensorImpl(), kind);
  const std::uint32_t version = weight_version(weight);
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end() && !it->second.owner.expired() && it->second.version == version) return it->second.value;
  // A miss (or a dead weight whose address was reused): drop every dead entry, then add this one.
  for (auto d = cache.begin(); d != cache.end();) d = d->second.owner.expired() ? cache.erase(d) : std::next(d);
  at::Tensor value = make();
  cache.insert_or_assign(key, Derived{c10::weak_intrusive_ptr<c10::TensorImpl>(weight.getIntrusivePtr()), version,
                                      value});
  return value;
}

#ifdef FERGUARD_HAVE_DNNL
// Output height and width of a convolution of `x` by `weight` with geometry `g`.
std::array<std::int64_t, 2> output_size(const at::Tensor& x, const at::Tensor& weight, const Geometry& g) {
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  return {(x.size(2) + g.pad_tl[0] + g.pad_br[0] - ((kh - 1) * g.dilation[0] + 1)) / g.stride[0] + 1,
          (x.size(3) + g.pad_tl[1] + g.pad_br[1] - ((kw - 1) * g.dilation[1] + 1)) / g.stride[1] + 1};
}

// Inference convolutions straight through oneDNN (the libdnnl.so.2 LibTorch itself runs on). LibTorch 1.13's
// at::mkldnn_convolution hands oneDNN plain OIHW weights, and oneDNN reorders them into its blocked layout on
// every call: measured with ONEDNN_VERBOSE on face-api's recogniser at batch 1, 4.1 ms of reorders beside 12.9 ms
// of convolution per face. Here each (weight, input shape, geometry) gets its primitive and its packed weights
// once; activations stay NHWC (channels-last), so nothing else is reordered. Asymmetric padding (TF "SAME" on
// stride 2) and a ReLU are done inside the kernel.
class OneDnnInference {
 public:
  static OneDnnInference& instance() {
    static OneDnnInference self;
    return self;
  }

  // `into`, when given, is where the output goes: a dense NHWC tensor of the output's shape (a band of rows of a
  // larger batch-1 map qualifies).
  at::Tensor run(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias, const Geometry& g,
                 const at::Tensor* into = nullptr) {
    // Activations and the scratchpad come from the calling model's pool when it has one open (activations.h).
    const at::Tensor x = pooled_contiguous(input, at::MemoryFormat::ChannelsLast);
    const Entry& e = entry(x, weight, bias.defined(), g);
    at::Tensor y;
    if (into) {
      TORCH_CHECK(into->sizes() == at::IntArrayRef(e.out) && into->scalar_type() == at::kFloat &&
                      into->is_contiguous(at::MemoryFormat::ChannelsLast),
                  "convolution: the output tensor is not a dense NHWC float tensor of the output's shape");
      y = *into;
    } else {
      y = new_activation(e.out, x, at::MemoryFormat::ChannelsLast);
    }
    thread_local dnnl::stream stream(engine_);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, dnnl::memory(e.src_md, engine_, x.data_ptr())},
                                               {DNNL_ARG_WEIGHTS, e.weights},
                                               {DNNL_ARG_DST, dnnl::memory(e.dst_md, engine_, y.data_ptr())}};
    at::Tensor scratch;
    if (const auto bytes = static_cast<std::int64_t>(e.scratch_md.get_size()); bytes > 0) {
      scratch = new_activation({(bytes + 3) / 4}, x);
      args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(e.scratch_md, engine_, scratch.data_ptr()));
    }
    at::Tensor b;
    if (bias.defined()) {
      b = bias.contiguous();
      args.emplace(DNNL_ARG_BIAS, dnnl::memory(e.bias_md, engine_, b.data_ptr()));
    }
    e.primitive.execute(stream, args);
    stream.wait();
    return y;
  }

 private:
  struct Entry {
    explicit Entry(c10::weak_intrusive_ptr<c10::TensorImpl> o) : owner(std::move(o)) {}
    c10::weak_intrusive_ptr<c10::TensorImpl> owner;
    std::uint32_t version = 0;
    dnnl::convolution_forward primitive;
    dnnl::memory weights;
    dnnl::memory::desc src_md, dst_md, bias_md, scratch_md;
    std::vector<std::int64_t> out;
  };

  OneDnnInference() : engine_(dnnl::engine::kind::cpu, 0) {}

  const Entry& entry(const at::Tensor& x, const at::Tensor& weight, bool has_bias, const Geometry& g) {
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    std::vector<std::int64_t> key{reinterpret_cast<std::int64_t>(weight.unsafeGetTensorImpl()),
                                  x.size(0), x.size(1), x.size(2), x.size(3), g.groups, static_cast<std::int64_t>(g.act), has_bias ? 1 : 0};
    for (const auto* a : {&g.stride, &g.pad_tl, &g.pad_br, &g.dilation}) key.insert(key.end(), a->begin(), a->end());
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    const std::uint32_t version = weight_version(weight);
    if (it != entries_.end() && !it->second.owner.expired() && it->second.version == version) return it->second;
    if (it == entries_.end())  // a new key: first drop the entries of weights that no longer exist
      for (auto d = entries_.begin(); d != entries_.end();) d = d->second.owner.expired() ? entries_.erase(d) : std::next(d);

    const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    const std::int64_t o = weight.size(0), kh = weight.size(2), kw = weight.size(3);
    const auto [ho, wo] = output_size(x, weight, g);
    Entry e(c10::weak_intrusive_ptr<c10::TensorImpl>(weight.getIntrusivePtr()));
    e.version = version;
    e.out = {n, o, ho, wo};
    e.src_md = dnnl::memory::desc({n, c, h, w}, dt::f32, tag::nhwc);
    e.dst_md = dnnl::memory::desc({n, o, ho, wo}, dt::f32, tag::nhwc);
    if (has_bias) e.bias_md = dnnl::memory::desc({o}, dt::f32, tag::x);  // else the zero desc: no bias term
    const bool grouped = g.groups > 1;
    const dnnl::memory::dims wdims = grouped ? dnnl::memory::dims{g.groups, o / g.groups, weight.size(1), kh, kw}
                                             : dnnl::memory::dims{o, weight.size(1), kh, kw};
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    if (g.act != ConvActivation::none) {
      dnnl::post_ops ops;
      if (g.act == ConvActivation::relu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      else ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, 6.0f);
      attr.set_post_ops(ops);
    }
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, e.src_md,
        dnnl::memory::desc(wdims, dt::f32, tag::any), e.bias_md, e.dst_md, {g.stride[0], g.stride[1]},
        {g.dilation[0] - 1, g.dilation[1] - 1}, {g.pad_tl[0], g.pad_tl[1]}, {g.pad_br[0], g.pad_br[1]});
    const dnnl::convolution_forward::primitive_desc pd(desc, attr, engine_);
    e.primitive = dnnl::convolution_forward(pd);
    e.scratch_md = pd.scratchpad_desc();
    // The weights, OIHW contiguous (= goihw for groups), reordered once into the kernel's layout, and shared by the
    // entries of one weight whose kernels want the same layout (the same layer on inputs of several sizes).
    for (const auto& [k, other] : entries_)
      if (k[0] == key[0] && !other.owner.expired() && other.version == version &&
          other.weights.get_desc() == pd.weights_desc()) {
        e.weights = other.weights;
        return entries_.insert_or_assign(key, std::move(e)).first->second;
      }
    const at::Tensor plain = weight.contiguous();
    dnnl::memory user(dnnl::memory::desc(wdims, dt::f32, grouped ? tag::goihw : tag::oihw), engine_, plain.data_ptr());
    e.weights = dnnl::memory(pd.weights_desc(), engine_);
    dnnl::stream stream(engine_);
    dnnl::reorder(user, e.weights).execute(stream, user, e.weights);
    stream.wait();
    return entries_.insert_or_assign(key, std::move(e)).first->second;
  }

  dnnl::engine engine_;
  std::mutex mutex_;
  std::map<std::vector<std::int64_t>, Entry> entries_;
};
#endif

// LibTorch's own oneDNN binding (weights reordered per call), with the asymmetric part of the padding as a copy.
at::Tensor torch_onednn_conv(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, const Geometry& g) {
  at::Tensor y = at::mkldnn_convolution(pad_bottom_right(x, g).contiguous(at::MemoryFormat::ChannelsLast), weight,
                                        optional_bias(bias), g.pad_tl, g.stride, g.dilation, g.groups);
  return activate(y, g.act, true);
}

#ifdef FERGUARD_HAVE_DNNL
// Winograd's F(4x4, 3x3) (winograd.h) for the 3x3 stride-1 layers where it is faster than oneDNN's direct kernel,
// which already runs them at the core's FMA peak: 1.35-1.4x per layer, measured alone, on the recogniser's 35x35x32
// and 17x17x64 layers and the emotion model's 29x29x64 one. Only with at least 16 output tiles of 4x4: its weights
// are 4 times the direct kernel's (36 against 9 numbers per channel pair), and on small outputs with many channels
// (8x8x128, 4x4x256) reading them costs more than the multiplications it saves. Not below 16 channels, not with
// ReLU6, and on one intra-op thread only: its transforms are serial, the direct kernel is not.
bool use_winograd(const at::Tensor& x, const at::Tensor& weight, const Geometry& g) {
  if (weight.size(2) != 3 || weight.size(3) != 3 || g.groups != 1 || g.stride != decltype(g.stride){1, 1} ||
      g.dilation != decltype(g.dilation){1, 1} || g.act == ConvActivation::relu6 || x.size(1) < 16 ||
      weight.size(0) < 16 || at::get_num_threads() != 1)
    return false;
  const auto out = output_size(x, weight, g);
  const std::int64_t tiles = x.size(0) * ((out[0] + 3) / 4) * ((out[1] + 3) / 4);
  return out[0] >= 4 && out[1] >= 4 && tiles >= 16 && g.pad_tl[0] <= 2 && g.pad_tl[1] <= 2 && g.pad_br[0] <= 2 && g.pad_br[1] <= 2;
}

// The transformed weights (36 matrices of in x out), kept per weight tensor.
at::Tensor winograd_packed(const at::Tensor& weight) {
  return derived_weight(weight, -1, [&] {
    const at::Tensor plain = weight.contiguous();  // OIHW
    const std::vector<float> u = winograd_weights(plain.data_ptr<float>(), int(weight.size(0)), int(weight.size(1)));
    at::Tensor packed = at::empty({std::int64_t(u.size())}, at::kFloat);
    std::copy(u.begin(), u.end(), packed.data_ptr<float>());
    return packed;
  });
}

at::Tensor winograd_inference(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias,
                              const Geometry& g) {
  const at::Tensor x = pooled_contiguous(input, at::MemoryFormat::ChannelsLast);  // NHWC in memory
  const auto out = output_size(x, weight, g);
  const WinogradShape s{int(x.size(0)), int(x.size(2)), int(x.size(3)), int(x.size(1)), int(weight.size(0)),
                        int(g.pad_tl[0]), int(g.pad_tl[1]), int(out[0]), int(out[1])};
  const at::Tensor u = winograd_packed(weight);
  const WinogradBuffers n = winograd_buffers(s);
  at::Tensor v = new_activation({n.v}, x), m = new_activation({n.m}, x), scratch = new_activation({n.scratch}, x);
  at::Tensor y = new_activation({x.size(0), weight.size(0), out[0], out[1]}, x, at::MemoryFormat::ChannelsLast);
  const at::Tensor b = bias.defined() ? bias.contiguous() : at::Tensor();
  winograd_conv(s, x.data_ptr<float>(), u.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr,
                g.act == ConvActivation::relu, v.data_ptr<float>(), m.data_ptr<float>(), scratch.data_ptr<float>(),
                y.data_ptr<float>());
  return y;
}
// Tap (ty, tx) of `weight` as a 1x1 weight, kept per weight tensor so that the packed-weight cache sees one tensor.
at::Tensor weight_tap(const at::Tensor& weight, std::int64_t ty, std::int64_t tx) {
  return derived_weight(weight, ty * weight.size(3) + tx, [&] {
    return weight.slice(2, ty, ty + 1).slice(3, tx, tx + 1).contiguous(at::MemoryFormat::ChannelsLast);
  });
}
#endif

// An inference convolution on oneDNN: packed weights when the oneDNN API is available, else LibTorch's binding.
// Besides Winograd's layers, two layer shapes become cheaper convolutions with the same sums (tested against the
// float64 convolution in tests/cpp/model/test_conv.cpp):
// - a strided 1x1 convolution without padding reads every s-th pixel only: those pixels, copied, go through a
//   stride-1 1x1 convolution on oneDNN's 1x1 kernel (its direct kernel takes strided 1x1 layers at about half the
//   speed: the emotion model's two shortcuts, 0.168 ms, become 0.093 ms and the copies);
// - a one-pixel input with a one-pixel output meets a single tap of the kernel (every other tap only sees
//   padding): that tap alone as a 1x1 convolution, which reads a ninth of a 3x3 layer's weights (the recogniser's
//   last 256-channel layer: 0.112 ms, 0.019 ms).
at::Tensor onednn_inference(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, const Geometry& g) {
#ifdef FERGUARD_HAVE_DNNL
  if (use_winograd(x, weight, g)) return winograd_inference(x, weight, bias, g);
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  const bool no_padding = g.pad_tl == decltype(g.pad_tl){0, 0} && g.pad_br == decltype(g.pad_br){0, 0};
  const bool undilated = g.dilation == decltype(g.dilation){1, 1};
  if (kh == 1 && kw == 1 && no_padding && undilated && (g.stride[0] > 1 || g.stride[1] > 1)) {
    const at::Tensor picked = pooled_contiguous(
        x.slice(2, 0, c10::nullopt, g.stride[0]).slice(3, 0, c10::nullopt, g.stride[1]), at::MemoryFormat::ChannelsLast);
    Geometry unit = g;
    unit.stride = {1, 1};
    return OneDnnInference::instance().run(picked, weight, bias, unit);
  }
  const auto out = output_size(x, weight, g);
  if (x.size(2) == 1 && x.size(3) == 1 && out[0] == 1 && out[1] == 1 && (kh > 1 || kw > 1) &&
      g.pad_tl[0] % g.dilation[0] == 0 && g.pad_tl[1] % g.dilation[1] == 0 && g.pad_tl[0] / g.dilation[0] < kh &&
      g.pad_tl[1] / g.dilation[1] < kw) {
    const Geometry unit{{1, 1}, {0, 0}, {0, 0}, {1, 1}, g.groups, g.act};
    return OneDnnInference::instance().run(
        x, weight_tap(weight, g.pad_tl[0] / g.dilation[0], g.pad_tl[1] / g.dilation[1]), bias, unit);
  }
  return OneDnnInference::instance().run(x, weight, bias, g);
#else
  return torch_onednn_conv(x, weight, bias, g);
#endif
}

// The input gradient of a convolution as another oneDNN convolution. LibTorch 1.13's MkldnnConvolutionBackward0
// hands most layers to its im2col + BLAS path (Debian's reference BLAS: 6-10x slower than the forward pass), so the
// privatizer's gradients go through here instead: grad_input = conv(zero-dilated, padded grad_output, the weight
// flipped in space with in/out channels swapped per group).
//
// The flipped weights are made once per weight tensor and kept while it lives.
at::Tensor backward_weight(const at::Tensor& weight, std::int64_t groups) {
  return derived_weight(weight, -2, [&] {
    const std::int64_t out_c = weight.size(0), in_per_group = weight.size(1), kh = weight.size(2), kw = weight.size(3);
    return weight.contiguous()
        .view({groups, out_c / groups, in_per_group, kh, kw})
        .transpose(1, 2)
        .reshape({groups * in_per_group, out_c / groups, kh, kw})
        .flip({2, 3})
        .contiguous(at::MemoryFormat::ChannelsLast);
  });
}

at::Tensor conv_input_grad(const at::Tensor& grad_out, const at::Tensor& weight, at::IntArrayRef input_size,
                           at::IntArrayRef stride, at::IntArrayRef padding, std::int64_t groups) {
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  const at::Tensor w = backward_weight(weight, groups);
  at::Tensor g = grad_out;
  const std::int64_t ho = g.size(2), wo = g.size(3);
  if (stride[0] > 1 || stride[1] > 1) {
    at::Tensor d = new_activation({g.size(0), g.size(1), (ho - 1) * stride[0] + 1, (wo - 1) * stride[1] + 1}, g).zero_();
    d.slice(2, 0, c10::nullopt, stride[0]).slice(3, 0, c10::nullopt, stride[1]).copy_(g);
    g = d;
  }
  // Full padding k-1-p on every side, plus what the forward pass's floor division dropped at the bottom/right.
  const std::int64_t extra_h = input_size[2] - ((ho - 1) * stride[0] + kh - 2 * padding[0]);
  const std::int64_t extra_w = input_size[3] - ((wo - 1) * stride[1] + kw - 2 * padding[1]);
  const std::int64_t ph = kh - 1 - padding[0], pw = kw - 1 - padding[1];
  return onednn_inference(g, w, at::Tensor(), {{1, 1}, {ph, pw}, {ph + extra_h, pw + extra_w}, {1, 1}, groups, ConvActivation::none});
}

struct OneDnnConv : public torch::autograd::Function<OneDnnConv> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const c10::optional<at::Tensor>& bias, std::vector<std::int64_t> stride,
                            std::vector<std::int64_t> padding, std::int64_t groups) {
    ctx->saved_data["weight"] = weight;
    ctx->saved_data["input_size"] = x.sizes().vec();
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["groups"] = groups;
    return onednn_inference(x, weight, bias.value_or(at::Tensor()),
                            {{stride[0], stride[1]}, {padding[0], padding[1]}, {padding[0], padding[1]}, {1, 1}, groups,
                             ConvActivation::none});
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const at::Tensor gi = conv_input_grad(grad[0], ctx->saved_data["weight"].toTensor(),
                                          ctx->saved_data["input_size"].toIntVector(),
                                          ctx->saved_data["stride"].toIntVector(),
                                          ctx->saved_data["padding"].toIntVector(), ctx->saved_data["groups"].toInt());
    return {gi, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                  std::int64_t padding, std::int64_t groups) {
  return conv2d(x, weight, bias, {stride, stride}, {padding, padding}, {padding, padding}, {1, 1}, groups,
                ConvActivation::none);
}

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                  at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups) {
  return conv2d(x, weight, bias, stride, padding, padding, dilation, groups, ConvActivation::none);
}

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                  at::IntArrayRef padding_tl, at::IntArrayRef padding_br, at::IntArrayRef dilation,
                  std::int64_t groups, ConvActivation act) {
  static const bool use_onednn = at::hasMKLDNN();
  const bool onednn = use_onednn && x.is_cpu() && x.scalar_type() == at::kFloat && !weight.requires_grad() &&
                      (!bias.defined() || !bias.requires_grad());
  const Geometry g{{stride[0], stride[1]},       {padding_tl[0], padding_tl[1]}, {padding_br[0], padding_br[1]},
                   {dilation[0], dilation[1]}, groups,                         act};
  if (onednn && !(at::GradMode::is_enabled() && x.requires_grad())) return onednn_inference(x, weight, bias, g);
  // Gradients with respect to the input flow through oneDNN too (OneDnnConv, checked against a float64 reference in
  // tests/cpp/model/test_differentiable.cpp); trainable weights take LibTorch's own path.
  const at::Tensor in = pad_bottom_right(x, g);
  const auto& pad = g.pad_tl;
  const bool plain = dilation[0] == 1 && dilation[1] == 1 && pad[0] < weight.size(2) && pad[1] < weight.size(3);
  at::Tensor y;
  if (onednn && plain) {
    y = OneDnnConv::apply(in, weight, optional_bias(bias), std::vector<std::int64_t>{g.stride[0], g.stride[1]},
                          std::vector<std::int64_t>{pad[0], pad[1]}, groups);
  } else {
    y = at::conv2d(in, weight, optional_bias(bias), g.stride, pad, dilation, groups);
  }
  return activate(y, act, false);
}

std::pair<std::int64_t, std::int64_t> conv2d_input_rows(std::int64_t height, std::int64_t kh, std::int64_t stride,
                                                        std::int64_t pad_top, std::int64_t row_begin,
                                                        std::int64_t row_end) {
  const std::int64_t first = row_begin * stride - pad_top, last = (row_end - 1) * stride - pad_top + kh;
  return {std::clamp<std::int64_t>(first, 0, height), std::clamp<std::int64_t>(last, 0, height)};
}

void conv2d_rows_into(at::Tensor& out, std::int64_t row_begin, std::int64_t row_end, const at::Tensor& x,
                      const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                      at::IntArrayRef padding_tl, at::IntArrayRef padding_br, std::int64_t groups, ConvActivation act) {
  FERGUARD_CHECK(x.dim() == 4 && x.size(0) == 1 && x.size(1) == weight.size(1) * groups && out.dim() == 4 &&
                     out.size(0) == 1 && out.size(1) == weight.size(0) && out.is_contiguous(at::MemoryFormat::ChannelsLast) &&
                     0 <= row_begin && row_begin < row_end && row_end <= out.size(2),
                 "convolution rows: expected a batch-1 input of {} channels, a channels-last output of {} and rows "
                 "inside it, got input {}, output {}, rows [{}, {})",
                 weight.size(1) * groups, weight.size(0), fmt::join(x.sizes(), "x"), fmt::join(out.sizes(), "x"),
                 row_begin, row_end);
  FERGUARD_CHECK(!weight.requires_grad() && !(bias.defined() && bias.requires_grad()) &&
                     !(at::GradMode::is_enabled() && x.requires_grad()),
                 "convolution rows: inference only, but a tensor requires a gradient");
  const Geometry full{{stride[0], stride[1]}, {padding_tl[0], padding_tl[1]}, {padding_br[0], padding_br[1]},
                      {1, 1},                 groups,                         act};
  const std::int64_t kh = weight.size(2), h = x.size(2);
  FERGUARD_CHECK(output_size(x, weight, full) == (std::array<std::int64_t, 2>{out.size(2), out.size(3)}),
                 "convolution rows: the output's sizes {} are not the convolution's",
                 fmt::join(out.sizes(), "x"));
  // The band's own padding: the full convolution's where the band reaches the input's top or bottom, none inside.
  const std::int64_t first = row_begin * full.stride[0] - full.pad_tl[0];
  const std::int64_t last = (row_end - 1) * full.stride[0] - full.pad_tl[0] + kh;
  const auto [r0, r1] = conv2d_input_rows(h, kh, full.stride[0], full.pad_tl[0], row_begin, row_end);
  Geometry band = full;
  band.pad_tl[0] = r0 - first;
  band.pad_br[0] = last - r1;
  const at::Tensor rows = x.slice(2, r0, r1);
  at::Tensor dst = out.slice(2, row_begin, row_end);
#ifdef FERGUARD_HAVE_DNNL
  // The plain oneDNN kernel writes into the band; the rewritten layer shapes (Winograd, a strided 1x1, a single tap)
  // make their own output, copied below.
  const bool plain = at::hasMKLDNN() && x.is_cpu() && x.scalar_type() == at::kFloat && !use_winograd(rows, weight, band) &&
                     !(weight.size(2) == 1 && weight.size(3) == 1 && (band.stride[0] > 1 || band.stride[1] > 1)) &&
                     !(rows.size(2) == 1 && rows.size(3) == 1);
  if (plain) {
    OneDnnInference::instance().run(rows, weight, bias, band, &dst);
    return;
  }
#endif
  dst.copy_(conv2d(rows, weight, bias, band.stride, band.pad_tl, band.pad_br, {1, 1}, groups, act));
}

at::Tensor conv2d_torch_binding(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                                   at::IntArrayRef stride, at::IntArrayRef padding_tl, at::IntArrayRef padding_br,
                                   std::int64_t groups) {
  at::NoGradGuard no_grad;
  return torch_onednn_conv(x, weight, bias,
                           {{stride[0], stride[1]}, {padding_tl[0], padding_tl[1]}, {padding_br[0], padding_br[1]},
                            {1, 1}, groups, ConvActivation::none});
}

at::Tensor conv_weight_layout(const at::Tensor& weight) { return weight.contiguous(at::MemoryFormat::ChannelsLast); }

bool conv2d_uses_winograd(const at::Tensor& x, const at::Tensor& weight, at::IntArrayRef stride,
                          at::IntArrayRef padding_tl, at::IntArrayRef padding_br, std::int64_t groups, ConvActivation act) {
#ifdef FERGUARD_HAVE_DNNL
  return at::hasMKLDNN() && x.is_cpu() && x.scalar_type() == at::kFloat && !weight.requires_grad() &&
         !(at::GradMode::is_enabled() && x.requires_grad()) &&
         use_winograd(x, weight, {{stride[0], stride[1]}, {padding_tl[0], padding_tl[1]}, {padding_br[0], padding_br[1]},
                                  {1, 1}, groups, act});
#else
  return false;
#endif
}

}  // namespace ferguard::detail

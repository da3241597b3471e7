#include "model/conv.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>
#include <unordered_map>

namespace ferguard::detail {
namespace {

// The input gradient of a convolution as another oneDNN convolution. LibTorch 1.13's MkldnnConvolutionBackward0
// hands most layers to its im2col + BLAS path (Debian's reference BLAS: 6-10x slower than the forward pass), so the
// privatizer's gradients go through here instead: grad_input = conv(zero-dilated, padded grad_output, the weight
// flipped in space with in/out channels swapped per group).
//
// The flipped weights are made once per weight tensor (frozen weights never change) and kept while it lives.
at::Tensor backward_weight(const at::Tensor& weight, std::int64_t groups) {
  static std::mutex mutex;
  static std::unordered_map<c10::TensorImpl*, std::pair<c10::weak_intrusive_ptr<c10::TensorImpl>, at::Tensor>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(weight.unsafeGetTensorImpl());
  if (it != cache.end() && !it->second.first.expired()) return it->second.second;
  // A miss (or a dead weight whose address was reused): drop every dead entry, then add this one.
  for (it = cache.begin(); it != cache.end();) it = it->second.first.expired() ? cache.erase(it) : std::next(it);
  const std::int64_t out_c = weight.size(0), in_per_group = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  const at::Tensor w = weight.contiguous()
                           .view({groups, out_c / groups, in_per_group, kh, kw})
                           .transpose(1, 2)
                           .reshape({groups * in_per_group, out_c / groups, kh, kw})
                           .flip({2, 3})
                           .contiguous(at::MemoryFormat::ChannelsLast);
  cache.emplace(weight.unsafeGetTensorImpl(),
                std::make_pair(c10::weak_intrusive_ptr<c10::TensorImpl>(weight.getIntrusivePtr()), w));
  return w;
}

at::Tensor conv_input_grad(const at::Tensor& grad_out, const at::Tensor& weight, at::IntArrayRef input_size,
                           at::IntArrayRef stride, at::IntArrayRef padding, std::int64_t groups) {
  const std::int64_t kh = weight.size(2), kw = weight.size(3);
  const at::Tensor w = backward_weight(weight, groups);
  at::Tensor g = grad_out;
  const std::int64_t ho = g.size(2), wo = g.size(3);
  if (stride[0] > 1 || stride[1] > 1) {
    at::Tensor d = at::zeros({g.size(0), g.size(1), (ho - 1) * stride[0] + 1, (wo - 1) * stride[1] + 1}, g.options());
    d.slice(2, 0, c10::nullopt, stride[0]).slice(3, 0, c10::nullopt, stride[1]).copy_(g);
    g = d;
  }
  // Full padding k-1-p on every side, plus what the forward pass's floor division dropped at the bottom/right.
  const std::int64_t extra_h = input_size[2] - ((ho - 1) * stride[0] + kh - 2 * padding[0]);
  const std::int64_t extra_w = input_size[3] - ((wo - 1) * stride[1] + kw - 2 * padding[1]);
  const std::int64_t ph = kh - 1 - padding[0], pw = kw - 1 - padding[1];
  if (extra_h == 0 && extra_w == 0)  // symmetric: oneDNN pads itself
    return at::mkldnn_convolution(g.contiguous(at::MemoryFormat::ChannelsLast), w, c10::nullopt, {ph, pw}, {1, 1},
                                  {1, 1}, groups);
  g = at::constant_pad_nd(g, {pw, pw + extra_w, ph, ph + extra_h}, 0.0);
  return at::mkldnn_convolution(g.contiguous(at::MemoryFormat::ChannelsLast), w, c10::nullopt, {0, 0}, {1, 1}, {1, 1},
                                groups);
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
    return at::mkldnn_convolution(x.contiguous(at::MemoryFormat::ChannelsLast), weight, bias, padding, stride, {1, 1},
                                  groups);
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
  return conv2d(x, weight, bias, {stride, stride}, {padding, padding}, {1, 1}, groups);
}

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                  at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups) {
  static const bool use_onednn = at::hasMKLDNN();
  const c10::optional<at::Tensor> b = bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt;
  // Gradients with respect to the input flow through oneDNN too (OneDnnConv, checked against a float64 reference in
  // tests/cpp/model/test_differentiable.cpp); trainable weights take LibTorch's own path.
  const bool plain = dilation[0] == 1 && dilation[1] == 1 && padding[0] < weight.size(2) && padding[1] < weight.size(3);
  if (use_onednn && x.is_cpu() && x.scalar_type() == at::kFloat && !weight.requires_grad() && x.requires_grad() &&
      plain && (!bias.defined() || !bias.requires_grad())) {
    return OneDnnConv::apply(x, weight, b, stride.vec(), padding.vec(), groups);
  }
  if (use_onednn && x.is_cpu() && x.scalar_type() == at::kFloat && !weight.requires_grad()) {
    return at::mkldnn_convolution(x.contiguous(at::MemoryFormat::ChannelsLast), weight, b, padding, stride, dilation,
                                  groups);
  }
  return at::conv2d(x, weight, b, stride, padding, dilation, groups);
}

at::Tensor conv_weight_layout(const at::Tensor& weight) { return weight.contiguous(at::MemoryFormat::ChannelsLast); }

}  // namespace ferguard::detail

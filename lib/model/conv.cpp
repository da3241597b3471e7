#include "model/conv.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

namespace ferguard::detail {

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                  std::int64_t padding, std::int64_t groups) {
  return conv2d(x, weight, bias, {stride, stride}, {padding, padding}, {1, 1}, groups);
}

at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                  at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups) {
  static const bool use_onednn = at::hasMKLDNN();
  const c10::optional<at::Tensor> b = bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt;
  // Gradients with respect to the input flow through oneDNN too (MkldnnConvolutionBackward0, checked against
  // at::conv2d in tests/cpp/model/test_differentiable.cpp); trainable weights take LibTorch's own path.
  if (use_onednn && x.is_cpu() && x.scalar_type() == at::kFloat && !weight.requires_grad()) {
    return at::mkldnn_convolution(x.contiguous(at::MemoryFormat::ChannelsLast), weight, b, padding, stride, dilation,
                                  groups);
  }
  return at::conv2d(x, weight, b, stride, padding, dilation, groups);
}

at::Tensor conv_weight_layout(const at::Tensor& weight) { return weight.contiguous(at::MemoryFormat::ChannelsLast); }

}  // namespace ferguard::detail

#pragma once
// One 2-D convolution entry point for the ported nets.
#include <ATen/core/Tensor.h>
#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <utility>

namespace ferguard::detail {

/// What conv2d applies to its output (inside the oneDNN kernel when it can).
enum class ConvActivation { none, relu, relu6 };

/// conv2d with symmetric `padding`, square `stride`, `groups`. On CPU float tensors it calls oneDNN directly when
/// LibTorch has it: LibTorch 1.13's own heuristic sends batch-1 1x1 convs and small feature maps to its
/// im2col+BLAS path, and Debian's default BLAS is the slow netlib reference. That path works on channels-last
/// (NHWC-strided) activations, and its output stays channels-last: oneDNN reads NHWC directly, while plain NCHW
/// costs a reorder to its blocked layout and back on every call. Values and shapes are unaffected.
at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                  std::int64_t padding, std::int64_t groups = 1);

/// The general form (per-axis stride, padding and dilation), with the same oneDNN dispatch.
at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                  at::IntArrayRef padding, at::IntArrayRef dilation, std::int64_t groups);

/// The general form with separate top/left and bottom/right padding (TF "SAME" on stride 2 pads one more at the
/// bottom/right) and an activation on the output. Without gradients (no input that requires one, or grad mode
/// off) and with frozen weights, it runs oneDNN directly with the weights packed once per (weight, input shape): see
/// conv.cpp. The asymmetric padding and the activation are then inside the kernel.
at::Tensor conv2d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                  at::IntArrayRef padding_tl, at::IntArrayRef padding_br, at::IntArrayRef dilation,
                  std::int64_t groups, ConvActivation act);

/// The input rows [first, last) that output rows [row_begin, row_end) of a convolution read (kernel height `kh`,
/// vertical `stride`, top padding `pad_top`, no dilation), clipped to the input's `height` rows.
std::pair<std::int64_t, std::int64_t> conv2d_input_rows(std::int64_t height, std::int64_t kh, std::int64_t stride,
                                                        std::int64_t pad_top, std::int64_t row_begin,
                                                        std::int64_t row_end);

/// Output rows [row_begin, row_end) of the inference convolution conv2d(x, weight, bias, stride, padding_tl,
/// padding_br, {1, 1}, groups, act), written into the same rows of `out`: a batch-1 channels-last tensor of the whole
/// output's shape. Reads only the input rows those output rows see (conv2d_input_rows), so the rest of `x` may hold
/// anything; on the oneDNN path the kernel writes straight into `out`. No gradients (InvalidArgument otherwise).
void conv2d_rows_into(at::Tensor& out, std::int64_t row_begin, std::int64_t row_end, const at::Tensor& x,
                      const at::Tensor& weight, const at::Tensor& bias, at::IntArrayRef stride,
                      at::IntArrayRef padding_tl, at::IntArrayRef padding_br, std::int64_t groups, ConvActivation act);

/// The same inference convolution through LibTorch's own oneDNN binding (at::mkldnn_convolution, which reorders
/// the weights on every call): the peer the packed path is tested and benchmarked against.
at::Tensor conv2d_torch_binding(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                                at::IntArrayRef stride, at::IntArrayRef padding_tl, at::IntArrayRef padding_br,
                                std::int64_t groups);

/// Whether conv2d takes this inference convolution through Winograd's F(4x4, 3x3) (winograd.h; conv.cpp says when).
bool conv2d_uses_winograd(const at::Tensor& x, const at::Tensor& weight, at::IntArrayRef stride,
                          at::IntArrayRef padding_tl, at::IntArrayRef padding_br, std::int64_t groups,
                          ConvActivation act);

/// `weight` (OIHW) stored channels-last, the layout conv2d's oneDNN path wants: a net calls it once at load so that
/// no conv copies its weight on each call. Same values, shape and autograd behaviour.
at::Tensor conv_weight_layout(const at::Tensor& weight);

}  // namespace ferguard::detail

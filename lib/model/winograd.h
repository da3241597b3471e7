#pragma once
// 3x3 stride-1 convolutions by Winograd's minimal filtering, F(4x4, 3x3): each 4x4 block of the output from a 6x6
// block of the input with 36 multiplications per channel pair instead of 144. Its transforms run over channels on
// NHWC data, its 36 products are oneDNN's sgemm. Private; conv.cpp decides when to use it and tests it against
// the direct convolution and a float64 one (tests/cpp/model/test_conv.cpp).
#include <cstdint>
#include <vector>

namespace ferguard::detail {

struct WinogradShape {
  int batch, h, w, in, out;   ///< input NHWC sizes and output channels
  int pad_top, pad_left;      ///< zero padding before the input (the bottom/right padding follows from out_h, out_w)
  int out_h, out_w;
};

/// The weights (OIHW, 3x3, float) transformed: 36 matrices of in x out (G g G^T, computed in double).
std::vector<float> winograd_weights(const float* oihw, int out, int in);

/// Floats each buffer of winograd_conv needs.
struct WinogradBuffers {
  std::int64_t v, m, scratch;
};
WinogradBuffers winograd_buffers(const WinogradShape& shape);

/// y (NHWC, out_h x out_w x out) = conv3x3(x (NHWC), weights) + bias, then ReLU when `relu`; `bias` may be null.
void winograd_conv(const WinogradShape& shape, const float* x, const float* weights, const float* bias, bool relu,
                   float* v, float* m, float* scratch, float* y);

/// Tests only: run the transforms' plain (SSE2) code even where the CPU has AVX2 and FMA.
void winograd_generic_only(bool on);

}  // namespace ferguard::detail

#include "model/winograd.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <vector>

namespace ferguard::detail {
namespace {

// Lavin & Gray's F(4x4, 3x3) on the points 0, ±1, ±2 and infinity: Y = A^T [(G g G^T) ⊙ (B^T d B)] A.
constexpr double kG[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                             {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};

// B^T d along one axis, out[i] = sum_k BT[i][k] in[k], and A^T m, out[i] = sum_k AT[i][k] in[k], each over rows of
// `n` channels. Plain restrict-qualified parameters: GCC vectorises these loops and not the same ones reading
// pointers out of arrays.
#define FERGUARD_INPUT_1D(NAME, ATTR)                                                                                \
  ATTR void NAME(const float* __restrict i0, const float* __restrict i1, const float* __restrict i2,                \
                 const float* __restrict i3, const float* __restrict i4, const float* __restrict i5,                \
                 float* __restrict o0, float* __restrict o1, float* __restrict o2, float* __restrict o3,            \
                 float* __restrict o4, float* __restrict o5, int n) {                                               \
    for (int c = 0; c < n; ++c) {                                                                                    \
      const float d0 = i0[c], d1 = i1[c], d2 = i2[c], d3 = i3[c], d4 = i4[c], d5 = i5[c];                           \
      o0[c] = 4.0f * d0 - 5.0f * d2 + d4;                                                                            \
      o1[c] = -4.0f * d1 - 4.0f * d2 + d3 + d4;                                                                      \
      o2[c] = 4.0f * d1 - 4.0f * d2 - d3 + d4;                                                                       \
      o3[c] = -2.0f * d1 - d2 + 2.0f * d3 + d4;                                                                      \
      o4[c] = 2.0f * d1 - d2 - 2.0f * d3 + d4;                                                                       \
      o5[c] = 4.0f * d1 - 5.0f * d3 + d5;                                                                            \
    }                                                                                                                \
  }
#define FERGUARD_OUTPUT_1D(NAME, ATTR)                                                                               \
  ATTR void NAME(const float* __restrict i0, const float* __restrict i1, const float* __restrict i2,                \
                 const float* __restrict i3, const float* __restrict i4, const float* __restrict i5,                \
                 float* __restrict o0, float* __restrict o1, float* __restrict o2, float* __restrict o3, int n) {   \
    for (int c = 0; c < n; ++c) {                                                                                    \
      const float m0 = i0[c], m1 = i1[c], m2 = i2[c], m3 = i3[c], m4 = i4[c], m5 = i5[c];                           \
      const float a = m1 + m2, b = m1 - m2, p = m3 + m4, q = m3 - m4;                                                \
      o0[c] = m0 + a + p;                                                                                            \
      o1[c] = b + 2.0f * q;                                                                                          \
      o2[c] = a + 4.0f * p;                                                                                          \
      o3[c] = b + 8.0f * q + m5;                                                                                     \
    }                                                                                                                \
  }
FERGUARD_INPUT_1D(input_1d_generic, )
FERGUARD_OUTPUT_1D(output_1d_generic, )
FERGUARD_INPUT_1D(input_1d_avx2, __attribute__((target("avx2,fma"))))
FERGUARD_OUTPUT_1D(output_1d_avx2, __attribute__((target("avx2,fma"))))
#undef FERGUARD_INPUT_1D
#undef FERGUARD_OUTPUT_1D

std::atomic<bool> generic_only{false};

// The transforms run over channels, contiguous in NHWC, so that the compiler vectorises them; the products between
// them are oneDNN's sgemm. AVX2 and FMA where the CPU has them (checked once), SSE2 otherwise.
struct Transforms {
  decltype(&input_1d_generic) input;
  decltype(&output_1d_generic) output;
};

Transforms transforms() {
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2 && !generic_only.load(std::memory_order_relaxed)) return {input_1d_avx2, output_1d_avx2};
  return {input_1d_generic, output_1d_generic};
}

void run(const Transforms& tf, const WinogradShape& s, const float* x, const float* u, const float* bias, bool relu,
         float* v, float* m, float* scratch, float* y) {
  const int C = s.in, O = s.out;
  const int th = (s.out_h + 3) / 4, tw = (s.out_w + 3) / 4;
  const std::int64_t T = std::int64_t(s.batch) * th * tw;
  // Scratch (winograd_buffers): a zero row, then two blocks of 36 rows, each row max(C, O) wide.
  float* zero = scratch;
  std::fill(zero, zero + std::max(C, O), 0.0f);
  float* rows = zero + std::max(C, O);               // 36 x max(C, O)
  float* cols = rows + 36 * std::size_t(std::max(C, O));  // 36 x max(C, O)

  // Input transform: V[xi][t][c], xi = 6 i + j.
  std::int64_t t = 0;
  for (int n = 0; n < s.batch; ++n)
    for (int ty = 0; ty < th; ++ty)
      for (int tx = 0; tx < tw; ++tx, ++t) {
        const int y0 = ty * 4 - s.pad_top, x0 = tx * 4 - s.pad_left;
        // Along the rows (the patch's y) for each of its six columns, then along the columns.
        for (int j = 0; j < 6; ++j) {
          const float* in[6];
          float* out[6];
          for (int k = 0; k < 6; ++k) {
            const int yy = y0 + k, xx = x0 + j;
            in[k] = (yy >= 0 && yy < s.h && xx >= 0 && xx < s.w)
                        ? x + ((std::size_t(n) * s.h + yy) * s.w + xx) * C
                        : zero;
            out[k] = rows + (std::size_t(k) * 6 + j) * C;
          }
          tf.input(in[0], in[1], in[2], in[3], in[4], in[5], out[0], out[1], out[2], out[3], out[4], out[5], C);
        }
        for (int i = 0; i < 6; ++i) {
          const float* in[6];
          float* out[6];
          for (int k = 0; k < 6; ++k) {
            in[k] = rows + (std::size_t(i) * 6 + k) * C;
            out[k] = v + (std::size_t(i * 6 + k) * T + t) * C;
          }
          tf.input(in[0], in[1], in[2], in[3], in[4], in[5], out[0], out[1], out[2], out[3], out[4], out[5], C);
        }
      }

  // 36 products M[xi] (T x O) = V[xi] (T x C) U[xi] (C x O).
  for (int xi = 0; xi < 36; ++xi)
    dnnl_sgemm('N', 'N', T, O, C, 1.0f, v + std::size_t(xi) * T * C, C, u + std::size_t(xi) * C * O, O, 0.0f,
               m + std::size_t(xi) * T * O, O);

  // Output transform, bias and ReLU, into NHWC.
  t = 0;
  for (int n = 0; n < s.batch; ++n)
    for (int ty = 0; ty < th; ++ty)
      for (int tx = 0; tx < tw; ++tx, ++t) {
        for (int j = 0; j < 6; ++j) {
          const float* in[6];
          float* out[4];
          for (int k = 0; k < 6; ++k) in[k] = m + (std::size_t(k * 6 + j) * T + t) * O;
          for (int k = 0; k < 4; ++k) out[k] = cols + (std::size_t(k) * 6 + j) * O;
          tf.output(in[0], in[1], in[2], in[3], in[4], in[5], out[0], out[1], out[2], out[3], O);
        }
        for (int i = 0; i < 4; ++i) {
          const int oy = ty * 4 + i;
          if (oy >= s.out_h) break;
          const float* in[6];
          float* out[4];
          for (int k = 0; k < 6; ++k) in[k] = cols + (std::size_t(i) * 6 + k) * O;
          for (int k = 0; k < 4; ++k) out[k] = rows + std::size_t(k) * O;
          tf.output(in[0], in[1], in[2], in[3], in[4], in[5], out[0], out[1], out[2], out[3], O);
          for (int k = 0; k < 4; ++k) {
            const int ox = tx * 4 + k;
            if (ox >= s.out_w) break;
            float* dst = y + ((std::size_t(n) * s.out_h + oy) * s.out_w + ox) * O;
            const float* src = rows + std::size_t(k) * O;
            if (bias)
              for (int c = 0; c < O; ++c) dst[c] = src[c] + bias[c];
            else
              std::memcpy(dst, src, sizeof(float) * O);
            if (relu)
              for (int c = 0; c < O; ++c) dst[c] = dst[c] > 0.0f ? dst[c] : 0.0f;
          }
        }
      }
}

}  // namespace

std::vector<float> winograd_weights(const float* oihw, int out, int in) {
  std::vector<float> u(std::size_t(36) * in * out);
  for (int o = 0; o < out; ++o)
    for (int c = 0; c < in; ++c) {
      const float* g = oihw + (std::size_t(o) * in + c) * 9;
      double gt[6][3];  // G g
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 3; ++j) gt[i][j] = kG[i][0] * g[0 * 3 + j] + kG[i][1] * g[1 * 3 + j] + kG[i][2] * g[2 * 3 + j];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j)
          u[(std::size_t(i * 6 + j) * in + c) * out + o] =
              float(gt[i][0] * kG[j][0] + gt[i][1] * kG[j][1] + gt[i][2] * kG[j][2]);
    }
  return u;
}

void winograd_generic_only(bool on) { generic_only.store(on, std::memory_order_relaxed); }

WinogradBuffers winograd_buffers(const WinogradShape& s) {
  const std::int64_t T = std::int64_t(s.batch) * ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  const std::int64_t wide = std::max(s.in, s.out);
  return {36 * T * s.in, 36 * T * s.out, wide + 72 * wide};
}

void winograd_conv(const WinogradShape& s, const float* x, const float* u, const float* bias, bool relu, float* v,
                   float* m, float* scratch, float* y) {
  run(transforms(), s, x, u, bias, relu, v, m, scratch, y);
}

}  // namespace ferguard::detail

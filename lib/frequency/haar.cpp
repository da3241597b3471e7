#include "ferguard/frequency/haar.h"

#include "detail/check.h"

namespace ferguard {
namespace {

// Pixel (y, x) of a plane with the last row/column repeated past the edge.
inline float edge(const float* p, int h, int w, int y, int x) {
  return p[static_cast<std::size_t>(std::min(y, h - 1)) * w + std::min(x, w - 1)];
}

}  // namespace

// Orthonormal one-level Haar: for each 2x2 block [a b; c d],
//   LL = (a+b+c+d)/2, LH = (a+b-c-d)/2, HL = (a-b+c-d)/2, HH = (a-b-c+d)/2.
HaarCoefficients haar_forward(const Tensor4& batch) {
  const Shape4& s = batch.shape();
  FERGUARD_CHECK(s.numel() > 0, "haar input: expected a non-empty NxCxHxW tensor, got {}", s.str());
  const Shape4 sub{s.n, s.c, (s.h + 1) / 2, (s.w + 1) / 2};
  HaarCoefficients r{Tensor4(sub), Tensor4(sub), Tensor4(sub), Tensor4(sub), s.h, s.w};
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c) {
      const float* p = batch.plane(n, c);
      for (int i = 0; i < sub.h; ++i)
        for (int j = 0; j < sub.w; ++j) {
          const float a = edge(p, s.h, s.w, 2 * i, 2 * j), b = edge(p, s.h, s.w, 2 * i, 2 * j + 1);
          const float cc = edge(p, s.h, s.w, 2 * i + 1, 2 * j), d = edge(p, s.h, s.w, 2 * i + 1, 2 * j + 1);
          r.ll.at(n, c, i, j) = 0.5f * (a + b + cc + d);
          r.lh.at(n, c, i, j) = 0.5f * (a + b - cc - d);
          r.hl.at(n, c, i, j) = 0.5f * (a - b + cc - d);
          r.hh.at(n, c, i, j) = 0.5f * (a - b - cc + d);
        }
    }
  return r;
}

Tensor4 haar_inverse(const HaarCoefficients& k) {
  const Shape4& sub = k.ll.shape();
  FERGUARD_CHECK(k.lh.shape() == sub && k.hl.shape() == sub && k.hh.shape() == sub,
                 "haar_inverse: expected LL, LH, HL, HH of one shape, got {}, {}, {}, {}", sub.str(),
                 k.lh.shape().str(), k.hl.shape().str(), k.hh.shape().str());
  FERGUARD_CHECK(k.height >= 1 && k.width >= 1 && (k.height + 1) / 2 == sub.h && (k.width + 1) / 2 == sub.w,
                 "haar_inverse: sub-bands of {}x{} do not fit an original size of {}x{}", sub.h, sub.w, k.height,
                 k.width);
  Tensor4 out({sub.n, sub.c, k.height, k.width});
  for (int n = 0; n < sub.n; ++n)
    for (int c = 0; c < sub.c; ++c)
      for (int i = 0; i < sub.h; ++i)
        for (int j = 0; j < sub.w; ++j) {
          const float ll = k.ll.at(n, c, i, j), lh = k.lh.at(n, c, i, j);
          const float hl = k.hl.at(n, c, i, j), hh = k.hh.at(n, c, i, j);
          const float v[2][2] = {{0.5f * (ll + lh + hl + hh), 0.5f * (ll + lh - hl - hh)},
                                 {0.5f * (ll - lh + hl - hh), 0.5f * (ll - lh - hl + hh)}};
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) {
              const int y = 2 * i + dy, x = 2 * j + dx;
              if (y < k.height && x < k.width) out.at(n, c, y, x) = v[dy][dx];
            }
        }
  return out;
}

Tensor4 HaarSplitter::lowpass(const Tensor4& batch) const {
  HaarCoefficients k = haar_forward(batch);
  const Shape4 sub = k.ll.shape();
  k.lh = Tensor4(sub);
  k.hl = Tensor4(sub);
  k.hh = Tensor4(sub);
  return haar_inverse(k);
}

SplitResult HaarSplitter::split(const Tensor4& batch) const {
  SplitResult r{lowpass(batch), Tensor4(batch.shape())};
  for (std::size_t i = 0, n = batch.shape().numel(); i < n; ++i) r.high.data()[i] = batch.data()[i] - r.low.data()[i];
  return r;
}

}  // namespace ferguard

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <thread>

#include "ferguard/ferguard.h"
#include "frequency/mask.h"
#include "test_util.h"

namespace ferguard {
namespace {

constexpr double kPi = 3.14159265358979323846;

// The slow, obviously-correct reference: a naive O(n^4) 2-D DFT in double, the full-spectrum mask,
// and the naive inverse DFT.
Tensor4 naive_lowpass(const Tensor4& x, const SplitOptions& o) {
  const Shape4 s = x.shape();
  Tensor4 out(s);
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c) {
      std::vector<std::complex<double>> X(s.plane());
      for (int ky = 0; ky < s.h; ++ky)
        for (int kx = 0; kx < s.w; ++kx) {
          std::complex<double> acc = 0;
          for (int y = 0; y < s.h; ++y)
            for (int xx = 0; xx < s.w; ++xx)
              acc += double(x.at(n, c, y, xx)) *
                     std::polar(1.0, -2 * kPi * (double(ky) * y / s.h + double(kx) * xx / s.w));
          X[ky * s.w + kx] = acc * detail::lowpass_gain(o, detail::bin_radius(ky, kx, s.h, s.w));
        }
      for (int y = 0; y < s.h; ++y)
        for (int xx = 0; xx < s.w; ++xx) {
          std::complex<double> acc = 0;
          for (int ky = 0; ky < s.h; ++ky)
            for (int kx = 0; kx < s.w; ++kx)
              acc += X[ky * s.w + kx] * std::polar(1.0, 2 * kPi * (double(ky) * y / s.h + double(kx) * xx / s.w));
          out.at(n, c, y, xx) = static_cast<float>(acc.real() / s.plane());
        }
    }
  return out;
}

SplitOptions options(FilterKind f, double cutoff, int order = 2) {
  SplitOptions o;
  o.filter = f;
  o.cutoff = cutoff;
  o.order = order;
  o.plan_effort = PlanEffort::estimate;
  return o;
}

struct NaiveCase {
  Shape4 shape;
  FilterKind filter;
  double cutoff;
};

class SplitterVsNaiveDft : public ::testing::TestWithParam<NaiveCase> {};

TEST_P(SplitterVsNaiveDft, LowStreamMatchesNaiveDft) {
  const NaiveCase& p = GetParam();
  const SplitOptions o = options(p.filter, p.cutoff, 3);
  const Tensor4 x = test::random_tensor(p.shape, 7);
  const SplitResult r = FrequencySplitter(o).split(x);
  const Tensor4 ref = naive_lowpass(x, o);
  EXPECT_LE(test::max_abs_diff(r.low, ref), 1e-4f) << p.shape.str();
  Tensor4 ref_high(p.shape);
  for (std::size_t i = 0; i < x.vector().size(); ++i) ref_high.vector()[i] = x.vector()[i] - ref.vector()[i];
  EXPECT_LE(test::max_abs_diff(r.high, ref_high), 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, SplitterVsNaiveDft,
    ::testing::Values(NaiveCase{{1, 1, 1, 1}, FilterKind::gaussian, 0.1}, NaiveCase{{1, 1, 8, 8}, FilterKind::ideal, 0.3},
                      NaiveCase{{2, 3, 5, 7}, FilterKind::gaussian, 0.2},  // odd, non-square, unaligned planes
                      NaiveCase{{1, 2, 9, 6}, FilterKind::butterworth, 0.25},
                      NaiveCase{{1, 1, 16, 12}, FilterKind::ideal, 0.5},
                      NaiveCase{{1, 3, 11, 13}, FilterKind::butterworth, 0.1}),
    [](const ::testing::TestParamInfo<NaiveCase>& info) {
      const Shape4& s = info.param.shape;
      return to_string(info.param.filter) + "_" + std::to_string(s.n) + "x" + std::to_string(s.c) + "x" +
             std::to_string(s.h) + "x" + std::to_string(s.w);
    });

TEST(FrequencySplitter, ReconstructsInputExactly) {
  for (FilterKind f : {FilterKind::ideal, FilterKind::gaussian, FilterKind::butterworth}) {
    const Tensor4 x = test::random_tensor({3, 3, 112, 112}, 11);
    const SplitResult r = FrequencySplitter(options(f, 0.15)).split(x);
    EXPECT_LE(test::max_abs_diff(BandSplitter::merge(r.low, r.high), x), 1e-5f) << to_string(f);
  }
}

// cos(2 pi (k_x x / W + k_y y / H)) with a whole number of periods: a single pair of DFT bins.
Tensor4 sinusoid(int h, int w, int kx, int ky) {
  Tensor4 t({1, 1, h, w});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) t.at(0, 0, y, x) = float(std::cos(2 * kPi * (double(kx) * x / w + double(ky) * y / h)));
  return t;
}

double energy(const Tensor4& t) {
  double e = 0;
  for (float v : t.vector()) e += double(v) * v;
  return e;
}

TEST(FrequencySplitter, SinusoidBelowCutoffLandsInLow) {
  const Tensor4 x = sinusoid(64, 64, 2, 1);  // r = sqrt(2^2+1^2)/64/0.5 = 0.07
  const SplitResult ideal = FrequencySplitter(options(FilterKind::ideal, 0.3)).split(x);
  EXPECT_LE(test::max_abs_diff(ideal.low, x), 1e-5f);
  EXPECT_LE(energy(ideal.high), 1e-8 * energy(x));
  const SplitResult gauss = FrequencySplitter(options(FilterKind::gaussian, 0.3)).split(x);
  EXPECT_GT(energy(gauss.low), 0.9 * energy(x));
}

TEST(FrequencySplitter, SinusoidAboveCutoffLandsInHigh) {
  const Tensor4 x = sinusoid(64, 48, 18, 20);  // r = 2 * sqrt((18/48)^2 + (20/64)^2) = 0.98
  for (FilterKind f : {FilterKind::ideal, FilterKind::gaussian, FilterKind::butterworth}) {
    const SplitResult r = FrequencySplitter(options(f, 0.2, 4)).split(x);
    EXPECT_LT(energy(r.low), 1e-3 * energy(x)) << to_string(f);
    EXPECT_GT(energy(r.high), 0.99 * energy(x)) << to_string(f);
  }
}

TEST(FrequencySplitter, ParsevalIdealMaskIsAnOrthogonalProjection) {
  // With an ideal (0/1) mask, low and high occupy disjoint sets of DFT bins, so by Parseval
  // ||x||^2 = ||low||^2 + ||high||^2 and <low, high> = 0.
  const Tensor4 x = test::random_tensor({1, 1, 32, 40}, 3);
  const SplitResult r = FrequencySplitter(options(FilterKind::ideal, 0.4)).split(x);
  double dot = 0;
  for (std::size_t i = 0; i < x.vector().size(); ++i) dot += double(r.low.vector()[i]) * r.high.vector()[i];
  EXPECT_NEAR(energy(r.low) + energy(r.high), energy(x), 1e-4 * energy(x));
  EXPECT_NEAR(dot, 0.0, 1e-4 * energy(x));
}

TEST(FrequencySplitter, SinglePixelIsAllLow) {
  Tensor4 x({1, 3, 1, 1}, {0.2f, 0.5f, 0.9f});
  const SplitResult r = FrequencySplitter(options(FilterKind::gaussian, 0.05)).split(x);
  EXPECT_LE(test::max_abs_diff(r.low, x), 1e-7f);
  EXPECT_LE(test::max_abs_diff(r.high, Tensor4(x.shape())), 1e-7f);
}

TEST(FrequencySplitter, ThreadCountDoesNotChangeBytes) {
  const Tensor4 x = test::random_tensor({5, 3, 23, 31}, 5);
  SplitOptions one = options(FilterKind::gaussian, 0.12);
  one.threads = 1;
  SplitOptions many = one;
  many.threads = 4;
  const SplitResult a = FrequencySplitter(one).split(x), b = FrequencySplitter(many).split(x);
  EXPECT_EQ(a.low.vector(), b.low.vector());
  EXPECT_EQ(a.high.vector(), b.high.vector());
}

TEST(FrequencySplitter, ConcurrentCallsGiveIdenticalResults) {
  const FrequencySplitter splitter(options(FilterKind::butterworth, 0.2));
  std::vector<Tensor4> inputs;
  for (unsigned i = 0; i < 4; ++i) inputs.push_back(test::random_tensor({2, 3, 17 + int(i) * 8, 24}, i));
  std::vector<SplitResult> serial;
  for (const auto& x : inputs) serial.push_back(splitter.split(x));
  std::vector<SplitResult> parallel(inputs.size() * 3);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < parallel.size(); ++t)
    workers.emplace_back([&, t] { parallel[t] = splitter.split(inputs[t % inputs.size()]); });
  for (auto& w : workers) w.join();
  for (std::size_t t = 0; t < parallel.size(); ++t) {
    EXPECT_EQ(parallel[t].low.vector(), serial[t % inputs.size()].low.vector());
    EXPECT_EQ(parallel[t].high.vector(), serial[t % inputs.size()].high.vector());
  }
}

TEST(FrequencySplitter, MeasuredPlansAgreeWithEstimatedOnes) {
  const Tensor4 x = test::random_tensor({1, 3, 112, 112}, 9);
  SplitOptions measured = options(FilterKind::gaussian, 0.1);
  measured.plan_effort = PlanEffort::measure;
  EXPECT_LE(test::max_abs_diff(FrequencySplitter(measured).lowpass(x),
                               FrequencySplitter(options(FilterKind::gaussian, 0.1)).lowpass(x)),
            1e-5f);
}

TEST(FrequencySplitter, MaskFollowsTheDocumentedFormulas) {
  const FrequencySplitter g(options(FilterKind::gaussian, 0.25));
  const auto m = g.mask(8, 8);  // 8 rows of 5; bin (0, 2): fx = 2/8, r = 0.5
  ASSERT_EQ(m.size(), 40u);
  EXPECT_FLOAT_EQ(m[0], 1.0f);
  EXPECT_NEAR(m[2], std::exp(-0.25 / (2 * 0.0625)), 1e-6);
  const auto b = FrequencySplitter(options(FilterKind::butterworth, 0.5, 2)).mask(8, 8);
  EXPECT_NEAR(b[2], 0.5, 1e-6);  // r == cutoff gives H = 1/2 for every order
  const auto id = FrequencySplitter(options(FilterKind::ideal, 0.5)).mask(8, 8);
  EXPECT_EQ(id[2], 1.0f);  // r == cutoff is inside
  EXPECT_EQ(id[3], 0.0f);
}

TEST(FrequencySplitter, RejectsBadOptionsAndInputs) {
  EXPECT_THROW(FrequencySplitter(options(FilterKind::gaussian, 0.0)), InvalidArgument);
  EXPECT_THROW(FrequencySplitter(options(FilterKind::gaussian, -1.0)), InvalidArgument);
  EXPECT_THROW(FrequencySplitter(options(FilterKind::gaussian, NAN)), InvalidArgument);
  EXPECT_THROW(FrequencySplitter(options(FilterKind::butterworth, 0.1, 0)), InvalidArgument);
  EXPECT_THROW(parse_filter_kind("box"), InvalidArgument);
  EXPECT_EQ(parse_filter_kind("Gaussian"), FilterKind::gaussian);
  try {
    FrequencySplitter(SplitOptions{}).split(Tensor4({0, 3, 4, 4}));
    FAIL() << "empty input accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("0x3x4x4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ferguard

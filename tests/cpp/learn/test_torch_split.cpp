// The in-graph split of the learned pipeline against the FFTW and Haar references.
#include <gtest/gtest.h>

#include "ferguard/error.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/frequency/haar.h"
#include "learn/nets.h"
#include "test_util.h"

namespace ferguard {
namespace {

torch::Tensor as_torch(const Tensor4& t) {
  const Shape4& s = t.shape();
  return torch::from_blob(const_cast<float*>(t.data()), {s.n, s.c, s.h, s.w}, torch::kFloat32).clone();
}

float max_diff(const torch::Tensor& a, const Tensor4& b) {
  return (a - as_torch(b)).abs().max().item<float>();
}

struct SplitCase {
  FilterKind filter;
  double cutoff;
  int h, w;
};

class TorchFftSplit : public ::testing::TestWithParam<SplitCase> {};

TEST_P(TorchFftSplit, MatchesFrequencySplitter) {
  const SplitCase c = GetParam();
  SplitOptions o;
  o.filter = c.filter;
  o.cutoff = c.cutoff;
  o.order = 3;
  o.threads = 1;
  o.plan_effort = PlanEffort::estimate;
  const Tensor4 x = test::random_tensor({2, 3, c.h, c.w}, 7);
  const SplitResult ref = FrequencySplitter(o).split(x);
  auto [low, high] = learn::TorchSplitter(StreamSplit::fft, o).split(as_torch(x));
  EXPECT_LE(max_diff(low, ref.low), 1e-5f);
  EXPECT_LE(max_diff(high, ref.high), 1e-5f);
  // And the split is not trivial: the low stream differs from the input.
  EXPECT_GT((low - as_torch(x)).abs().max().item<float>(), 0.05f);
}

INSTANTIATE_TEST_SUITE_P(Filters, TorchFftSplit,
                         ::testing::Values(SplitCase{FilterKind::gaussian, 0.1, 64, 64},
                                           SplitCase{FilterKind::ideal, 0.2, 17, 23},
                                           SplitCase{FilterKind::butterworth, 0.3, 32, 15}));

TEST(TorchHaarSplit, MatchesHaarSplitterIncludingOddSizes) {
  for (auto [h, w] : {std::pair{16, 16}, {15, 9}, {1, 4}}) {
    const Tensor4 x = test::random_tensor({2, 3, h, w}, 11);
    const SplitResult ref = HaarSplitter().split(x);
    auto [low, high] = learn::TorchSplitter(StreamSplit::haar, SplitOptions{}).split(as_torch(x));
    EXPECT_LE(max_diff(low, ref.low), 1e-6f) << h << "x" << w;
    EXPECT_LE(max_diff(high, ref.high), 1e-6f) << h << "x" << w;
  }
}

TEST(TorchSplit, RejectsNon4dInput) {
  learn::TorchSplitter s(StreamSplit::fft, SplitOptions{});
  EXPECT_THROW(s.split(torch::zeros({3, 8, 8})), InvalidArgument);
}

}  // namespace
}  // namespace ferguard

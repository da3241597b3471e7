#include <gtest/gtest.h>

#include "ferguard/ferguard.h"
#include "test_util.h"

namespace ferguard {
namespace {

TEST(Haar, KnownBlock) {
  // [a b; c d] = [1 2; 3 4]
  const HaarCoefficients k = haar_forward(Tensor4({1, 1, 2, 2}, {1, 2, 3, 4}));
  EXPECT_FLOAT_EQ(k.ll.at(0, 0, 0, 0), 5.0f);   // (1+2+3+4)/2
  EXPECT_FLOAT_EQ(k.lh.at(0, 0, 0, 0), -2.0f);  // (1+2-3-4)/2
  EXPECT_FLOAT_EQ(k.hl.at(0, 0, 0, 0), -1.0f);  // (1-2+3-4)/2
  EXPECT_FLOAT_EQ(k.hh.at(0, 0, 0, 0), 0.0f);
}

TEST(Haar, InverseIsExactIncludingOddSizes) {
  for (Shape4 s : {Shape4{2, 3, 112, 112}, Shape4{1, 3, 7, 9}, Shape4{1, 1, 1, 1}, Shape4{1, 2, 1, 6}}) {
    const Tensor4 x = test::random_tensor(s, 4);
    const HaarCoefficients k = haar_forward(x);
    EXPECT_EQ(k.ll.shape().h, (s.h + 1) / 2);
    EXPECT_LE(test::max_abs_diff(haar_inverse(k), x), 1e-6f) << s.str();
  }
}

TEST(Haar, IsOrthonormalOnEvenSizes) {
  const Tensor4 x = test::random_tensor({1, 1, 16, 16}, 2);
  const HaarCoefficients k = haar_forward(x);
  double ex = 0, ek = 0;
  for (float v : x.vector()) ex += double(v) * v;
  for (const Tensor4* t : {&k.ll, &k.lh, &k.hl, &k.hh})
    for (float v : t->vector()) ek += double(v) * v;
  EXPECT_NEAR(ek, ex, 1e-4 * ex);
}

TEST(Haar, SplitterLowIsBlockMeanAndStreamsSumToInput) {
  const Tensor4 x = test::random_tensor({1, 3, 10, 6}, 8);
  const SplitResult r = HaarSplitter().split(x);
  EXPECT_LE(test::max_abs_diff(BandSplitter::merge(r.low, r.high), x), 1e-6f);
  const float mean = 0.25f * (x.at(0, 1, 2, 2) + x.at(0, 1, 2, 3) + x.at(0, 1, 3, 2) + x.at(0, 1, 3, 3));
  EXPECT_NEAR(r.low.at(0, 1, 3, 3), mean, 1e-6f);
  EXPECT_EQ(HaarSplitter().name(), "haar");
}

TEST(Haar, RejectsMismatchedBands) {
  HaarCoefficients k = haar_forward(test::random_tensor({1, 1, 4, 4}, 1));
  k.hh = Tensor4({1, 1, 3, 2});
  EXPECT_THROW(haar_inverse(k), InvalidArgument);
  k = haar_forward(test::random_tensor({1, 1, 4, 4}, 1));
  k.height = 9;
  EXPECT_THROW(haar_inverse(k), InvalidArgument);
}

}  // namespace
}  // namespace ferguard

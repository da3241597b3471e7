#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "ferguard/ferguard.h"

namespace ferguard {
namespace {

SynthOptions small(int identities = 6, int samples = 4, int size = 64) {
  SynthOptions o;
  o.identities = identities;
  o.samples_per_expression = samples;
  o.size = size;
  return o;
}

double mean_abs_diff(const Image& a, const Image& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.pixels().size(); ++i) s += std::abs(int(a.pixels()[i]) - int(b.pixels()[i]));
  return s / a.pixels().size();
}

TEST(Synth, SameSeedSameBytesDifferentSeedDiffers) {
  const SyntheticFaces a(small()), b(small());
  SynthOptions other = small();
  other.seed += 1;
  const SyntheticFaces c(other);
  ASSERT_EQ(a.size(), 6u * 7 * 4);
  int differing = 0;
  for (std::size_t i = 0; i < a.size(); i += 7) {
    const FaceSample sa = a.get(i), sb = b.get(i);
    EXPECT_EQ(sa.image.pixels(), sb.image.pixels()) << sa.source;
    if (mean_abs_diff(sa.image, c.get(i).image) > 5.0) ++differing;
  }
  EXPECT_EQ(differing, static_cast<int>((a.size() + 6) / 7));
  // Order-independence: sample 5 is the same whether or not others were rendered before it.
  const SyntheticFaces fresh(small());
  EXPECT_EQ(fresh.get(5).image.pixels(), a.get(5).image.pixels());
}

TEST(Synth, GetIsThreadSafe) {
  const SyntheticFaces faces(small(4, 3, 48));
  std::vector<std::vector<std::uint8_t>> serial(faces.size()), parallel(faces.size());
  for (std::size_t i = 0; i < faces.size(); ++i) serial[i] = faces.get(i).image.pixels();
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t i = faces.size() - 1 - t; i < faces.size(); i -= 4) parallel[i] = faces.get(i).image.pixels();
    });
  for (auto& th : pool) th.join();
  for (std::size_t i = 0; i < faces.size(); ++i) EXPECT_EQ(serial[i], parallel[i]) << i;
}

TEST(Synth, LabelsLayoutAndEveryClassPresent) {
  const SyntheticFaces faces(small(5, 3, 40));
  std::map<std::pair<int, int>, int> count;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const FaceLabel l = faces.label_of(i);
    const FaceSample s = faces.get(i);
    EXPECT_EQ(s.identity, l.identity);
    EXPECT_EQ(s.expression, l.expression);
    EXPECT_EQ(s.split, l.split);
    EXPECT_EQ(s.image.height(), 40);
    EXPECT_EQ(s.image.channels(), 3);
    EXPECT_EQ(faces.index_of(l.identity, l.expression, static_cast<int>(i % 3)), i);
    count[{l.identity, l.expression}]++;
  }
  EXPECT_EQ(count.size(), 5u * kNumExpressions);
  for (const auto& [key, n] : count) EXPECT_EQ(n, 3);
  EXPECT_EQ(faces.get(faces.index_of(2, 6, 1)).source, "synth:2/surprised/1");
  EXPECT_THROW(faces.get(faces.size()), InvalidArgument);
  EXPECT_THROW(faces.index_of(5, 0, 0), InvalidArgument);
}

TEST(Synth, SplitsAreDisjointCoverAndHoldOutSamplesOfEveryClass) {
  SynthOptions o = small(4, 8, 32);
  const SyntheticFaces faces(o);
  std::map<std::tuple<int, int, Split>, int> n;
  std::size_t total = 0;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const FaceLabel l = faces.label_of(i);
    EXPECT_EQ(faces.split_of(i), l.split);
    n[{l.identity, l.expression, l.split}]++;
    ++total;
  }
  EXPECT_EQ(total, faces.size());  // each sample has exactly one split
  for (int id = 0; id < 4; ++id)
    for (int e = 0; e < kNumExpressions; ++e) {
      EXPECT_EQ((n[{id, e, Split::train}]), 6);
      EXPECT_EQ((n[{id, e, Split::val}]), 1);
      EXPECT_EQ((n[{id, e, Split::test}]), 1);
    }
  // Which k is held out changes between (identity, expression) pairs.
  std::set<int> test_ks;
  for (int id = 0; id < 4; ++id)
    for (int e = 0; e < kNumExpressions; ++e)
      for (int k = 0; k < 8; ++k)
        if (faces.split_of(faces.index_of(id, e, k)) == Split::test) test_ks.insert(k);
  EXPECT_GE(test_ks.size(), 3u);
}

TEST(Synth, OptionsAreValidated) {
  SynthOptions o;
  o.size = 8;
  EXPECT_THROW(SyntheticFaces{o}, InvalidArgument);
  o = SynthOptions{};
  o.intensity_min = 0.9f;
  o.intensity_max = 0.5f;
  try {
    SyntheticFaces f(o);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("intensity_min"), std::string::npos);
  }
  o = SynthOptions{};
  o.jpeg_quality_min = 90;
  o.jpeg_quality_max = 80;
  EXPECT_THROW(SyntheticFaces{o}, InvalidArgument);
}

TEST(Synth, IdentitiesDifferMoreThanSamplesOfOneIdentity) {
  const SyntheticFaces faces(small(6, 2, 64));
  double within = 0, between = 0;
  int nw = 0, nb = 0;
  std::vector<FaceSample> all;
  for (std::size_t i = 0; i < faces.size(); ++i) all.push_back(faces.get(i));
  for (std::size_t i = 0; i < all.size(); ++i)
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      const double d = mean_abs_diff(all[i].image, all[j].image);
      if (all[i].identity == all[j].identity) {
        within += d;
        ++nw;
      } else {
        between += d;
        ++nb;
      }
    }
  within /= nw;
  between /= nb;
  RecordProperty("within", std::to_string(within));
  RecordProperty("between", std::to_string(between));
  EXPECT_GT(between, 1.3 * within) << "within " << within << " between " << between;
}

TEST(Synth, ExpressionChangesTheFaceOfOnePerson) {
  // With the nuisance off, an expression changes the pixels of the same person: the mouth and brows move.
  const SyntheticFaces faces(small(3, 1, 96).without_nuisance());
  for (int id = 0; id < 3; ++id) {
    const Image neutral = faces.get(faces.index_of(id, 0, 0)).image;
    for (int e = 1; e < kNumExpressions; ++e)
      EXPECT_GT(mean_abs_diff(neutral, faces.get(faces.index_of(id, e, 0)).image), 0.5) << id << " " << e;
  }
}

TEST(Synth, ContactSheetHasOneTilePerIdentityAndExpression) {
  const SyntheticFaces faces(small(3, 2, 48));
  const Image sheet = synth_contact_sheet(faces, 2, 1);
  EXPECT_EQ(sheet.width(), 7 * (48 + 2) + 2);
  EXPECT_EQ(sheet.height(), 14 + 2 * (48 + 2) + 2);
  // The tile of (identity 1, surprised) is that sample's image.
  const Image tile = faces.get(faces.index_of(1, 6, 1)).image;
  const int x0 = 2 + 6 * 50, y0 = 14 + 2 + 50;
  EXPECT_EQ(sheet.at(y0 + 10, x0 + 20, 1), tile.at(10, 20, 1));
  EXPECT_EQ(sheet.at(y0 + 40, x0 + 7, 0), tile.at(40, 7, 0));
  EXPECT_THROW(synth_contact_sheet(faces, 0, 2), InvalidArgument);
}

}  // namespace
}  // namespace ferguard

// The template bank (k-anonymous selection, leave-one-photo-out, file format) and the template method's rendering,
// on synthetic donors and the golden sample landmarks: no model needed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "ferguard/error.h"
#include "face/sample_landmarks.h"
#include "ferguard/face/face_geometry.h"
#include "ferguard/privacy/template_bank.h"
#include "privacy/template_render.h"

#include <opencv2/core.hpp>

namespace ferguard {
namespace {

namespace fs = std::filesystem;

using testing::sample_landmarks;

constexpr int kSide = 64;

// A bank whose donors i have flat colour i * 10, photo i / 2 + 1 (two faces per photo), expression i % 3.
TemplateBank synthetic_bank(int donors, int k) {
  const auto faces = sample_landmarks();
  const std::vector<Point2f> ref = mean_shape(faces, CanonicalFrame{kSide});
  TemplateBank bank(kSide, k, ref);
  for (int i = 0; i < donors; ++i) {
    TemplateDonor d;
    d.photo = std::uint64_t(i / 2 + 1);
    d.expression = static_cast<Expression>(i % 3);
    d.shape = fit_similarity(faces[i % faces.size()], ref).apply(faces[i % faces.size()]);
    d.texture.assign(std::size_t(kSide) * kSide * 3, std::uint8_t(i * 10));
    bank.add(std::move(d));
  }
  return bank;
}

TEST(FaceTemplateBank, SelectsByExpressionWithAtLeastKPeopleElseAllDonors) {
  const TemplateBank bank = synthetic_bank(12, 3);
  EXPECT_EQ(bank.people(), 6);  // no identities: each photo counts as one person (two faces per photo)
  EXPECT_EQ(bank.people(Expression::neutral), 4);  // donors 0, 3, 6, 9: photos 1, 2, 4, 5
  EXPECT_EQ(bank.people(Expression::angry), 0);
  // Class 0 (neutral): donors 0, 3, 6, 9 -> mean colour 45.
  const FaceTemplate t = bank.select(Expression::neutral);
  EXPECT_TRUE(t.by_expression);
  EXPECT_EQ(t.donors, 4);
  EXPECT_NEAR(t.texture.at(0, 1, 10, 10) * 255.0f, 45.0f, 1e-3);
  // Leaving out photo 1 (donors 0 and 1) removes donor 0 from class 0: donors 3, 6, 9 -> 60.
  const FaceTemplate u = bank.select(Expression::neutral, 1);
  EXPECT_EQ(u.donors, 3);
  EXPECT_NEAR(u.texture.at(0, 0, 3, 50) * 255.0f, 60.0f, 1e-3);
  // Leaving out photo 4 too would leave class 0 with 2 people (< k): then all donors of other photos.
  const TemplateBank small = synthetic_bank(6, 3);  // class 0: donors 0, 3
  const FaceTemplate v = small.select(Expression::neutral);
  EXPECT_FALSE(v.by_expression);
  EXPECT_EQ(v.donors, 6);
  EXPECT_NEAR(v.texture.at(0, 2, 0, 0) * 255.0f, 25.0f, 1e-3);
  // The mean shape is the donors' mean shape.
  double sx = 0;
  for (const TemplateDonor& d : small.donors()) sx += d.shape[30].x;
  EXPECT_NEAR(v.shape[30].x, sx / 6, 1e-3);
}

TEST(FaceTemplateBank, YawProxyFollowsTheNoseAndIgnoresSimilarities) {
  std::vector<Point2f> f = sample_landmarks().front();
  const float y0 = yaw_proxy(f);
  EXPECT_LT(std::abs(y0), 0.5f);
  // The nose tip towards landmark 16 turns the proxy that way.
  const Point2f dir{f[16].x - f[0].x, f[16].y - f[0].y};
  std::vector<Point2f> turned = f;
  turned[30] = {f[30].x + 0.1f * dir.x, f[30].y + 0.1f * dir.y};
  EXPECT_NEAR(yaw_proxy(turned) - y0, 0.1f, 1e-4);
  // Rotated, scaled and moved: the same proxy.
  Similarity s;
  s.a = 0.8f * std::cos(0.3f), s.b = 0.8f * std::sin(0.3f), s.tx = 17.0f, s.ty = -5.0f;
  EXPECT_NEAR(yaw_proxy(s.apply(turned)), yaw_proxy(turned), 1e-4);
  EXPECT_THROW(yaw_proxy(std::vector<Point2f>(5)), InvalidArgument);
}

// Donors i = 0..n-1 of one class, one photo each, colour i * 10, the nose tip moved so that the yaw grows with i.
TemplateBank turning_bank(int donors, int k) {
  const std::vector<Point2f> ref = mean_shape(sample_landmarks(), CanonicalFrame{kSide});
  TemplateBank bank(kSide, k, ref);
  for (int i = 0; i < donors; ++i) {
    TemplateDonor d;
    d.photo = std::uint64_t(i + 1);
    d.shape = ref;
    d.shape[30].x += 2.0f * float(i);
    d.texture.assign(std::size_t(kSide) * kSide * 3, std::uint8_t(i * 10));
    bank.add(std::move(d));
  }
  return bank;
}

TEST(FaceTemplateBank, SelectsTheNearerHalfByHeadTurnWithAtLeastKPeople) {
  const TemplateBank bank = turning_bank(8, 2);
  const float last = yaw_proxy(bank.donors()[7].shape);
  // The nearer half of 8 donors to donor 7's turn: donors 4..7, mean colour 55.
  const FaceTemplate t = bank.select(Expression::neutral, 0, last);
  EXPECT_TRUE(t.by_pose);
  EXPECT_EQ(t.donors, 4);
  EXPECT_NEAR(t.texture.at(0, 0, 5, 5) * 255.0f, 55.0f, 1e-3);
  // Towards the other end: donors 0..3, 15.
  EXPECT_NEAR(bank.select(Expression::neutral, 0, yaw_proxy(bank.donors()[0].shape)).texture.at(0, 1, 9, 9) * 255.0f,
              15.0f, 1e-3);
  // Without a yaw, every donor (35), and by_pose is false.
  const FaceTemplate all = bank.select(Expression::neutral);
  EXPECT_FALSE(all.by_pose);
  EXPECT_EQ(all.donors, 8);
  // Leave-one-photo-out holds first: donor 7's photo out leaves 7 donors, the nearer half of them is 4 (3..6: 45).
  EXPECT_NEAR(bank.select(Expression::neutral, 8, last).texture.at(0, 2, 1, 1) * 255.0f, 45.0f, 1e-3);
  // k = 5 grows the half to 5 people: donors 3..7, 50.
  const FaceTemplate five = turning_bank(8, 5).select(Expression::neutral, 0, last);
  EXPECT_EQ(five.donors, 5);
  EXPECT_EQ(five.people, 5);
  EXPECT_NEAR(five.texture.at(0, 0, 0, 0) * 255.0f, 50.0f, 1e-3);
  EXPECT_THROW(bank.select(Expression::neutral, 0, std::nanf("")), InvalidArgument);
}

TEST(FaceTemplateBank, FewerThanKPeopleIsAnError) {
  const TemplateBank bank = synthetic_bank(6, 3);  // photos 1, 2 and 3
  EXPECT_NO_THROW(bank.select(Expression::happy));
  EXPECT_THROW(bank.select(Expression::happy, 1), InvalidArgument);  // 2 photos left
  EXPECT_THROW(synthetic_bank(4, 3).select(Expression::happy), InvalidArgument);  // 2 photos in all
  // With identities, k counts people: four photos of two people are two people.
  TemplateBank people = synthetic_bank(4, 3);
  TemplateBank named(kSide, 3, people.reference_shape());
  for (TemplateDonor d : people.donors()) {
    d.identity = d.photo == 1 ? "ann" : "bob";
    named.add(std::move(d));
  }
  EXPECT_EQ(named.people(), 2);
  EXPECT_THROW(named.select(Expression::neutral), InvalidArgument);
}

TEST(FaceTemplateBank, SavesAndLoadsAndRejectsCorruptFiles) {
  const TemplateBank bank = synthetic_bank(7, 2);
  const fs::path dir = fs::temp_directory_path() / ("ferguard_bank_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "b.fgtb").string();
  bank.save(path);
  const TemplateBank back = TemplateBank::load(path);
  ASSERT_EQ(back.donors().size(), 7u);
  EXPECT_EQ(back.k(), 2);
  EXPECT_EQ(back.side(), kSide);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(back.donors()[i].texture, bank.donors()[i].texture);
    EXPECT_EQ(back.donors()[i].photo, bank.donors()[i].photo);
    EXPECT_EQ(back.donors()[i].expression, bank.donors()[i].expression);
    EXPECT_EQ(back.donors()[i].shape[17].y, bank.donors()[i].shape[17].y);
  }
  std::vector<char> bytes((fs::file_size(path)));
  std::ifstream(path, std::ios::binary).read(bytes.data(), std::streamsize(bytes.size()));
  auto write = [&](const std::vector<char>& b, const std::string& name) {
    const std::string p = (dir / name).string();
    std::ofstream(p, std::ios::binary).write(b.data(), std::streamsize(b.size()));
    return p;
  };
  std::vector<char> flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x5a;
  EXPECT_THROW(TemplateBank::load(write(flipped, "flipped.fgtb")), ModelError);
  EXPECT_THROW(TemplateBank::load(write({bytes.begin(), bytes.begin() + 100}, "short.fgtb")), ModelError);
  std::vector<char> magic = bytes;
  magic[0] = 'X';
  EXPECT_THROW(TemplateBank::load(write(magic, "magic.fgtb")), ModelError);
  EXPECT_THROW(TemplateBank::load(write({}, "empty.fgtb")), ModelError);
  EXPECT_THROW(TemplateBank::load((dir / "missing.fgtb").string()), IoError);
  try {
    TemplateBank::load(write(flipped, "flipped.fgtb"));
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("flipped.fgtb"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(FaceTemplateBank, PhotoHashTellsPhotosApart) {
  Image a(4, 5, 3), b(4, 5, 3), c(5, 4, 3);
  b.at(3, 4, 2) = 1;
  EXPECT_EQ(photo_hash(a), photo_hash(Image(4, 5, 3)));
  EXPECT_NE(photo_hash(a), photo_hash(b));
  EXPECT_NE(photo_hash(a), photo_hash(c));  // same bytes, other size
}

// `shape` placed on `on` as the renderer places a template: least squares over the jaw, the nose and the eyes.
std::vector<Point2f> placed(const std::vector<Point2f>& shape, const std::vector<Point2f>& on) {
  std::vector<Point2f> a, b;
  for (const LandmarkGroup& g : {kJaw, kNose, kLeftEye, kRightEye})
    for (int i = g.begin; i < g.end; ++i) a.push_back(shape[i]), b.push_back(on[i]);
  return fit_similarity(a, b).apply(shape);
}

// One sample face on a 160 canvas, a template from two flat donors.
class TemplateRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto faces = sample_landmarks();
    const CanonicalFrame frame{kSide};
    reference_ = mean_shape(faces, frame);
    // The face placed in a 160 canvas.
    const auto& f = faces[7];  // a frontal face
    const Similarity s = fit_similarity(f, mean_shape({f}, CanonicalFrame{160}));
    landmarks_ = Similarity{s.a * 0.8, s.b * 0.8, s.tx * 0.8 + 16, s.ty * 0.8 + 20}.apply(f);
    canvas_ = Tensor4(Shape4{1, 3, 160, 160});
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.3f, 0.7f);
    for (float& v : canvas_.vector()) v = u(rng);  // full of fine detail: "identity" in the high band
    TemplateBank bank(kSide, 1, reference_);
    TemplateDonor d;
    d.photo = 9;
    d.shape = reference_;
    d.texture.assign(std::size_t(kSide) * kSide * 3, 90);
    bank.add(d);
    tpl_ = bank.select(Expression::neutral);
  }
  std::vector<Point2f> reference_, landmarks_;
  Tensor4 canvas_;
  FaceTemplate tpl_;
};

TEST_F(TemplateRenderTest, StrengthZeroLeavesTheCanvas) {
  const detail::TemplateRenderer r(reference_, kSide, SplitOptions{});
  const detail::TemplateRender out = r.render(canvas_, landmarks_, tpl_, {0.0f, 0.0f, 0.0f});
  double worst = 0;
  for (std::size_t i = 0; i < canvas_.vector().size(); ++i)
    worst = std::max(worst, double(std::abs(out.published.vector()[i] - canvas_.vector()[i])));
  EXPECT_LT(worst, 1e-4);
  EXPECT_EQ(out.folded, 0.0);
  for (int k = 0; k < kNumFaceLandmarks; ++k) EXPECT_FLOAT_EQ(out.geometry[k].x, landmarks_[k].x);
}

TEST_F(TemplateRenderTest, FullStrengthKeepsNothingOfThePersonAboveTheIlluminationBand) {
  const detail::TemplateRenderer r(reference_, kSide, SplitOptions{});
  // Another person: the same landmarks, other fine detail.
  Tensor4 other = canvas_;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-0.2f, 0.2f);
  for (float& v : other.vector()) v = std::clamp(v + u(rng), 0.0f, 1.0f);
  auto inside_diff = [&](const detail::TemplateRender& a, const detail::TemplateRender& b) {
    double d = 0;
    int n = 0;
    for (int c = 0; c < 3; ++c)
      for (std::size_t k = 0; k < a.hull.size(); ++k)
        if (a.hull[k] > 0.5f && a.blend[k] >= 1.0f) {
          d += std::abs(a.published.plane(0, c)[k] - b.published.plane(0, c)[k]);
          ++n;
        }
    return d / std::max(1, n);
  };
  const auto a1 = r.render(canvas_, landmarks_, tpl_, {1.0f, 1.0f, 1.0f});
  const auto b1 = r.render(other, landmarks_, tpl_, {1.0f, 1.0f, 1.0f});
  const auto a0 = r.render(canvas_, landmarks_, tpl_, {1.0f, 1.0f, 0.0f});
  const auto b0 = r.render(other, landmarks_, tpl_, {1.0f, 1.0f, 0.0f});
  // At full strength the two people differ only through the very low illumination band (a blur of noise).
  EXPECT_LT(inside_diff(a1, b1), 0.01);
  // Keeping the high stream keeps their difference.
  EXPECT_GT(inside_diff(a0, b0), 0.05);
}

TEST_F(TemplateRenderTest, GeometryKeepsTheExpressionAndBlendCoversBothOutlines) {
  const detail::TemplateRenderer r(reference_, kSide, SplitOptions{});
  // A template shape whose eyes are further apart than the face's.
  std::vector<Point2f> shape = tpl_.shape;
  const float iod = inter_ocular(shape);
  for (int i = kLeftEye.begin; i < kLeftEye.end; ++i) shape[i].x -= 0.12f * iod;
  for (int i = kRightEye.begin; i < kRightEye.end; ++i) shape[i].x += 0.12f * iod;
  const std::vector<Point2f> P = r.geometry(landmarks_, shape, 1.0f);
  // Each expression group: the template's group shape carried by the affine map that best fits it onto the person's
  // group (the expression's size, aspect and tilt), at the template's position. So P's group is the person's group's
  // affine part exactly: fitting the template's group to P's and to L's gives the same linear map.
  const std::vector<Point2f> T = fit_similarity(
      [&] { std::vector<Point2f> v; for (int i : {0, 8, 16, 27, 30, 33, 36, 39, 42, 45}) v.push_back(shape[i]); return v; }(),
      [&] { std::vector<Point2f> v; for (int i : {0, 8, 16, 27, 30, 33, 36, 39, 42, 45}) v.push_back(landmarks_[i]); return v; }())
      .apply(shape);
  auto linear = [](const std::vector<Point2f>& from, const std::vector<Point2f>& to) {
    cv::Mat A(int(from.size()), 3, CV_64F), B(int(from.size()), 2, CV_64F), X;
    for (std::size_t i = 0; i < from.size(); ++i) {
      A.at<double>(int(i), 0) = from[i].x, A.at<double>(int(i), 1) = from[i].y, A.at<double>(int(i), 2) = 1;
      B.at<double>(int(i), 0) = to[i].x, B.at<double>(int(i), 1) = to[i].y;
    }
    cv::solve(A, B, X, cv::DECOMP_SVD);
    return X;
  };
  for (const LandmarkGroup& g : {kLeftBrow, kRightBrow, kLeftEye, kRightEye, kMouth}) {
    const std::vector<Point2f> Tg(T.begin() + g.begin, T.begin() + g.end), Pg(P.begin() + g.begin, P.begin() + g.end),
        Lg(landmarks_.begin() + g.begin, landmarks_.begin() + g.end);
    const cv::Mat a = linear(Tg, Pg), b = linear(Tg, Lg);
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) EXPECT_NEAR(a.at<double>(r, c), b.at<double>(r, c), 2e-2) << "group " << g.begin;
  }
  // The eyes moved apart (identity).
  const float d0 = group_centroid(landmarks_, kRightEye).x - group_centroid(landmarks_, kLeftEye).x;
  const float d1 = group_centroid(P, kRightEye).x - group_centroid(P, kLeftEye).x;
  EXPECT_GT(d1, d0 * 1.05f);
  // The nose moved to the template's; the jaw outline stayed the person's, but for the chin, which follows the
  // mouth's opening beyond the template's (all of it at the chin's tip, point 8; none at points 0-2 and 14-16).
  const std::vector<Point2f> Tp = placed(shape, landmarks_);
  for (int i = kNose.begin; i < kNose.end; ++i) {
    EXPECT_NEAR(P[i].x, Tp[i].x, 1e-3) << "nose point " << i;
    EXPECT_NEAR(P[i].y, Tp[i].y, 1e-3) << "nose point " << i;
  }
  for (int i : {0, 1, 2, 14, 15, 16}) {
    EXPECT_FLOAT_EQ(P[i].x, landmarks_[i].x) << "jaw point " << i;
    EXPECT_FLOAT_EQ(P[i].y, landmarks_[i].y) << "jaw point " << i;
  }
  const float open_x = (landmarks_[66].x - landmarks_[62].x) - (Tp[66].x - Tp[62].x);
  const float open_y = (landmarks_[66].y - landmarks_[62].y) - (Tp[66].y - Tp[62].y);
  EXPECT_NEAR(P[8].x - landmarks_[8].x, open_x, 1e-3);
  EXPECT_NEAR(P[8].y - landmarks_[8].y, open_y, 1e-3);
  TemplateBank wide(kSide, 1, reference_);
  TemplateDonor d;
  d.shape = fit_similarity(shape, reference_).apply(shape);
  d.texture.assign(std::size_t(kSide) * kSide * 3, 200);
  wide.add(d);
  const auto out = r.render(canvas_, landmarks_, wide.select(Expression::neutral), {1.0f, 1.0f, 1.0f});
  // Every landmark of the original and of the published face lies where the blend is 1: no original face pixel
  // survives at either outline.
  const Point2f nose = group_centroid(landmarks_, kNose);
  for (const std::vector<Point2f>* set : {static_cast<const std::vector<Point2f>*>(&landmarks_), &out.geometry})
    for (int i = 0; i < 17; ++i) {
      // A hair inside the outline (the pixel whose centre is on it may fall either side).
      const Point2f& p = (*set)[i];
      const int x = int(p.x + 0.05f * (nose.x - p.x)), y = int(p.y + 0.05f * (nose.y - p.y));
      EXPECT_GE(out.blend[std::size_t(y) * 160 + x], 0.999f) << "jaw point " << i;
    }
}

// A video track's neutral shape: the published geometry is the template's shape carrying the frame's difference from
// the neutral, so two people with the same expression movement publish the same geometry (up to placement).
TEST_F(TemplateRenderTest, WithANeutralShapeTheWholeIdentityShapeIsTheTemplates) {
  const detail::TemplateRenderer r(reference_, kSide, SplitOptions{});
  const std::vector<Point2f> neutral = r.aligned(landmarks_);  // this frame is the person's neutral
  // At the neutral itself the published geometry is the template's shape placed on the face.
  const std::vector<Point2f> P0 = r.geometry(landmarks_, tpl_.shape, 1.0f, &neutral);
  const std::vector<Point2f> T = placed(tpl_.shape, landmarks_);
  for (std::size_t i = 0; i < P0.size(); ++i) {
    EXPECT_NEAR(P0[i].x, T[i].x, 1e-2) << i;
    EXPECT_NEAR(P0[i].y, T[i].y, 1e-2) << i;
  }
  // A smile: the mouth corners move out and up. The published mouth moves by the same amounts.
  std::vector<Point2f> smile = landmarks_;
  smile[48].x -= 3, smile[48].y -= 2, smile[54].x += 3, smile[54].y -= 2;
  const std::vector<Point2f> P1 = r.geometry(smile, tpl_.shape, 1.0f, &neutral);
  for (int i : {48, 54}) {
    EXPECT_NEAR(P1[i].x - P0[i].x, smile[i].x - landmarks_[i].x, 0.2) << i;
    EXPECT_NEAR(P1[i].y - P0[i].y, smile[i].y - landmarks_[i].y, 0.2) << i;
  }
  // Another person (wider eyes and mouth, a longer nose) making the same smile publishes the same mouth movement
  // on the same template shape: nothing of the difference between them remains. Without the neutral, the groups'
  // own size (the affine part the photo rule keeps as expression) would stay.
  std::vector<Point2f> other = landmarks_;
  for (const auto& [g, k] : {std::pair{kLeftEye, 1.3f}, std::pair{kRightEye, 1.3f}, std::pair{kMouth, 1.2f}}) {
    const Point2f c = group_centroid(landmarks_, g);
    for (int i = g.begin; i < g.end; ++i) other[i].x = c.x + k * (landmarks_[i].x - c.x);
  }
  for (int i = kNose.begin; i < kNose.end; ++i) other[i].y += 3;
  const std::vector<Point2f> other_neutral = r.aligned(other);
  std::vector<Point2f> other_smile = other;
  other_smile[48].x -= 3, other_smile[48].y -= 2, other_smile[54].x += 3, other_smile[54].y -= 2;
  const std::vector<Point2f> Q = r.geometry(other_smile, tpl_.shape, 1.0f, &other_neutral);
  const std::vector<Point2f> Qp = placed(Q, P1);  // remove the placement
  double worst = 0.0;
  for (std::size_t i = 0; i < Q.size(); ++i) worst = std::max(worst, double(std::hypot(Qp[i].x - P1[i].x, Qp[i].y - P1[i].y)));
  EXPECT_LT(worst, 0.05 * inter_ocular(P1));
  const std::vector<Point2f> photo_one = r.geometry(smile, tpl_.shape, 1.0f);
  const std::vector<Point2f> photo_other = placed(r.geometry(other_smile, tpl_.shape, 1.0f), photo_one);
  double apart = 0.0;
  for (std::size_t i = 0; i < Q.size(); ++i)
    apart = std::max(apart, double(std::hypot(photo_other[i].x - photo_one[i].x, photo_other[i].y - photo_one[i].y)));
  EXPECT_GT(apart, 0.1 * inter_ocular(P1)) << "the photo rule keeps each group's own size";
  // Strength 0 keeps the face's own geometry.
  const std::vector<Point2f> L = r.geometry(smile, tpl_.shape, 0.0f, &neutral);
  for (std::size_t i = 0; i < L.size(); ++i) EXPECT_FLOAT_EQ(L[i].x, smile[i].x);
}

// Hostile geometry: landmarks shaken by up to a third of the face, collapsed, or far outside the canvas. The renderer
// either reports the fold (the method then masks the face) or returns a finite face in [0, 1]; it never crashes.
TEST_F(TemplateRenderTest, ShakenLandmarksNeverBreakTheRenderer) {
  const detail::TemplateRenderer r(reference_, kSide, SplitOptions{});
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0.0f, 12.0f);
  int folded = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<Point2f> lm = landmarks_;
    const float scale = trial < 40 ? 1.0f : 4.0f;
    for (Point2f& p : lm) p = {p.x + scale * n(rng), p.y + scale * n(rng)};
    if (trial == 59) lm.assign(lm.size(), Point2f{80.0f, 80.0f + 1e-3f});
    try {
      const auto out = r.render(canvas_, lm, tpl_, {1.0f, 1.0f, 1.0f});
      folded += out.folded > 0.05;
      for (float v : out.published.vector()) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << "trial " << trial;
    } catch (const InvalidArgument&) {
      ++folded;  // a degenerate shape (coincident points) is refused with a typed error
    }
  }
  EXPECT_GT(folded, 10);  // most heavily shaken faces fold: the method masks them
}

}  // namespace
}  // namespace ferguard

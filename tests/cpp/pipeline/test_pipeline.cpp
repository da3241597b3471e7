// The main job end to end on a committed sample photo (3 faces): options, baselines, fail-closed masking,
// determinism, band control of the enhancers, leakage beside every face, video tracks.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "ferguard/error.h"
#include "ferguard/face/face_geometry.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/io/image_io.h"
#include "ferguard/model/face_analyzer.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/pipeline/pipeline.h"
#include "ferguard/privacy/template_bank.h"
#include "model/differentiable.h"
#include "privacy/adversarial.h"
#include "privacy/face_region.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;

const std::string kSample = std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pixels/sample1.png";

bool models_present() {
  return fs::exists(fs::path(resolve_graph_models_dir()) / "faceres.json") &&
         fs::exists(fs::path(resolve_models_dir()) / "face_recognition_model-weights_manifest.json");
}

#define REQUIRE_MODELS() \
  if (!models_present()) GTEST_SKIP() << "models absent: run scripts/fetch_models.sh (make test does)"

const Image& sample() {
  static const Image im = read_image(kSample);
  return im;
}

PipelineOptions quick(PrivacyMethod m) {
  PipelineOptions o;
  o.method = m;
  o.auditors = {"faceres"};
  o.steps = 2;
  o.compensation_steps = 2;
  return o;
}

TEST(PipelineOptions, RefusesAnAuditorThatIsAlsoAController) {
  PipelineOptions o;
  o.method = PrivacyMethod::adversarial;
  o.auditors = {"faceres", "mobileface"};  // mobileface steers the adversarial method by default
  try {
    o.validate();
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'mobileface' is also a controller"), std::string::npos) << e.what();
  }
  o.method = PrivacyMethod::blur;  // baselines steer nothing: every recogniser may audit them
  EXPECT_NO_THROW(o.validate());
  o.method = PrivacyMethod::face_template;  // nor does the template method
  EXPECT_NO_THROW(o.validate());
  // No auditors named: every recogniser that does not steer.
  o.auditors = {};
  EXPECT_EQ(o.active_auditors(), (std::vector<std::string>{"faceapi", "faceres", "mobileface"}));
  o.method = PrivacyMethod::adversarial;
  EXPECT_EQ(o.active_auditors(), (std::vector<std::string>{"faceres"}));
  o.controllers = {"faceapi", "faceres", "mobileface"};
  EXPECT_THROW(o.validate(), InvalidArgument);  // nobody left to audit
}

TEST(PipelineOptions, NamesTheBadField) {
  auto expect_bad = [](PipelineOptions o, const std::string& field) {
    try {
      o.validate();
      ADD_FAILURE() << "expected InvalidArgument for " << field;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  PipelineOptions o;
  o.strength_low = 1.5f;
  expect_bad(o, "strength_low");
  o = {};
  o.compensate = -0.1f;
  expect_bad(o, "compensate");
  o = {};
  o.controllers = {"dlib"};
  expect_bad(o, "controllers[0]");
  o = {};
  o.strength_shape = -0.5f;
  expect_bad(o, "strength_shape");
  o = {};
  o.second_expression_model = "faceapi";
  expect_bad(o, "second_expression_model");
  o = {};
  o.canvas = 8;
  expect_bad(o, "canvas");
  o = {};
  o.budget_scale = 0.0f;
  expect_bad(o, "budget_scale");
  EXPECT_THROW(parse_privacy_method("mosaic"), InvalidArgument);
  EXPECT_THROW(o.apply_preset("turbo"), InvalidArgument);
  o.apply_preset("fast");
  EXPECT_LT(o.steps, PipelineOptions{}.steps);
  for (const std::string& name : privacy_method_names()) EXPECT_EQ(to_string(parse_privacy_method(name)), name);
  EXPECT_EQ(parse_privacy_method("ferguard"), PrivacyMethod::adversarial);  // the former name stays an alias
  EXPECT_EQ(PipelineOptions{}.method, PrivacyMethod::face_template);
}

TEST(Pipeline, NoneLeavesPixelsAndReportsFullLeakage) {
  REQUIRE_MODELS();
  const Pipeline p(quick(PrivacyMethod::none));
  const AnalysisResult r = p.analyze(sample());
  ASSERT_EQ(r.faces.size(), 3u);
  EXPECT_EQ(r.private_image.pixels(), sample().pixels());
  for (const FaceResult& f : r.faces) {
    EXPECT_EQ(f.status, FaceStatus::privatized);
    ASSERT_EQ(f.audits.size(), 1u);
    EXPECT_EQ(f.audits[0].auditor, "faceres");
    EXPECT_FLOAT_EQ(f.audits[0].distance, 0.0f);
    EXPECT_TRUE(f.audits[0].match);
    EXPECT_FLOAT_EQ(f.leakage, 1.0f);
    EXPECT_EQ(f.expression.probs, f.original_expression.probs);
    EXPECT_TRUE(f.has_second);
    EXPECT_EQ(f.record().audits.size(), 1u);
  }
  EXPECT_EQ(p.info().method, "none");
  EXPECT_TRUE(p.info().controllers.empty());  // nothing steered
}

TEST(Pipeline, NoFaceIsAnEmptyResultAndBadImagesAreTypedErrors) {
  REQUIRE_MODELS();
  const Pipeline p(quick(PrivacyMethod::none));
  Image flat(120, 160, 3);
  const AnalysisResult r = p.analyze(flat);
  EXPECT_TRUE(r.faces.empty());
  EXPECT_EQ(r.private_image.pixels(), flat.pixels());
  EXPECT_THROW(p.analyze(Image()), InvalidArgument);
  EXPECT_THROW(p.analyze(Image(10, 10, 1)), InvalidArgument);
}

TEST(Pipeline, FacesThatCannotBePrivatizedAreMaskedNotPublished) {
  REQUIRE_MODELS();
  PipelineOptions o = quick(PrivacyMethod::none);
  o.min_face = 100000;
  const AnalysisResult r = Pipeline(o).analyze(sample());
  ASSERT_EQ(r.faces.size(), 3u);
  for (const FaceResult& f : r.faces) {
    EXPECT_EQ(f.status, FaceStatus::masked);
    EXPECT_NE(f.reason.find("too small"), std::string::npos) << f.reason;
    EXPECT_TRUE(f.audits.empty());
    EXPECT_FALSE(f.record().privatized);
    const int cx = int(f.face.box.x + f.face.box.width / 2), cy = int(f.face.box.y + f.face.box.height / 2);
    EXPECT_EQ(r.private_image.at(cy, cx, 0), 128);
    EXPECT_EQ(r.private_image.at(cy, cx, 2), 128);
  }
}

TEST(Pipeline, AdversarialChangesOnlyFacesDeterministicallyAndAuditsThem) {
  REQUIRE_MODELS();
  const Pipeline p(quick(PrivacyMethod::adversarial));
  const AnalysisResult a = p.analyze(sample());
  const AnalysisResult b = p.analyze(sample());
  EXPECT_EQ(a.private_image.pixels(), b.private_image.pixels());  // same options, same bytes
  ASSERT_EQ(a.faces.size(), 3u);
  const Image& in = sample();
  // Far from every face (the bottom rows, below all three) nothing changed.
  for (int y = 1100; y < in.height(); y += 7)
    for (int x = 0; x < in.width(); x += 11) ASSERT_EQ(a.private_image.at(y, x, 1), in.at(y, x, 1));
  for (std::size_t i = 0; i < a.faces.size(); ++i) {
    const FaceResult& f = a.faces[i];
    ASSERT_EQ(f.audits.size(), 1u);
    EXPECT_EQ(f.audits[0].auditor, "faceres");
    EXPECT_EQ(f.audits[0].distance, b.faces[i].audits[0].distance);
    EXPECT_GT(f.audits[0].distance, 0.0f);
    EXPECT_FLOAT_EQ(f.leakage, f.audits[0].leakage);
    EXPECT_FLOAT_EQ(f.audits[0].leakage, face_leakage(f.audits[0].distance, f.audits[0].threshold));
    EXPECT_EQ(f.audits[0].match, f.audits[0].distance <= f.audits[0].threshold);
    EXPECT_GT(f.seconds, 0.0);
    // The face itself changed.
    double diff = 0.0;
    const FaceBox& bx = f.face.box;
    for (int y = int(bx.y + bx.height * 0.3); y < int(bx.y + bx.height * 0.7); ++y)
      for (int x = int(bx.x + bx.width * 0.3); x < int(bx.x + bx.width * 0.7); ++x)
        diff += std::abs(int(a.private_image.at(y, x, 0)) - int(in.at(y, x, 0)));
    EXPECT_GT(diff, 0.0);
  }
  const PipelineInfo info = p.info();
  EXPECT_EQ(info.controllers, (std::vector<std::string>{"faceapi", "mobileface"}));
  EXPECT_EQ(info.auditors, (std::vector<std::string>{"faceres"}));
}

// Privacy fails closed: a method that changed a face too little publishes it masked, never as it was. The adversarial
// method with no steps can only offer its first iterate (the unchanged face): every face is masked.
TEST(Pipeline, AFaceThatDidNotChangeIsMaskedNotPublished) {
  REQUIRE_MODELS();
  PipelineOptions o = quick(PrivacyMethod::adversarial);
  o.steps = 0;
  o.compensation_steps = 0;
  const AnalysisResult r = Pipeline(o).analyze(sample());
  ASSERT_EQ(r.faces.size(), 3u);
  for (const FaceResult& f : r.faces) {
    EXPECT_EQ(f.status, FaceStatus::masked);
    EXPECT_NE(f.reason.find("changed too little"), std::string::npos) << f.reason;
    const int cx = int(f.face.box.x + f.face.box.width / 2), cy = int(f.face.box.y + f.face.box.height / 2);
    EXPECT_EQ(r.private_image.at(cy, cx, 1), 128);
  }
}

// The case that once published faces unchanged with status "privatized": the adversarial method's fast preset. Every
// face it publishes now changed by at least the floor (2 grey levels times the largest strength); the rest are masked.
TEST(Pipeline, TheFastPresetPublishesNoFaceBelowTheChangeFloor) {
  REQUIRE_MODELS();
  PipelineOptions o = quick(PrivacyMethod::adversarial);
  o.apply_preset("fast");
  o.audit = false;
  const AnalysisResult r = Pipeline(o).analyze(sample());
  ASSERT_EQ(r.faces.size(), 3u);
  for (const FaceResult& f : r.faces) {
    if (f.status == FaceStatus::masked) {
      EXPECT_FALSE(f.reason.empty());
      continue;
    }
    EXPECT_GE(f.change, 2.0f * std::max(o.strength_low, o.strength_high)) << "a face published (nearly) unchanged";
    double diff = 0.0;  // and the published pixels did change
    const FaceBox& bx = f.face.box;
    for (int y = int(bx.y + bx.height * 0.3); y < int(bx.y + bx.height * 0.7); ++y)
      for (int x = int(bx.x + bx.width * 0.3); x < int(bx.x + bx.width * 0.7); ++x)
        diff += std::abs(int(r.private_image.at(y, x, 1)) - int(sample().at(y, x, 1)));
    EXPECT_GT(diff, 0.0);
  }
}

bool bank_present() { return fs::exists(resolve_template_bank()); }

// The default method on a sample photo that is itself among the bank's donors: its own donors are left out.
TEST(Pipeline, TemplateReplacesFacesFromOtherPhotosOnlyAndAuditsEveryProtocol) {
  REQUIRE_MODELS();
  if (!bank_present()) GTEST_SKIP() << "template bank absent: make builds it";
  const Image photo = read_image(std::string(FERGUARD_SOURCE_DIR) + "/assets/faceapi/samples/sample1.jpg");
  const TemplateBank bank = TemplateBank::load(resolve_template_bank());
  int own = 0;
  for (const TemplateDonor& d : bank.donors()) own += d.photo == photo_hash(photo);
  ASSERT_GT(own, 0) << "the sample bank holds this photo's faces";
  PipelineOptions o;
  o.compensation_steps = 1;
  const Pipeline p(o);
  const AnalysisResult a = p.analyze(photo);
  EXPECT_EQ(p.analyze(photo).private_image.pixels(), a.private_image.pixels());  // same options, same bytes
  ASSERT_EQ(a.faces.size(), 3u);
  EXPECT_EQ(p.info().auditors, (std::vector<std::string>{"faceapi", "faceres", "mobileface"}));
  EXPECT_TRUE(p.info().controllers.empty());
  for (const FaceResult& f : a.faces) {
    ASSERT_EQ(f.status, FaceStatus::privatized) << f.reason;
    EXPECT_GE(f.template_people, bank.k());
    EXPECT_LE(f.template_donors, int(bank.donors().size()) - own);  // never its own photo's donors
    // The template is the bank's for the original's class, this photo left out, and the report says which donors.
    const FaceTemplate t = bank.select(f.original_expression.label(), photo_hash(photo));
    EXPECT_EQ(f.template_donors, t.donors);
    EXPECT_EQ(f.template_selection, t.by_expression ? "expression" : "all");
    EXPECT_GE(f.change, 2.0f);
    ASSERT_EQ(f.published_landmarks.size(), std::size_t(kNumFaceLandmarks));
    EXPECT_EQ(f.audits.size(), 3u);
    ASSERT_EQ(f.protocol.auditors.size(), 3u);
    EXPECT_EQ(f.protocol.protocols.size(), 3u);
    EXPECT_TRUE(f.audited);
    EXPECT_GT(f.naturalness.original_colourfulness, 0.0f);
  }
  // Far from every face nothing changed.
  for (int y = photo.height() - 100; y < photo.height(); y += 7)
    for (int x = 0; x < photo.width(); x += 11) ASSERT_EQ(a.private_image.at(y, x, 1), photo.at(y, x, 1));
  // A privatize-only pipeline publishes the same pixels without the audit.
  o.audit = false;
  const AnalysisResult b = Pipeline(o).analyze(photo);
  EXPECT_EQ(b.private_image.pixels(), a.private_image.pixels());
  for (const FaceResult& f : b.faces) {
    EXPECT_TRUE(f.audits.empty());
    EXPECT_FALSE(f.audited);
    EXPECT_EQ(f.expression.probs, a.faces[&f - &b.faces[0]].expression.probs);
  }
}

// The optional refinement: a controller steers the rendered face further from the original under that controller,
// and leaves the auditors; without controllers nothing steers the template method.
TEST(Pipeline, TemplateControllersRefineAwayFromTheOriginalAndLeaveTheAuditors) {
  REQUIRE_MODELS();
  if (!bank_present()) GTEST_SKIP() << "template bank absent: make builds it";
  PipelineOptions o;
  o.audit = false;
  o.compensation_steps = 1;
  o.steps = 3;
  const AnalysisResult plain = Pipeline(o).analyze(sample());
  o.template_controllers = {"mobileface"};
  const Pipeline refined_pipeline(o);
  EXPECT_EQ(refined_pipeline.info().controllers, (std::vector<std::string>{"mobileface"}));
  EXPECT_EQ(refined_pipeline.info().auditors, (std::vector<std::string>{"faceapi", "faceres"}));
  const AnalysisResult refined = refined_pipeline.analyze(sample());
  ASSERT_EQ(plain.faces.size(), 3u);
  ASSERT_EQ(refined.faces.size(), 3u);
  const auto mobileface = make_recognizer("mobileface", {});
  std::vector<Face> faces;
  for (const FaceResult& f : plain.faces) faces.push_back(f.face);
  const auto e0 = mobileface->embed_faces(sample(), faces);
  const auto ep = mobileface->embed_faces(plain.private_image, faces);
  const auto er = mobileface->embed_faces(refined.private_image, faces);
  double dp = 0.0, dr = 0.0;
  for (std::size_t i = 0; i < faces.size(); ++i) {
    EXPECT_EQ(refined.faces[i].status, FaceStatus::privatized) << refined.faces[i].reason;
    dp += mobileface->distance(e0[i], ep[i]);
    dr += mobileface->distance(e0[i], er[i]);
  }
  EXPECT_GT(dr, dp) << "the controller's own distance from the original, summed over the faces";
  EXPECT_NE(refined.private_image.pixels(), plain.private_image.pixels());
  o.auditors = {"mobileface"};
  EXPECT_THROW(Pipeline{o}, InvalidArgument);  // a controller cannot audit
}

TEST(Pipeline, TemplateMethodNeedsABank) {
  REQUIRE_MODELS();
  PipelineOptions o;
  o.template_bank = "/nonexistent/bank.fgtb";
  EXPECT_THROW(Pipeline{o}, ModelError);
}

TEST(VideoAnalyzer, TemplateTrackKeepsItsTemplateAndAStillClipDoesNotFlicker) {
  REQUIRE_MODELS();
  if (!bank_present()) GTEST_SKIP() << "template bank absent: make builds it";
  PipelineOptions o;
  o.audit = false;
  o.compensation_steps = 1;
  const Pipeline p(o);
  VideoOptions vo;
  vo.detect_every = 3;
  VideoAnalyzer v(p, vo);
  const AnalysisResult f0 = v.next(sample());
  ASSERT_EQ(f0.faces.size(), 3u);
  // Followed frames and a detection frame (the third): the same template, landmarks and bytes (flicker 0), the
  // compensator starting from the track's previous change.
  for (int k = 1; k <= 3; ++k) {
    const AnalysisResult f = v.next(sample());
    ASSERT_EQ(f.faces.size(), 3u) << "frame " << k;
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(f.faces[i].track, f0.faces[i].track);
      EXPECT_EQ(f.faces[i].template_donors, f0.faces[i].template_donors);
      EXPECT_EQ(f.faces[i].template_people, f0.faces[i].template_people);
      const auto& l = f.faces[i].face.landmarks;
      const auto& l0 = f0.faces[i].face.landmarks;
      ASSERT_EQ(l.size(), l0.size());
      for (std::size_t q = 0; q < l.size(); ++q)
        EXPECT_TRUE(l[q].x == l0[q].x && l[q].y == l0[q].y) << "frame " << k << ", face " << i << ", point " << q;
    }
    EXPECT_EQ(f.private_image.pixels(), f0.private_image.pixels()) << "frame " << k;
  }
}

TEST(Pipeline, FacesInParallelGiveTheBytesOfOneFaceAtATime) {
  REQUIRE_MODELS();
  if (!bank_present()) GTEST_SKIP() << "template bank absent: make builds it";
  PipelineOptions o;
  o.audit = false;
  o.threads = 1;
  const AnalysisResult one = Pipeline(o).analyze(sample());
  o.threads = 2;
  const AnalysisResult two = Pipeline(o).analyze(sample());
  ASSERT_EQ(one.faces.size(), 3u);
  EXPECT_EQ(two.private_image.pixels(), one.private_image.pixels());
  ASSERT_EQ(two.faces.size(), one.faces.size());
  for (std::size_t i = 0; i < one.faces.size(); ++i) {
    EXPECT_EQ(two.faces[i].status, one.faces[i].status);
    EXPECT_EQ(two.faces[i].expression.probs, one.faces[i].expression.probs);
  }
}

// The privatizer on one real face's canvas.
class PrivatizerOnAFace : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!models_present()) return;
    const Face face = FaceAnalyzer().detect(sample()).at(0);
    const PixelRect sq = landmark_square_crop(face.landmarks, 1.6f);
    canvas_ = detail::Canvas{sq, 128};
    request_.canvas = detail::read_canvas(sample(), canvas_);
    for (const Point2f& q : face.landmarks) request_.landmarks.push_back(canvas_.to_canvas(q));
    request_.steps = 3;
    controllers_ = {detail::make_differentiable_recognizer("faceapi", {})};
    expression_ = detail::make_differentiable_expression_model("faceapi", {});
  }
  // Fraction of the delta's energy above `cutoff` (an ideal filter: a true projection).
  static double high_fraction(const Tensor4& d, double cutoff) {
    SplitOptions ideal;
    ideal.filter = FilterKind::ideal;
    ideal.cutoff = cutoff;
    const SplitResult s = FrequencySplitter(ideal).split(d);
    double hi = 0, all = 0;
    for (std::size_t i = 0; i < d.vector().size(); ++i) {
      hi += double(s.high.vector()[i]) * s.high.vector()[i];
      all += double(d.vector()[i]) * d.vector()[i];
    }
    return all > 0 ? hi / all : -1.0;
  }
  static detail::PrivatizeOutcome run(float low, float high, float comp) {
    detail::Privatizer p(controllers_, expression_, split_, 1);
    detail::PrivatizeRequest rq = request_;
    rq.strength_low = low;
    rq.strength_high = high;
    rq.compensate = comp;
    return p.run(rq);
  }
  static inline detail::Canvas canvas_;
  static inline detail::PrivatizeRequest request_;
  static inline SplitOptions split_;
  static inline std::vector<std::shared_ptr<const detail::DifferentiableRecognizer>> controllers_;
  static inline std::shared_ptr<const detail::DifferentiableModel> expression_;
};

TEST_F(PrivatizerOnAFace, ZeroStrengthChangesNothing) {
  REQUIRE_MODELS();
  const auto out = run(0.0f, 0.0f, 0.0f);
  for (float v : out.delta.vector()) ASSERT_EQ(v, 0.0f);
  EXPECT_EQ(out.steps_run, 0);
  // The compensator alone has nothing to restore, and must not change identity by itself.
  const auto comp = run(0.0f, 0.0f, 1.0f);
  for (float v : comp.delta.vector()) ASSERT_EQ(v, 0.0f);
  EXPECT_LE(comp.steps_run, 1);
}

TEST_F(PrivatizerOnAFace, EachEnhancerStaysInItsBand) {
  REQUIRE_MODELS();
  const auto low = run(1.0f, 0.0f, 0.0f);
  const auto high = run(0.0f, 1.0f, 0.0f);
  // Every change is projected onto its band last (spectrum times H, or times 1 - H, H the gaussian mask of cut-off
  // c = 0.1); only clamping to [0, 1] can move energy out of it. H < 1.2 % beyond 3c, 1 - H < 0.5 % below c / 3.
  const double c = split_.cutoff;
  EXPECT_LT(high_fraction(low.delta, 3 * c), 0.02);
  EXPECT_GT(high_fraction(high.delta, c / 3), 0.98);
  // A sanity check of the measure: the canvas itself has energy at both ends.
  EXPECT_GT(high_fraction(request_.canvas, 3 * c), 0.0005);
  EXPECT_GT(low.controller_distance.at(0), 0.0f);
}

TEST_F(PrivatizerOnAFace, BudgetsGrowWithStrengthAndChangesStayInTheFace) {
  REQUIRE_MODELS();
  auto rms = [](const Tensor4& d) {
    double s = 0;
    for (float v : d.vector()) s += double(v) * v;
    return std::sqrt(s / d.vector().size());
  };
  const auto weak = run(0.2f, 0.2f, 0.0f);
  const auto strong = run(1.0f, 1.0f, 0.0f);
  EXPECT_GT(rms(strong.delta), rms(weak.delta));
  // Confined to the face: outside the face mask only the band projection's fade-out remains.
  const std::vector<float> m = detail::face_mask(request_.landmarks, 128);
  double outside = 0, all = 0;
  for (int c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < m.size(); ++i) {
      const double v = strong.delta.plane(0, c)[i];
      all += v * v;
      if (m[i] == 0.0f) outside += v * v;
    }
  EXPECT_LT(outside, 0.05 * all);
  // A budget of 0.08 + 0.03 per face pixel (RMS) bounds the change; the canvas is mostly face, so its RMS is lower.
  EXPECT_LT(rms(strong.delta), 0.08 + 0.03);
}

TEST_F(PrivatizerOnAFace, OffersCheckedAlternativesThatStayInTheFace) {
  REQUIRE_MODELS();
  const auto out = run(0.75f, 0.75f, 1.0f);
  // The published iterate and up to three alternatives, all different changes of the same face.
  ASSERT_LE(out.alternatives.size(), 3u);
  ASSERT_FALSE(out.alternatives.empty());
  // Each alternative comes with the state a video track would continue from.
  ASSERT_EQ(out.alternative_states.size(), out.alternatives.size());
  for (const auto& st : out.alternative_states) EXPECT_EQ(st.compensation.shape(), out.delta.shape());
  EXPECT_LE(out.steps_run, request_.steps + request_.compensation_steps);
  const std::vector<float> m = detail::face_mask(request_.landmarks, 128);
  for (const Tensor4& alt : out.alternatives) {
    ASSERT_EQ(alt.shape(), out.delta.shape());
    EXPECT_NE(alt.vector(), out.delta.vector());
    double outside = 0, all = 0;
    for (int c = 0; c < 3; ++c)
      for (std::size_t i = 0; i < m.size(); ++i) {
        const double v = alt.plane(0, c)[i];
        all += v * v;
        if (m[i] == 0.0f) outside += v * v;
      }
    EXPECT_GT(all, 0.0);
    EXPECT_LT(outside, 0.05 * all);
  }
  // Nothing to offer when nothing changes.
  EXPECT_TRUE(run(0.0f, 0.0f, 0.0f).alternatives.empty());
}

TEST(VideoAnalyzer, TracksFacesAcrossFramesAndForgetsLostOnes) {
  REQUIRE_MODELS();
  const Pipeline p(quick(PrivacyMethod::blur));
  VideoAnalyzer v(p);
  const AnalysisResult f0 = v.next(sample());
  ASSERT_EQ(f0.faces.size(), 3u);
  std::vector<int> ids;
  for (const auto& f : f0.faces) ids.push_back(f.track);
  EXPECT_EQ(ids, (std::vector<int>{0, 1, 2}));
  // The same scene shifted by 6 pixels: the same tracks continue.
  const Image& in = sample();
  Image shifted(in.height(), in.width(), 3);
  for (int y = 0; y < in.height(); ++y)
    for (int x = 6; x < in.width(); ++x)
      for (int c = 0; c < 3; ++c) shifted.at(y, x, c) = in.at(y, x - 6, c);
  const AnalysisResult f1 = v.next(shifted);
  ASSERT_EQ(f1.faces.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    // Match by position: the face nearest to face i of the first frame keeps its id.
    int best = -1;
    float bd = 1e9f;
    for (std::size_t j = 0; j < 3; ++j) {
      const float d = std::abs(f1.faces[j].face.box.x - f0.faces[i].face.box.x - 6.0f);
      if (d < bd) bd = d, best = int(j);
    }
    EXPECT_EQ(f1.faces[best].track, f0.faces[i].track);
  }
  // A frame without faces ends every track; faces after it start new ones.
  EXPECT_TRUE(v.next(Image(100, 100, 3)).faces.empty());
  const AnalysisResult f3 = v.next(sample());
  for (const auto& f : f3.faces) EXPECT_GE(f.track, 3);
  EXPECT_THROW(VideoAnalyzer(p, 1.5f), InvalidArgument);
  VideoOptions bad;
  bad.detect_every = 0;
  EXPECT_THROW(VideoAnalyzer(p, bad), InvalidArgument);
}

// A slow pan: sample1 cropped to a window that moves 3 pixels a frame.
Image pan_frame(int i) {
  const Image& in = sample();
  const int w = in.width() - 60, h = in.height() - 20;
  Image out(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) out.at(y, x, c) = in.at(y + 10, x + 3 * i, c);
  return out;
}

TEST(VideoAnalyzer, FollowsFacesBetweenDetectionsAsCloseAsDetectingEveryFrame) {
  REQUIRE_MODELS();
  PipelineOptions o = quick(PrivacyMethod::blur);
  o.audit = false;
  const Pipeline p(o);
  VideoOptions every, followed;
  every.detect_every = 1;
  followed.detect_every = 5;
  VideoAnalyzer a(p, every), b(p, followed);
  // The truth is known: frame i is frame 0 moved 3i pixels left, so frame 0's landmarks moved with it.
  std::map<int, std::vector<Point2f>> first;
  std::map<int, std::pair<int, std::vector<Point2f>>> anchor;  // per track: the last detection frame and landmarks
  double detected_error = 0.0, followed_error = 0.0;
  int compared = 0;
  auto error = [](const std::vector<Point2f>& l, const std::vector<Point2f>& truth, int shift) {
    double d = 0.0;
    for (std::size_t k = 0; k < l.size(); ++k) d += std::hypot(l[k].x - (truth[k].x - shift), l[k].y - truth[k].y);
    return d / double(l.size()) / inter_ocular(truth);
  };
  for (int i = 0; i < 8; ++i) {
    const Image frame = pan_frame(i);
    const AnalysisResult ra = a.next(frame), rb = b.next(frame);
    ASSERT_EQ(rb.faces.size(), ra.faces.size()) << "frame " << i;
    for (const FaceResult& fa : ra.faces) {
      // The same track ids: the tracks began together on frame 0 and every face continued its own.
      const FaceResult* fb = nullptr;
      for (const FaceResult& x : rb.faces)
        if (x.track == fa.track) fb = &x;
      ASSERT_NE(fb, nullptr) << "frame " << i << ": track " << fa.track << " was not followed";
      EXPECT_EQ(fb->status, FaceStatus::privatized);
      if (i % followed.detect_every == 0) anchor[fa.track] = {i, fb->face.landmarks};
      if (i == 0) {
        first[fa.track] = fa.face.landmarks;
        continue;
      }
      const double ed = error(fa.face.landmarks, first.at(fa.track), 3 * i);
      const double ef = error(fb->face.landmarks, first.at(fa.track), 3 * i);
      // Between detections a face does not drift: within 2 % of the inter-ocular distance (mean over its landmarks)
      // of where the last detection's landmarks moved with the picture.
      const auto& [at, seen] = anchor.at(fa.track);
      EXPECT_LT(error(fb->face.landmarks, seen, 3 * (i - at)), 0.02) << "frame " << i << ", track " << fa.track;
      detected_error += ed;
      followed_error += ef;
      ++compared;
    }
  }
  ASSERT_GT(compared, 0);
  // Over the clip, following is no further from the truth than detecting every frame.
  EXPECT_LE(followed_error, detected_error) << "over " << compared << " faces";
}

}  // namespace
}  // namespace ferguard

namespace ferguard {
namespace {

TEST(VideoAnalyzer, EachTrackContinuesFromItsPreviousChange) {
  REQUIRE_MODELS();
  const Pipeline p(quick(PrivacyMethod::adversarial));
  // Without tracks the same frame gives the same bytes every time...
  const AnalysisResult still = p.analyze(sample());
  EXPECT_EQ(p.analyze(sample()).private_image.pixels(), still.private_image.pixels());
  // ...a video's first frame is that same result, and its second frame starts from the first frame's change.
  VideoAnalyzer v(p);
  const AnalysisResult f0 = v.next(sample());
  EXPECT_EQ(f0.private_image.pixels(), still.private_image.pixels());
  const AnalysisResult f1 = v.next(sample());
  ASSERT_EQ(f1.faces.size(), 3u);
  EXPECT_NE(f1.private_image.pixels(), f0.private_image.pixels());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(f1.faces[i].track, f0.faces[i].track);
}

}  // namespace
}  // namespace ferguard

// The Auditor with known answers: an anonymiser that changes nothing is re-identified everywhere and agrees on
// every expression; one that fills the face with grey is at chance under the face protocol; the cross-photo and
// adaptive attackers find a person from other photos of them (a face's flipped, shifted and JPEG copies) far above
// chance on clean faces and at chance on grey ones.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ferguard/audit/auditor.h"
#include "ferguard/error.h"
#include "ferguard/io/image_io.h"
#include "ferguard/model/face_analyzer.h"

namespace ferguard {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

bool models_present() {
  return fs::exists(fs::path(resolve_graph_models_dir()) / "mobileface.json") &&
         fs::exists(fs::path(resolve_graph_models_dir()) / "faceres.json") &&
         fs::exists(fs::path(resolve_models_dir()) / "face_recognition_model-weights_manifest.json");
}

#define REQUIRE_MODELS() \
  if (!models_present()) GTEST_SKIP() << "models absent: run scripts/fetch_models.sh (make test does)"

std::vector<std::pair<std::string, Image>> samples() {
  std::vector<std::pair<std::string, Image>> out;
  for (int i = 1; i <= 6; ++i) {
    const std::string name = "sample" + std::to_string(i) + ".png";
    out.emplace_back(name, read_image(std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pixels/" + name));
  }
  return out;
}

const FaceAnalyzer& analyzer() {
  static const FaceAnalyzer a(FaceAnalyzerOptions{});
  return a;
}

// Every face's hull filled with grey: the face removed, its context kept.
Image grey_faces(const Image& image) {
  Image out = image;
  for (const Face& f : analyzer().detect(image))
    if (f.landmarks.size() == 68) out = fill_inside(out, face_hull({f.landmarks}));
  return out;
}

AuditOptions fast_options() {
  AuditOptions o;
  o.auditors = {"faceapi", "mobileface"};
  o.reversal = false;
  o.protocol.bootstrap = 200;
  return o;
}

const Json* find_row(const Json& rows, const std::string& auditor, const std::string& protocol) {
  for (const Json& r : rows)
    if (r["auditor"] == auditor && r["protocol"] == protocol) return &r;
  return nullptr;
}

TEST(AuditOptions, NameTheBadField) {
  AuditOptions o;
  o.auditors = {"faceapi", "nobody"};
  EXPECT_THROW(o.validate(), InvalidArgument);
  o.auditors = {"faceapi", "faceapi"};
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = AuditOptions{};
  o.expression_models = {};
  EXPECT_THROW(o.validate(), InvalidArgument);
  o = AuditOptions{};
  o.reversal_sigmas = {0.05f, -1.0f};
  try {
    o.validate();
    FAIL() << "a negative sigma was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("reversal_sigmas"), std::string::npos) << e.what();
  }
  o = AuditOptions{};
  o.min_faces = 0;
  EXPECT_THROW(o.validate(), InvalidArgument);
  EXPECT_NO_THROW(AuditOptions{}.validate());
}

TEST(Auditor, RejectsAPairOfDifferentSizesNamingIt) {
  REQUIRE_MODELS();
  AuditOptions o = fast_options();
  o.auditors = {"mobileface"};
  o.soft_biometrics = false;
  Auditor auditor(o);
  AuditPair p{"odd.png", Image(40, 50, 3), Image(40, 51, 3), "", {}};
  try {
    auditor.add(p);
    FAIL() << "a size mismatch was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("odd.png"), std::string::npos) << e.what();
  }
  auditor.add_error("broken.jpg", "'broken.jpg': not an image");
  const Json j = Json::parse(auditor.result().json_text);
  EXPECT_EQ(j["inputs"]["faces"], 0);
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["input"], "broken.jpg");
  EXPECT_TRUE(j["utility"].is_null());
}

// Anonymised = original: every attacker wins at every crop, every expression agrees.
TEST(Auditor, AnAnonymiserThatChangesNothingIsReidentifiedEverywhere) {
  REQUIRE_MODELS();
  Auditor auditor(fast_options());
  int faces = 0;
  for (const auto& [name, image] : samples()) faces += auditor.add({name, image, image, "", {}});
  ASSERT_GE(faces, 20);
  const AuditReport r = auditor.result();
  const Json j = Json::parse(r.json_text);
  EXPECT_EQ(j["schema"], "ferguard.audit/1");
  EXPECT_EQ(j["inputs"]["faces"], faces);
  for (const std::string a : {"faceapi", "mobileface"})
    for (const std::string p : {"face", "photo"}) {
      const Json* row = find_row(j["same_photo"], a, p);
      ASSERT_NE(row, nullptr) << a << " " << p;
      for (const Json& v : (*row)["variants"]) EXPECT_EQ(v["rank1"]["value"], 1.0) << a << " " << p << " " << v;
      EXPECT_EQ((*row)["mean_rank"], 1.0);
      EXPECT_EQ((*row)["verification_rate"], 1.0);
      EXPECT_NEAR((*row)["chance"].get<double>(), 1.0 / faces, 1e-6);
    }
  for (const Json& e : j["utility"]["expression"]) EXPECT_EQ(e["agreement"]["value"], 1.0) << e;
  EXPECT_EQ(j["utility"]["redetection"]["rate"]["value"], 1.0);
  EXPECT_EQ(j["utility"]["landmark_error"]["mean"], 0.0);
  EXPECT_EQ(j["utility"]["outside_faces"]["identical_images"], 6);
  EXPECT_EQ(j["soft_biometrics"]["gender_flip"]["value"], 0.0);
  EXPECT_EQ(j["soft_biometrics"]["age_mae"], 0.0);
  EXPECT_TRUE(j["cross_photo"].is_null());  // no identities given
  EXPECT_TRUE(j["adaptive"].is_null());
  EXPECT_EQ(j["faces"].size(), static_cast<std::size_t>(faces));
  // faces.csv: a header and one row per face and auditor.
  EXPECT_EQ(std::count(r.csv_text.begin(), r.csv_text.end(), '\n'), 1 + 2 * faces);
  // The same faces give the same bytes (timing aside).
  Auditor again(fast_options());
  for (const auto& [name, image] : samples()) again.add({name, image, image, "", {}});
  Json a = Json::parse(again.result().json_text), b = j;
  a.erase("timing");
  b.erase("timing");
  EXPECT_EQ(a.dump(), b.dump());
}

// The face filled with grey: under the face protocol, no auditor does better than guessing.
TEST(Auditor, AGreyFilledFaceIsAtChanceUnderTheFaceProtocol) {
  REQUIRE_MODELS();
  AuditOptions o = fast_options();
  o.auditors = {"faceapi", "faceres", "mobileface"};
  o.reversal = true;
  Auditor auditor(o);
  for (const auto& [name, image] : samples()) auditor.add({name, image, grey_faces(image), "", {}});
  const Json j = Json::parse(auditor.result().json_text);
  for (const std::string a : {"faceapi", "faceres", "mobileface"}) {
    const Json* face = find_row(j["same_photo"], a, "face");
    ASSERT_NE(face, nullptr);
    EXPECT_LE((*face)["rank1"]["lo"].get<double>(), (*face)["chance"].get<double>()) << a << ": " << *face;
    // The context alone still gives some auditors a lot: that is what the photo protocol mixes in.
    const Json* photo = find_row(j["same_photo"], a, "photo");
    ASSERT_NE(photo, nullptr);
    EXPECT_GE((*photo)["rank1"]["value"].get<double>(), (*face)["rank1"]["value"].get<double>()) << a;
  }
  for (const Json& r : j["reversal"]["results"])
    EXPECT_LE(r["rank1"]["lo"].get<double>(), r["chance"].get<double>()) << r;  // nothing to undo in flat grey
  for (const Json& e : j["utility"]["expression"]) EXPECT_LT(e["agreement"]["value"].get<double>(), 1.0) << e;
}

// Each sample face cut out as its own photo, plus flipped, shifted and JPEG-compressed copies: four photos per
// person, as an attacker holding other photos of someone would have.
struct PersonPhotos {
  std::vector<AuditPair> clean, grey;
};

PersonPhotos person_photos() {
  PersonPhotos out;
  int person = 0;
  for (const auto& [name, image] : samples()) {
    for (const Face& f : analyzer().detect(image)) {
      if (f.landmarks.size() != 68) continue;
      const Image cut = crop_with_padding(image, landmark_square_crop(f.landmarks, 2.6f));
      cv::Mat m(cut.height(), cut.width(), CV_8UC3, const_cast<std::uint8_t*>(cut.data()));
      std::vector<cv::Mat> copies(4);
      copies[0] = m.clone();
      cv::flip(m, copies[1], 1);
      const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 0.06 * m.cols, 0, 1, 0.04 * m.rows);
      cv::warpAffine(m, copies[2], shift, m.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
      std::vector<std::uint8_t> jpeg;
      cv::imencode(".jpg", m, jpeg, {cv::IMWRITE_JPEG_QUALITY, 35});
      copies[3] = cv::imdecode(jpeg, cv::IMREAD_UNCHANGED);
      const std::string id = "person" + std::to_string(person++);
      for (int c = 0; c < 4; ++c) {
        Image im(copies[c].rows, copies[c].cols, 3,
                 std::vector<std::uint8_t>(copies[c].data, copies[c].data + copies[c].total() * 3));
        const std::string photo = id + "_" + std::to_string(c) + ".png";
        out.clean.push_back({photo, im, im, id, {}});
        out.grey.push_back({photo, im, grey_faces(im), id, {}});
      }
    }
  }
  return out;
}

AuditOptions person_options() {
  AuditOptions o;
  o.auditors = {"mobileface"};
  o.expression_models = {"emotion"};
  o.soft_biometrics = false;
  o.reversal = false;
  o.protocol.bootstrap = 200;
  return o;
}

TEST(Auditor, CrossPhotoAndAdaptiveAttackersFindAPersonFromOtherPhotos) {
  REQUIRE_MODELS();
  const PersonPhotos photos = person_photos();
  ASSERT_GE(photos.clean.size(), 80u);
  Auditor clean(person_options()), grey(person_options());
  for (const AuditPair& p : photos.clean) clean.add(p);
  for (const AuditPair& p : photos.grey) grey.add(p);
  const Json c = Json::parse(clean.result().json_text), g = Json::parse(grey.result().json_text);
  ASSERT_FALSE(c["cross_photo"].is_null());
  ASSERT_FALSE(g["cross_photo"].is_null());
  EXPECT_GE(c["inputs"]["identities"].get<int>(), 20);

  const Json* cc = find_row(c["cross_photo"]["results"], "mobileface", "face");
  const Json* gc = find_row(g["cross_photo"]["results"], "mobileface", "face");
  ASSERT_NE(cc, nullptr);
  ASSERT_NE(gc, nullptr);
  const double chance = (*cc)["chance"].get<double>();
  EXPECT_LT(chance, 0.06);
  EXPECT_GE((*cc)["rank1"]["value"].get<double>(), 0.8) << *cc;
  EXPECT_GT((*cc)["rank1"]["lo"].get<double>(), 5 * chance) << *cc;
  EXPECT_LE((*gc)["rank1"]["lo"].get<double>(), (*gc)["chance"].get<double>()) << *gc;
  // TAR at a FAR of 1 %: the originals of a person verify against each other; grey faces do not.
  EXPECT_GE((*cc)["far_points"][0]["tar"]["value"].get<double>(), 0.5) << *cc;
  EXPECT_LE((*gc)["far_points"][0]["tar"]["value"].get<double>(), 0.05) << *gc;

  const Json* ca = find_row(c["adaptive"]["results"], "mobileface", "face");
  const Json* ga = find_row(g["adaptive"]["results"], "mobileface", "face");
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(ga, nullptr);
  EXPECT_GE((*ca)["accuracy"]["value"].get<double>(), 0.8) << *ca;
  EXPECT_NEAR((*ca)["leakage"].get<double>(), 1.0, 0.2) << *ca;  // clean faces leak all the clean attacker gets
  EXPECT_LE((*ga)["accuracy"]["lo"].get<double>(), (*ga)["chance"].get<double>()) << *ga;
  EXPECT_LE((*ga)["leakage"].get<double>(), 0.2) << *ga;
}

}  // namespace
}  // namespace ferguard

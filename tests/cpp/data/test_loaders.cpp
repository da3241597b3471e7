// The loaders on tiny stand-ins made here: a CSV manifest, a folder per expression, RAF-DB's list and
// aligned images, and CREMA-D clips written with cv::VideoWriter under CREMA-D's own naming (.flv, FLV1).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "ferguard/ferguard.h"
#include "test_util.h"

namespace ferguard {
namespace {
namespace fs = std::filesystem;

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

Image face(int id, int expression, int size = 64) {
  SynthOptions o;
  o.identities = id + 1;
  o.samples_per_expression = 1;
  o.size = size;
  const SyntheticFaces f(o);
  return f.get(f.index_of(id, expression, 0)).image;
}

void write_face(const std::string& path, int id, int expression, int size = 64) {
  fs::create_directories(fs::path(path).parent_path());
  write_image(path, face(id, expression, size));
}

bool has_issue(const FaceDataset& d, const std::string& needle, int line = -1) {
  for (const auto& i : d.issues())
    if (i.str().find(needle) != std::string::npos && (line < 0 || i.line == line)) return true;
  return false;
}

template <typename Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Loaders, CsvSkipsBadRowsWithPathAndLine) {
  test::TempDir dir;
  write_face(dir.file("a.png"), 0, 1);
  write_face(dir.file("b.png"), 1, 3);
  write_face(dir.file("c.png"), 1, 2);
  write_text(dir.file("corrupt.png"), "not an image at all");
  const std::string csv = dir.file("manifest.csv");
  write_text(csv,
             "path,identity,expression,split\n"  // 1
             "a.png,alice,happy,train\n"         // 2
             "b.png,bob,ANG,test\n"              // 3
             "c.png,bob,sad\n"                   // 4: hashed split
             "missing.png,alice,neutral\n"       // 5: missing file
             "a.png,alice,contempt\n"            // 6: unknown label
             "only,two\n"                        // 7: malformed
             "corrupt.png,bob,fear,val\n");      // 8: unreadable
  const auto d = open_dataset("csv:" + csv);
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ(d->num_identities(), 2);
  EXPECT_EQ(d->label_of(0).identity, 0);
  EXPECT_EQ(d->label_of(0).expression, static_cast<int>(Expression::happy));
  EXPECT_EQ(d->split_of(0), Split::train);
  EXPECT_EQ(d->label_of(1).identity, 1);
  EXPECT_EQ(d->label_of(1).expression, static_cast<int>(Expression::angry));
  EXPECT_EQ(d->split_of(1), Split::test);
  EXPECT_EQ(d->label_of(2).expression, static_cast<int>(Expression::sad));
  const FaceSample s = d->get(1);
  EXPECT_EQ(s.image.height(), 112);  // resized to DatasetOptions::face_size
  EXPECT_EQ(s.source, dir.file("b.png"));
  ASSERT_EQ(d->issues().size(), 4u);
  EXPECT_TRUE(has_issue(*d, "manifest.csv:5: image", 5));
  EXPECT_TRUE(has_issue(*d, "'contempt'", 6));
  EXPECT_TRUE(has_issue(*d, "malformed row", 7));
  EXPECT_TRUE(has_issue(*d, "corrupt.png", 8));

  DatasetOptions fail;
  fail.on_error = OnError::fail;
  try {
    open_dataset("csv:" + csv, fail);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("manifest.csv:5"), std::string::npos) << e.what();
  }
  write_text(csv, "a.png,alice,happy\na.png,alice,smug\n");
  try {
    open_dataset("csv:" + csv, fail);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("manifest.csv:2: expression label 'smug'"), std::string::npos) << e.what();
  }
  DatasetOptions keep;
  keep.face_size = 0;
  EXPECT_EQ(open_dataset("csv:" + csv, keep)->get(0).image.height(), 64);
  EXPECT_NE(message_of([&] { open_dataset("csv:" + dir.file("nope.csv")); }).find("nope.csv"), std::string::npos);
}

// Inputs found by fuzzing (tests/fuzz, docs/fuzzing.md): digit strings beyond 64 bits used to escape as
// std::out_of_range. A label is a bad row; identities are then numbered in string order.
TEST(Loaders, CsvHugeIntegersAreRowIssuesOrNames) {
  test::TempDir dir;
  write_face(dir.file("a.png"), 0, 1);
  const std::string csv = dir.file("manifest.csv");
  write_text(csv,
             "a.png,1,99999999999999999999\n"         // 1: label beyond long
             "a.png,99999999999999999999,happy\n"     // 2: identity beyond long long
             "a.png,100000000000000000000,sad\n");    // 3
  DatasetOptions options;
  options.verify_images = false;
  const auto d = open_dataset("csv:" + csv, options);
  ASSERT_EQ(d->size(), 2u);
  EXPECT_TRUE(has_issue(*d, "expression label '99999999999999999999'", 1));
  EXPECT_EQ(d->num_identities(), 2);
  EXPECT_EQ(d->label_of(0).identity, 1);  // "1000..." sorts before "9999..."
  EXPECT_EQ(d->label_of(1).identity, 0);
  options.on_error = OnError::fail;
  EXPECT_NE(message_of([&] { open_dataset("csv:" + csv, options); }).find("manifest.csv:1: expression label"),
            std::string::npos);
}

TEST(Loaders, FolderPerExpression) {
  test::TempDir dir;
  write_face(dir.file("faces/happy/x.png"), 0, 1);
  write_face(dir.file("faces/Sad/y.jpg"), 1, 2);
  write_face(dir.file("faces/surprise/z.png"), 2, 6);
  write_face(dir.file("faces/contempt/w.png"), 0, 0);
  write_text(dir.file("faces/happy/readme.txt"), "ignored");
  const auto d = open_dataset("folder:" + dir.file("faces"));
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ(d->num_identities(), 0);
  // Files in path order ("Sad" sorts before "happy"); folder names are matched case-insensitively.
  EXPECT_EQ(d->label_of(0).expression, static_cast<int>(Expression::sad));
  EXPECT_EQ(d->label_of(0).identity, -1);
  EXPECT_EQ(d->label_of(1).expression, static_cast<int>(Expression::happy));
  EXPECT_EQ(d->label_of(2).expression, static_cast<int>(Expression::surprised));
  EXPECT_TRUE(has_issue(*d, "contempt"));
  EXPECT_EQ(d->get(2).image.width(), 112);

  write_face(dir.file("split/test/angry/a.png"), 0, 3);
  write_face(dir.file("split/train/neutral/b.png"), 0, 0);
  const auto s = open_dataset("folder:" + dir.file("split"));
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ(s->split_of(0), Split::train);
  EXPECT_EQ(s->label_of(0).expression, 0);
  EXPECT_EQ(s->split_of(1), Split::test);
  EXPECT_EQ(s->label_of(1).expression, static_cast<int>(Expression::angry));
}

TEST(Loaders, RafDbBasic) {
  test::TempDir dir;
  const std::string root = dir.file("basic");
  write_face(root + "/Image/aligned/train_00001_aligned.jpg", 0, 2, 100);
  write_face(root + "/Image/aligned/train_00002_aligned.jpg", 1, 6, 100);
  write_face(root + "/Image/aligned/test_0001_aligned.jpg", 2, 0, 100);
  write_text(root + "/EmoLabel/list_patition_label.txt",
             "train_00001.jpg 5\n"   // Sadness
             "train_00002.jpg 1\n"   // Surprise
             "test_0001.jpg 7\n"     // Neutral
             "test_0002.jpg 9\n"     // 4: bad label
             "train_00003.jpg 4\n"   // 5: missing image
             "garbage\n"             // 6: malformed
             "test_0003.jpg 99999999999999999999\n");  // 7: too long for any integer type
  const auto d = open_dataset("rafdb:" + root);
  ASSERT_EQ(d->size(), 3u);
  EXPECT_EQ(d->label_of(0).expression, static_cast<int>(Expression::sad));
  EXPECT_EQ(d->label_of(1).expression, static_cast<int>(Expression::surprised));
  EXPECT_EQ(d->label_of(2).expression, static_cast<int>(Expression::neutral));
  EXPECT_EQ(d->label_of(2).identity, -1);
  EXPECT_EQ(d->split_of(2), Split::test);
  EXPECT_NE(d->split_of(0), Split::test);
  EXPECT_EQ(d->num_identities(), 0);
  EXPECT_EQ(d->issues().size(), 4u);
  EXPECT_TRUE(has_issue(*d, "label '9'", 4));
  EXPECT_TRUE(has_issue(*d, "label '99999999999999999999'", 7));
  EXPECT_TRUE(has_issue(*d, "train_00003_aligned.jpg", 5));
  EXPECT_TRUE(has_issue(*d, "malformed", 6));
  EXPECT_EQ(d->get(0).image.height(), 112);
  DatasetOptions fail;
  fail.on_error = OnError::fail;
  EXPECT_NE(message_of([&] { open_dataset("rafdb:" + root, fail); }).find("list_patition_label.txt:4"),
            std::string::npos);
}

// A grey clip whose frame j has the value 10 j: a centre crop of a sampled frame tells which frame it was.
bool write_clip(const std::string& path, int frames) {
  cv::VideoWriter w(path, cv::VideoWriter::fourcc('F', 'L', 'V', '1'), 25, cv::Size(160, 128));
  if (!w.isOpened()) return false;
  for (int j = 0; j < frames; ++j) w.write(cv::Mat(128, 160, CV_8UC3, cv::Scalar::all(10 * j)));
  return true;
}

TEST(Loaders, CremaDClipsFramesCacheAndIssues) {
  test::TempDir dir;
  const std::string root = dir.file("crema/VideoFlash");
  fs::create_directories(root);
  for (const char* name : {"1001_DFA_ANG_XX", "1001_IEO_HAP_HI", "1002_DFA_SAD_XX"})
    ASSERT_TRUE(write_clip(root + "/" + name + ".flv", 20)) << "this OpenCV cannot write FLV1 .flv";
  ASSERT_TRUE(write_clip(root + "/notcremad.flv", 5));
  ASSERT_TRUE(write_clip(root + "/1003_DFA_XYZ_XX.flv", 5));
  write_text(root + "/1004_DFA_NEU_XX.flv", "not a video");
  DatasetOptions o;
  o.cache_dir = dir.file("cache");
  o.frames_per_clip = 4;
  o.face_size = 48;
  const auto d = open_dataset("cremad:" + dir.file("crema"), o);
  ASSERT_EQ(d->size(), 12u);  // 3 good clips x 4 frames
  EXPECT_EQ(d->num_identities(), 2);
  EXPECT_EQ(d->label_of(0).identity, 0);
  EXPECT_EQ(d->label_of(0).expression, static_cast<int>(Expression::angry));
  EXPECT_EQ(d->label_of(4).expression, static_cast<int>(Expression::happy));
  EXPECT_EQ(d->label_of(8).identity, 1);
  EXPECT_EQ(d->label_of(8).expression, static_cast<int>(Expression::sad));
  for (int c = 0; c < 3; ++c)
    for (int j = 1; j < 4; ++j) EXPECT_EQ(d->split_of(4 * c + j), d->split_of(4 * c));  // a clip shares a split
  // Frames 2, 7, 12, 17 of 20 (centres of 4 equal segments): grey values 20, 70, 120, 170 (lossy codec).
  const int expected[4] = {20, 70, 120, 170};
  for (int j = 0; j < 4; ++j) {
    const FaceSample s = d->get(j);
    EXPECT_EQ(s.image.height(), 48);
    EXPECT_NEAR(s.image.at(24, 24, 1), expected[j], 6) << s.source;
    EXPECT_NE(s.source.find("1001_DFA_ANG_XX.flv:" + std::to_string(j)), std::string::npos);
  }
  EXPECT_TRUE(has_issue(*d, "notcremad.flv: file name"));
  EXPECT_TRUE(has_issue(*d, "emotion 'XYZ'"));
  EXPECT_TRUE(has_issue(*d, "1004_DFA_NEU_XX.flv: video"));
  EXPECT_TRUE(has_issue(*d, "1001_DFA_ANG_XX.flv: no face found in any of 4 frames; used a centre crop"));

  // A second open reads the cached crops (a crop altered in the cache shows through) and keeps the notes.
  const fs::path cached = d->get(0).source.empty() ? fs::path() : fs::path(o.cache_dir);
  std::string crop;
  for (const auto& e : fs::recursive_directory_iterator(cached))
    if (e.path().filename() == "frame_000.png" && e.path().string().find("1001_DFA_ANG_XX") != std::string::npos)
      crop = e.path().string();
  ASSERT_FALSE(crop.empty());
  write_image(crop, Image(48, 48, 3, std::vector<std::uint8_t>(48 * 48 * 3, 250)));
  const auto again = open_dataset("cremad:" + dir.file("crema"), o);
  ASSERT_EQ(again->size(), 12u);
  EXPECT_EQ(again->get(0).image.at(24, 24, 1), 250);
  EXPECT_TRUE(has_issue(*again, "1001_DFA_ANG_XX.flv: no face found"));

  DatasetOptions fail = o;
  fail.on_error = OnError::fail;
  EXPECT_THROW(open_dataset("cremad:" + dir.file("crema"), fail), InvalidArgument);
}

TEST(Loaders, CremaDFindsAFaceWithTheHaarCascade) {
  // Identity 1 of the default seed, frontal and clean, is one that OpenCV's frontal-face cascade finds
  // (4 of the first 10 synthetic faces are found; it was trained on real faces).
  if (!fs::exists(DatasetOptions{}.face_detector)) GTEST_SKIP() << "no Haar cascade (Debian package opencv-data)";
  SynthOptions so;
  so.identities = 2;
  so.samples_per_expression = 1;
  const SyntheticFaces faces(so.without_nuisance());
  const Image f = faces.get(faces.index_of(1, 0, 0)).image;
  cv::Mat rgb(112, 112, CV_8UC3, const_cast<std::uint8_t*>(f.data())), bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  test::TempDir dir;
  const std::string clip = dir.file("crema/1077_TIE_NEU_XX.flv");
  fs::create_directories(dir.file("crema"));
  {
    cv::VideoWriter w(clip, cv::VideoWriter::fourcc('F', 'L', 'V', '1'), 25, cv::Size(320, 240));
    ASSERT_TRUE(w.isOpened());
    for (int j = 0; j < 8; ++j) {
      cv::Mat frame(240, 320, CV_8UC3, cv::Scalar::all(120));
      bgr.copyTo(frame(cv::Rect(104 + j, 64, 112, 112)));
      w.write(frame);
    }
  }
  DatasetOptions o;
  o.cache_dir = dir.file("cache");
  o.frames_per_clip = 2;
  const auto d = open_dataset("cremad:" + dir.file("crema"), o);
  ASSERT_EQ(d->size(), 2u);
  EXPECT_TRUE(d->issues().empty()) << d->issues()[0].str();
  // The crop is the face (skin in the middle, not the grey frame around it).
  const Image crop = d->get(0).image;
  const auto& px = crop.pixels();
  double mean_r = 0, mean_b = 0;
  for (std::size_t i = 0; i < px.size(); i += 3) {
    mean_r += px[i];
    mean_b += px[i + 2];
  }
  EXPECT_GT(mean_r - mean_b, 15.0 * px.size() / 3) << "crop is not skin-toned";
}

TEST(Loaders, SpecStrings) {
  DatasetOptions o;
  const auto s = open_dataset("synth:identities=3,samples=2,size=48,seed=9", o);
  EXPECT_EQ(s->size(), 3u * 7 * 2);
  EXPECT_EQ(s->num_identities(), 3);
  EXPECT_EQ(s->get(0).image.width(), 48);
  EXPECT_EQ(s->name(), "synth(identities=3,samples=2,size=48,seed=9)");
  const auto clean = open_dataset("synth:identities=1,samples=1,size=48,nuisance=0", o);
  EXPECT_EQ(clean->get(0).image.height(), 48);
  EXPECT_EQ(open_dataset("synth")->size(), 50u * 7 * 8);
  EXPECT_NE(message_of([] { open_dataset("synth:identities=abc"); }).find("identities=abc"), std::string::npos);
  EXPECT_NE(message_of([] { open_dataset("synth:colour=3"); }).find("'colour'"), std::string::npos);
  EXPECT_NE(message_of([] { open_dataset("synth:seed=99999999999999999999"); }).find("seed="), std::string::npos);
  EXPECT_EQ(open_dataset("synth:identities=1,samples=1,size=48,seed=18446744073709551615")->size(), 7u);
  EXPECT_NE(message_of([] { open_dataset("imagenet:/x"); }).find("imagenet:/x"), std::string::npos);
  EXPECT_THROW(open_dataset("csv:"), InvalidArgument);
  EXPECT_THROW(open_dataset("folder:/no/such/folder"), IoError);
  EXPECT_EQ(parse_on_error("fail"), OnError::fail);
  EXPECT_THROW(parse_on_error("ignore"), InvalidArgument);
  EXPECT_EQ(parse_split("Validation"), Split::val);
  EXPECT_EQ(to_string(Split::test), "test");
  EXPECT_EQ((DatasetIssue{"a.csv", 3, "bad"}.str()), "a.csv:3: bad");
}

}  // namespace
}  // namespace ferguard

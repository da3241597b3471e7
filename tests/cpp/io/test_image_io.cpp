#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "ferguard/ferguard.h"
#include "test_util.h"

namespace ferguard {
namespace {

Image gradient(int h, int w) {
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      im.at(y, x, 0) = static_cast<std::uint8_t>(x * 255 / std::max(1, w - 1));
      im.at(y, x, 1) = static_cast<std::uint8_t>(y * 255 / std::max(1, h - 1));
      im.at(y, x, 2) = 37;
    }
  return im;
}

template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageIo, PngRoundTripKeepsRgbOrder) {
  test::TempDir dir;
  const Image im = gradient(20, 30);
  write_image(dir.file("a.png"), im);
  const Image back = read_image(dir.file("a.png"));
  EXPECT_EQ(back.pixels(), im.pixels());
  // OpenCV stores BGR: the red channel of ours is the third channel of its Mat.
  cv::Mat raw = cv::imread(dir.file("a.png"), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(raw.at<cv::Vec3b>(0, 29)[2], 255);
  EXPECT_EQ(raw.at<cv::Vec3b>(0, 29)[0], 37);
}

TEST(ImageIo, JpegIsCloseAfterRoundTrip) {
  test::TempDir dir;
  const Image im = gradient(32, 32);
  write_image(dir.file("a.jpg"), im);
  const Image back = read_image(dir.file("a.jpg"));
  ASSERT_EQ(back.height(), 32);
  double err = 0;
  for (std::size_t i = 0; i < im.pixels().size(); ++i) err += std::abs(int(im.pixels()[i]) - int(back.pixels()[i]));
  EXPECT_LT(err / im.pixels().size(), 4.0);
}

TEST(ImageIo, GreyAlphaAndSixteenBitAreHandled) {
  test::TempDir dir;
  cv::Mat grey(4, 5, CV_8UC1, cv::Scalar(90));
  cv::imwrite(dir.file("g.png"), grey);
  const Image g = read_image(dir.file("g.png"));
  EXPECT_EQ(g.channels(), 3);
  EXPECT_EQ(g.at(3, 4, 0), 90);
  EXPECT_EQ(g.at(3, 4, 2), 90);
  ImageReadOptions keep;
  keep.force_rgb = false;
  EXPECT_EQ(read_image(dir.file("g.png"), keep).channels(), 1);

  cv::Mat bgra(3, 3, CV_8UC4, cv::Scalar(10, 20, 30, 0));  // fully transparent: alpha is dropped
  cv::imwrite(dir.file("a.png"), bgra);
  const Image a = read_image(dir.file("a.png"));
  EXPECT_EQ(a.channels(), 3);
  EXPECT_EQ(a.at(1, 1, 0), 30);
  EXPECT_EQ(a.at(1, 1, 2), 10);

  cv::Mat deep(2, 2, CV_16UC3, cv::Scalar(0, 257 * 100, 65535));
  cv::imwrite(dir.file("d.png"), deep);
  const Image d = read_image(dir.file("d.png"));
  EXPECT_EQ(d.at(0, 0, 0), 255);
  EXPECT_EQ(d.at(0, 0, 1), 100);
  EXPECT_EQ(d.at(0, 0, 2), 0);
}

// A phone photo held upright is stored on its side with EXIF orientation 6 (rotate 90 degrees clockwise to view):
// it must reach the detector upright, as viewers show it, or most of its faces are missed and published unchanged.
TEST(ImageIo, JpegExifOrientationIsApplied) {
  cv::Mat bgr(32, 64, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr(cv::Rect(32, 0, 32, 32)).setTo(cv::Scalar(255, 255, 255));  // left half black, right half white
  std::vector<std::uint8_t> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}));
  // An APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation = 6) right after the SOI marker.
  const std::vector<std::uint8_t> app1 = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,  'M', 'M', 0x00, 0x2A,
                                          0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00,
                                          0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  ASSERT_EQ(app1.size(), 2u + 0x22u);
  std::vector<std::uint8_t> tagged;
  for (std::size_t i = 0; i < jpeg.size(); ++i) {
    tagged.push_back(jpeg[i]);
    if (i == 1) tagged.insert(tagged.end(), app1.begin(), app1.end());
  }

  const Image plain = decode_image(jpeg, "plain.jpg");
  EXPECT_EQ(plain.width(), 64);
  EXPECT_EQ(plain.height(), 32);
  const Image upright = decode_image(tagged, "rotated.jpg");
  ASSERT_EQ(upright.width(), 32);
  ASSERT_EQ(upright.height(), 64);
  // Turned clockwise, the stored left (black) half is on top.
  EXPECT_LT(upright.at(8, 16, 0), 40);
  EXPECT_GT(upright.at(56, 16, 0), 215);
  ImageReadOptions grey;
  grey.force_rgb = false;
  EXPECT_EQ(decode_image(tagged, "rotated.jpg", grey).channels(), 3);
}

TEST(ImageIo, MissingEmptyCorruptFilesAreIoErrorsNamingThePath) {
  test::TempDir dir;
  const std::string missing = dir.file("nope.png");
  EXPECT_THROW(read_image(missing), IoError);
  EXPECT_NE(error_of([&] { read_image(missing); }).find("nope.png"), std::string::npos);

  std::ofstream(dir.file("empty.jpg")).close();
  EXPECT_THROW(read_image(dir.file("empty.jpg")), IoError);
  EXPECT_NE(error_of([&] { read_image(dir.file("empty.jpg")); }).find("empty"), std::string::npos);

  write_image(dir.file("ok.png"), gradient(16, 16));
  std::filesystem::resize_file(dir.file("ok.png"), 40);  // header survives, data is cut
  {
    std::ofstream junk(dir.file("junk.png"), std::ios::binary);
    junk << "this is not an image at all";
  }
  EXPECT_THROW(read_image(dir.file("ok.png")), IoError);
  EXPECT_THROW(read_image(dir.file("junk.png")), IoError);
  EXPECT_THROW(read_image(dir.path()), IoError);  // a folder
}

TEST(ImageIo, OversizedImagesAreRefusedBeforeDecoding) {
  test::TempDir dir;
  write_image(dir.file("big.png"), gradient(100, 120));
  write_image(dir.file("big.jpg"), gradient(100, 120));
  ImageReadOptions small;
  small.max_pixels = 5000;
  for (const char* name : {"big.png", "big.jpg"}) {
    const std::string msg = error_of([&] { read_image(dir.file(name), small); });
    EXPECT_NE(msg.find("120x100"), std::string::npos) << msg;
    EXPECT_NE(msg.find("max_pixels"), std::string::npos) << msg;
  }
  EXPECT_EQ(read_image(dir.file("big.png")).width(), 120);
}

TEST(ImageIo, HeaderProbeReadsPngAndJpegSizes) {
  test::TempDir dir;
  for (const char* name : {"p.png", "p.jpg"}) {
    write_image(dir.file(name), gradient(37, 53));
    std::ifstream in(dir.file(name), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto size = probe_image_size(bytes);
    ASSERT_TRUE(size.has_value()) << name;
    EXPECT_EQ(size->width, 53);
    EXPECT_EQ(size->height, 37);
  }
  EXPECT_FALSE(probe_image_size({1, 2, 3}).has_value());
}

TEST(ImageIo, WritesAreAtomicAndChecked) {
  test::TempDir dir;
  EXPECT_THROW(write_image(dir.file("no/such/dir/a.png"), gradient(4, 4)), IoError);
  EXPECT_THROW(write_image(dir.file("a.tiff2"), gradient(4, 4)), InvalidArgument);
  EXPECT_THROW(write_image(dir.file("a.png"), Image()), InvalidArgument);
  write_image(dir.file("a.png"), gradient(4, 4));
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);  // no temporary left behind
}

TEST(Types, TensorImageConversionsRoundTrip) {
  const Image im = gradient(5, 6);
  const Tensor4 t = to_tensor(im);
  EXPECT_EQ(t.shape(), (Shape4{1, 3, 5, 6}));
  EXPECT_FLOAT_EQ(t.at(0, 0, 0, 5), 1.0f);
  EXPECT_EQ(to_image(t).pixels(), im.pixels());
  EXPECT_THROW(to_tensor(std::vector<Image>{gradient(5, 6), gradient(6, 5)}), InvalidArgument);
  EXPECT_THROW(to_image(t, 1), InvalidArgument);
  EXPECT_THROW(Image(0, 4, 3), InvalidArgument);
  EXPECT_THROW(Tensor4({1, 1, 2, 2}, {1.0f}), InvalidArgument);
}

}  // namespace
}  // namespace ferguard

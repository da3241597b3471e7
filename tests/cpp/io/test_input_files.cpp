// Inputs that are not regular files, or too large, are refused before anything is read from them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ferguard/ferguard.h"
#include "test_util.h"

namespace ferguard {
namespace {

std::string io_error(const std::string& path, const ImageReadOptions& o = {}) {
  try {
    read_image(path, o);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(InputFiles, DevicesFifosAndLinksToThemAreRefusedUnread) {
  test::TempDir dir;
  EXPECT_NE(io_error("/dev/zero").find("device"), std::string::npos);  // would grow memory without end
  ASSERT_EQ(::mkfifo(dir.file("pipe.png").c_str(), 0600), 0);
  const std::string fifo = io_error(dir.file("pipe.png"));  // would block forever waiting for a writer
  EXPECT_NE(fifo.find("FIFO"), std::string::npos) << fifo;
  EXPECT_NE(fifo.find("pipe.png"), std::string::npos) << fifo;
  std::filesystem::create_symlink("/dev/zero", dir.file("zero.jpg"));
  std::filesystem::create_symlink(dir.file("pipe.png"), dir.file("pipe.jpg"));
  EXPECT_NE(io_error(dir.file("zero.jpg")).find("device"), std::string::npos);
  EXPECT_NE(io_error(dir.file("pipe.jpg")).find("FIFO"), std::string::npos);
  std::filesystem::create_symlink(dir.file("gone.png"), dir.file("dangling.png"));
  EXPECT_NE(io_error(dir.file("dangling.png")).find("no such file"), std::string::npos);
}

TEST(InputFiles, FilesAboveTheByteLimitAreRefusedBeforeReading) {
  test::TempDir dir;
  {
    std::ofstream out(dir.file("big.png"), std::ios::binary);
    out << std::string(4096, 'x');
  }
  ImageReadOptions o;
  o.max_bytes = 1000;
  const std::string msg = io_error(dir.file("big.png"), o);
  EXPECT_NE(msg.find("4096 bytes exceeds the limit of 1000"), std::string::npos) << msg;
  o.max_bytes = 0;
  EXPECT_THROW(read_image(dir.file("big.png"), o), InvalidArgument);
}

TEST(InputFiles, ThreadCountsAboveTheMaximumAreRefused) {
  EXPECT_GE(max_threads(), 4);
  SplitOptions s;
  s.threads = max_threads();
  EXPECT_NO_THROW(s.validate());
  s.threads = max_threads() + 1;
  EXPECT_THROW(s.validate(), InvalidArgument);
  PipelineOptions p;
  p.threads = 1000 * max_threads();
  try {
    p.validate();
    FAIL() << "1000x the cores accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("PipelineOptions.threads"), std::string::npos) << e.what();
  }
}

TEST(InputFiles, NonFiniteSplitInputNamesTheFirstBadValue) {
  Tensor4 x({1, 3, 8, 8});
  x.at(0, 2, 3, 5) = std::numeric_limits<float>::quiet_NaN();
  x.at(0, 2, 4, 5) = std::numeric_limits<float>::infinity();
  FrequencySplitter split;
  try {
    split.split(x);
    FAIL() << "NaN accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("channel 2, row 3, column 5"), std::string::npos) << e.what();
  }
  x.at(0, 2, 3, 5) = 0.5f;
  EXPECT_THROW(split.lowpass(x), InvalidArgument);  // the inf
}

TEST(InputFiles, EveryDetectionPathHasThePixelLimit) {
  FaceDetectorOptions o;
  o.max_pixels = 1000;
  const FaceDetector detector({}, o);
  try {
    detector.detect(Image(40, 30, 3));
    FAIL() << "1200 pixels accepted under a limit of 1000";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("30x40 = 1200 pixels exceeds the limit of 1000"), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(detector.detect(Image(20, 30, 3)));
  EXPECT_EQ(FaceDetectorOptions{}.max_pixels, ImageReadOptions{}.max_pixels);  // one limit, file or array
}

}  // namespace
}  // namespace ferguard

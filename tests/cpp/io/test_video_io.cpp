// Video round trip through the FFmpeg backend (mp4v), errors naming the file, and no partial file left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sys/stat.h>

#include "ferguard/ferguard.h"
#include "ferguard/io/video_io.h"
#include "test_util.h"

namespace ferguard {
namespace {
namespace fs = std::filesystem;

// Frame i: a flat colour that changes with i, and a bright square that moves right.
Image frame(int i, int w = 64, int h = 48) {
  Image im(h, w, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool square = y >= 16 && y < 32 && x >= 4 * i && x < 4 * i + 16;
      im.at(y, x, 0) = square ? 250 : static_cast<std::uint8_t>(20 * i);
      im.at(y, x, 1) = square ? 250 : 100;
      im.at(y, x, 2) = square ? 250 : static_cast<std::uint8_t>(200 - 10 * i);
    }
  return im;
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

template <typename Fn>
std::string io_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(VideoIo, IsVideoPathByExtension) {
  for (const char* p : {"a.mp4", "b/c.AVI", "x.mov", "x.mkv", "x.webm", "x.M4V"}) EXPECT_TRUE(is_video_path(p)) << p;
  for (const char* p : {"a.png", "a.jpg", "mp4", "a.mp4.txt", "dir/"}) EXPECT_FALSE(is_video_path(p)) << p;
}

TEST(VideoIo, WriteThenReadBack) {
  test::TempDir dir;
  const std::string path = dir.file("clip.mp4");
  {
    VideoWriter w(path, 64, 48, 10.0);
    for (int i = 0; i < 10; ++i) w.write(frame(i));
    EXPECT_EQ(w.frames(), 10);
    EXPECT_FALSE(fs::exists(path));  // only the temporary until close()
    w.close();
  }
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"clip.mp4"});
  VideoReader r(path);
  EXPECT_EQ(r.width(), 64);
  EXPECT_EQ(r.height(), 48);
  EXPECT_NEAR(r.fps(), 10.0, 1e-6);
  EXPECT_EQ(r.frame_count(), 10);
  Image im;
  int n = 0;
  while (r.read(im)) {
    ASSERT_EQ(im.width(), 64);
    ASSERT_EQ(im.height(), 48);
    const Image want = frame(n);
    // Lossy codec: compare flat areas and the square, channel by channel (RGB order kept).
    EXPECT_NEAR(im.at(4, 60, 0), want.at(4, 60, 0), 12) << "frame " << n;
    EXPECT_NEAR(im.at(4, 60, 2), want.at(4, 60, 2), 12) << "frame " << n;
    EXPECT_GT(im.at(24, 4 * n + 8, 1), 200) << "frame " << n;
    ++n;
  }
  EXPECT_EQ(n, 10);
  EXPECT_FALSE(r.read(im));
}

TEST(VideoIo, OddSizesArePaddedNotCropped) {
  test::TempDir dir;
  Image im = frame(0, 65, 49);
  for (int y = 0; y < 49; ++y)
    for (int c = 0; c < 3; ++c) im.at(y, 64, c) = 255;  // a white last column must survive
  {
    VideoWriter w(dir.file("odd.mp4"), 65, 49, 5.0);
    for (int i = 0; i < 3; ++i) w.write(im);
    w.close();
  }
  VideoReader r(dir.file("odd.mp4"));
  EXPECT_EQ(r.width(), 66);
  EXPECT_EQ(r.height(), 50);
  Image back;
  ASSERT_TRUE(r.read(back));
  EXPECT_GT(back.at(10, 64, 1), 200);
  EXPECT_GT(back.at(10, 65, 1), 200);  // the padding repeats it
  EXPECT_LT(back.at(10, 60, 1), 130);
}

TEST(VideoIo, MissingCorruptAndNonVideoFilesAreIoErrors) {
  test::TempDir dir;
  EXPECT_NE(io_error_of([&] { VideoReader r(dir.file("missing.mp4")); }).find("missing.mp4"), std::string::npos);
  std::ofstream(dir.file("corrupt.mp4")) << "this is not a video";
  const std::string corrupt = io_error_of([&] { VideoReader r(dir.file("corrupt.mp4")); });
  EXPECT_NE(corrupt.find("corrupt.mp4"), std::string::npos) << corrupt;
  std::ofstream(dir.file("empty.mp4"));
  EXPECT_NE(io_error_of([&] { VideoReader r(dir.file("empty.mp4")); }).find("empty.mp4"), std::string::npos);
  EXPECT_NE(io_error_of([&] { VideoReader r(dir.path()); }).find("directory"), std::string::npos);
}

TEST(VideoIo, AbandonedOrFailedWritesLeaveNoFile) {
  test::TempDir dir;
  {
    VideoWriter w(dir.file("abandoned.mp4"), 64, 48, 10.0);
    w.write(frame(0));
    w.write(frame(1));
  }  // no close(): an error path
  EXPECT_TRUE(listing(dir.path()).empty());
  {
    VideoWriter w(dir.file("bad.mp4"), 64, 48, 10.0);
    EXPECT_THROW(w.write(frame(0, 32, 32)), InvalidArgument);
    EXPECT_THROW(w.write(Image(48, 64, 1)), InvalidArgument);
    EXPECT_THROW(w.close(), IoError);  // no frame written
  }
  EXPECT_TRUE(listing(dir.path()).empty());
  EXPECT_NE(io_error_of([&] { VideoWriter w(dir.file("no/such/dir.mp4"), 64, 48, 10.0); }).find("dir.mp4"),
            std::string::npos);
  EXPECT_THROW(VideoWriter(dir.file("x.mp4"), 0, 48, 10.0), InvalidArgument);
  EXPECT_THROW(VideoWriter(dir.file("x.mp4"), 64, 48, 0.0), InvalidArgument);
  EXPECT_TRUE(listing(dir.path()).empty());
}

TEST(VideoIo, FifoIsRefusedWithoutBlocking) {
  test::TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("pipe.mp4").c_str(), 0600), 0);
  const std::string msg = io_error_of([&] { VideoReader r(dir.file("pipe.mp4")); });
  EXPECT_NE(msg.find("FIFO"), std::string::npos) << msg;
  EXPECT_NE(io_error_of([&] { VideoReader r("/dev/zero"); }).find("device"), std::string::npos);
}

// A video cut off after half of its bytes (Matroska: its index is at the end): the frames before the cut are read, then the reader says why it
// ended early instead of ending as if the video were complete.
TEST(VideoIo, TruncatedStreamReportsAnEarlyEnd) {
  test::TempDir dir;
  {
    VideoWriter w(dir.file("full.mkv"), 64, 48, 10.0);
    for (int i = 0; i < 12; ++i) w.write(frame(i));
    w.close();
  }
  {
    VideoReader r(dir.file("full.mkv"));
    Image im;
    while (r.read(im)) {
    }
    EXPECT_EQ(r.frames_read(), 12);
    EXPECT_EQ(r.early_end(), "");
  }
  std::ifstream in(dir.file("full.mkv"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("cut.mkv"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  VideoReader r(dir.file("cut.mkv"));
  ASSERT_EQ(r.frame_count(), 12);
  Image im;
  while (r.read(im)) {
  }
  EXPECT_GE(r.frames_read(), 1);
  EXPECT_LT(r.frames_read(), 12);
  EXPECT_NE(r.early_end().find("of the 12 frames"), std::string::npos) << r.early_end();
  EXPECT_FALSE(r.read(im));  // stays ended
}

}  // namespace
}  // namespace ferguard

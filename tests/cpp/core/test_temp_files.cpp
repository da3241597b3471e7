// Temporary outputs: named with their process id, removed unless published, swept by a later run once their
// process is gone; and the SHA-256 that checks the bundled models.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "detail/sha256.h"
#include "detail/temp_files.h"
#include "ferguard/error.h"
#include "test_util.h"

namespace ferguard {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The id of a process that has exited (and been reaped): no process runs under it now.
long dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(TempFiles, RemovedUnlessPublished) {
  test::TempDir dir;
  {
    detail::TempFile t(dir.file("a.json"), "tmp");
    EXPECT_NE(t.path().find(".a.json." + std::to_string(::getpid()) + "."), std::string::npos) << t.path();
    EXPECT_EQ(listing(dir.path()).size(), 1u);
  }
  EXPECT_TRUE(listing(dir.path()).empty());
  {
    detail::TempFile t(dir.file("b.mp4"), "partial.mp4", true);
    EXPECT_EQ(fs::path(t.path()).extension(), ".mp4");
    t.publish();
  }
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{"b.mp4"});
  EXPECT_THROW(detail::TempFile(dir.file("no/such/c.json"), "tmp"), IoError);
}

TEST(TempFiles, SignalCleanupRemovesRegisteredFiles) {
  test::TempDir dir;
  detail::TempFile t(dir.file("v.mp4"), "partial.mp4", true);
  ASSERT_TRUE(fs::exists(t.path()));
  detail::remove_temp_files_now();  // what the SIGINT/SIGTERM handler does
  EXPECT_FALSE(fs::exists(t.path()));
}

TEST(TempFiles, SweepRemovesOnlyTemporariesOfDeadProcesses) {
  test::TempDir dir;
  const long dead = dead_pid();
  const std::string stale_tmp = fmt::format(".a.json.{}.AbC123.tmp", dead);
  const std::string stale_video = fmt::format(".clip.{}.x9Y8z7.partial.mp4", dead);
  const std::string live = fmt::format(".b.json.{}.AbC123.tmp", ::getpid());
  for (const std::string& name : {stale_tmp, stale_video, live, std::string("keep.png"), std::string(".hidden"),
                                  fmt::format("x.{}.AbC123.tmp", dead)})
    std::ofstream(dir.file(name)) << "x";
  EXPECT_EQ(detail::sweep_stale_temp_files(dir.path()), 2);
  const auto left = listing(dir.path());
  EXPECT_EQ(std::count(left.begin(), left.end(), stale_tmp), 0);
  EXPECT_EQ(std::count(left.begin(), left.end(), stale_video), 0);
  EXPECT_EQ(left.size(), 4u);  // the live process's, and files that are not ferguard temporaries
  EXPECT_EQ(detail::sweep_stale_temp_files(dir.file("missing")), 0);
}

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(detail::sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(detail::sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes: padding spills
  EXPECT_EQ(detail::sha256_hex(two_blocks.data(), two_blocks.size()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(detail::sha256_hex(million.data(), million.size()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace ferguard

#pragma once
// Pieces shared by the file-based loaders: a dataset over a list of image files, the issue log that
// implements OnError, hashed splits and the square crop.
#include <string>
#include <vector>

#include "ferguard/data/dataset.h"
#include "ferguard/data/loaders.h"

namespace cv {
class Mat;
}

namespace ferguard::detail {

struct FileEntry {
  std::string path;  // image file
  int identity = -1;
  int expression = -1;
  Split split = Split::train;
  std::string source;  // path, path:frame, for messages
  std::string origin;  // manifest path used in issues
  int line = 0;        // manifest line, 0 when none
};

/// Collects DatasetIssues; with OnError::fail the first report() throws instead.
class IssueLog {
 public:
  explicit IssueLog(OnError mode) : mode_(mode) {}
  /// A row or file that is left out. Throws (IoError when `io`, else InvalidArgument) in fail mode.
  void report(const std::string& path, int line, const std::string& message, bool io = false);
  /// A fall-back that was taken (the sample stays); never throws.
  void note(const std::string& path, int line, const std::string& message);
  std::vector<DatasetIssue> take() { return std::move(issues_); }

 private:
  OnError mode_;
  std::vector<DatasetIssue> issues_;
};

/// A dataset over image files, each read, centre-cropped to a square and resized to face_size by get().
class FileDataset final : public FaceDataset {
 public:
  FileDataset(std::string name, std::vector<FileEntry> entries, int num_identities, int face_size,
              std::vector<DatasetIssue> issues);
  std::size_t size() const override { return entries_.size(); }
  FaceSample get(std::size_t i) const override;
  int num_identities() const override { return num_identities_; }
  Split split_of(std::size_t i) const override;
  FaceLabel label_of(std::size_t i) const override;
  std::string name() const override { return name_; }
  std::vector<DatasetIssue> issues() const override { return issues_; }

 private:
  const FileEntry& entry(std::size_t i) const;
  std::string name_;
  std::vector<FileEntry> entries_;
  int num_identities_;
  int face_size_;
  std::vector<DatasetIssue> issues_;
};

/// Decodes every entry's image (in parallel) and drops, through `log`, those that cannot be read.
void verify_entries(std::vector<FileEntry>& entries, const DatasetOptions& options, IssueLog& log);

/// A deterministic split from a key (a file or clip name): test, val or train by the options' fractions.
Split hashed_split(const std::string& key, const DatasetOptions& options);

/// Centre square crop, resized to size x size (INTER_AREA when shrinking); size 0 returns the input.
Image fit_square(const Image& image, int size);

/// DatasetOptions::cache_dir, or the default one when it is empty.
std::string resolve_cache_dir(const DatasetOptions& options);

std::unique_ptr<FaceDataset> open_csv(const std::string& path, const DatasetOptions& options);
std::unique_ptr<FaceDataset> open_folder(const std::string& path, const DatasetOptions& options);
std::unique_ptr<FaceDataset> open_rafdb(const std::string& path, const DatasetOptions& options);
std::unique_ptr<FaceDataset> open_cremad(const std::string& path, const DatasetOptions& options);

}  // namespace ferguard::detail

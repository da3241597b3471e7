#include "data/file_dataset.h"

#include <cstdlib>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "detail/check.h"
#include "detail/hash_rng.h"
#include "detail/parallel.h"
#include "ferguard/io/image_io.h"

namespace ferguard::detail {
namespace fs = std::filesystem;

void IssueLog::report(const std::string& path, int line, const std::string& message, bool io) {
  DatasetIssue issue{path, line, message};
  if (mode_ == OnError::fail) {
    if (io) throw IoError(issue.str());
    throw InvalidArgument(issue.str());
  }
  issues_.push_back(std::move(issue));
}

void IssueLog::note(const std::string& path, int line, const std::string& message) {
  issues_.push_back({path, line, message});
}

FileDataset::FileDataset(std::string name, std::vector<FileEntry> entries, int num_identities, int face_size,
                         std::vector<DatasetIssue> issues)
    : name_(std::move(name)),
      entries_(std::move(entries)),
      num_identities_(num_identities),
      face_size_(face_size),
      issues_(std::move(issues)) {}

const FileEntry& FileDataset::entry(std::size_t i) const {
  FERGUARD_CHECK(i < entries_.size(), "dataset {}: sample index {} out of range for a dataset of {}", name_, i,
                 entries_.size());
  return entries_[i];
}

FaceSample FileDataset::get(std::size_t i) const {
  const FileEntry& e = entry(i);
  FaceSample s;
  s.image = fit_square(read_image(e.path), face_size_);
  s.identity = e.identity;
  s.expression = e.expression;
  s.split = e.split;
  s.source = e.source;
  return s;
}

Split FileDataset::split_of(std::size_t i) const { return entry(i).split; }

FaceLabel FileDataset::label_of(std::size_t i) const {
  const FileEntry& e = entry(i);
  return {e.identity, e.expression, e.split};
}

void verify_entries(std::vector<FileEntry>& entries, const DatasetOptions& options, IssueLog& log) {
  std::vector<std::string> errors(entries.size());
  parallel_for(static_cast<std::int64_t>(entries.size()), options.threads, [&](std::int64_t i) {
    try {
      read_image(entries[i].path);
    } catch (const Error& e) {
      errors[i] = e.what();
    }
  });
  std::vector<FileEntry> kept;
  kept.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (errors[i].empty()) {
      kept.push_back(std::move(entries[i]));
    } else {
      log.report(entries[i].origin.empty() ? entries[i].path : entries[i].origin, entries[i].line, errors[i], true);
    }
  }
  entries = std::move(kept);
}

Split hashed_split(const std::string& key, const DatasetOptions& options) {
  const double u = unit_from_hash(hash_string(key, options.split_seed ^ 0x5b11));
  if (u < options.test_fraction) return Split::test;
  if (u < options.test_fraction + options.val_fraction) return Split::val;
  return Split::train;
}

Image fit_square(const Image& image, int size) {
  if (size == 0 || (image.height() == size && image.width() == size)) return image;
  const int side = std::min(image.height(), image.width());
  cv::Mat m(image.height(), image.width(), image.channels() == 3 ? CV_8UC3 : CV_8UC1,
            const_cast<std::uint8_t*>(image.data()));
  cv::Mat crop = m(cv::Rect((image.width() - side) / 2, (image.height() - side) / 2, side, side)), out;
  cv::resize(crop, out, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_LINEAR);
  return Image(size, size, image.channels(), std::vector<std::uint8_t>(out.data, out.data + out.total() * out.channels()));
}

std::string resolve_cache_dir(const DatasetOptions& options) {
  if (!options.cache_dir.empty()) return options.cache_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return (fs::path(xdg) / "ferguard").string();
  if (const char* home = std::getenv("HOME"); home && *home) return (fs::path(home) / ".cache" / "ferguard").string();
  return (fs::temp_directory_path() / "ferguard-cache").string();
}

}  // namespace ferguard::detail

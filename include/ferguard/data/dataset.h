#pragma once
/// Labelled face datasets: the built-in synthetic faces and loaders for users' data.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "ferguard/labels.h"
#include "ferguard/types.h"

namespace ferguard {

/// Which part of a dataset a sample belongs to.
enum class Split { train, val, test };

/// "train", "val" or "test".
std::string to_string(Split split);
/// "train", "val" (also "valid", "validation"), "test"; case-insensitive. Throws InvalidArgument otherwise.
Split parse_split(const std::string& name);

/// One labelled face image.
struct FaceSample {
  Image image;            ///< HWC uint8 RGB
  int identity = -1;      ///< 0..num_identities()-1, or -1 when unknown (e.g. RAF-DB)
  int expression = -1;    ///< index in ferguard's label order (labels.h), or -1 when unknown
  Split split = Split::train;
  std::string source;     ///< where it came from (path[:frame] or "synth:<id>/<expr>/<k>"), for messages
};

/// The labels of one sample, without its image.
struct FaceLabel {
  int identity = -1;
  int expression = -1;
  Split split = Split::train;
};

/// A problem met while opening a dataset: a malformed row, a missing or unreadable file, an unknown label,
/// a face that was not found. `line` is the 1-based line in `path`, or 0 when the problem is not a line's.
struct DatasetIssue {
  std::string path;
  int line = 0;
  std::string message;
  /// "path:line: message" (or "path: message" when line == 0).
  std::string str() const;
};

/// Random access to labelled faces. Implementations are thread-safe for concurrent get().
class FaceDataset {
 public:
  virtual ~FaceDataset() = default;
  virtual std::size_t size() const = 0;
  /// Sample i (0 <= i < size()); throws InvalidArgument when out of range, IoError when unreadable.
  virtual FaceSample get(std::size_t i) const = 0;
  /// Number of distinct identities (0 when the dataset has no identity labels).
  virtual int num_identities() const = 0;
  /// Split of sample i without decoding its image (for building index lists cheaply).
  virtual Split split_of(std::size_t i) const = 0;
  virtual std::string name() const = 0;
  /// Labels of sample i without decoding its image. The default decodes it (get(i)); every dataset in
  /// ferguard overrides it with a cheap lookup. Throws InvalidArgument when out of range.
  virtual FaceLabel label_of(std::size_t i) const {
    FaceSample s = get(i);
    return {s.identity, s.expression, s.split};
  }
  /// Problems met while opening the dataset (rows or files skipped, fall-backs taken); empty when none.
  virtual std::vector<DatasetIssue> issues() const { return {}; }
};

}  // namespace ferguard

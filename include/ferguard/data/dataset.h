#pragma once
/// Labelled face datasets: the built-in synthetic faces and loaders for users' data.
#include <cstddef>
#include <memory>
#include <string>

#include "ferguard/labels.h"
#include "ferguard/types.h"

namespace ferguard {

/// Which part of a dataset a sample belongs to.
enum class Split { train, val, test };

/// One labelled face image.
struct FaceSample {
  Image image;            ///< HWC uint8 RGB
  int identity = -1;      ///< 0..num_identities()-1, or -1 when unknown (e.g. RAF-DB)
  int expression = -1;    ///< index in ferguard's label order (labels.h), or -1 when unknown
  Split split = Split::train;
  std::string source;     ///< where it came from (path[:frame] or "synth:<id>/<expr>/<k>"), for messages
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
};

}  // namespace ferguard

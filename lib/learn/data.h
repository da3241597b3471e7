#pragma once
// A labelled dataset decoded once into tensors, and a batch loader that gathers the next batch on a
// background thread while the current one trains.
#include <torch/torch.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ferguard/data/dataset.h"

namespace ferguard::learn {

/// Images Nx3xSxS in [0, 1] with identity and expression labels (int64, N each).
struct TensorSet {
  torch::Tensor images;
  torch::Tensor identity;
  torch::Tensor expression;
  int64_t size() const { return images.defined() ? images.size(0) : 0; }
  TensorSet select(const torch::Tensor& index) const;
};

/// Train, validation and test sets of one dataset at one image size.
struct LearnData {
  TensorSet train, val, test;
  int identities = 0;
  std::string name;
};

/// Decodes every labelled sample of `data` (in parallel over `threads`) and resizes it to size x size.
/// Validation: the dataset's val split, or else a `val_fraction` share of train drawn with `seed`; test:
/// the test split (else the val split). Throws InvalidArgument when identity or expression labels are
/// missing or a split ends up empty.
LearnData load_data(const FaceDataset& data, int size, double val_fraction, std::uint64_t seed, int threads);

/// One batch for this rank.
struct Batch {
  torch::Tensor images, identity, expression;
  int64_t index = 0;        ///< batch number within the epoch
  int64_t offset = 0;       ///< where this rank's slice starts within the global batch
  int64_t global_size = 0;  ///< size of the global batch
};

/// Shuffles `set` with `seed` and yields the global batches of `batch_size` (the last, smaller one dropped
/// when there are at least two), each cut into world_size equal slices of which this rank gets its own.
/// A background thread prepares up to two batches ahead.
class BatchLoader {
 public:
  BatchLoader(const TensorSet& set, int batch_size, std::uint64_t seed, int rank, int world_size);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;
  /// The next batch, or nullopt at the end of the epoch.
  std::optional<Batch> next();
  int64_t batches() const { return batches_; }

 private:
  void produce();
  const TensorSet& set_;
  std::vector<int64_t> order_;
  int batch_size_, rank_, world_;
  int64_t batches_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool stop_ = false;
  int64_t produced_ = 0;
  std::thread worker_;
};

/// Deterministic 64-bit seed for a named part of a run.
std::uint64_t derive_seed(std::uint64_t seed, const std::string& name, std::uint64_t index = 0);

}  // namespace ferguard::learn

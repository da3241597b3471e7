#pragma once
// Data-parallel communication over LibTorch's c10d (Gloo backend, TCP store hosted by rank 0). With one
// process every call is a no-op, so the training loop has a single code path.
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "ferguard/learn/train.h"

namespace ferguard::learn {

class Communicator {
 public:
  /// Joins the group described by `options` (blocks until every rank has joined or the time-out passes).
  /// Throws InvalidArgument for a malformed master address and ModelError when the rendezvous fails.
  explicit Communicator(const DistributedOptions& options);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_; }
  bool is_root() const { return rank_ == 0; }
  /// Replaces each parameter's gradient by its mean over the ranks (one flat all-reduce).
  void average_gradients(const std::vector<torch::Tensor>& parameters);
  /// Copies rank 0's values of the tensors into every rank.
  void broadcast(const std::vector<torch::Tensor>& tensors);
  /// Sum of a value over the ranks.
  double sum(double value);
  void barrier();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0;
  int world_ = 1;
};

}  // namespace ferguard::learn

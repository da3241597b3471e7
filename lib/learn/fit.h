#pragma once
// One training loop for every stage: Adam (or SGD) with a cosine learning-rate schedule, data-parallel gradient
// averaging, early stopping on a validation score, per-epoch checkpoints (resumable), metrics.jsonl lines
// and a progress bar with ETA.
#include <torch/torch.h>

#include <functional>
#include <string>

#include "ferguard/learn/train.h"
#include "learn/data.h"
#include "learn/ddp.h"

namespace ferguard::learn {

/// Where a run writes and how it reports; out_dir empty = keep nothing on disk (evaluation attackers).
struct RunContext {
  const TrainOptions& options;
  Communicator& comm;
  std::string out_dir;
};

struct FitSpec {
  std::string name;              ///< file and metrics name, e.g. "c_low"
  torch::nn::Module* module;     ///< trained, saved and restored as a whole
  const TensorSet* train;
  int epochs;
  /// Mean loss over the local batch (the batch is this rank's slice).
  std::function<torch::Tensor(const Batch&, int64_t step)> loss;
  /// Validation score, higher is better; must give the same value on every rank.
  std::function<double()> score;
};

/// Trains spec.module, leaves it at the best-scoring epoch's weights and, when out_dir is set, writes
/// out_dir/<name>.pt. With options.resume, a finished stage is loaded instead of trained and an unfinished
/// one continues from its last checkpoint.
void fit(const FitSpec& spec, RunContext& run);

/// Prints "\r<name> e/E [####----] 45% loss 0.234 ETA 1:02" to stderr at most 5 times a second.
class ProgressBar {
 public:
  ProgressBar(bool enabled, std::string name, int64_t total_steps);
  void update(int64_t done, int epoch, int epochs, double loss);
  void finish_epoch(int epoch, int epochs, double loss, double score, double seconds);

 private:
  bool enabled_;
  std::string name_;
  int64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace ferguard::learn

#pragma once
/// Training the learned two-stream pipeline of Xu et al. (WACV 2025) in LibTorch: split -> enhancers
/// F_low, F_high -> recombine -> feature compensator F_fc -> FER model F_u, with frozen identity controllers
/// C_low, C_high and a frozen FER controller C_fc. See docs/learned_pipeline.md for the losses.
#include <cstdint>
#include <string>
#include <vector>

#include "ferguard/data/dataset.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/learn/report.h"

namespace ferguard {

/// How the learned pipeline splits a face into its two streams.
enum class StreamSplit {
  fft,   ///< FrequencySplitter's radial mask (cutoff, filter, order from TrainOptions::split_options)
  haar,  ///< one-level Haar: low = inverse(LL), high = inverse(LH, HL, HH), as the paper
};

/// "fft" or "haar"; throws InvalidArgument naming the unknown value.
StreamSplit parse_stream_split(const std::string& name);
std::string to_string(StreamSplit split);

/// What privatizes each stream (docs/learned_pipeline.md).
enum class EnhancerKind {
  /// k-Same templates: at strength s > 0 a stream becomes the mean stream of its expression over its identity
  /// group (N/G identities share each template), mixed by the FER controller's probabilities; the groups come
  /// from the identity controllers. Fitted on the training set, no gradient steps.
  templates,
  /// The paper's form: conditioned U-Nets trained against the frozen identity controllers (measured to leak to
  /// an adaptive attacker or to lose expression; kept for comparison).
  unet,
};

/// "template" or "unet"; throws InvalidArgument naming the unknown value.
EnhancerKind parse_enhancer_kind(const std::string& name);
std::string to_string(EnhancerKind kind);

/// Data-parallel training over several processes (LibTorch c10d, Gloo backend, TCP store on rank 0).
struct DistributedOptions {
  int world_size = 1;                   ///< number of processes; 1 = no communication
  int rank = 0;                         ///< this process, 0..world_size-1; rank 0 hosts the store and writes files
  std::string master = "127.0.0.1:29500";  ///< HOST:PORT of rank 0's TCP store
  int timeout_s = 300;                  ///< rendezvous and collective time-out
  /// Throws InvalidArgument naming the offending field.
  void validate() const;
};

/// Weights of the stage-1 (enhancer) loss; see docs/learned_pipeline.md for each term.
struct EnhancerLossWeights {
  double privacy = 1.0;      ///< cross-entropy of C_low/C_high against the strength's target distribution
  double invariance = 20.0;  ///< pull outputs of one expression and one identity group together
  double expression = 1.0;   ///< cross-entropy of the frozen FER controller on the recombined output
  double change = 20.0;      ///< (1 - strength) * mean squared change of each stream
};

/// Everything that decides a training run; the same options (seed and threads included) give the same
/// weights. Start from a preset: TrainOptions::preset("quick").
struct TrainOptions {
  std::string preset = "quick";  ///< the preset these values came from (for the record)
  int image_size = 64;           ///< faces are resized to image_size x image_size
  StreamSplit split = StreamSplit::fft;
  SplitOptions split_options;    ///< cutoff, filter and order of the FFT split (threads/plan ignored)
  double strength_low = 1.0;     ///< privacy strength of the low stream, 0 (none) .. 1 (chance level)
  double strength_high = 1.0;    ///< privacy strength of the high stream
  EnhancerKind enhancer = EnhancerKind::templates;
  /// Temperature of the FER controller's softmax that mixes the templates (`template` enhancer): 1 = its own
  /// probabilities, smaller = sharper, 0 = one-hot on its top class (nothing but that class reaches the output).
  double template_temperature = 1.0;
  /// Strengths the enhancers see during training (they take the strength as an input, so one model
  /// covers the sweep). Half of the samples use strength_low/high, the other half draw from this grid.
  std::vector<double> strength_grid = {0.0, 0.25, 0.5, 0.75, 1.0};
  int classifier_width = 8;      ///< base channels of the classifiers (x2 per level, 3 levels)
  int unet_width = 12;           ///< base channels of the U-Nets
  int batch_size = 64;           ///< global batch (split evenly over the ranks)
  double learning_rate = 3e-3;   ///< cosine-annealed to 5% over each stage's epochs
  /// "adam", or "sgd" (momentum 0.9; its updates are linear in the gradient, so float rounding in the
  /// all-reduce is not amplified the way Adam's normalisation amplifies it for near-zero gradients).
  std::string optimizer = "adam";
  int epochs_controllers = 5;    ///< C_low, C_high, the validator and C_fc
  int epochs_enhancers = 5;      ///< stage 1
  int epochs_compensator = 2;    ///< stage 2
  int epochs_fer = 4;            ///< stage 3 (F_u on privatized faces)
  int epochs_finetune = 0;       ///< optional end-to-end fine-tune of F_low, F_high, F_fc, F_u
  int epochs_attacker = 5;       ///< the adaptive attacker of the evaluation
  int patience = 3;              ///< early stopping: epochs without a better validation score
  double val_fraction = 0.1;     ///< share of train samples held out for validation when the data has no val split
  EnhancerLossWeights loss;
  /// Strengths evaluated after training (both streams set to each value); empty = only the trained ones.
  std::vector<double> sweep;
  std::uint64_t seed = 0;
  int threads = 1;               ///< LibTorch intra-op threads during the run (restored afterwards); 0 = all cores
  bool progress = true;          ///< progress bar with ETA on stderr
  bool resume = true;            ///< continue from out_dir's checkpoints when they exist
  DistributedOptions distributed;

  /// "quick" (64 px, a few minutes on 2 cores), "full" (112 px, longer, sweep) or "tiny" (16 px, tests).
  /// Throws InvalidArgument naming the unknown preset.
  static TrainOptions from_preset(const std::string& name);
  /// Throws InvalidArgument naming the offending field.
  void validate() const;
};

/// The options as JSON (the form of config.json) and back; from_json throws InvalidArgument for a malformed
/// text or field.
std::string to_json(const TrainOptions& options);
TrainOptions train_options_from_json(const std::string& json);

/// Trains all stages on `data` (train split; val split or a held-out share of train for early stopping),
/// writes the models, `config.json`, `metrics.jsonl` (one line per epoch) and checkpoints to `out_dir`,
/// then evaluates on the test split (see evaluate) and writes `report.json`. Returns that report.
/// Throws InvalidArgument for bad options or a dataset without identity or expression labels, IoError when
/// out_dir cannot be written, ModelError when distributed set-up fails.
EvalReport train(const FaceDataset& data, const std::string& out_dir, TrainOptions options);

/// Options of evaluate(); unset values (-1 / empty) come from the model's config.json.
struct EvalOptions {
  std::vector<double> strengths;  ///< each evaluated with both streams at that strength; empty = config's
  int epochs_attacker = -1;
  std::int64_t seed = -1;
  int threads = -1;
  bool progress = true;
  /// Throws InvalidArgument naming the offending field.
  void validate() const;
};

/// Evaluates a trained pipeline on `data`'s test split: FER metrics of C_fc on clean faces and of F_u on
/// privatized faces; identity accuracy of the fixed validator and of an adaptive attacker (a fresh
/// identity classifier trained on privatized train faces, tested on privatized test faces); the leakage
/// ratio L = max(0, (acc_priv - chance) / (acc_clean - chance)). Throws IoError / ModelError for a missing
/// or inconsistent model folder and InvalidArgument for unlabelled data.
EvalReport evaluate(const std::string& model_dir, const FaceDataset& data, EvalOptions options = {});

}  // namespace ferguard

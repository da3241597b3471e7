#pragma once
// The models of the learned pipeline and the stages that train them (see docs/learned_pipeline.md).
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "ferguard/learn/report.h"
#include "ferguard/learn/train.h"
#include "learn/data.h"
#include "learn/fit.h"
#include "learn/nets.h"

namespace ferguard::learn {

/// Every network of a run. Controllers: c_low, c_high (identity, on the clean streams), c_fc (FER, clean
/// faces); validator: identity on clean faces (the fixed validator, and acc_clean of the leakage ratio);
/// privatizer: F_low, F_high, F_fc; f_u: the FER model on privatized faces.
struct Models {
  Models(const TrainOptions& options, int identities);
  Classifier c_low{nullptr}, c_high{nullptr}, validator{nullptr}, c_fc{nullptr}, f_u{nullptr};
  Privatizer privatizer{nullptr};
  TorchSplitter splitter;
  int identities;
  double template_temperature;
};

/// Pooling factor of the low stream inside F_low and C_low: 2 from 32 px up, else 1.
int low_factor(const TrainOptions& o);

/// Enhanced streams recombined (before compensation), by the run's enhancer kind.
torch::Tensor enhance(Models& m, const torch::Tensor& x, const torch::Tensor& s_low, const torch::Tensor& s_high);
/// Privatized faces: split, enhance each stream at its strength, recombine, compensate.
torch::Tensor privatize(Models& m, const torch::Tensor& x, const torch::Tensor& s_low, const torch::Tensor& s_high);
/// Runs privatize() over a whole set in batches without gradients, at fixed strengths.
torch::Tensor privatize_all(Models& m, const torch::Tensor& images, double s_low, double s_high);

/// Stage 0 to 3 and the optional fine-tune; each stage skips itself when resumed and already done.
void train_controllers(Models& m, const LearnData& d, RunContext& run);
void train_enhancers(Models& m, const LearnData& d, RunContext& run);
void train_compensator(Models& m, const LearnData& d, RunContext& run);
void train_fer(Models& m, const LearnData& d, RunContext& run);
void train_finetune(Models& m, const LearnData& d, RunContext& run);

/// Loads the weights train() wrote to `dir` (finetune.pt over the stage weights when `finetuned`) and
/// freezes every model. Throws IoError / ModelError naming the file.
void load_trained(Models& m, const std::string& dir, bool finetuned);

/// Trains a fresh classifier (`name`) on images -> labels and returns it at its best validation epoch.
Classifier train_classifier(const std::string& name, const TensorSet& train, const TensorSet& val, bool identity,
                            int classes, int epochs, RunContext& run,
                            const std::function<torch::Tensor(const torch::Tensor&)>& input = nullptr);

/// Logits of a classifier over a whole image tensor, in batches, without gradients.
torch::Tensor logits_of(Classifier& c, const torch::Tensor& images);
/// Accuracy, macro-F1, per-class F1 and recall and the confusion matrix of predicted vs true labels.
ClassificationMetrics classification_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes);

/// Evaluation of trained models on d.test (the attacker trains on d.train / d.val).
EvalReport evaluate_models(Models& m, const LearnData& d, const std::vector<std::pair<double, double>>& strengths,
                           RunContext& run);

/// TrainOptions <-> JSON (config.json) and the report's JSON.
nlohmann::json to_json(const TrainOptions& o);
TrainOptions train_options_from_json(const nlohmann::json& j);
nlohmann::json to_json(const EvalReport& r);

}  // namespace ferguard::learn

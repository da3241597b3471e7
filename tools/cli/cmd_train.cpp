// `ferguard train` and `ferguard eval`: the learned two-stream pipeline from the command line.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "detail/atomic_file.h"
#include "ferguard/data/loaders.h"
#include "ferguard/ferguard.h"
#include "ferguard/learn/training_data.h"

namespace ferguard::cli {
namespace {

std::vector<double> parse_strengths(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::logic_error&) {
      throw InvalidArgument(fmt::format("strengths: expected comma-separated numbers such as 0,0.5,1, got '{}'", text));
    }
  }
  return out;
}

struct TrainArgs {
  std::string dataset = "synth";
  std::string out;
  std::string preset = "quick";
  std::string split = "fft";
  std::string enhancer;
  std::string sweep;
  double temperature = -1;
  double strength = -1, strength_low = -1, strength_high = -1, cutoff = -1, lr = -1;
  double invariance = -1, privacy = -1, expression = -1;
  int threads = 1, image_size = 0, batch = 0, patience = 0;
  int epochs_controllers = 0, epochs_enhancers = 0, epochs_compensator = 0, epochs_fer = 0, epochs_finetune = -1,
      epochs_attacker = 0;
  std::int64_t seed = 0;
  bool no_resume = false, no_progress = false;
  int world_size = 1, rank = 0;
  std::string master = "127.0.0.1:29500";
};

TrainOptions to_options(const TrainArgs& a) {
  TrainOptions o = TrainOptions::from_preset(a.preset);
  o.split = parse_stream_split(a.split);
  if (!a.enhancer.empty()) o.enhancer = parse_enhancer_kind(a.enhancer);
  if (a.temperature >= 0) o.template_temperature = a.temperature;
  if (a.cutoff > 0) o.split_options.cutoff = a.cutoff;
  if (a.strength >= 0) o.strength_low = o.strength_high = a.strength;
  if (a.strength_low >= 0) o.strength_low = a.strength_low;
  if (a.strength_high >= 0) o.strength_high = a.strength_high;
  if (a.image_size > 0) o.image_size = a.image_size;
  if (a.batch > 0) o.batch_size = a.batch;
  if (a.lr > 0) o.learning_rate = a.lr;
  if (a.patience > 0) o.patience = a.patience;
  if (a.invariance >= 0) o.loss.invariance = a.invariance;
  if (a.privacy >= 0) o.loss.privacy = a.privacy;
  if (a.expression >= 0) o.loss.expression = a.expression;
  if (a.epochs_controllers > 0) o.epochs_controllers = a.epochs_controllers;
  if (a.epochs_enhancers > 0) o.epochs_enhancers = a.epochs_enhancers;
  if (a.epochs_compensator > 0) o.epochs_compensator = a.epochs_compensator;
  if (a.epochs_fer > 0) o.epochs_fer = a.epochs_fer;
  if (a.epochs_finetune >= 0) o.epochs_finetune = a.epochs_finetune;
  if (a.epochs_attacker > 0) o.epochs_attacker = a.epochs_attacker;
  if (!a.sweep.empty()) o.sweep = parse_strengths(a.sweep);
  o.seed = static_cast<std::uint64_t>(a.seed);
  o.threads = a.threads;
  o.resume = !a.no_resume;
  o.progress = !a.no_progress;
  o.distributed.world_size = a.world_size;
  o.distributed.rank = a.rank;
  o.distributed.master = a.master;
  o.validate();
  return o;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train the privacy pipeline (controllers, enhancers, compensator, FER)");
  cmd->add_option("--dataset", a->dataset, "synth[:k=v,...] | csv:PATH | folder:PATH | cremad:PATH | rafdb:PATH")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "Output folder (models, checkpoints, metrics.jsonl, report.json)")->required();
  cmd->add_option("--preset", a->preset, "quick | full | tiny")->capture_default_str();
  cmd->add_option("--split", a->split, "fft | haar")->capture_default_str();
  cmd->add_option("--enhancer", a->enhancer,
                  "template (k-Same templates picked by the controllers; default) | unet (the paper's U-Nets)");
  cmd->add_option("--template-temperature", a->temperature,
                  "Softmax temperature of the FER controller mixing the templates (0 = its top class only)");
  cmd->add_option("--cutoff", a->cutoff, "FFT cut-off, fraction of Nyquist");
  cmd->add_option("--strength", a->strength, "Privacy strength of both streams, 0..1 (1 = chance level)");
  cmd->add_option("--strength-low", a->strength_low, "Privacy strength of the low stream");
  cmd->add_option("--strength-high", a->strength_high, "Privacy strength of the high stream");
  cmd->add_option("--sweep", a->sweep, "Strengths to evaluate after training, e.g. 0,0.25,0.5,0.75,1");
  cmd->add_option("--image-size", a->image_size, "Face size in pixels (preset's by default)");
  cmd->add_option("--batch-size", a->batch, "Global batch size");
  cmd->add_option("--lr", a->lr, "Learning rate");
  cmd->add_option("--patience", a->patience, "Early stopping patience in epochs");
  cmd->add_option("--loss-invariance", a->invariance, "Weight of the enhancers' template invariance term");
  cmd->add_option("--loss-privacy", a->privacy, "Weight of the controllers' privacy term");
  cmd->add_option("--loss-expression", a->expression, "Weight of the enhancers' expression-keeping term");
  cmd->add_option("--epochs-controllers", a->epochs_controllers);
  cmd->add_option("--epochs-enhancers", a->epochs_enhancers);
  cmd->add_option("--epochs-compensator", a->epochs_compensator);
  cmd->add_option("--epochs-fer", a->epochs_fer);
  cmd->add_option("--epochs-finetune", a->epochs_finetune, "End-to-end fine-tune epochs (0 = none)");
  cmd->add_option("--epochs-attacker", a->epochs_attacker);
  cmd->add_option("--seed", a->seed, "Seed of weights, data order and strengths")->capture_default_str();
  cmd->add_option("--threads", a->threads, "LibTorch threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--no-resume", a->no_resume, "Start over even when --out has checkpoints");
  cmd->add_flag("--no-progress", a->no_progress, "No progress bar");
  cmd->add_option("--world-size", a->world_size, "Processes in data-parallel training")->capture_default_str();
  cmd->add_option("--rank", a->rank, "This process's rank")->capture_default_str();
  cmd->add_option("--master", a->master, "HOST:PORT of rank 0's TCP store")->capture_default_str();
  cmd->callback([a] {
    const TrainOptions o = to_options(*a);
    auto data = open_training_dataset(a->dataset, o.image_size);
    const EvalReport r = train(*data, a->out, o);
    if (o.distributed.rank == 0) {
      std::cout << r.table();
      std::cout << fmt::format("wall time {:.0f} s; report: {}\n", r.seconds,
                               (std::filesystem::path(a->out) / "report.json").string());
    }
  });
}

void add_eval_command(CLI::App& app) {
  struct Args {
    std::string model, dataset = "synth", out, strengths;
    int threads = 1, epochs_attacker = -1;
    std::int64_t seed = -1;
    bool no_progress = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a trained pipeline: FER quality and identity leakage");
  cmd->add_option("--model", a->model, "Folder written by `ferguard train`")->required();
  cmd->add_option("--dataset", a->dataset, "Dataset spec (as for train)")->capture_default_str();
  cmd->add_option("--out", a->out, "Write the report as JSON here");
  cmd->add_option("--strengths", a->strengths, "Strengths to evaluate besides the trained one, e.g. 0,0.5,1");
  cmd->add_option("--threads", a->threads, "LibTorch threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--epochs-attacker", a->epochs_attacker, "Attacker epochs (config's by default)");
  cmd->add_option("--seed", a->seed, "Attacker seed (config's by default)");
  cmd->add_flag("--no-progress", a->no_progress, "No progress bar");
  cmd->callback([a] {
    EvalOptions e;
    if (!a->strengths.empty()) e.strengths = parse_strengths(a->strengths);
    e.threads = a->threads;
    e.epochs_attacker = a->epochs_attacker;
    e.seed = a->seed;
    e.progress = !a->no_progress;
    PrivacyPipeline probe = PrivacyPipeline::load(a->model);  // fails early on a bad folder
    auto data = open_training_dataset(a->dataset, probe.image_size());
    const EvalReport r = evaluate(a->model, *data, e);
    if (!a->out.empty()) detail::write_file_atomically(a->out, r.to_json() + "\n");
    std::cout << r.table();
  });
}

}  // namespace ferguard::cli

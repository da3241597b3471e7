#include "ferguard/learn/train.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "detail/atomic_file.h"
#include "detail/check.h"
#include "learn/stages.h"

namespace ferguard {
namespace fs = std::filesystem;
using namespace learn;

namespace {

std::vector<std::pair<double, double>> strength_pairs(double low, double high, const std::vector<double>& sweep) {
  std::vector<std::pair<double, double>> out{{low, high}};
  for (double s : sweep) out.emplace_back(s, s);
  return out;
}

void write_report(const EvalReport& r, const std::string& dir) {
  detail::write_file_atomically((fs::path(dir) / "report.json").string(), r.to_json() + "\n");
}

nlohmann::json read_config(const std::string& dir) {
  const std::string path = (fs::path(dir) / "config.json").string();
  std::ifstream in(path);
  FERGUARD_CHECK_AS(in.good(), IoError, "model folder '{}': no config.json (is it a folder written by train?)", dir);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("model config '{}': corrupt ({})", path, e.what()));
  }
}

}  // namespace

EvalReport train(const FaceDataset& data, const std::string& out_dir, TrainOptions o) {
  o.validate();
  const auto t0 = std::chrono::steady_clock::now();
  ThreadGuard threads(o.threads);
  Communicator comm(o.distributed);
  if (comm.is_root()) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    FERGUARD_CHECK_AS(!ec && fs::is_directory(out_dir), IoError, "output folder '{}': cannot create ({})", out_dir,
                      ec.message());
  }
  LearnData d = load_data(data, o.image_size, o.val_fraction, o.seed, o.threads);
  if (comm.is_root()) {
    nlohmann::json config = learn::to_json(o);
    config["identities"] = d.identities;
    config["dataset"] = d.name;
    config["format"] = "ferguard-pipeline-1";
    detail::write_file_atomically((fs::path(out_dir) / "config.json").string(), config.dump(2) + "\n");
  }
  torch::manual_seed(derive_seed(o.seed, "torch"));
  Models m(o, d.identities);
  RunContext run{o, comm, out_dir};
  train_controllers(m, d, run);
  train_enhancers(m, d, run);
  train_compensator(m, d, run);
  train_fer(m, d, run);
  train_finetune(m, d, run);
  EvalReport r = evaluate_models(m, d, strength_pairs(o.strength_low, o.strength_high, o.sweep), run);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (comm.is_root()) write_report(r, out_dir);
  comm.barrier();
  return r;
}

EvalReport evaluate(const std::string& model_dir, const FaceDataset& data, EvalOptions e) {
  e.validate();
  const auto t0 = std::chrono::steady_clock::now();
  const nlohmann::json config = read_config(model_dir);
  TrainOptions o = train_options_from_json(config);
  if (e.epochs_attacker > 0) o.epochs_attacker = e.epochs_attacker;
  if (e.seed >= 0) o.seed = static_cast<std::uint64_t>(e.seed);
  if (e.threads >= 0) o.threads = e.threads;
  o.progress = e.progress;
  o.distributed = DistributedOptions{};
  ThreadGuard threads(o.threads);
  Communicator comm(o.distributed);
  LearnData d = load_data(data, o.image_size, o.val_fraction, o.seed, o.threads);
  const int identities = config.value("identities", 0);
  FERGUARD_CHECK_AS(identities == d.identities, InvalidArgument,
                    "dataset '{}': has {} identities, the model in '{}' was trained on {}", d.name, d.identities,
                    model_dir, identities);
  Models m(o, d.identities);
  load_trained(m, model_dir, o.epochs_finetune > 0);
  RunContext run{o, comm, ""};
  const auto pairs = e.strengths.empty() ? strength_pairs(o.strength_low, o.strength_high, o.sweep)
                                         : strength_pairs(o.strength_low, o.strength_high, e.strengths);
  EvalReport r = evaluate_models(m, d, pairs, run);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace ferguard

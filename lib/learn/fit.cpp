#include "learn/fit.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "detail/atomic_file.h"
#include "detail/check.h"
#include "learn/nets.h"

namespace ferguard::learn {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string clock_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

void save_optimizer(torch::optim::Optimizer& optimizer, const std::string& path) {
  const std::string tmp = path + ".tmp";
  torch::save(optimizer, tmp);
  fs::rename(tmp, path);
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  FERGUARD_CHECK_AS(out.good(), IoError, "metrics file '{}': cannot append", path);
  out << line << '\n';
}

// Copies of every parameter and buffer, to return to the best epoch without touching the disk.
std::vector<torch::Tensor> snapshot(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& t : module.parameters()) out.push_back(t.detach().clone());
  for (const auto& t : module.buffers()) out.push_back(t.detach().clone());
  return out;
}

void restore(torch::nn::Module& module, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  std::size_t k = 0;
  for (auto& t : module.parameters()) t.copy_(saved[k++]);
  for (auto& t : module.buffers()) t.copy_(saved[k++]);
}

}  // namespace

ProgressBar::ProgressBar(bool enabled, std::string name, int64_t total_steps)
    : enabled_(enabled), name_(std::move(name)), total_(std::max<int64_t>(total_steps, 1)), start_(Clock::now()),
      last_(start_ - std::chrono::seconds(1)) {}

void ProgressBar::update(int64_t done, int epoch, int epochs, double loss) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - last_ < std::chrono::milliseconds(200) && done < total_) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = static_cast<double>(done) / total_;
  const int filled = static_cast<int>(frac * 20);
  const std::string eta = done > 0 ? clock_text(elapsed / done * (total_ - done)) : "?";
  std::fprintf(stderr, "\r%-12s %d/%d [%s%s] %3d%% loss %.4f ETA %s   ", name_.c_str(), epoch + 1, epochs,
               std::string(filled, '#').c_str(), std::string(20 - filled, '-').c_str(),
               static_cast<int>(frac * 100), loss, eta.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish_epoch(int epoch, int epochs, double loss, double score, double seconds) {
  if (!enabled_) return;
  std::fprintf(stderr, "\r%-12s %d/%d loss %.4f val %.4f (%.1f s)%*s\n", name_.c_str(), epoch + 1, epochs, loss,
               score, seconds, 30, "");
  std::fflush(stderr);
}

void fit(const FitSpec& spec, RunContext& run) {
  const TrainOptions& o = run.options;
  torch::nn::Module& module = *spec.module;
  std::vector<torch::Tensor> params = module.parameters();
  const bool keep = !run.out_dir.empty();
  const fs::path dir(run.out_dir), ckpt = dir / "checkpoints";
  const std::string final_path = (dir / (spec.name + ".pt")).string();
  const std::string state_path = (ckpt / (spec.name + ".json")).string();
  const std::string last_path = (ckpt / (spec.name + ".last.pt")).string();
  const std::string best_path = (ckpt / (spec.name + ".best.pt")).string();
  const std::string optim_path = (ckpt / (spec.name + ".optim.pt")).string();

  nlohmann::json state = {{"epoch", -1}, {"best_score", -1e300}, {"best_epoch", -1}, {"done", false}};
  if (keep && o.resume && fs::exists(state_path)) {
    std::ifstream in(state_path);
    try {
      state = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw IoError(fmt::format("checkpoint '{}': corrupt ({})", state_path, e.what()));
    }
    if (state.value("done", false) && fs::exists(final_path)) {
      load_module(module, final_path);
      if (run.comm.is_root() && o.progress) std::fprintf(stderr, "%-12s done (loaded %s)\n", spec.name.c_str(), final_path.c_str());
      return;
    }
  }

  std::unique_ptr<torch::optim::Optimizer> made;
  if (o.optimizer == "sgd")
    made = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(o.learning_rate).momentum(0.9));
  else
    made = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.learning_rate));
  torch::optim::Optimizer& optimizer = *made;
  int start = state.value("epoch", -1) + 1;
  if (start > 0) {
    load_module(module, last_path);
    torch::load(optimizer, optim_path);
  }
  run.comm.broadcast(params);  // every rank starts from rank 0's weights
  double best_score = state.value("best_score", -1e300);
  int best_epoch = state.value("best_epoch", -1);
  if (keep && run.comm.is_root()) fs::create_directories(ckpt);

  const int64_t steps_per_epoch = BatchLoader(*spec.train, o.batch_size, 0, 0, 1).batches();
  ProgressBar bar(o.progress && run.comm.is_root(), spec.name, steps_per_epoch * (spec.epochs - start));
  int64_t done_steps = 0;
  std::vector<torch::Tensor> best;
  for (int epoch = start; epoch < spec.epochs; ++epoch) {
    const auto t0 = Clock::now();
    const double lr = o.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + std::cos(M_PI * epoch / spec.epochs)));
    for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
    module.train();
    BatchLoader loader(*spec.train, o.batch_size, derive_seed(o.seed, spec.name + "/order", epoch), run.comm.rank(),
                       run.comm.world_size());
    double loss_sum = 0.0;
    int64_t steps = 0;
    while (auto batch = loader.next()) {
      optimizer.zero_grad();
      torch::Tensor loss = spec.loss(*batch, epoch * steps_per_epoch + batch->index);
      loss.backward();
      run.comm.average_gradients(params);
      optimizer.step();
      loss_sum += loss.item<double>();
      ++steps;
      bar.update(++done_steps, epoch, spec.epochs, loss_sum / steps);
    }
    const double mean_loss = run.comm.sum(loss_sum / std::max<int64_t>(steps, 1)) / run.comm.world_size();
    module.eval();
    double score;
    {
      torch::NoGradGuard no_grad;
      score = spec.score();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    bar.finish_epoch(epoch, spec.epochs, mean_loss, score, seconds);
    const bool better = score > best_score;
    if (better) {
      best_score = score;
      best_epoch = epoch;
    }
    if (keep && run.comm.is_root()) {
      save_module(module, last_path);
      save_optimizer(optimizer, optim_path);
      if (better) save_module(module, best_path);
      state = {{"epoch", epoch}, {"best_score", best_score}, {"best_epoch", best_epoch}, {"done", false}};
      detail::write_file_atomically(state_path, state.dump());
      nlohmann::json line = {{"stage", spec.name}, {"epoch", epoch + 1}, {"epochs", spec.epochs}, {"loss", mean_loss},
                             {"val", score}, {"lr", lr}, {"seconds", seconds}, {"world_size", run.comm.world_size()}};
      append_line((dir / "metrics.jsonl").string(), line.dump());
    }
    if (better) best = snapshot(module);
    if (epoch - best_epoch >= o.patience) {
      if (o.progress && run.comm.is_root())
        std::fprintf(stderr, "%-12s early stop: no better val for %d epochs\n", spec.name.c_str(), o.patience);
      break;
    }
  }
  if (!best.empty()) restore(module, best);
  else if (keep && fs::exists(best_path)) load_module(module, best_path);  // resumed after the best epoch
  if (keep && run.comm.is_root()) {
    save_module(module, final_path);
    state["done"] = true;
    detail::write_file_atomically(state_path, state.dump());
  }
}

}  // namespace ferguard::learn

#include "ferguard/learn/pipeline.h"

#include <filesystem>
#include <fstream>
#include <mutex>

#include "detail/check.h"
#include "learn/stages.h"

namespace ferguard {
using namespace learn;

struct PrivacyPipeline::Impl {
  Impl(TrainOptions o, int identities) : options(std::move(o)), models(options, identities) {}
  TrainOptions options;
  Models models;
  int threads = 1;
  std::mutex mutex;

  torch::Tensor input(const Tensor4& images) const {
    const Shape4& s = images.shape();
    FERGUARD_CHECK(s.numel() > 0 && s.c == 3, "images: expected a non-empty Nx3xHxW batch, got {}", s.str());
    torch::Tensor x = torch::from_blob(const_cast<float*>(images.data()), {s.n, s.c, s.h, s.w}, torch::kFloat32);
    const int size = options.image_size;
    if (s.h != size || s.w != size)
      return torch::nn::functional::interpolate(
          x, torch::nn::functional::InterpolateFuncOptions()
                 .size(std::vector<int64_t>{size, size})
                 .mode(torch::kBilinear)
                 .align_corners(false));
    return x.clone();
  }
};

PrivacyPipeline::PrivacyPipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PrivacyPipeline::~PrivacyPipeline() = default;
PrivacyPipeline::PrivacyPipeline(PrivacyPipeline&&) noexcept = default;
PrivacyPipeline& PrivacyPipeline::operator=(PrivacyPipeline&&) noexcept = default;

PrivacyPipeline PrivacyPipeline::load(const std::string& dir, int threads) {
  detail::check_threads(threads, "threads");
  const std::string path = (std::filesystem::path(dir) / "config.json").string();
  std::ifstream in(path);
  FERGUARD_CHECK_AS(in.good(), IoError, "model folder '{}': no config.json", dir);
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("model config '{}': corrupt ({})", path, e.what()));
  }
  TrainOptions o = train_options_from_json(config);
  const int identities = config.value("identities", 0);
  FERGUARD_CHECK_AS(identities >= 2, ModelError, "model config '{}': expected identities >= 2, got {}", path,
                    identities);
  ThreadGuard guard(threads);
  auto impl = std::make_unique<Impl>(o, identities);
  impl->threads = threads;
  load_trained(impl->models, dir, o.epochs_finetune > 0);
  return PrivacyPipeline(std::move(impl));
}

Tensor4 PrivacyPipeline::privatize(const Tensor4& images) const {
  return privatize(images, impl_->options.strength_low, impl_->options.strength_high);
}

Tensor4 PrivacyPipeline::privatize(const Tensor4& images, double strength_low, double strength_high) const {
  FERGUARD_CHECK(strength_low >= 0.0 && strength_low <= 1.0 && strength_high >= 0.0 && strength_high <= 1.0,
                 "strengths: expected values in [0, 1], got {} and {}", strength_low, strength_high);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  ThreadGuard guard(impl_->threads);
  torch::Tensor z = privatize_all(impl_->models, impl_->input(images), strength_low, strength_high).contiguous();
  Tensor4 out({static_cast<int>(z.size(0)), 3, static_cast<int>(z.size(2)), static_cast<int>(z.size(3))});
  std::memcpy(out.data(), z.data_ptr<float>(), out.shape().numel() * sizeof(float));
  return out;
}

std::vector<ExpressionPrediction> PrivacyPipeline::predict(const Tensor4& images) const {
  Tensor4 priv = privatize(images);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  ThreadGuard guard(impl_->threads);
  const Shape4& s = priv.shape();
  torch::Tensor x = torch::from_blob(priv.data(), {s.n, s.c, s.h, s.w}, torch::kFloat32);
  torch::Tensor p = torch::softmax(logits_of(impl_->models.f_u, x), 1).contiguous();
  std::vector<ExpressionPrediction> out(static_cast<std::size_t>(s.n));
  auto a = p.accessor<float, 2>();
  for (int i = 0; i < s.n; ++i) {
    int best = 0;
    for (int c = 0; c < kNumExpressions; ++c) {
      out[i].probabilities[c] = a[i][c];
      if (a[i][c] > a[i][best]) best = c;
    }
    out[i].label = static_cast<Expression>(best);
  }
  return out;
}

int PrivacyPipeline::image_size() const { return impl_->options.image_size; }
double PrivacyPipeline::strength_low() const { return impl_->options.strength_low; }
double PrivacyPipeline::strength_high() const { return impl_->options.strength_high; }

}  // namespace ferguard

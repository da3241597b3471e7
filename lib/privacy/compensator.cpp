// The feature compensator: LibTorch autograd through ferguard's expression model, FFTW high-band projection.
#include "privacy/compensator.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

#include "detail/check.h"
#include "model/activations.h"
#include "model/differentiable.h"
#include "model/torch_runtime.h"
#include "privacy/face_region.h"

namespace ferguard::detail {

namespace {

// A Gaussian (sigma 2 pixels) for each of 3 channels, 3x1x9x9.
at::Tensor smoothing_kernel() {
  const at::Tensor g = at::exp(-at::pow(at::arange(-4, 5, at::kFloat), 2) / 8.0);
  const at::Tensor k = (g.view({9, 1}) * g.view({1, 9})) / (g.sum() * g.sum());
  return k.view({1, 1, 9, 9}).repeat({3, 1, 1, 1});
}

}  // namespace

struct Compensator::Impl {
  std::shared_ptr<const DifferentiableModel> expression;
  FrequencySplitter splitter;
  int threads;
  CompensatorTuning tuning;
  at::Tensor kernel = smoothing_kernel();
  ActivationPool pool;  // activations of the expression model's passes that need no gradient (activations.h)

  at::Tensor high(const at::Tensor& t) const { return t - canvas_to_at(splitter.lowpass(at_to_canvas(t))); }
  // The change is shading of the expression's edges, not pixel noise. Symmetric, so its own adjoint in the step.
  at::Tensor smooth(const at::Tensor& t) const { return at::conv2d(t, kernel, {}, 1, 4, 1, 3); }
};

Compensator::Compensator(std::shared_ptr<const DifferentiableModel> expression, SplitOptions split, int threads,
                         CompensatorTuning tuning)
    : impl_(std::make_unique<Impl>(Impl{std::move(expression), FrequencySplitter(split), threads, tuning,
                                                                  smoothing_kernel(), {}})) {
  FERGUARD_CHECK(impl_->expression != nullptr, "compensator: expected an expression model");
}

Compensator::~Compensator() = default;

Compensation Compensator::run(const Tensor4& original, const std::vector<Point2f>& original_landmarks,
                              const Tensor4& published, const std::vector<Point2f>& published_landmarks,
                              const std::vector<float>& limit, float strength, int steps,
                              const Tensor4* start) const {
  const Shape4& s = published.shape();
  FERGUARD_CHECK(original.shape() == s && s.n == 1 && s.c == 3 && s.h == s.w && limit.size() == s.plane(),
                 "compensator: canvases {} and {} with a limit of {}", original.shape().str(), s.str(), limit.size());
  const Impl& im = *impl_;
  ScopedTorchThreads threads(im.threads);
  ActivationScope scope(im.pool);
  const DifferentiableModel& model = *im.expression;
  const int side = s.w;
  // Both distributions are read where ferguard reads the published face: at the original's crop.
  const CropSpec spec = model.crop(original_landmarks);

  at::Tensor p0, logp0;
  {
    at::NoGradGuard no_grad;
    logp0 = model.forward(resample_crop(canvas_to_at(original) * 255.0, spec.box, spec, model.input_size()));
    p0 = logp0.exp();
  }
  const std::int64_t top = logp0.argmax(1).item<std::int64_t>();
  at::Tensor others = at::ones_like(logp0, at::kBool);
  others.index_put_({0, top}, false);

  // The change lives in the high band of the expression regions, inside the published face.
  std::vector<float> region = expression_mask(published_landmarks, side);
  for (std::size_t k = 0; k < region.size(); ++k) region[k] *= limit[k];
  const at::Tensor m = at::from_blob(region.data(), {1, 1, side, side}, at::kFloat).clone();
  const float area = std::max(1e-3f, m.mean().item<float>());
  const float budget = im.tuning.budget * strength;

  const at::Tensor y = canvas_to_at(published);
  at::Tensor u = at::zeros_like(y), d = at::zeros_like(y);
  Compensation out;
  // d = P(smooth(m u)), scaled back into the RMS budget over the region (u with it).
  auto project = [&] {
    d = im.high(im.smooth(m * u));
    const float r = d.square().mean().sqrt().item<float>() / std::sqrt(area);
    if (r > budget) {
      u = u * (budget / r);
      d = d * (budget / r);
    }
  };
  if (start && !start->empty() && budget > 0.0f) {
    FERGUARD_CHECK(start->shape() == s, "compensator: a start state of {} for a canvas of {}", start->shape().str(),
                   s.str());
    u = canvas_to_at(*start);
    project();
    out.changed = d.abs().max().item<float>() > 0.0f;
  }
  const bool warm = out.changed;
  at::Tensor x;
  for (int k = 0;; ++k) {
    x = (y + d).clamp(0.0, 1.0).detach().requires_grad_(true);
    const at::Tensor logp = model.forward(resample_crop(x * 255.0, spec.box, spec, model.input_size()));
    const at::Tensor kl = (p0 * (logp0 - logp)).sum();
    const at::Tensor gap = logp.index({0, top}) - logp.masked_select(others).max();
    out.steps = k;
    // From scratch: the top class with a margin and the distribution back (KL). From a start state (a video track's
    // previous frame): the top class, so that a track whose expression holds keeps its change as it is (no flicker).
    const bool settled = warm ? gap.item<float>() > 0.0f
                              : gap.item<float>() >= im.tuning.top_margin && kl.item<float>() < 0.02f;
    if (k >= steps || budget <= 0.0f || settled) break;
    const at::Tensor objective = kl + im.tuning.top_weight * at::relu(im.tuning.top_margin - gap);
    at::Tensor grad = torch::autograd::grad({objective}, {x})[0];
    if (im.tuning.luminance) grad = grad.mean(1, true).expand_as(grad).contiguous();
    // A normalised step of u along -m * P(g), then u scaled back into the RMS budget over the region.
    const at::Tensor gu = m * im.smooth(im.high(grad));
    const float n = gu.square().mean().sqrt().item<float>() / std::sqrt(area);
    if (!(n > 0.0f)) break;
    u = u - gu * (budget / n);
    project();
    out.changed = true;
  }
  out.canvas = at_to_canvas(x);
  out.state = at_to_canvas(u);
  return out;
}

}  // namespace ferguard::detail

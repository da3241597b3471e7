// The per-face optimisation: LibTorch autograd through the controllers, FFTW band projection of every update.
#include "privacy/adversarial.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "detail/check.h"
#include "detail/hash_rng.h"
#include "model/activations.h"
#include "model/differentiable.h"
#include "model/torch_runtime.h"
#include "privacy/face_region.h"

namespace ferguard::detail {
namespace {

constexpr std::size_t kCandidates = 4;  // the best checked iterate and up to three alternatives

at::Tensor plane_tensor(const std::vector<float>& m, int side) {
  return at::from_blob(const_cast<float*>(m.data()), {1, 1, side, side}, at::kFloat).clone();
}

FaceBox jittered(const FaceBox& b, CounterRng& rng, float amount) {
  if (amount <= 0.0f) return b;
  const float s = 1.0f + float(rng.sym(amount));
  const float dx = float(rng.sym(amount)) * b.width, dy = float(rng.sym(amount)) * b.height;
  const float w = b.width * s, h = b.height * s;
  return {b.x + 0.5f * (b.width - w) + dx, b.y + 0.5f * (b.height - h) + dy, w, h};
}

at::Tensor rms(const at::Tensor& t) { return t.square().mean().sqrt(); }

}  // namespace

struct Privatizer::Impl {
  std::vector<std::shared_ptr<const DifferentiableRecognizer>> controllers;
  std::shared_ptr<const DifferentiableModel> expression;
  FrequencySplitter splitter;
  int threads;
  PrivatizerTuning tuning;
  ActivationPool pool;  // activations of the models' passes that need no gradient (activations.h)

  // Low band of a 1x3xSxS tensor through the FFTW splitter.
  at::Tensor lowpass(const at::Tensor& g) const { return canvas_to_at(splitter.lowpass(at_to_canvas(g))); }

  // Onto the band: the low or the high band of the FFTW split.
  at::Tensor project(const at::Tensor& t, bool low) const {
    const at::Tensor l = lowpass(t);
    return low ? l : t - l;
  }

  // One stream's change d = P(region * u): u is free, region confines it and P (this stream's band of the FFTW split,
  // the spectrum times H or 1 - H) puts it in the band, so d is in the band by construction, never re-filtered.
  struct Stream {
    at::Tensor u, d;
    at::Tensor region;
    float area;  // region's mean over the canvas
    bool low;
  };

  Stream stream(const at::Tensor& u, const at::Tensor& region, bool low) const {
    Stream st{u, at::Tensor(), region, std::max(1e-3f, region.mean().item<float>()), low};
    st.d = project(region * u, low);
    return st;
  }

  // One normalised step of u along -dL/du = -region * P(g) (P is self-adjoint; `pg` is P(g), the gradient already
  // projected onto this stream's band), then u scaled back so that d is in the ball of radius `budget`, RMS over the
  // region: a budget is the typical change of a pixel of the region.
  void step(Stream& st, const at::Tensor& pg, float size, float budget) const {
    if (budget <= 0.0f) return;
    const at::Tensor gu = st.region * pg;
    const float n = rms(gu).item<float>() / std::sqrt(st.area);
    if (!(n > 0.0f)) return;
    st.u = st.u - gu * (size / n);
    st.d = project(st.region * st.u, st.low);
    const float r = rms(st.d).item<float>() / std::sqrt(st.area);
    if (r > budget) {
      st.u = st.u * (budget / r);
      st.d = st.d * (budget / r);
    }
  }
};

Privatizer::Privatizer(std::vector<std::shared_ptr<const DifferentiableRecognizer>> controllers,
                       std::shared_ptr<const DifferentiableModel> expression, SplitOptions split, int threads,
                       PrivatizerTuning tuning)
    : impl_(std::make_unique<Impl>(Impl{std::move(controllers), std::move(expression),
                                        FrequencySplitter(split), threads, tuning, {}})) {
  FERGUARD_CHECK(!impl_->controllers.empty(), "privatizer: expected at least one identity controller");
  FERGUARD_CHECK(impl_->expression != nullptr, "privatizer: expected an expression controller");
}

Privatizer::~Privatizer() = default;

PrivatizeOutcome Privatizer::run(const PrivatizeRequest& rq, PrivatizerState* state) const {
  const Shape4& s = rq.canvas.shape();
  FERGUARD_CHECK(s.n == 1 && s.c == 3 && s.h == s.w && s.h >= 16, "privatizer canvas: expected 1x3xSxS, S >= 16, got {}",
                 s.str());
  FERGUARD_CHECK(rq.steps >= 0, "privatizer steps: expected >= 0, got {}", rq.steps);
  const Impl& im = *impl_;
  const PrivatizerTuning& tu = im.tuning;
  const int side = s.w;
  ScopedTorchThreads threads(im.threads);
  ActivationScope scope(im.pool);

  const at::Tensor x0 = canvas_to_at(rq.canvas);
  FERGUARD_CHECK(rq.reference.empty() || rq.reference.shape() == s, "privatizer reference: expected {}, got {}", s.str(),
                 rq.reference.shape().str());
  const at::Tensor reference = rq.reference.empty() ? x0 : canvas_to_at(rq.reference);
  const at::Tensor mask = plane_tensor(face_mask(rq.landmarks, side), side);
  const at::Tensor feature_mask = plane_tensor(expression_mask(rq.landmarks, side), side) * mask;

  // Every model's crop box in canvas coordinates, from the canvas landmarks.
  std::vector<CropSpec> specs;
  for (const auto& c : im.controllers) specs.push_back(c->crop(rq.landmarks));
  const CropSpec expr_spec = im.expression->crop(rq.landmarks);

  std::vector<at::Tensor> e0;
  at::Tensor logp0;
  {
    at::NoGradGuard no_grad;
    for (std::size_t i = 0; i < im.controllers.size(); ++i)
      e0.push_back(im.controllers[i]->forward(
          resample_crop(reference * 255.0, specs[i].box, specs[i], im.controllers[i]->input_size())));
    logp0 = im.expression->forward(
        resample_crop(reference * 255.0, expr_spec.box, expr_spec, im.expression->input_size()));
  }
  const at::Tensor p0 = logp0.exp();
  const std::int64_t top = logp0.argmax(1).item<std::int64_t>();
  at::Tensor others = at::ones_like(logp0, at::kBool);
  others.index_put_({0, top}, false);

  auto init = [&](const Tensor4* t) { return t && t->shape() == s ? canvas_to_at(*t) : at::zeros_like(x0); };
  Impl::Stream low = im.stream(init(state ? &state->low : nullptr), mask, true);
  Impl::Stream high = im.stream(init(state ? &state->high : nullptr), mask, false);
  Impl::Stream comp = im.stream(init(state ? &state->compensation : nullptr), feature_mask, false);
  const float b_low = tu.budget_low * rq.strength_low, b_high = tu.budget_high * rq.strength_high;
  const float b_comp = tu.budget_compensation * rq.compensate;
  const float target = 1.0f + std::max(rq.strength_low, rq.strength_high);
  const bool enhance = b_low > 0.0f || b_high > 0.0f;

  PrivatizeOutcome out;
  out.controller_distance.assign(im.controllers.size(), 0.0f);
  CounterRng rng(hash_tuple(rq.seed, 0x70726976ull));
  // Phase 1 (steps): enhancers and compensator together. Phase 2 (compensation_steps): the compensator alone, on
  // the expression controller only (cheap); the identity controllers look again every 4th step and at the end.
  //
  // The steps are normalised, so neither the KL nor the identity distances move monotonically (measured: the KL
  // jumps between 0.002 and 5 from one step to the next). The result is therefore the best iterate the identity
  // controllers checked from the end of phase 1 on, including the last step's result: the lowest identity loss
  // among those that keep the original's top class, else the lowest identity loss. The next best few are returned
  // as alternatives, so that the caller can check the expression in the published form (pasted back and re-cropped,
  // which moves a fragile label). The compensator's steps shrink linearly to a quarter over phase 2 so that its
  // iterates settle.
  const int total = rq.steps + (b_comp > 0.0f ? rq.compensation_steps : 0);
  struct Candidate {
    float key;
    at::Tensor low_u, high_u, comp_u, x;
    std::vector<float> distance;
    int steps;
    float kl_value;
  };
  std::vector<Candidate> ranked;  // best first, at most kCandidates
  for (int k = 0; k <= total && (enhance || b_comp > 0.0f); ++k) {
    const bool phase1 = k < rq.steps;
    const bool last = k == total;  // evaluation only: the result of the final step
    // Without enhancement there is no identity change to reach or keep: the compensator then only follows the
    // expression (and finds nothing to restore), so strength 0 leaves the face unchanged.
    const bool watch = enhance && (phase1 || last || (k - rq.steps) % 4 == 3);
    const at::Tensor x = (x0 + low.d + high.d + comp.d).clamp(0.0, 1.0).detach().requires_grad_(true);
    const at::Tensor x255 = x * 255.0;
    at::Tensor id_loss = at::zeros({}, at::kFloat);
    bool met = true;
    if (watch) {
      for (std::size_t i = 0; i < im.controllers.size(); ++i) {
        const auto& c = *im.controllers[i];
        const at::Tensor e =
            c.forward(resample_crop(x255, jittered(specs[i].box, rng, tu.jitter), specs[i], c.input_size()));
        const at::Tensor d = c.distance(e, e0[i]).sum();
        out.controller_distance[i] = d.item<float>();
        if (out.controller_distance[i] < target * c.threshold()) met = false;
        id_loss = id_loss + at::relu(target * c.threshold() - d) / c.threshold();
      }
    }
    const at::Tensor logp =
        im.expression->forward(resample_crop(x255, expr_spec.box, expr_spec, im.expression->input_size()));
    const at::Tensor kl = (p0 * (logp0 - logp)).sum();
    out.kl = kl.item<float>();
    out.steps_run = std::min(k + 1, total);
    // The original's top class must stay on top by a margin (the KL alone lets ambiguous faces flip).
    const at::Tensor gap = logp.index({0, top}) - logp.masked_select(others).max();
    const bool agrees = gap.item<float>() > 0.0f;
    const at::Tensor objective = kl + tu.top_weight * at::relu(tu.top_margin - gap);
    // Ranking of the checked iterates: those that keep the top class first, then the lowest identity loss (the
    // lowest KL when nothing is enhanced).
    const float id_value = id_loss.item<float>();
    const float key = (enhance ? id_value : out.kl) + (agrees ? 0.0f : 1e6f);
    const bool candidate = enhance ? watch && k >= rq.steps - 1 : true;
    if (candidate && (ranked.size() < kCandidates || key < ranked.back().key)) {
      Candidate c{key, low.u.clone(), high.u.clone(), comp.u.clone(), x.detach().clone(), out.controller_distance,
                  out.steps_run, out.kl};
      const auto pos = std::upper_bound(ranked.begin(), ranked.end(), key,
                                        [](float v, const Candidate& r) { return v < r.key; });
      ranked.insert(pos, std::move(c));
      if (ranked.size() > kCandidates) ranked.pop_back();
    }
    // Stop early only on a checked iterate that meets every target.
    if (last || ((watch || !enhance) && met && agrees && (b_comp <= 0.0f || out.kl < 0.005f))) break;

    const at::Tensor g_id = met ? at::zeros_like(x) : torch::autograd::grad({id_loss}, {x}, {}, true)[0];
    const at::Tensor g_kl =
        b_comp > 0.0f || tu.enhancer_kl > 0.0f ? torch::autograd::grad({objective}, {x})[0] : at::zeros_like(x);
    if (phase1 && !met && enhance) {
      const at::Tensor g = g_id + tu.enhancer_kl * g_kl;
      const at::Tensor g_low = im.lowpass(g);  // one FFT pair serves both bands
      im.step(low, g_low, tu.step * b_low, b_low);
      im.step(high, g - g_low, tu.step * b_high, b_high);
    }
    if (b_comp > 0.0f) {
      // The compensator restores the expression; the identity controllers keep it from restoring the identity.
      const at::Tensor g = g_kl + (met ? 0.0 : 1.0) * g_id;
      const float decay = phase1 ? 1.0f
                                 : 1.0f - 0.75f * static_cast<float>(k - rq.steps) /
                                              static_cast<float>(std::max(1, rq.compensation_steps - 1));
      im.step(comp, im.project(g, /*low=*/false), tu.step * decay * b_comp, b_comp);
    }
  }
  if (!ranked.empty()) {
    const Candidate& best = ranked.front();
    out.delta = at_to_canvas(best.x - x0);
    out.kl = best.kl_value;
    out.controller_distance = best.distance;
    out.steps_run = best.steps;
    low.u = best.low_u;
    high.u = best.high_u;
    comp.u = best.comp_u;
    for (std::size_t i = 1; i < ranked.size(); ++i) {
      out.alternatives.push_back(at_to_canvas(ranked[i].x - x0));
      out.alternative_states.push_back({at_to_canvas(ranked[i].low_u), at_to_canvas(ranked[i].high_u), at_to_canvas(ranked[i].comp_u)});
    }
  } else {
    out.delta = at_to_canvas((x0 + low.d + high.d + comp.d).clamp(0.0, 1.0) - x0);
  }
  if (state) {
    state->low = at_to_canvas(low.u);
    state->high = at_to_canvas(high.u);
    state->compensation = at_to_canvas(comp.u);
  }
  return out;
}

}  // namespace ferguard::detail

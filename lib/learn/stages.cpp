#include "learn/stages.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "detail/check.h"

namespace ferguard::learn {
namespace F = torch::nn::functional;

namespace {

constexpr int64_t kInferenceBatch = 128;

template <typename M, typename... Args>
M seeded(std::uint64_t seed, const std::string& name, Args&&... args) {
  torch::manual_seed(derive_seed(seed, "init/" + name));
  return M(std::forward<Args>(args)...);
}

// Soft targets of the identity controllers: uniform over the identities of the sample's group at its strength
// (one-hot at s = 0, uniform over all at s = 1).
torch::Tensor group_targets(const torch::Tensor& identity, const torch::Tensor& strength, int n) {
  const int64_t b = identity.size(0);
  torch::Tensor t = torch::zeros({b, n});
  auto ta = t.accessor<float, 2>();
  auto id = identity.accessor<int64_t, 1>();
  auto s = strength.accessor<float, 1>();
  for (int64_t i = 0; i < b; ++i) {
    const int g = identity_groups(s[i], n);
    const int count = (n - 1 - static_cast<int>(id[i] % g)) / g + 1;
    for (int j = static_cast<int>(id[i] % g); j < n; j += g) ta[i][j] = 1.0f / count;
  }
  return t;
}

torch::Tensor soft_cross_entropy(const torch::Tensor& logits, const torch::Tensor& target) {
  return -(target * torch::log_softmax(logits, 1)).sum(1).mean();
}

// Per-sample strengths of one global batch, sliced to this rank: half at the trained strengths, half at a
// grid value shared by both streams (so one conditioned model covers the sweep).
std::pair<torch::Tensor, torch::Tensor> sample_strengths(const TrainOptions& o, const Batch& b, const std::string& name,
                                                         int64_t step) {
  std::mt19937_64 rng(derive_seed(o.seed, name + "/strength", static_cast<std::uint64_t>(step)));
  std::uniform_int_distribution<std::size_t> pick(0, o.strength_grid.size() - 1);
  std::vector<float> low(static_cast<std::size_t>(b.global_size)), high(low.size());
  for (std::size_t i = 0; i < low.size(); ++i) {
    const bool trained = (rng() & 1u) == 0;
    const double g = o.strength_grid[pick(rng)];
    low[i] = static_cast<float>(trained ? o.strength_low : g);
    high[i] = static_cast<float>(trained ? o.strength_high : g);
  }
  const int64_t n = b.images.size(0);
  return {torch::from_blob(low.data() + b.offset, {n}, torch::kFloat32).clone(),
          torch::from_blob(high.data() + b.offset, {n}, torch::kFloat32).clone()};
}

// Per (strength, expression, identity group) mean of a clean stream over the training set: what a stream
// enhanced at that strength is pulled towards (see docs/learned_pipeline.md).
class Templates {
 public:
  Templates(const torch::Tensor& stream, const TensorSet& train, int identities, std::vector<double> strengths)
      : identities_(identities) {
    for (double s : strengths) {
      if (s <= 0.0 || tables_.count(key(s))) continue;
      const int g = identity_groups(s, identities);
      torch::Tensor slot = train.expression * g + train.identity.remainder(g);
      torch::Tensor sum = torch::zeros({kNumExpressions * g, stream.size(1), stream.size(2), stream.size(3)});
      sum.index_add_(0, slot, stream);
      torch::Tensor count = torch::zeros({kNumExpressions * g}).index_add_(0, slot, torch::ones({stream.size(0)}));
      // An empty slot (no train sample of that expression in that group) falls back to the expression mean.
      torch::Tensor expr_sum = torch::zeros({kNumExpressions, stream.size(1), stream.size(2), stream.size(3)})
                                   .index_add_(0, train.expression, stream);
      torch::Tensor expr_count =
          torch::zeros({kNumExpressions}).index_add_(0, train.expression, torch::ones({stream.size(0)})).clamp_min(1);
      torch::Tensor expr_mean = expr_sum / expr_count.reshape({-1, 1, 1, 1});
      torch::Tensor fallback = expr_mean.repeat_interleave(g, 0);
      torch::Tensor empty = (count == 0).reshape({-1, 1, 1, 1});
      tables_[key(s)] = torch::where(empty, fallback, sum / count.clamp_min(1).reshape({-1, 1, 1, 1}));
    }
  }

  /// Template of each sample (zeros for s = 0, which has none).
  torch::Tensor lookup(const torch::Tensor& identity, const torch::Tensor& expression, const torch::Tensor& strength,
                       const torch::Tensor& like) const {
    std::vector<torch::Tensor> rows;
    auto s = strength.accessor<float, 1>();
    for (int64_t i = 0; i < identity.size(0); ++i) {
      if (s[i] <= 0.0f) {
        rows.push_back(torch::zeros_like(like[i]));
        continue;
      }
      auto it = tables_.find(key(s[i]));
      FERGUARD_CHECK_AS(it != tables_.end(), ModelError, "enhancer templates: no table for strength {}", s[i]);
      const int g = identity_groups(s[i], identities_);
      rows.push_back(it->second[expression[i].item<int64_t>() * g + identity[i].item<int64_t>() % g]);
    }
    return torch::stack(rows);
  }

 private:
  static long key(double s) { return std::lround(s * 1e6); }
  int identities_;
  std::map<long, torch::Tensor> tables_;
};

// Stage-1 loss of one stream (README.md): controller privacy + template invariance + change at s = 0.
torch::Tensor stream_loss(const TrainOptions& o, Classifier& controller, const Templates& templates,
                          const torch::Tensor& out, const torch::Tensor& in, const Batch& b,
                          const torch::Tensor& strength, int identities) {
  torch::Tensor privacy = soft_cross_entropy(controller->forward(out), group_targets(b.identity, strength, identities));
  torch::Tensor on = (strength > 0).to(torch::kFloat32);
  torch::Tensor per_inv = (out - templates.lookup(b.identity, b.expression, strength, out)).pow(2).mean({1, 2, 3});
  torch::Tensor per_change = (out - in).pow(2).mean({1, 2, 3});
  torch::Tensor invariance = (per_inv * on).mean();
  torch::Tensor change = (per_change * (1 - on)).mean();
  return o.loss.privacy * privacy + o.loss.invariance * invariance + o.loss.change * change;
}

void freeze(torch::nn::Module& m) {
  for (auto& p : m.parameters()) p.set_requires_grad(false);
  m.eval();
}

void unfreeze(torch::nn::Module& m) {
  for (auto& p : m.parameters()) p.set_requires_grad(true);
}

// What enhancers.pt holds: the U-Nets, and the template banks when the run uses them.
struct EnhancersImpl : torch::nn::Module {
  explicit EnhancersImpl(Privatizer& p) {
    e_low = register_module("e_low", p->e_low);
    e_high = register_module("e_high", p->e_high);
    if (p->kind == EnhancerKind::templates) {
      register_module("t_low", p->t_low);
      register_module("t_high", p->t_high);
    }
  }
  UNet e_low{nullptr}, e_high{nullptr};
};
TORCH_MODULE(Enhancers);

// What the fine-tune trains (finetune.pt): the privatizer's networks and F_u. Template banks are fitted, not
// trained, so with them only the compensator and F_u are.
struct EndToEndImpl : torch::nn::Module {
  EndToEndImpl(Privatizer p, Classifier f) {
    if (p->kind == EnhancerKind::templates)
      register_module("compensator", p->compensator);
    else
      register_module("privatizer", p);
    f_u = register_module("f_u", f);
  }
  Classifier f_u{nullptr};
};
TORCH_MODULE(EndToEnd);

torch::Tensor batched(const torch::Tensor& images, const std::function<torch::Tensor(const torch::Tensor&)>& fn) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += kInferenceBatch)
    parts.push_back(fn(images.slice(0, i, std::min(images.size(0), i + kInferenceBatch))));
  return torch::cat(parts);
}

// Calls fn on consecutive slices of at most kInferenceBatch samples of `set`.
void for_each_chunk(const TensorSet& set, const std::function<void(const TensorSet&)>& fn) {
  for (int64_t i = 0; i < set.size(); i += kInferenceBatch)
    fn(set.select(torch::arange(i, std::min(set.size(), i + kInferenceBatch))));
}

// The validator's cross-entropy against the identity-group target at strength s: the privacy term of the stages
// after the enhancers.
torch::Tensor validator_privacy(Models& m, const torch::Tensor& z, const torch::Tensor& identity,
                                const torch::Tensor& strength) {
  return soft_cross_entropy(m.validator->forward(z), group_targets(identity, strength, m.identities));
}

double accuracy(const torch::Tensor& logits, const torch::Tensor& truth) {
  return logits.argmax(1).eq(truth).to(torch::kFloat64).mean().item<double>();
}

// The enhancer losses over a whole set at the trained strengths (the stage-1 validation score is minus this).
struct StageOneLoss {
  Models& m;
  const TrainOptions& o;
  const Templates& t_low;
  const Templates& t_high;
  torch::Tensor operator()(const Batch& b, const torch::Tensor& s_low, const torch::Tensor& s_high) const {
    auto [low, high] = m.splitter.split(b.images);
    torch::Tensor small = m.privatizer->low_input(low);
    torch::Tensor small_out = m.privatizer->e_low->forward(small, s_low);
    torch::Tensor out_high = m.privatizer->e_high->forward(high, s_high);
    torch::Tensor recombined = m.privatizer->low_output(low, small, small_out) + out_high;
    torch::Tensor expression = F::cross_entropy(m.c_fc->forward(recombined), b.expression);
    return stream_loss(o, m.c_low, t_low, small_out, small, b, s_low, m.identities) +
           stream_loss(o, m.c_high, t_high, out_high, high, b, s_high, m.identities) +
           o.loss.expression * expression;
  }
};

std::vector<double> template_strengths(const TrainOptions& o) {
  std::vector<double> s = o.strength_grid;
  s.push_back(o.strength_low);
  s.push_back(o.strength_high);
  return s;
}

}  // namespace

int low_factor(const TrainOptions& o) { return o.image_size >= 32 ? 2 : 1; }

int identity_groups(double strength, int identities) {
  const double s = std::clamp(strength, 0.0, 1.0);
  return static_cast<int>(std::lround((1.0 - s) * (identities - 1))) + 1;
}

Models::Models(const TrainOptions& o, int n)
    : splitter(o.split, o.split_options), identities(n) {
  c_low = seeded<Classifier>(o.seed, "c_low", 3, n, o.classifier_width);
  c_high = seeded<Classifier>(o.seed, "c_high", 3, n, o.classifier_width);
  validator = seeded<Classifier>(o.seed, "validator", 3, n, o.classifier_width);
  c_fc = seeded<Classifier>(o.seed, "c_fc", 3, kNumExpressions, o.classifier_width);
  f_u = seeded<Classifier>(o.seed, "f_u", 3, kNumExpressions, o.classifier_width);
  privatizer = seeded<Privatizer>(o.seed, "privatizer", o.unet_width, low_factor(o), o.enhancer, n, o.image_size);
  template_temperature = o.template_temperature;
}

torch::Tensor enhance(Models& m, const torch::Tensor& x, const torch::Tensor& s_low, const torch::Tensor& s_high) {
  auto [low, high] = m.splitter.split(x);
  if (m.privatizer->kind == EnhancerKind::unet) return m.privatizer->enhance(low, high, s_low, s_high);
  // The controllers steer the templates: C_fc's expression probabilities mix them, C_low and C_high pick each
  // stream's identity group. Only their outputs (not the face) reach the enhanced streams.
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = m.c_fc->forward(x);
  const torch::Tensor p = m.template_temperature > 0.0
                              ? torch::softmax(logits / m.template_temperature, 1)
                              : torch::one_hot(logits.argmax(1), kNumExpressions).to(torch::kFloat32);
  const torch::Tensor id_low = m.c_low->forward(m.privatizer->low_input(low)).argmax(1);
  const torch::Tensor id_high = m.c_high->forward(high).argmax(1);
  return m.privatizer->enhance_templates(low, high, s_low, s_high, p, id_low, id_high);
}

torch::Tensor privatize(Models& m, const torch::Tensor& x, const torch::Tensor& s_low, const torch::Tensor& s_high) {
  const torch::Tensor y = enhance(m, x, s_low, s_high), s = torch::minimum(s_low, s_high);
  const torch::Tensor z = m.privatizer->compensator->forward(y, s);
  if (m.privatizer->kind == EnhancerKind::unet) return z;
  // After templates the compensator's change scales with the strength: at 0 the face passes unchanged.
  return y + s.reshape({-1, 1, 1, 1}) * (z - y);
}

torch::Tensor privatize_all(Models& m, const torch::Tensor& images, double s_low, double s_high) {
  return batched(images, [&](const torch::Tensor& x) {
    return privatize(m, x, torch::full({x.size(0)}, s_low), torch::full({x.size(0)}, s_high));
  });
}

torch::Tensor logits_of(Classifier& c, const torch::Tensor& images) {
  c->eval();
  return batched(images, [&](const torch::Tensor& x) { return c->forward(x); });
}

Classifier train_classifier(const std::string& name, const TensorSet& train, const TensorSet& val, bool identity,
                            int classes, int epochs, RunContext& run,
                            const std::function<torch::Tensor(const torch::Tensor&)>& input) {
  const TrainOptions& o = run.options;
  Classifier c = seeded<Classifier>(o.seed, name, 3, classes, o.classifier_width);
  auto in = input ? input : [](const torch::Tensor& x) { return x; };
  torch::Tensor val_x = batched(val.images, in);
  const torch::Tensor& val_y = identity ? val.identity : val.expression;
  FitSpec spec{name, c.ptr().get(), &train, epochs,
               [&](const Batch& b, int64_t) {
                 torch::Tensor x;
                 {
                   torch::NoGradGuard no_grad;
                   x = in(b.images);
                 }
                 return F::cross_entropy(c->forward(x), identity ? b.identity : b.expression);
               },
               [&] { return accuracy(logits_of(c, val_x), val_y); }};
  fit(spec, run);
  freeze(*c);
  return c;
}

void train_controllers(Models& m, const LearnData& d, RunContext& run) {
  const int n = d.identities, e = run.options.epochs_controllers;
  auto low = [&](const torch::Tensor& x) { return m.privatizer->low_input(m.splitter.split(x).first); };
  auto high = [&](const torch::Tensor& x) { return m.splitter.split(x).second; };
  m.c_low = train_classifier("c_low", d.train, d.val, true, n, e, run, low);
  m.c_high = train_classifier("c_high", d.train, d.val, true, n, e, run, high);
  m.validator = train_classifier("validator", d.train, d.val, true, n, e, run);
  m.c_fc = train_classifier("c_fc", d.train, d.val, false, kNumExpressions, e, run);
}

void train_enhancers(Models& m, const LearnData& d, RunContext& run) {
  const TrainOptions& o = run.options;
  if (m.privatizer->kind == EnhancerKind::templates) {
    // Fitting is one pass of sums over the training set: every rank has the whole set, so every rank gets the
    // same banks without communication.
    Enhancers enhancers(m.privatizer);
    const std::string path = (std::filesystem::path(run.out_dir) / "enhancers.pt").string();
    if (!run.out_dir.empty() && o.resume && std::filesystem::is_regular_file(path)) {
      load_module(*enhancers, path);
    } else {
      torch::NoGradGuard no_grad;
      for_each_chunk(d.train, [&](const TensorSet& part) {
        auto [low, high] = m.splitter.split(part.images);
        m.privatizer->t_low->fit(low, part.identity, part.expression);
        m.privatizer->t_high->fit(high, part.identity, part.expression);
      });
      if (!run.out_dir.empty() && run.comm.is_root()) save_module(*enhancers, path);
    }
    freeze(*enhancers);
    return;
  }
  auto [train_low, train_high] = m.splitter.split(d.train.images);
  const Templates t_low(m.privatizer->low_input(train_low), d.train, d.identities, template_strengths(o));
  const Templates t_high(train_high, d.train, d.identities, template_strengths(o));
  Enhancers enhancers(m.privatizer);
  unfreeze(*enhancers);
  StageOneLoss stage{m, o, t_low, t_high};
  FitSpec spec{"enhancers", enhancers.ptr().get(), &d.train, o.epochs_enhancers,
               [&](const Batch& b, int64_t step) {
                 auto [s_low, s_high] = sample_strengths(o, b, "enhancers", step);
                 return stage(b, s_low, s_high);
               },
               [&] {
                 double total = 0.0;
                 for_each_chunk(d.val, [&](const TensorSet& part) {
                   Batch b{part.images, part.identity, part.expression};
                   const int64_t k = part.size();
                   total += k * stage(b, torch::full({k}, o.strength_low), torch::full({k}, o.strength_high)).item<double>();
                 });
                 return -total / d.val.size();
               }};
  fit(spec, run);
  freeze(*enhancers);
}

void train_compensator(Models& m, const LearnData& d, RunContext& run) {
  const TrainOptions& o = run.options;
  UNet comp = m.privatizer->compensator;
  unfreeze(*comp);
  FitSpec spec{"compensator", comp.ptr().get(), &d.train, o.epochs_compensator,
               [&](const Batch& b, int64_t step) {
                 auto [s_low, s_high] = sample_strengths(o, b, "compensator", step);
                 torch::Tensor y;
                 {
                   torch::NoGradGuard no_grad;
                   y = enhance(m, b.images, s_low, s_high);
                 }
                 torch::Tensor s = torch::minimum(s_low, s_high);
                 torch::Tensor z = comp->forward(y, s);
                 // Recognisable to the clean FER controller, no more identifiable to the validator than the
                 // strength allows, close to its input.
                 return F::cross_entropy(m.c_fc->forward(z), b.expression) +
                        o.loss.privacy * validator_privacy(m, z, b.identity, s) +
                        o.loss.change * (z - y).pow(2).mean();
               },
               [&] {
                 torch::Tensor z = privatize_all(m, d.val.images, o.strength_low, o.strength_high);
                 return accuracy(logits_of(m.c_fc, z), d.val.expression) - accuracy(logits_of(m.validator, z), d.val.identity);
               }};
  fit(spec, run);
  freeze(*comp);
}

void train_fer(Models& m, const LearnData& d, RunContext& run) {
  const TrainOptions& o = run.options;
  // F_u learns from privatized faces at the trained strengths and at every other strength of the grid, so that
  // one F_u serves the whole sweep.
  std::vector<torch::Tensor> images{privatize_all(m, d.train.images, o.strength_low, o.strength_high)};
  for (double g : o.strength_grid)
    if (g != o.strength_low || g != o.strength_high) images.push_back(privatize_all(m, d.train.images, g, g));
  const auto copies = static_cast<int64_t>(images.size());
  TensorSet train{torch::cat(images), d.train.identity.repeat({copies}), d.train.expression.repeat({copies})};
  TensorSet val{privatize_all(m, d.val.images, o.strength_low, o.strength_high), d.val.identity, d.val.expression};
  m.f_u = train_classifier("f_u", train, val, false, kNumExpressions, o.epochs_fer, run);
}

void train_finetune(Models& m, const LearnData& d, RunContext& run) {
  const TrainOptions& o = run.options;
  if (o.epochs_finetune <= 0) return;
  if (m.privatizer->kind == EnhancerKind::templates) {
    EndToEnd joint(m.privatizer, m.f_u);
    unfreeze(*joint);
    FitSpec spec{"finetune", joint.ptr().get(), &d.train, o.epochs_finetune,
                 [&](const Batch& b, int64_t step) {
                   auto [s_low, s_high] = sample_strengths(o, b, "finetune", step);
                   torch::Tensor z = privatize(m, b.images, s_low, s_high);
                   return F::cross_entropy(m.f_u->forward(z), b.expression) +
                          o.loss.privacy * validator_privacy(m, z, b.identity, torch::minimum(s_low, s_high));
                 },
                 [&] {
                   torch::Tensor z = privatize_all(m, d.val.images, o.strength_low, o.strength_high);
                   return accuracy(logits_of(m.f_u, z), d.val.expression);
                 }};
    fit(spec, run);
    freeze(*joint);
    return;
  }
  auto [train_low, train_high] = m.splitter.split(d.train.images);
  const Templates t_low(m.privatizer->low_input(train_low), d.train, d.identities, template_strengths(o));
  const Templates t_high(train_high, d.train, d.identities, template_strengths(o));
  EndToEnd joint(m.privatizer, m.f_u);
  unfreeze(*joint);
  StageOneLoss stage{m, o, t_low, t_high};
  FitSpec spec{"finetune", joint.ptr().get(), &d.train, o.epochs_finetune,
               [&](const Batch& b, int64_t step) {
                 auto [s_low, s_high] = sample_strengths(o, b, "finetune", step);
                 torch::Tensor z = privatize(m, b.images, s_low, s_high);
                 return stage(b, s_low, s_high) + F::cross_entropy(m.f_u->forward(z), b.expression);
               },
               [&] {
                 torch::Tensor z = privatize_all(m, d.val.images, o.strength_low, o.strength_high);
                 return accuracy(logits_of(m.f_u, z), d.val.expression);
               }};
  fit(spec, run);
  freeze(*joint);
}

void load_trained(Models& m, const std::string& dir, bool finetuned) {
  auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  load_module(*m.c_low, path("c_low.pt"));
  load_module(*m.c_high, path("c_high.pt"));
  load_module(*m.validator, path("validator.pt"));
  load_module(*m.c_fc, path("c_fc.pt"));
  Enhancers enhancers(m.privatizer);
  load_module(*enhancers, path("enhancers.pt"));
  load_module(*m.privatizer->compensator, path("compensator.pt"));
  load_module(*m.f_u, path("f_u.pt"));
  if (finetuned) {
    EndToEnd joint(m.privatizer, m.f_u);
    load_module(*joint, path("finetune.pt"));
  }
  for (torch::nn::Module* module : std::initializer_list<torch::nn::Module*>{
           m.c_low.ptr().get(), m.c_high.ptr().get(), m.validator.ptr().get(), m.c_fc.ptr().get(),
           m.f_u.ptr().get(), m.privatizer.ptr().get()})
    freeze(*module);
}

ClassificationMetrics classification_metrics(const torch::Tensor& predicted, const torch::Tensor& truth, int classes) {
  ClassificationMetrics r;
  r.confusion.assign(classes, std::vector<long>(classes, 0));
  auto p = predicted.accessor<int64_t, 1>();
  auto t = truth.accessor<int64_t, 1>();
  r.samples = truth.size(0);
  long correct = 0;
  for (int64_t i = 0; i < r.samples; ++i) {
    ++r.confusion[t[i]][p[i]];
    correct += p[i] == t[i];
  }
  r.accuracy = r.samples ? static_cast<double>(correct) / r.samples : 0.0;
  double f1_sum = 0.0;
  int present = 0;
  for (int c = 0; c < classes; ++c) {
    long tp = r.confusion[c][c], row = 0, col = 0;
    for (int k = 0; k < classes; ++k) {
      row += r.confusion[c][k];
      col += r.confusion[k][c];
    }
    const double f1 = row + col > 0 ? 2.0 * tp / (row + col) : 0.0;
    r.per_class_f1.push_back(f1);
    r.per_class_recall.push_back(row > 0 ? static_cast<double>(tp) / row : 0.0);
    if (row + col > 0) {
      f1_sum += f1;
      ++present;
    }
  }
  r.macro_f1 = present ? f1_sum / present : 0.0;
  return r;
}

EvalReport evaluate_models(Models& m, const LearnData& d, const std::vector<std::pair<double, double>>& strengths,
                           RunContext& run) {
  const TrainOptions& o = run.options;
  EvalReport r;
  r.dataset = d.name;
  r.identities = d.identities;
  r.chance = 1.0 / d.identities;
  r.train_samples = d.train.size();
  r.test_samples = d.test.size();
  r.fer_clean = classification_metrics(logits_of(m.c_fc, d.test.images).argmax(1), d.test.expression, kNumExpressions);
  r.identity_accuracy_clean = accuracy(logits_of(m.validator, d.test.images), d.test.identity);
  auto ratio = [&](double acc) { return leakage_ratio(acc, r.identity_accuracy_clean, r.chance); };
  m.privatizer->eval();
  for (std::size_t k = 0; k < strengths.size(); ++k) {
    auto [s_low, s_high] = strengths[k];
    StrengthReport s;
    s.strength_low = s_low;
    s.strength_high = s_high;
    torch::Tensor test = privatize_all(m, d.test.images, s_low, s_high);
    s.fer_privatized = classification_metrics(logits_of(m.f_u, test).argmax(1), d.test.expression, kNumExpressions);
    s.fer_controller_privatized =
        classification_metrics(logits_of(m.c_fc, test).argmax(1), d.test.expression, kNumExpressions);
    s.validator_identity_accuracy = accuracy(logits_of(m.validator, test), d.test.identity);
    TensorSet train{privatize_all(m, d.train.images, s_low, s_high), d.train.identity, d.train.expression};
    TensorSet val{privatize_all(m, d.val.images, s_low, s_high), d.val.identity, d.val.expression};
    RunContext quiet{run.options, run.comm, ""};
    Classifier attacker = train_classifier(fmt::format("attacker{}", k), train, val, true, d.identities,
                                           o.epochs_attacker, quiet);
    s.attacker_identity_accuracy = accuracy(logits_of(attacker, test), d.test.identity);
    s.leakage = ratio(s.attacker_identity_accuracy);
    s.validator_leakage = ratio(s.validator_identity_accuracy);
    s.fer_ratio = r.fer_clean.accuracy > 0 ? s.fer_privatized.accuracy / r.fer_clean.accuracy : 0.0;
    r.strengths.push_back(s);
  }
  return r;
}

}  // namespace ferguard::learn

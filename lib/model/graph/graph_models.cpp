// Recognisers and the expression model built on TF.js graph models. Input preparation follows the original
// library that ships them (@vladmandic/human), as checked by tools/reference (see tests/data/golden/graph/).
#include "model/graph/graph_models.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <filesystem>

#include "detail/check.h"
#include "model/activations.h"
#include "model/differentiable.h"
#include "model/faceapi_preprocess.h"
#include "model/graph/tfjs_graph.h"
#include "model/model_files.h"
#include "model/torch_runtime.h"

namespace ferguard::detail {
namespace {

namespace fs = std::filesystem;

// How one graph model is fed and read.
struct GraphSpec {
  std::string path;                  // model json
  std::string missing_hint;          // appended to the message for a missing file
  std::string input;                 // placeholder name; empty = the graph's only placeholder
  std::vector<std::string> outputs;  // nodes read in one pass; empty = the graph's one declared output or one sink
  int size = 0;                      // square input side
  float range_lo = 0.0f;             // pixel values 0..255 are fed as range_lo..range_hi
  float range_hi = 255.0f;
  bool grey = false;                 // collapse RGB to one grey channel, then (grey - 0.5) * 2
  float crop_scale = 1.0f;           // landmark_square_crop scale
  int chunk = 16;                    // faces per forward pass (measured: larger batches of faceres run slower per face)
  // Recognisers only: embedding length (0 = learnt from the trial run), how embeddings are compared, verification
  // threshold. The thresholds were calibrated on the 22 faces of face-api's sample photos by
  // tools/eval/recognizer_sanity.py (README, "Recognisers"): the midpoint between the largest distance of a face to
  // its own perturbed copies and the smallest distance between different faces, or the equal-error point when the two
  // overlap.
  int dim = 0;
  DistanceKind distance = DistanceKind::euclidean;
  float threshold = 0.0f;
  bool trial = false;  // run on a grey face at load even when the files are the pinned ones (a user's model)
};

constexpr const char* kFetchHint =
    " (the packages do not ship the graph models: `ferguard models install` fetches them; in a source tree "
    "scripts/fetch_models.sh, or make test; or set FERGUARD_GRAPH_MODELS)";

// The bundled models: "faceres", "mobileface", "emotion", and "faceres-attributes" (faceres's two heads).
GraphSpec builtin_spec(const std::string& name, const ModelOptions& o) {
  GraphSpec s;
  const std::string file = name == "faceres-attributes" ? "faceres" : name;
  s.path = (fs::path(resolve_graph_models_dir(o.graph_dir)) / (file + ".json")).string();
  s.missing_hint = kFetchHint;
  if (file == "faceres") {
    // faceres threshold: midpoint 6.15 | 9.55.
    s.input = "input_1";
    s.outputs = name == "faceres" ? std::vector<std::string>{"global_pooling/Mean"}
                                  : std::vector<std::string>{"gender_pred/Sigmoid", "age_pred/Softmax"};
    s.size = 224;
    s.crop_scale = 1.4f;
    s.chunk = kFaceresChunk;
    s.dim = 1024;
    s.distance = DistanceKind::euclidean;
    s.threshold = 7.85f;
  } else if (file == "mobileface") {
    // mobileface threshold: equal error rate (not separable on 22 faces).
    s.input = "data";
    s.outputs = {"batchnorm0/add_1"};
    s.size = 112;
    s.crop_scale = 1.1f;
    s.dim = 256;
    s.distance = DistanceKind::cosine;
    s.threshold = 0.387f;
  } else {
    s.input = "input_1";
    s.outputs = {"Identity"};
    s.size = 64;
    s.range_hi = 1.0f;
    s.grey = true;
    s.crop_scale = 1.2f;
  }
  return s;
}

GraphSpec user_spec(const GraphRecognizerSpec& u) {
  GraphSpec s;
  s.path = u.model_path;
  if (!u.output.empty()) s.outputs = {u.output};
  s.size = u.size;
  s.range_lo = u.range_lo;
  s.range_hi = u.range_hi;
  s.crop_scale = u.crop;
  s.distance = u.distance;
  s.threshold = u.threshold;
  s.trial = true;
  return s;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "'" : ", '") + n + "'";
  return s.empty() ? "none" : s;
}

// A loaded graph with its input preparation; shared by the recognisers, the expression and the attribute models.
class GraphRunner {
 public:
  GraphRunner(std::string name, GraphSpec spec, const ModelOptions& o)
      : name_(std::move(name)), spec_(std::move(spec)), options_(o) {
    const std::string& path = spec_.path;
    FERGUARD_CHECK_AS(fs::is_regular_file(path), ModelError, "model '{}': '{}' not found{}", name_, path,
                      spec_.missing_hint);
    device_ = parse_device(o.device);
    graph_ = std::make_unique<TfjsGraph>(TfjsGraph::load(path));
    resolve_nodes();
    // A model that is not the bundled one (no pinned digest vouched for it) is tried once on a grey face now, so
    // that a wrong graph or weights fail here, naming the file, rather than on the first face.
    if (spec_.trial || !graph_->pinned()) {
      std::vector<at::Tensor> out;
      try {
        out = run(graph_input(at::full({1, 3, spec_.size, spec_.size}, 128.0f)));
      } catch (const std::exception& e) {
        throw ModelError(fmt::format("model '{}': '{}' fails a trial run on a grey {}x{} face: {}", name_, path,
                                     spec_.size, spec_.size, exception_message(e)));
      }
      FERGUARD_CHECK_AS(out[0].size(1) >= 1, ModelError, "model '{}': '{}': output '{}' is empty", name_, path,
                        spec_.outputs[0]);
      if (spec_.dim == 0) spec_.dim = static_cast<int>(out[0].size(1));
    }
  }

  // NHWC model input for crops of any size: TF legacy bilinear resize of each crop to size x size, then what
  // graph_input does, in one pass (graph_model_input).
  at::Tensor prepare(const std::vector<Image>& crops) const {
    return graph_model_input(crops, spec_.size, spec_.range_lo, spec_.range_hi, spec_.grey, name_);
  }

  // Nx3xSxS values 0..255 -> the NHWC tensor the graph is fed (range_lo..range_hi; grey for the emotion net).
  // Differentiable.
  at::Tensor graph_input(const at::Tensor& nchw255) const {
    at::Tensor x = nchw255 * ((double(spec_.range_hi) - spec_.range_lo) / 255.0);
    if (spec_.range_lo != 0.0f) x = x + double(spec_.range_lo);
    if (spec_.grey) {
      const at::Tensor w = at::tensor({0.2989f, 0.587f, 0.114f}, x.options()).view({1, 3, 1, 1});
      x = ((x * w).sum(1, /*keepdim=*/true) - 0.5) * 2.0;
    }
    return x.permute({0, 2, 3, 1}).contiguous();
  }

  // The first output for a prepared batch with autograd on (no chunking; the caller's thread settings).
  at::Tensor run_differentiable(const at::Tensor& nchw255) const {
    const at::Tensor x = graph_input(nchw255);
    return graph_->run({{spec_.input, x.to(device_)}}, {spec_.outputs[0]})[0].reshape({x.size(0), -1});
  }

  // prepare() and run() for crops of any size, with activations from this model's pool.
  std::vector<at::Tensor> infer(const std::vector<Image>& crops) const {
    ActivationScope scope(pool_);
    return run(prepare(crops));
  }

  // Every output, N x (values per face) float32 on the CPU, for the prepared NHWC batch: one pass per chunk of
  // max_batch faces computes all of them.
  std::vector<at::Tensor> run(const at::Tensor& nhwc) const {
    ScopedTorchThreads threads(options_.threads);
    c10::InferenceMode guard;
    std::vector<std::vector<at::Tensor>> parts(spec_.outputs.size());
    const int64_t step = std::min(options_.max_batch, spec_.chunk);
    for (int64_t b = 0; b < nhwc.size(0); b += step) {
      const at::Tensor chunk = nhwc.slice(0, b, std::min<int64_t>(b + step, nhwc.size(0))).to(device_);
      const std::vector<at::Tensor> outs = graph_->run({{spec_.input, chunk}}, spec_.outputs);
      for (std::size_t k = 0; k < outs.size(); ++k) parts[k].push_back(outs[k].to(at::kCPU).contiguous());
    }
    std::vector<at::Tensor> result;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      at::Tensor out = at::cat(parts[k], 0).reshape({nhwc.size(0), -1}).to(at::kFloat).contiguous();
      const std::string what = parts.size() == 1 ? std::string("the output") : "output '" + spec_.outputs[k] + "'";
      check_finite_values(out.data_ptr<float>(), static_cast<std::size_t>(out.numel()), name_, what.c_str());
      result.push_back(std::move(out));
    }
    return result;
  }

  const GraphSpec& spec() const { return spec_; }

 private:
  // The placeholder fed and the nodes read, when the spec leaves them to the graph.
  void resolve_nodes() {
    const std::string& path = spec_.path;
    if (spec_.input.empty()) {
      const auto& ph = graph_->placeholders();
      FERGUARD_CHECK_AS(ph.size() == 1, ModelError, "model '{}': '{}' has {} inputs ({}); expected exactly one", name_,
                        path, ph.size(), join(ph));
      spec_.input = ph[0];
    }
    if (spec_.outputs.empty()) {
      const auto& declared = graph_->declared_outputs();
      const std::vector<std::string> sinks = graph_->sinks();
      if (declared.size() == 1) {
        spec_.outputs = declared;
      } else if (declared.empty() && sinks.size() == 1) {
        spec_.outputs = sinks;
      } else {
        throw ModelError(fmt::format("model '{}': '{}' has no single output ({} {}): name one with output=NODE", name_,
                                     path, declared.empty() ? "sinks" : "declared outputs",
                                     join(declared.empty() ? sinks : declared)));
      }
    }
    for (const auto& o : spec_.outputs)
      FERGUARD_CHECK_AS(graph_->has_node(o), ModelError, "model '{}': '{}' has no node '{}' to output", name_, path, o);
  }

  std::string name_;
  GraphSpec spec_;
  ModelOptions options_;
  c10::Device device_ = c10::kCPU;
  std::unique_ptr<TfjsGraph> graph_;
  ActivationPool pool_;
};

std::vector<std::vector<float>> rows(const at::Tensor& t) {
  std::vector<std::vector<float>> out;
  const at::Tensor c = t.to(at::kFloat).contiguous();
  for (int64_t i = 0; i < c.size(0); ++i) out.emplace_back(c[i].data_ptr<float>(), c[i].data_ptr<float>() + c.size(1));
  return out;
}

// The emotion net's order: angry, disgust, fear, happy, sad, surprise, neutral.
const Expression kEmotionOrder[7] = {Expression::angry, Expression::disgusted, Expression::fearful,
                                     Expression::happy, Expression::sad,       Expression::surprised,
                                     Expression::neutral};

class GraphRecognizer final : public Recognizer {
 public:
  GraphRecognizer(const std::string& name, GraphSpec spec, const ModelOptions& o)
      : name_(name), runner_(name, std::move(spec), o) {}
  std::string name() const override { return name_; }
  int dim() const override { return runner_.spec().dim; }
  DistanceKind distance_kind() const override { return runner_.spec().distance; }
  float threshold() const override { return runner_.spec().threshold; }
  PixelRect crop_rect(const Face& face, int, int) const override {
    return landmark_square_crop(face.landmarks, runner_.spec().crop_scale);
  }
  std::vector<std::vector<float>> embed(const std::vector<Image>& crops) const override {
    if (crops.empty()) return {};
    return rows(runner_.infer(crops)[0]);
  }

 private:
  std::string name_;
  GraphRunner runner_;
};

class EmotionModel final : public ExpressionModel {
 public:
  explicit EmotionModel(const ModelOptions& o) : runner_("emotion", builtin_spec("emotion", o), o) {}
  std::string name() const override { return "emotion"; }
  PixelRect crop_rect(const Face& face, int, int) const override {
    return landmark_square_crop(face.landmarks, runner_.spec().crop_scale);
  }
  std::vector<ExpressionScores> predict(const std::vector<Image>& crops) const override {
    if (crops.empty()) return {};
    std::vector<ExpressionScores> out;
    for (const auto& r : rows(runner_.infer(crops)[0])) {
      ExpressionScores s;
      for (int i = 0; i < 7; ++i) s.probs[static_cast<int>(kEmotionOrder[i])] = r[i];
      out.push_back(s);
    }
    return out;
  }

 private:
  GraphRunner runner_;
};

// faceres's gender (sigmoid, P(male)) and age (softmax over 100 one-year classes) heads, in one pass.
class FaceresAttributeModel final : public AttributeModel {
 public:
  explicit FaceresAttributeModel(const ModelOptions& o)
      : runner_("faceres", builtin_spec("faceres-attributes", o), o) {}
  std::string name() const override { return "faceres"; }
  PixelRect crop_rect(const Face& face, int, int) const override {
    return landmark_square_crop(face.landmarks, runner_.spec().crop_scale);
  }
  std::vector<FaceresHeads> heads(const std::vector<Image>& crops) const {
    if (crops.empty()) return {};
    const std::vector<at::Tensor> out = runner_.infer(crops);
    FERGUARD_CHECK_AS(out[0].size(1) == 1 && out[1].size(1) == 100, ModelError,
                      "faceres: expected gender and age heads of 1 and 100 values, got {} and {}", out[0].size(1),
                      out[1].size(1));
    std::vector<FaceresHeads> result;
    const std::vector<std::vector<float>> age = rows(out[1]);
    for (int64_t i = 0; i < out[0].size(0); ++i) result.push_back({out[0].data_ptr<float>()[i], age[i]});
    return result;
  }
  std::vector<FaceAttributes> predict(const std::vector<Image>& crops) const override {
    std::vector<FaceAttributes> out;
    for (const FaceresHeads& h : heads(crops)) out.push_back(decode_faceres(h));
    return out;
  }

 private:
  GraphRunner runner_;
};

FaceBox to_box(const PixelRect& r) {
  return FaceBox{float(r.x), float(r.y), float(r.width), float(r.height)};
}

class DifferentiableGraphRecognizer final : public DifferentiableRecognizer {
 public:
  DifferentiableGraphRecognizer(const std::string& name, const ModelOptions& o)
      : name_(name), runner_(name, builtin_spec(name, o), o) {}
  std::string name() const override { return name_; }
  int input_size() const override { return runner_.spec().size; }
  CropSpec crop(const std::vector<Point2f>& landmarks) const override {
    return {to_box(landmark_square_crop(landmarks, runner_.spec().crop_scale)), false};
  }
  at::Tensor forward(const at::Tensor& crops255) const override { return runner_.run_differentiable(crops255); }
  DistanceKind distance_kind() const override { return runner_.spec().distance; }
  float threshold() const override { return runner_.spec().threshold; }

 private:
  std::string name_;
  GraphRunner runner_;
};

class DifferentiableEmotion final : public DifferentiableModel {
 public:
  explicit DifferentiableEmotion(const ModelOptions& o) : runner_("emotion", builtin_spec("emotion", o), o) {
    std::vector<int64_t> index(7);
    for (int i = 0; i < 7; ++i) index[static_cast<int>(kEmotionOrder[i])] = i;
    index_ = at::tensor(index, at::kLong);
  }
  std::string name() const override { return "emotion"; }
  int input_size() const override { return runner_.spec().size; }
  CropSpec crop(const std::vector<Point2f>& landmarks) const override {
    return {to_box(landmark_square_crop(landmarks, runner_.spec().crop_scale)), false};
  }
  // The graph ends in a softmax: log of its probabilities, reordered to ferguard's labels.
  at::Tensor forward(const at::Tensor& crops255) const override {
    const at::Tensor p = runner_.run_differentiable(crops255);
    return at::log(p.clamp_min(1e-8)).index_select(1, index_.to(p.device()));
  }

 private:
  GraphRunner runner_;
  at::Tensor index_;
};

}  // namespace

std::unique_ptr<DifferentiableRecognizer> make_graph_differentiable_recognizer(const std::string& name,
                                                                               const ModelOptions& options) {
  return std::make_unique<DifferentiableGraphRecognizer>(name, options);
}

std::unique_ptr<DifferentiableModel> make_graph_differentiable_expression_model(const ModelOptions& options) {
  return std::make_unique<DifferentiableEmotion>(options);
}

std::unique_ptr<Recognizer> make_graph_recognizer(const std::string& name, const ModelOptions& options) {
  return std::make_unique<GraphRecognizer>(name, builtin_spec(name, options), options);
}

std::unique_ptr<Recognizer> make_user_graph_recognizer(const GraphRecognizerSpec& spec, const ModelOptions& options) {
  return std::make_unique<GraphRecognizer>(spec.name, user_spec(spec), options);
}

std::unique_ptr<AttributeModel> make_graph_attribute_model(const ModelOptions& options) {
  return std::make_unique<FaceresAttributeModel>(options);
}

std::vector<FaceresHeads> faceres_heads(const AttributeModel& model, const std::vector<Image>& crops) {
  const auto* m = dynamic_cast<const FaceresAttributeModel*>(&model);
  FERGUARD_CHECK(m != nullptr, "faceres_heads: expected the faceres attribute model, got '{}'", model.name());
  return m->heads(crops);
}

FaceAttributes decode_faceres(const FaceresHeads& heads) {
  FERGUARD_CHECK(!heads.age_probs.empty(), "decode_faceres: expected age probabilities, got none");
  const std::vector<float>& p = heads.age_probs;
  const int n = static_cast<int>(p.size());
  // human src/face/faceres.ts: the arg-max class a (the first of equal maxima, as tf.argMax), moved towards the
  // larger neighbour by 10 x its probability, in tenths of a year rounded as Math.round. With no class below a the
  // one above is used (human's comparison with an undefined neighbour is false); with none above (a = 99) human
  // gets NaN, and ferguard uses the one below.
  int a = 0;
  for (int i = 1; i < n; ++i)
    if (p[i] > p[a]) a = i;
  const bool below = a > 0 && (a + 1 >= n || double(p[a - 1]) > double(p[a + 1]));
  const double tenths = below ? 10.0 * a - 100.0 * double(p[a - 1]) : 10.0 * a + (a + 1 < n ? 100.0 * double(p[a + 1]) : 0.0);
  FaceAttributes out;
  out.male = heads.male;
  out.age = static_cast<float>(std::floor(tenths + 0.5) / 10.0);
  return out;
}

std::unique_ptr<ExpressionModel> make_graph_expression_model(const ModelOptions& options) {
  return std::make_unique<EmotionModel>(options);
}

}  // namespace ferguard::detail

// Recognisers and the expression model built on TF.js graph models. Input preparation follows the original
// library that ships them (@vladmandic/human), as checked by tools/reference (see tests/data/golden/graph/).
#include "model/graph/graph_models.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

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

// How one graph model is fed and read.
struct GraphSpec {
  std::string file;        // model json in the graph models folder
  std::string input;       // placeholder name
  std::string output;      // node whose output is used
  int size;                // square input side
  double scale;            // pixel values fed = value_0_255 * scale
  bool grey;               // collapse RGB to one grey channel, then (grey - 0.5) * 2
  float crop_scale;        // landmark_square_crop scale
  int chunk;               // faces per forward pass (measured: larger batches of faceres run slower per face)
  // Recognisers only: embedding length, how embeddings are compared, verification threshold. The thresholds were
  // calibrated on the 22 faces of face-api's sample photos by tools/eval/recognizer_sanity.py (README,
  // "Recognisers"): the midpoint between the largest distance of a face to its own perturbed copies and the
  // smallest distance between different faces, or the equal-error point when the two overlap.
  int dim = 0;
  DistanceKind distance = DistanceKind::euclidean;
  float threshold = 0.0f;
};

GraphSpec spec_for(const std::string& name) {
  // faceres threshold: midpoint 6.15 | 9.55; mobileface: equal error rate (not separable on 22 faces).
  if (name == "faceres")
    return {"faceres.json", "input_1", "global_pooling/Mean", 224, 1.0, false, 1.4f, kFaceresChunk,
            1024, DistanceKind::euclidean, 7.85f};
  if (name == "mobileface")
    return {"mobileface.json", "data", "batchnorm0/add_1", 112, 1.0, false, 1.1f, 16, 256, DistanceKind::cosine, 0.387f};
  return {"emotion.json", "input_1", "Identity", 64, 1.0 / 255.0, true, 1.2f, 16};
}

// A loaded graph with its input preparation; shared by the recognisers and the expression model.
class GraphRunner {
 public:
  GraphRunner(const std::string& name, const ModelOptions& o) : name_(name), spec_(spec_for(name)), options_(o) {
    const std::string path = (std::filesystem::path(resolve_graph_models_dir(o.graph_dir)) / spec_.file).string();
    FERGUARD_CHECK_AS(std::filesystem::exists(path), ModelError,
                      "model '{}': '{}' not found (the packages do not ship the graph models: `ferguard models "
                      "install` fetches them; in a source tree scripts/fetch_models.sh, or make test; or set "
                      "FERGUARD_GRAPH_MODELS)",
                      name, path);
    device_ = parse_device(o.device);
    graph_ = std::make_unique<TfjsGraph>(TfjsGraph::load(path));
    // A model that is not the bundled one (no pinned digest vouched for it) is tried once on a grey face now, so
    // that a wrong graph or weights fail here, naming the file, rather than on the first face.
    if (!graph_->pinned()) {
      try {
        run(graph_input(at::full({1, 3, spec_.size, spec_.size}, 128.0f)));
      } catch (const ModelError& e) {
        throw ModelError(fmt::format("model '{}': '{}' fails a trial run: {}", name, path, e.what()));
      }
    }
  }

  // NHWC model input for crops of any size: TF legacy bilinear resize of each crop to size x size.
  at::Tensor prepare(const std::vector<Image>& crops) const {
    std::vector<at::Tensor> items;
    for (std::size_t i = 0; i < crops.size(); ++i) {
      FERGUARD_CHECK(!crops[i].empty() && crops[i].channels() == 3,
                     "{} crops[{}]: expected a non-empty HxWx3 RGB image, got {}x{}x{}", name_, i, crops[i].height(),
                     crops[i].width(), crops[i].channels());
      items.push_back(resize_bilinear_legacy(image_to_tensor255(crops[i]), spec_.size, spec_.size));
    }
    return graph_input(at::cat(items, 0));
  }

  // Nx3xSxS values 0..255 -> the NHWC tensor the graph is fed (scaled; grey for the emotion net). Differentiable.
  at::Tensor graph_input(const at::Tensor& nchw255) const {
    at::Tensor x = nchw255 * spec_.scale;
    if (spec_.grey) {
      const at::Tensor w = at::tensor({0.2989f, 0.587f, 0.114f}, x.options()).view({1, 3, 1, 1});
      x = ((x * w).sum(1, /*keepdim=*/true) - 0.5) * 2.0;
    }
    return x.permute({0, 2, 3, 1}).contiguous();
  }

  // The output for a prepared batch with autograd on (no chunking; the caller's thread settings).
  at::Tensor run_differentiable(const at::Tensor& nchw255) const {
    const at::Tensor x = graph_input(nchw255);
    return graph_->run({{spec_.input, x.to(device_)}}, {spec_.output})[0].reshape({x.size(0), -1});
  }

  // prepare() and run() for crops of any size, with activations from this model's pool.
  at::Tensor infer(const std::vector<Image>& crops) const {
    ActivationScope scope(pool_);
    return run(prepare(crops));
  }

  // Runs `output` on the prepared NHWC batch, in chunks of max_batch.
  at::Tensor run(const at::Tensor& nhwc) const {
    ScopedTorchThreads threads(options_.threads);
    c10::InferenceMode guard;
    std::vector<at::Tensor> parts;
    const int64_t step = std::min(options_.max_batch, spec_.chunk);
    for (int64_t b = 0; b < nhwc.size(0); b += step) {
      const at::Tensor chunk = nhwc.slice(0, b, std::min<int64_t>(b + step, nhwc.size(0))).to(device_);
      parts.push_back(graph_->run({{spec_.input, chunk}}, {spec_.output})[0].to(at::kCPU).contiguous());
    }
    at::Tensor out = at::cat(parts, 0).reshape({nhwc.size(0), -1}).to(at::kFloat).contiguous();
    check_finite_values(out.data_ptr<float>(), static_cast<std::size_t>(out.numel()), name_, "the output");
    return out;
  }

  const GraphSpec& spec() const { return spec_; }

 private:
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
  GraphRecognizer(const std::string& name, const ModelOptions& o) : name_(name), runner_(name, o) {}
  std::string name() const override { return name_; }
  int dim() const override { return runner_.spec().dim; }
  DistanceKind distance_kind() const override { return runner_.spec().distance; }
  float threshold() const override { return runner_.spec().threshold; }
  PixelRect crop_rect(const Face& face, int, int) const override {
    return landmark_square_crop(face.landmarks, runner_.spec().crop_scale);
  }
  std::vector<std::vector<float>> embed(const std::vector<Image>& crops) const override {
    if (crops.empty()) return {};
    return rows(runner_.infer(crops));
  }


 private:
  std::string name_;
  GraphRunner runner_;
};

class EmotionModel final : public ExpressionModel {
 public:
  explicit EmotionModel(const ModelOptions& o) : runner_("emotion", o) {}
  std::string name() const override { return "emotion"; }
  PixelRect crop_rect(const Face& face, int, int) const override {
    return landmark_square_crop(face.landmarks, runner_.spec().crop_scale);
  }
  std::vector<ExpressionScores> predict(const std::vector<Image>& crops) const override {
    if (crops.empty()) return {};
    std::vector<ExpressionScores> out;
    for (const auto& r : rows(runner_.infer(crops))) {
      ExpressionScores s;
      for (int i = 0; i < 7; ++i) s.probs[static_cast<int>(kEmotionOrder[i])] = r[i];
      out.push_back(s);
    }
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
  DifferentiableGraphRecognizer(const std::string& name, const ModelOptions& o) : name_(name), runner_(name, o) {}
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
  explicit DifferentiableEmotion(const ModelOptions& o) : runner_("emotion", o) {
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
  return std::make_unique<GraphRecognizer>(name, options);
}

std::unique_ptr<ExpressionModel> make_graph_expression_model(const ModelOptions& options) {
  return std::make_unique<EmotionModel>(options);
}

}  // namespace ferguard::detail

// face-api's recognition and expression nets as differentiable models, and the by-name factories.
#include "model/differentiable.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>

#include "detail/check.h"
#include "ferguard/face/face_crops.h"
#include "ferguard/model/faceapi_nets.h"
#include "model/faceapi_modules.h"
#include "model/faceapi_preprocess.h"
#include "model/graph/graph_models.h"
#include "model/model_paths.h"
#include "model/tfjs_weights.h"
#include "model/torch_runtime.h"

namespace ferguard::detail {

at::Tensor DifferentiableRecognizer::distance(const at::Tensor& a, const at::Tensor& b) const {
  if (distance_kind() == DistanceKind::cosine) {
    const at::Tensor dot = (a * b).sum(1);
    const at::Tensor norms = a.norm(2, 1) * b.norm(2, 1);
    return 1.0 - dot / norms.clamp_min(1e-12);
  }
  return ((a - b).square().sum(1) + 1e-12).sqrt();
}

namespace {

// Loads one face-api net on its device, frozen, in eval mode.
template <typename Net>
std::shared_ptr<Net> load_faceapi(const ModelOptions& o, const std::string& model) {
  auto net = std::make_shared<Net>(TfjsWeights::load(model_manifest_path(o.faceapi_dir, model)));
  net->eval();
  net->to(parse_device(o.device));
  return net;
}

class FaceApiRecognition final : public DifferentiableRecognizer {
 public:
  explicit FaceApiRecognition(const ModelOptions& o)
      : net_(load_faceapi<RecognitionNetImpl>(o, "face_recognition_model")) {}
  std::string name() const override { return "faceapi"; }
  int input_size() const override { return RecognitionNet::kInputSize; }
  CropSpec crop(const std::vector<Point2f>& landmarks) const override {
    return {recognition_crop_box(landmarks), true};
  }
  at::Tensor forward(const at::Tensor& crops255) const override { return net_->forward(faceapi_normalize(crops255)); }
  DistanceKind distance_kind() const override { return DistanceKind::euclidean; }
  float threshold() const override { return RecognitionNet::kMatchThreshold; }

 private:
  std::shared_ptr<RecognitionNetImpl> net_;
};

class FaceApiExpression final : public DifferentiableModel {
 public:
  explicit FaceApiExpression(const ModelOptions& o)
      : net_(load_faceapi<ExpressionNetImpl>(o, "face_expression_model")) {}
  std::string name() const override { return "faceapi"; }
  int input_size() const override { return ExpressionNet::kInputSize; }
  CropSpec crop(const std::vector<Point2f>& landmarks) const override {
    return {expression_crop_box(landmarks), true};
  }
  at::Tensor forward(const at::Tensor& crops255) const override {
    return at::log_softmax(net_->forward(faceapi_normalize(crops255)), 1);
  }

 private:
  std::shared_ptr<ExpressionNetImpl> net_;
};

}  // namespace

std::unique_ptr<DifferentiableRecognizer> make_differentiable_recognizer(const std::string& name,
                                                                         const ModelOptions& options) {
  options.validate();
  if (name == "faceapi") return std::make_unique<FaceApiRecognition>(options);
  if (name == "faceres" || name == "mobileface") return make_graph_differentiable_recognizer(name, options);
  FERGUARD_CHECK(false, "recogniser '{}': unknown (known: faceapi, faceres, mobileface)", name);
  return nullptr;
}

std::unique_ptr<DifferentiableModel> make_differentiable_expression_model(const std::string& name,
                                                                          const ModelOptions& options) {
  options.validate();
  if (name == "faceapi") return std::make_unique<FaceApiExpression>(options);
  if (name == "emotion") return make_graph_differentiable_expression_model(options);
  FERGUARD_CHECK(false, "expression model '{}': unknown (known: faceapi, emotion)", name);
  return nullptr;
}

at::Tensor canvas_to_at(const Tensor4& t) {
  const Shape4& s = t.shape();
  return at::from_blob(const_cast<float*>(t.data()), {s.n, s.c, s.h, s.w}, at::kFloat).clone();
}

Tensor4 at_to_canvas(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU).to(at::kFloat).contiguous();
  Tensor4 out(Shape4{int(c.size(0)), int(c.size(1)), int(c.size(2)), int(c.size(3))});
  std::memcpy(out.data(), c.data_ptr<float>(), sizeof(float) * c.numel());
  return out;
}

at::Tensor resample_crop(const at::Tensor& x, const FaceBox& box, const CropSpec& spec, int size) {
  const double side = x.size(3);
  const double cx = box.x + 0.5 * box.width, cy = box.y + 0.5 * box.height;
  const double w = spec.pad_centered ? std::max(box.width, box.height) : box.width;
  const double h = spec.pad_centered ? std::max(box.width, box.height) : box.height;
  const at::Tensor t = (at::arange(size, at::kFloat) + 0.5) / size;  // output pixel centres in (0, 1)
  const at::Tensor u = (cx - 0.5 * w) + t * w, v = (cy - 0.5 * h) + t * h;  // canvas pixels
  const at::Tensor gx = (2.0 * u / side - 1.0).view({1, size}).expand({size, size});
  const at::Tensor gy = (2.0 * v / side - 1.0).view({size, 1}).expand({size, size});
  const at::Tensor grid = at::stack({gx, gy}, 2).unsqueeze(0);
  at::Tensor out = at::grid_sampler(x, grid, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners=*/false);
  if (spec.pad_centered && box.width != box.height) {
    const at::Tensor inside_x = (u >= box.x) & (u < box.x + box.width);
    const at::Tensor inside_y = (v >= box.y) & (v < box.y + box.height);
    out = out * (inside_y.view({size, 1}) & inside_x.view({1, size})).to(at::kFloat).view({1, 1, size, size});
  }
  return out;
}

}  // namespace ferguard::detail

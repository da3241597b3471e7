// The Recognizer / ExpressionModel interfaces, crops, distances and the name-based factories.
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "detail/check.h"
#include "detail/data_dirs.h"
#include "detail/landmark_bounds.h"
#include "ferguard/face/face_crops.h"
#include "ferguard/model/faceapi_nets.h"
#include "ferguard/model/recognizer.h"
#include "model/graph/graph_models.h"

#ifndef FERGUARD_DEFAULT_GRAPH_MODELS_DIR
#define FERGUARD_DEFAULT_GRAPH_MODELS_DIR ""
#endif

namespace ferguard {

void ModelOptions::validate() const {
  detail::check_threads(threads, "ModelOptions.threads");
  FERGUARD_CHECK(max_batch >= 1, "ModelOptions.max_batch: expected >= 1, got {}", max_batch);
  FERGUARD_CHECK(!device.empty(), "ModelOptions.device: expected a device such as 'cpu', got an empty string");
}

std::string resolve_graph_models_dir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  if (const char* env = std::getenv("FERGUARD_GRAPH_MODELS"); env && *env) return env;
  return detail::default_data_path("human/models", FERGUARD_DEFAULT_GRAPH_MODELS_DIR, /*user_too=*/true);
}

PixelRect landmark_square_crop(const std::vector<Point2f>& landmarks, float scale) {
  FERGUARD_CHECK(landmarks.size() == static_cast<std::size_t>(kNumFaceLandmarks),
                 "landmarks: expected {} points, got {}", kNumFaceLandmarks, landmarks.size());
  FERGUARD_CHECK(scale > 0.0f && std::isfinite(scale), "crop scale: expected > 0, got {}", scale);
  const auto [x0, y0, x1, y1] = detail::landmark_bounds(landmarks);
  // Rounding as JavaScript's Math.round (half up), so that the reference tooling makes the same rectangles.
  auto round_half_up = [](double v) { return static_cast<int>(std::floor(v + 0.5)); };
  const double cx = 0.5 * (double(x0) + x1), cy = 0.5 * (double(y0) + y1);
  const int side = std::max(1, round_half_up(double(scale) * std::max(double(x1) - x0, double(y1) - y0)));
  return PixelRect{round_half_up(cx - side / 2.0), round_half_up(cy - side / 2.0), side, side};
}

Image crop_with_padding(const Image& image, const PixelRect& rect) {
  FERGUARD_CHECK(rect.width >= 1 && rect.height >= 1, "crop: expected a non-empty rectangle, got {}x{}", rect.width,
                 rect.height);
  FERGUARD_CHECK(!image.empty(), "crop: expected a non-empty image");
  Image out(rect.height, rect.width, image.channels());
  for (int y = 0; y < rect.height; ++y) {
    const int sy = rect.y + y;
    if (sy < 0 || sy >= image.height()) continue;
    for (int x = 0; x < rect.width; ++x) {
      const int sx = rect.x + x;
      if (sx < 0 || sx >= image.width()) continue;
      for (int c = 0; c < image.channels(); ++c) out.at(y, x, c) = image.at(sy, sx, c);
    }
  }
  return out;
}

float Recognizer::distance(const std::vector<float>& a, const std::vector<float>& b) const {
  FERGUARD_CHECK(a.size() == b.size(), "{} distance: embeddings of length {} and {}", name(), a.size(), b.size());
  double dot = 0, na = 0, nb = 0, sq = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    sq += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  if (distance_kind() == DistanceKind::euclidean) return static_cast<float>(std::sqrt(sq));
  const double denom = std::sqrt(na) * std::sqrt(nb);
  return static_cast<float>(denom > 0 ? 1.0 - dot / denom : 1.0);
}

std::vector<std::vector<float>> Recognizer::embed_faces(const Image& image, const std::vector<Face>& faces) const {
  std::vector<Image> crops;
  for (const Face& f : faces) crops.push_back(crop_with_padding(image, crop_rect(f, image.width(), image.height())));
  if (crops.empty()) return {};
  return embed(crops);
}

std::vector<FaceAttributes> AttributeModel::predict_faces(const Image& image, const std::vector<Face>& faces) const {
  std::vector<Image> crops;
  for (const Face& f : faces) crops.push_back(crop_with_padding(image, crop_rect(f, image.width(), image.height())));
  if (crops.empty()) return {};
  return predict(crops);
}

std::vector<ExpressionScores> ExpressionModel::predict_faces(const Image& image, const std::vector<Face>& faces) const {
  std::vector<Image> crops;
  for (const Face& f : faces) crops.push_back(crop_with_padding(image, crop_rect(f, image.width(), image.height())));
  if (crops.empty()) return {};
  return predict(crops);
}

namespace {

FaceNetOptions faceapi_options(const ModelOptions& o) {
  FaceNetOptions f;
  f.models_dir = o.faceapi_dir;
  f.threads = o.threads;
  f.device = o.device;
  f.max_batch = o.max_batch;
  return f;
}

// face-api's recognition net with face-api's own (dlib-aligned) crop.
class FaceApiRecognizer final : public Recognizer {
 public:
  explicit FaceApiRecognizer(const ModelOptions& o) : net_(faceapi_options(o)) {}
  std::string name() const override { return "faceapi"; }
  int dim() const override { return kFaceDescriptorSize; }
  DistanceKind distance_kind() const override { return DistanceKind::euclidean; }
  float threshold() const override { return RecognitionNet::kMatchThreshold; }
  PixelRect crop_rect(const Face& face, int w, int h) const override {
    return recognition_crop(face.landmarks, w, h);
  }
  std::vector<std::vector<float>> embed(const std::vector<Image>& crops) const override {
    std::vector<std::vector<float>> out;
    for (const FaceDescriptor& d : net_.embed(crops)) out.emplace_back(d.begin(), d.end());
    return out;
  }

 private:
  RecognitionNet net_;
};

class FaceApiExpressionModel final : public ExpressionModel {
 public:
  explicit FaceApiExpressionModel(const ModelOptions& o) : net_(faceapi_options(o)) {}
  std::string name() const override { return "faceapi"; }
  PixelRect crop_rect(const Face& face, int w, int h) const override {
    return expression_crop(face.landmarks, w, h);
  }
  std::vector<ExpressionScores> predict(const std::vector<Image>& crops) const override { return net_.predict(crops); }

 private:
  ExpressionNet net_;
};

std::string known(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

const std::vector<std::string>& recognizer_names() {
  static const std::vector<std::string> names = {"faceapi", "faceres", "mobileface"};
  return names;
}

const std::vector<std::string>& expression_model_names() {
  static const std::vector<std::string> names = {"faceapi", "emotion"};
  return names;
}

const std::vector<std::string>& attribute_model_names() {
  static const std::vector<std::string> names = {"faceres"};
  return names;
}

std::unique_ptr<Recognizer> make_recognizer(const std::string& name, const ModelOptions& options) {
  options.validate();
  if (name == "faceapi") return std::make_unique<FaceApiRecognizer>(options);
  if (name == "faceres" || name == "mobileface") return detail::make_graph_recognizer(name, options);
  throw InvalidArgument(fmt::format("recogniser '{}': expected one of {}", name, known(recognizer_names())));
}

std::unique_ptr<ExpressionModel> make_expression_model(const std::string& name, const ModelOptions& options) {
  options.validate();
  if (name == "faceapi") return std::make_unique<FaceApiExpressionModel>(options);
  if (name == "emotion") return detail::make_graph_expression_model(options);
  throw InvalidArgument(fmt::format("expression model '{}': expected one of {}", name, known(expression_model_names())));
}

std::unique_ptr<AttributeModel> make_attribute_model(const std::string& name, const ModelOptions& options) {
  options.validate();
  if (name == "faceres") return detail::make_graph_attribute_model(options);
  throw InvalidArgument(fmt::format("attribute model '{}': expected one of {}", name, known(attribute_model_names())));
}

}  // namespace ferguard

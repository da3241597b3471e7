// The Recognizer / ExpressionModel interfaces, crops, distances and the name-based factories.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
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

void GraphRecognizerSpec::validate() const {
  FERGUARD_CHECK(!name.empty(), "GraphRecognizerSpec.name: expected a non-empty name");
  FERGUARD_CHECK(!model_path.empty(), "GraphRecognizerSpec.model_path: expected a model.json path, got an empty one");
  FERGUARD_CHECK(size >= 1 && size <= 4096, "GraphRecognizerSpec.size: expected 1..4096, got {}", size);
  FERGUARD_CHECK(std::isfinite(range_lo) && std::isfinite(range_hi) && range_lo < range_hi,
                 "GraphRecognizerSpec.range: expected finite range_lo < range_hi, got {} and {}", range_lo, range_hi);
  FERGUARD_CHECK(distance == DistanceKind::cosine || distance == DistanceKind::euclidean,
                 "GraphRecognizerSpec.distance: expected cosine or euclidean, got {}", static_cast<int>(distance));
  FERGUARD_CHECK(std::isfinite(crop) && crop > 0.0f, "GraphRecognizerSpec.crop: expected > 0, got {}", crop);
  FERGUARD_CHECK(std::isfinite(threshold) && threshold >= 0.0f,
                 "GraphRecognizerSpec.threshold: expected >= 0 (0 = not given), got {}", threshold);
}

namespace {

// Whole-string numbers: "12" and "0.5" but not "12px", "" or "nan".
bool parse_float(const std::string& s, float& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  errno = 0;
  const float v = std::strtof(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || v < INT_MIN || v > INT_MAX) return false;
  out = static_cast<int>(v);
  return true;
}

// "LO-HI" with either side possibly negative: the first '-' (not the leading sign) that splits it into two numbers.
bool parse_range(const std::string& s, float& lo, float& hi) {
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i] == '-' && parse_float(s.substr(0, i), lo) && parse_float(s.substr(i + 1), hi)) return true;
  return false;
}

}  // namespace

GraphRecognizerSpec parse_graph_recognizer_spec(const std::string& text) {
  auto fail = [&](const std::string& part, const std::string& why) {
    return InvalidArgument(fmt::format("graph recogniser spec '{}': {}: {}", text, part, why));
  };
  const char* form = "expected NAME=PATH/model.json[:size=112,range=0-255,distance=cosine,crop=1.2,threshold=T,output=NODE]";
  const auto eq = text.find('=');
  if (eq == std::string::npos) throw fail("no '='", form);
  GraphRecognizerSpec spec;
  spec.name = text.substr(0, eq);
  if (spec.name.empty()) throw fail("empty name", form);
  // The path may itself contain ':'; the options begin after the last ':' only when what follows has an '='.
  const std::string rest = text.substr(eq + 1);
  std::string options;
  const auto colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find('=', colon) != std::string::npos) {
    spec.model_path = rest.substr(0, colon);
    options = rest.substr(colon + 1);
  } else {
    spec.model_path = rest;
  }
  if (spec.model_path.empty()) throw fail("empty path", form);
  std::vector<std::string> seen;
  std::size_t begin = 0;
  while (!options.empty() && begin <= options.size()) {
    std::size_t end = options.find(',', begin);
    if (end == std::string::npos) end = options.size();
    const std::string item = options.substr(begin, end - begin);
    begin = end + 1;
    const auto e = item.find('=');
    if (e == std::string::npos) throw fail("'" + item + "'", "expected KEY=VALUE");
    const std::string key = item.substr(0, e), value = item.substr(e + 1);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) throw fail("'" + item + "'", "key given twice");
    seen.push_back(key);
    const std::string part = "'" + item + "'";
    if (key == "size") {
      if (!parse_int(value, spec.size)) throw fail(part, "expected an integer side in pixels");
    } else if (key == "range") {
      if (!parse_range(value, spec.range_lo, spec.range_hi)) throw fail(part, "expected LO-HI, e.g. 0-255 or -1-1");
    } else if (key == "distance") {
      if (value == "cosine") spec.distance = DistanceKind::cosine;
      else if (value == "euclidean") spec.distance = DistanceKind::euclidean;
      else throw fail(part, "expected cosine or euclidean");
    } else if (key == "crop") {
      if (!parse_float(value, spec.crop)) throw fail(part, "expected a number");
    } else if (key == "threshold") {
      if (!parse_float(value, spec.threshold)) throw fail(part, "expected a number");
    } else if (key == "output") {
      if (value.empty()) throw fail(part, "expected a node name");
      spec.output = value;
    } else {
      throw fail(part, "unknown key (expected size, range, distance, crop, threshold or output)");
    }
  }
  try {
    spec.validate();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(fmt::format("graph recogniser spec '{}': {}", text, e.what()));
  }
  return spec;
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

std::unique_ptr<Recognizer> make_graph_recognizer(const GraphRecognizerSpec& spec, const ModelOptions& options) {
  options.validate();
  spec.validate();
  return detail::make_user_graph_recognizer(spec, options);
}

}  // namespace ferguard

// FaceAnalyzer: face-api's pipeline (detector -> landmarks -> expression / recognition crops).
#include "ferguard/model/face_analyzer.h"

#include "detail/check.h"
#include "ferguard/face/face_crops.h"

namespace ferguard {

void FaceAnalyzerOptions::validate() const {
  detector.validate();
  net_options().validate();
  FERGUARD_CHECK(detector_threads >= -1, "FaceAnalyzerOptions.detector_threads: expected -1 (= threads) or >= 0, got {}",
                 detector_threads);
}

FaceNetOptions FaceAnalyzerOptions::net_options() const {
  FaceNetOptions o;
  o.models_dir = models_dir;
  o.threads = threads;
  o.device = device;
  o.max_batch = max_batch;
  return o;
}

struct FaceAnalyzer::Impl {
  FaceAnalyzerOptions options;
  FaceDetector detector;
  LandmarkNet landmarks;
  ExpressionNet expression;
  RecognitionNet recognition;

  explicit Impl(FaceAnalyzerOptions o)
      : options((o.validate(), std::move(o))),
        detector(
            [&] {
              FaceNetOptions n = options.net_options();
              if (options.detector_threads >= 0) n.threads = options.detector_threads;
              return n;
            }(),
            options.detector),
        landmarks(options.net_options()),
        expression(options.net_options()),
        recognition(options.net_options()) {}

  static void check_rgb(const Image& image) {
    FERGUARD_CHECK(!image.empty() && image.channels() == 3, "face analyzer: expected an HxWx3 RGB image, got {}x{}x{}",
                   image.height(), image.width(), image.channels());
  }

  // Crops of each face (skipping empty ones) and their positions in `faces`.
  template <typename CropFn>
  static std::pair<std::vector<Image>, std::vector<std::size_t>> crops(const Image& image,
                                                                       const std::vector<Face>& faces,
                                                                       CropFn&& crop_of) {
    check_rgb(image);
    std::vector<Image> out;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < faces.size(); ++i) {
      FERGUARD_CHECK(faces[i].landmarks.size() == static_cast<std::size_t>(kNumFaceLandmarks),
                     "face {}: expected {} landmarks, got {} (run detect() first)", i, kNumFaceLandmarks,
                     faces[i].landmarks.size());
      const PixelRect r = crop_of(faces[i].landmarks, image.width(), image.height());
      if (r.width <= 0 || r.height <= 0) continue;
      out.push_back(crop_image(image, r));
      index.push_back(i);
    }
    return {std::move(out), std::move(index)};
  }
};

FaceAnalyzer::FaceAnalyzer(FaceAnalyzerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
FaceAnalyzer::~FaceAnalyzer() = default;
FaceAnalyzer::FaceAnalyzer(FaceAnalyzer&&) noexcept = default;
FaceAnalyzer& FaceAnalyzer::operator=(FaceAnalyzer&&) noexcept = default;

std::vector<std::vector<Face>> FaceAnalyzer::detect(const std::vector<Image>& images) const {
  std::vector<std::vector<Face>> faces = impl_->landmarks.locate(images, impl_->detector.detect(images));
  for (std::vector<Face>& list : faces) {
    std::vector<Face> kept;
    for (Face& f : list)
      if (!f.landmarks.empty()) kept.push_back(std::move(f));
    list = std::move(kept);
  }
  return faces;
}

std::vector<Face> FaceAnalyzer::detect(const Image& image) const {
  std::vector<Face> faces = impl_->landmarks.locate(image, impl_->detector.detect(image));
  std::vector<Face> kept;
  for (Face& f : faces)
    if (!f.landmarks.empty()) kept.push_back(std::move(f));
  return kept;
}

std::vector<Face> FaceAnalyzer::locate(const Image& image, const std::vector<Face>& faces) const {
  Impl::check_rgb(image);
  if (faces.empty()) return {};
  return impl_->landmarks.locate(image, faces);
}

std::vector<ExpressionScores> FaceAnalyzer::expressions(const Image& image, const std::vector<Face>& faces) const {
  auto [crops, index] = Impl::crops(image, faces, expression_crop);
  std::vector<ExpressionScores> out(faces.size());
  if (crops.empty()) return out;
  const std::vector<ExpressionScores> probs = impl_->expression.predict(crops);
  for (std::size_t k = 0; k < index.size(); ++k) out[index[k]] = probs[k];
  return out;
}

std::vector<FaceDescriptor> FaceAnalyzer::descriptors(const Image& image, const std::vector<Face>& faces) const {
  auto [crops, index] = Impl::crops(image, faces, recognition_crop);
  std::vector<FaceDescriptor> out(faces.size(), FaceDescriptor{});
  if (crops.empty()) return out;
  const std::vector<FaceDescriptor> d = impl_->recognition.embed(crops);
  for (std::size_t k = 0; k < index.size(); ++k) out[index[k]] = d[k];
  return out;
}

const FaceAnalyzerOptions& FaceAnalyzer::options() const { return impl_->options; }

}  // namespace ferguard

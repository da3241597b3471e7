// Public face-api detector and landmark net: options, weight loading, batching, face-api's coordinate rules.
#include "ferguard/model/face_detector.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cmath>

#include "detail/check.h"
#include "model/activations.h"
#include "model/model_files.h"
#include "ferguard/face/face_crops.h"
#include "model/faceapi_landmark.h"
#include "model/faceapi_preprocess.h"
#include "model/faceapi_ssd.h"
#include "model/model_paths.h"
#include "model/tfjs_weights.h"
#include "model/torch_runtime.h"

namespace ferguard {

void FaceDetectorOptions::validate() const {
  FERGUARD_CHECK(min_confidence > 0.0f && min_confidence < 1.0f,
                 "FaceDetectorOptions.min_confidence: expected a value in (0, 1), got {}", min_confidence);
  FERGUARD_CHECK(iou_threshold >= 0.0f && iou_threshold <= 1.0f,
                 "FaceDetectorOptions.iou_threshold: expected a value in [0, 1], got {}", iou_threshold);
  FERGUARD_CHECK(max_results >= 1, "FaceDetectorOptions.max_results: expected >= 1, got {}", max_results);
  FERGUARD_CHECK(max_pixels >= 1, "FaceDetectorOptions.max_pixels: expected >= 1, got {}", max_pixels);
}

namespace {

// Loads one face-api model into a frozen module on the requested device.
template <typename Net>
std::shared_ptr<Net> load_net(const FaceNetOptions& options, const std::string& model, std::string* path) {
  options.validate();
  *path = detail::model_manifest_path(options.models_dir, model);
  auto net = std::make_shared<Net>(detail::TfjsWeights::load(*path));
  net->eval();
  net->to(detail::parse_device(options.device));
  return net;
}

}  // namespace

struct FaceDetector::Impl {
  FaceNetOptions net_options;
  FaceDetectorOptions detection;
  std::string weights_path;
  c10::Device device{c10::kCPU};
  std::shared_ptr<detail::SsdMobilenetV1Impl> net;
  detail::ActivationPool pool;  // activations of the forward passes

  std::vector<std::vector<Face>> detect(const std::vector<const Image*>& images) const {
    c10::InferenceMode guard;
    detail::ScopedTorchThreads threads(net_options.threads);
    detail::ActivationScope scope(pool);
    const detail::NmsParams nms{detection.min_confidence, detection.iou_threshold, detection.max_results};
    std::vector<std::vector<Face>> out;
    out.reserve(images.size());
    for (std::size_t begin = 0; begin < images.size(); begin += net_options.max_batch) {
      const std::size_t end = std::min(images.size(), begin + static_cast<std::size_t>(net_options.max_batch));
      const std::vector<const Image*> chunk(images.begin() + begin, images.begin() + end);
      const at::Tensor input = detail::ssd_input(chunk).to(device);
      const detail::SsdRawOutput raw = net->forward(input);
      for (const at::Tensor& t : {raw.box_encodings, raw.class_logits}) {
        const at::Tensor c = t.to(at::kCPU).contiguous();
        detail::check_finite_values(c.data_ptr<float>(), static_cast<std::size_t>(c.numel()), weights_path,
                                    "the output");
      }
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        const detail::SsdDecoded d = detail::decode_ssd_output(raw, static_cast<std::int64_t>(i), net->anchors());
        std::vector<Face> faces;
        for (int idx : detail::faceapi_nms(d.boxes, d.scores, nms)) {
          const detail::ImageBox b =
              detail::ssd_box_to_image(d.boxes[idx], chunk[i]->width(), chunk[i]->height(), detail::kSsdInputSize);
          Face f;
          f.box = {static_cast<float>(b.x), static_cast<float>(b.y), static_cast<float>(b.width),
                   static_cast<float>(b.height)};
          f.score = d.scores[idx];
          faces.push_back(std::move(f));
        }
        out.push_back(std::move(faces));
      }
    }
    return out;
  }
};

FaceDetector::FaceDetector(FaceNetOptions net, FaceDetectorOptions detection) : impl_(std::make_unique<Impl>()) {
  detection.validate();
  impl_->net_options = std::move(net);
  impl_->detection = detection;
  impl_->net = load_net<detail::SsdMobilenetV1Impl>(impl_->net_options, "ssd_mobilenetv1_model", &impl_->weights_path);
  impl_->device = detail::parse_device(impl_->net_options.device);
}
FaceDetector::~FaceDetector() = default;
FaceDetector::FaceDetector(FaceDetector&&) noexcept = default;
FaceDetector& FaceDetector::operator=(FaceDetector&&) noexcept = default;

namespace {
void check_pixels(const Image& image, std::int64_t max_pixels) {
  const std::int64_t n = std::int64_t(image.width()) * image.height();
  FERGUARD_CHECK(n <= max_pixels, "image: {}x{} = {} pixels exceeds the limit of {} (max_pixels)", image.width(),
                 image.height(), n, max_pixels);
}
}  // namespace

std::vector<Face> FaceDetector::detect(const Image& image) const {
  check_pixels(image, impl_->detection.max_pixels);
  return impl_->detect({&image}).front();
}
std::vector<std::vector<Face>> FaceDetector::detect(const std::vector<Image>& images) const {
  std::vector<const Image*> ptrs;
  for (const Image& im : images) check_pixels(im, impl_->detection.max_pixels);
  for (const Image& im : images) ptrs.push_back(&im);
  return impl_->detect(ptrs);
}
const FaceNetOptions& FaceDetector::net_options() const { return impl_->net_options; }
const FaceDetectorOptions& FaceDetector::detection_options() const { return impl_->detection; }

struct LandmarkNet::Impl {
  FaceNetOptions options;
  std::string weights_path;
  c10::Device device{c10::kCPU};
  std::shared_ptr<detail::FaceLandmark68NetImpl> net;
  detail::ActivationPool pool;  // activations of the forward passes

  // Raw Nx136 outputs for crops of any sizes.
  at::Tensor raw(const std::vector<Image>& crops) const {
    c10::InferenceMode guard;
    detail::ScopedTorchThreads threads(options.threads);
    detail::ActivationScope scope(pool);
    const at::Tensor input = detail::faceapi_net_input(crops, kInputSize);
    std::vector<at::Tensor> outs;
    for (std::int64_t begin = 0; begin < input.size(0); begin += options.max_batch) {
      const std::int64_t end = std::min<std::int64_t>(begin + options.max_batch, input.size(0));
      outs.push_back(net->forward(input.slice(0, begin, end).to(device)).to(at::kCPU));
    }
    at::Tensor out = at::cat(outs, 0).contiguous();
    detail::check_finite_values(out.data_ptr<float>(), static_cast<std::size_t>(out.numel()), weights_path,
                                "the output");
    return out;
  }

  std::vector<std::vector<Face>> locate(const std::vector<const Image*>& images,
                                        const std::vector<std::vector<Face>>& faces) const {
    FERGUARD_CHECK(images.size() == faces.size(),
                   "landmarks: expected one face list per image, got {} images and {} lists", images.size(),
                   faces.size());
    std::vector<std::vector<Face>> out = faces;
    std::vector<Image> crops;
    std::vector<std::pair<std::size_t, std::size_t>> where;  // (image, face) of each crop
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Image& im = *images[i];
      FERGUARD_CHECK(!im.empty() && im.channels() == 3, "landmarks: image {}: expected an HxWx3 RGB image, got {}x{}x{}",
                     i, im.height(), im.width(), im.channels());
      for (std::size_t f = 0; f < faces[i].size(); ++f) {
        out[i][f].landmarks.clear();
        const PixelRect r = clip_at_image_borders(faces[i][f].box, im.width(), im.height());
        if (r.width <= 0 || r.height <= 0) continue;  // face-api would mis-pair results here; we skip the face
        crops.push_back(crop_image(im, r));
        where.emplace_back(i, f);
      }
    }
    if (crops.empty()) return out;
    const at::Tensor out_raw = raw(crops);
    for (std::size_t k = 0; k < crops.size(); ++k) {
      Face& face = out[where[k].first][where[k].second];
      const auto pts = detail::landmarks_in_crop(out_raw[static_cast<std::int64_t>(k)].data_ptr<float>(),
                                                 crops[k].width(), crops[k].height());
      // face-api shifts by the unfloored box corner although the crop starts at its floor.
      face.landmarks.reserve(kNumFaceLandmarks);
      for (const detail::PointD& p : pts)
        face.landmarks.push_back({static_cast<float>(p.x + face.box.x), static_cast<float>(p.y + face.box.y)});
    }
    return out;
  }
};

LandmarkNet::LandmarkNet(FaceNetOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->net = load_net<detail::FaceLandmark68NetImpl>(impl_->options, "face_landmark_68_model", &impl_->weights_path);
  impl_->device = detail::parse_device(impl_->options.device);
}
LandmarkNet::~LandmarkNet() = default;
LandmarkNet::LandmarkNet(LandmarkNet&&) noexcept = default;
LandmarkNet& LandmarkNet::operator=(LandmarkNet&&) noexcept = default;

std::vector<std::vector<Point2f>> LandmarkNet::predict(const std::vector<Image>& face_crops) const {
  if (face_crops.empty()) return {};
  const at::Tensor out = impl_->raw(face_crops);
  std::vector<std::vector<Point2f>> result;
  for (std::size_t i = 0; i < face_crops.size(); ++i) {
    const auto pts = detail::landmarks_in_crop(out[static_cast<std::int64_t>(i)].data_ptr<float>(),
                                               face_crops[i].width(), face_crops[i].height());
    std::vector<Point2f> v;
    for (const detail::PointD& p : pts) v.push_back({static_cast<float>(p.x), static_cast<float>(p.y)});
    result.push_back(std::move(v));
  }
  return result;
}

std::vector<std::vector<Face>> LandmarkNet::locate(const std::vector<Image>& images,
                                                   const std::vector<std::vector<Face>>& faces) const {
  std::vector<const Image*> ptrs;
  for (const Image& im : images) ptrs.push_back(&im);
  return impl_->locate(ptrs, faces);
}

std::vector<Face> LandmarkNet::locate(const Image& image, const std::vector<Face>& faces) const {
  return impl_->locate({&image}, {faces}).front();
}

const FaceNetOptions& LandmarkNet::options() const { return impl_->options; }
const std::string& LandmarkNet::weights_path() const { return impl_->weights_path; }

}  // namespace ferguard

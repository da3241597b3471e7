// Public face-api net classes: options, weight loading, chunked batched inference.
#include "ferguard/model/faceapi_nets.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstring>

#include "detail/check.h"
#include "model/activations.h"
#include "model/faceapi_modules.h"
#include "model/faceapi_preprocess.h"
#include "model/model_paths.h"
#include "model/model_files.h"
#include "model/tfjs_weights.h"
#include "model/torch_runtime.h"

namespace ferguard {

void FaceNetOptions::validate() const {
  detail::check_threads(threads, "FaceNetOptions.threads");
  FERGUARD_CHECK(max_batch >= 1, "FaceNetOptions.max_batch: expected >= 1, got {}", max_batch);
  detail::parse_device(device);
}

namespace {

// Common part of both nets: preprocessing, chunking, device transfer; `Net` maps Nx3xSxS to NxK.
template <typename Net>
struct NetRunner {
  FaceNetOptions options;
  std::string weights_path;
  c10::Device device{c10::kCPU};
  std::shared_ptr<Net> net;
  detail::ActivationPool pool;  // activations of this net's forward passes

  NetRunner(FaceNetOptions opts, const std::string& model) : options(std::move(opts)) {
    options.validate();
    device = detail::parse_device(options.device);
    weights_path = detail::model_manifest_path(options.models_dir, model);
    net = std::make_shared<Net>(detail::TfjsWeights::load(weights_path));
    net->eval();
    net->to(device);
  }

  // `input` is Nx3xSxS preprocessed on the CPU; returns NxK float on the CPU.
  at::Tensor run(const at::Tensor& input) const {
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

  at::Tensor run_images(const std::vector<Image>& crops, std::int64_t size) const {
    c10::InferenceMode guard;
    detail::ScopedTorchThreads threads(options.threads);
    detail::ActivationScope scope(pool);
    return run(detail::faceapi_net_input(crops, size));
  }

  at::Tensor run_tensor(const Tensor4& crops, std::int64_t size) const {
    const Shape4& s = crops.shape();
    FERGUARD_CHECK(s.n >= 1 && s.c == 3 && s.h >= 1 && s.w >= 1, "face crops: expected Nx3xHxW with N, H, W >= 1, got {}",
                   s.str());
    c10::InferenceMode guard;
    detail::ScopedTorchThreads threads(options.threads);
    detail::ActivationScope scope(pool);
    const at::Tensor x = at::from_blob(const_cast<float*>(crops.data()), {s.n, s.c, s.h, s.w}, at::kFloat) * 255.0f;
    return run(detail::faceapi_net_input(x, size));
  }
};

std::vector<ExpressionScores> to_scores(const at::Tensor& logits) {
  const at::Tensor probs = at::softmax(logits, 1).contiguous();
  std::vector<ExpressionScores> out(static_cast<std::size_t>(probs.size(0)));
  std::memcpy(out.data(), probs.data_ptr<float>(), sizeof(float) * probs.numel());
  return out;
}

std::vector<FaceDescriptor> to_descriptors(const at::Tensor& d) {
  std::vector<FaceDescriptor> out(static_cast<std::size_t>(d.size(0)));
  std::memcpy(out.data(), d.data_ptr<float>(), sizeof(float) * d.numel());
  return out;
}

static_assert(sizeof(ExpressionScores) == sizeof(float) * kNumExpressions, "ExpressionScores must be packed floats");
static_assert(sizeof(FaceDescriptor) == sizeof(float) * kFaceDescriptorSize, "FaceDescriptor must be packed floats");

}  // namespace

struct ExpressionNet::Impl : NetRunner<detail::ExpressionNetImpl> {
  using NetRunner::NetRunner;
};

ExpressionNet::ExpressionNet(FaceNetOptions options)
    : impl_(std::make_unique<Impl>(std::move(options), "face_expression_model")) {}
ExpressionNet::~ExpressionNet() = default;
ExpressionNet::ExpressionNet(ExpressionNet&&) noexcept = default;
ExpressionNet& ExpressionNet::operator=(ExpressionNet&&) noexcept = default;

std::vector<ExpressionScores> ExpressionNet::predict(const std::vector<Image>& face_crops) const {
  return to_scores(impl_->run_images(face_crops, kInputSize));
}
ExpressionScores ExpressionNet::predict(const Image& face_crop) const {
  return predict(std::vector<Image>{face_crop}).front();
}
std::vector<ExpressionScores> ExpressionNet::predict(const Tensor4& face_crops) const {
  return to_scores(impl_->run_tensor(face_crops, kInputSize));
}
const FaceNetOptions& ExpressionNet::options() const { return impl_->options; }
const std::string& ExpressionNet::weights_path() const { return impl_->weights_path; }

struct RecognitionNet::Impl : NetRunner<detail::RecognitionNetImpl> {
  using NetRunner::NetRunner;
};

RecognitionNet::RecognitionNet(FaceNetOptions options)
    : impl_(std::make_unique<Impl>(std::move(options), "face_recognition_model")) {}
RecognitionNet::~RecognitionNet() = default;
RecognitionNet::RecognitionNet(RecognitionNet&&) noexcept = default;
RecognitionNet& RecognitionNet::operator=(RecognitionNet&&) noexcept = default;

std::vector<FaceDescriptor> RecognitionNet::embed(const std::vector<Image>& face_crops) const {
  return to_descriptors(impl_->run_images(face_crops, kInputSize));
}
FaceDescriptor RecognitionNet::embed(const Image& face_crop) const {
  return embed(std::vector<Image>{face_crop}).front();
}
std::vector<FaceDescriptor> RecognitionNet::embed(const Tensor4& face_crops) const {
  return to_descriptors(impl_->run_tensor(face_crops, kInputSize));
}
const FaceNetOptions& RecognitionNet::options() const { return impl_->options; }
const std::string& RecognitionNet::weights_path() const { return impl_->weights_path; }

float descriptor_distance(const FaceDescriptor& a, const FaceDescriptor& b) {
  double s = 0.0;
  for (int i = 0; i < kFaceDescriptorSize; ++i) s += (static_cast<double>(a[i]) - b[i]) * (a[i] - b[i]);
  return static_cast<float>(std::sqrt(s));
}

}  // namespace ferguard

#pragma once
// LibTorch ports of face-api's nets (inference; weights are registered as frozen parameters so that the
// modules move with .to(device) and can be fine-tuned later). Inputs are already preprocessed
// (faceapi_preprocess.h): Nx3xSxS float, mean-subtracted and divided by 255.
#include <torch/nn/module.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "model/conv.h"

namespace ferguard::detail {

class TfjsWeights;

/// TF 'SAME' padding before and after along one axis of size `n`, for a kernel `k` at stride `s`: floor(total/2)
/// before and the rest after, so that the convolution gives ceil(n/s) outputs.
std::pair<std::int64_t, std::int64_t> tf_same_padding(std::int64_t n, std::int64_t k, std::int64_t s);

/// A TF 'SAME' convolution of NCHW `x` with a k x k OIHW `weight` at stride s: floor(total/2) zero rows/columns at
/// the top/left and the rest at the bottom/right, so that it gives ceil(n/s) outputs. The padding is conv2d's
/// (inside the oneDNN kernel when no gradient is needed), not a padded copy of `x`.
at::Tensor conv2d_tf_same(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                          std::int64_t groups = 1, ConvActivation act = ConvActivation::none);

/// face-api's FaceFeatureExtractor: dense0..dense3 (denseBlock4) then a 7x7 average -> Nx256.
/// Shared by the expression net and the 68-landmark net (same weight names `dense{0-3}/conv{0-3}/...`).
class FaceFeatureExtractorImpl : public torch::nn::Module {
 public:
  /// Reads `dense{0-3}/conv{0-3}/*` from `weights`; ModelError naming the tensor on a missing or misshapen one.
  explicit FaceFeatureExtractorImpl(const TfjsWeights& weights);
  /// Nx3x112x112 -> Nx256.
  at::Tensor forward(const at::Tensor& x);
  /// Nx3x112x112 -> output of dense block `b` (0..3), for tests and debugging.
  at::Tensor forward_until(const at::Tensor& x, int block);

 private:
  struct Separable {
    at::Tensor depthwise, pointwise, bias;
  };
  at::Tensor sep(const at::Tensor& x, const Separable& p, std::int64_t stride,
                 ConvActivation act = ConvActivation::none) const;
  at::Tensor dense_block(const at::Tensor& x, int b) const;

  at::Tensor conv0_filters_, conv0_bias_;            // dense0/conv0 (regular 3x3 conv)
  std::array<std::array<Separable, 4>, 4> seps_;     // [block][conv]; [0][0] unused
};

/// Expression net: feature extractor + fc(256 -> 7). forward returns logits; softmax gives face-api's output.
class ExpressionNetImpl : public torch::nn::Module {
 public:
  explicit ExpressionNetImpl(const TfjsWeights& weights);
  /// Nx3x112x112 -> Nx7 logits (ferguard/face-api label order).
  at::Tensor forward(const at::Tensor& x);
  FaceFeatureExtractorImpl& features() { return *features_; }

 private:
  std::shared_ptr<FaceFeatureExtractorImpl> features_;
  at::Tensor fc_weight_, fc_bias_;
};

/// Recognition net: dlib ResNet-34-like -> 128-d raw descriptor (not L2-normalised).
class RecognitionNetImpl : public torch::nn::Module {
 public:
  explicit RecognitionNetImpl(const TfjsWeights& weights);
  /// Nx3x150x150 -> Nx128.
  at::Tensor forward(const at::Tensor& x);

 private:
  struct ConvLayer {  // conv with the per-channel scale folded in: W*s, b*s + sb
    at::Tensor weight, bias;
  };
  ConvLayer load_conv(const TfjsWeights& w, const std::string& prefix, std::int64_t k, std::int64_t in,
                      std::int64_t out);
  at::Tensor residual(const at::Tensor& x, const std::string& name) const;
  at::Tensor residual_down(const at::Tensor& x, const std::string& name) const;

  std::map<std::string, ConvLayer> convs_;  // "<layer>/conv1", "<layer>/conv2", "conv32_down"
  at::Tensor fc_weight_;                     // [128,256]
};

}  // namespace ferguard::detail

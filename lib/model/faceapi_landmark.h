#pragma once
// LibTorch port of face-api's FaceLandmark68Net (tools/reference/NETS.md section 2): the expression net's
// dense FaceFeatureExtractor (shared code, different weights) followed by a linear fc 256 -> 136.
#include <torch/nn/module.h>

#include <array>
#include <memory>
#include <vector>

#include "model/faceapi_modules.h"

namespace ferguard::detail {

class TfjsWeights;

class FaceLandmark68NetImpl : public torch::nn::Module {
 public:
  /// Reads `dense{0-3}/conv{0-3}/*`, `fc/weights` [256,136] and `fc/bias` [136] from `weights`.
  explicit FaceLandmark68NetImpl(const TfjsWeights& weights);
  /// Nx3x112x112 preprocessed crops (faceapi_net_input) -> Nx136 raw outputs x0,y0,x1,y1,... relative to the
  /// padded 112 square.
  at::Tensor forward(const at::Tensor& x);
  FaceFeatureExtractorImpl& features() { return *features_; }

 private:
  std::shared_ptr<FaceFeatureExtractorImpl> features_;
  at::Tensor fc_weight_, fc_bias_;
};

/// A landmark in double precision (face-api computes positions in JS numbers).
struct PointD {
  double x = 0.0;
  double y = 0.0;
};

/// face-api's postProcess + FaceLandmarks68 for one face: the 136 raw outputs of a crop of `crop_width` x
/// `crop_height` pixels -> 68 positions in crop pixels. The pad correction subtracts |w-h|/2 (scaled, not
/// rounded), although the centred pad put floor(|w-h|/2) before the crop: face-api's -0.5 px quirk on odd
/// differences is kept on purpose. float32 arithmetic as in tfjs, then double.
std::array<PointD, 68> landmarks_in_crop(const float* raw136, int crop_width, int crop_height);

}  // namespace ferguard::detail

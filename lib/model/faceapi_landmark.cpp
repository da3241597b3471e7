// face-api FaceLandmark68Net: network and output decoding.
#include "model/faceapi_landmark.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "model/activations.h"
#include "model/tfjs_weights.h"

namespace ferguard::detail {

FaceLandmark68NetImpl::FaceLandmark68NetImpl(const TfjsWeights& w) {
  features_ = register_module("features", std::make_shared<FaceFeatureExtractorImpl>(w));
  fc_weight_ = register_parameter("fc_weights", w.fc_weights("fc/weights", 256, 136), false);
  fc_bias_ = register_parameter("fc_bias", w.vector("fc/bias", 136), false);
}

at::Tensor FaceLandmark68NetImpl::forward(const at::Tensor& x) {
  return act::linear(features_->forward(x), fc_weight_, fc_bias_);
}

std::array<PointD, 68> landmarks_in_crop(const float* raw, int crop_width, int crop_height) {
  constexpr double kSize = 112.0;
  const double scale = kSize / std::max(crop_width, crop_height);
  const double ws = crop_width * scale, hs = crop_height * scale;  // not rounded
  const double pad_x = ws < hs ? std::abs(ws - hs) / 2.0 : 0.0;
  const double pad_y = hs < ws ? std::abs(ws - hs) / 2.0 : 0.0;
  // tfjs does mul/sub/div on float32 tensors filled with these numbers.
  const float fs = static_cast<float>(kSize), fpx = static_cast<float>(pad_x), fpy = static_cast<float>(pad_y);
  const float fws = static_cast<float>(ws), fhs = static_cast<float>(hs);
  std::array<PointD, 68> out;
  for (int i = 0; i < 68; ++i) {
    const float rx = (raw[2 * i] * fs - fpx) / fws;
    const float ry = (raw[2 * i + 1] * fs - fpy) / fhs;
    out[i] = {static_cast<double>(rx) * crop_width, static_cast<double>(ry) * crop_height};
  }
  return out;
}

}  // namespace ferguard::detail

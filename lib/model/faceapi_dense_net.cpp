// face-api FaceFeatureExtractor (dense net) and FaceExpressionNet.
#include <ATen/ATen.h>

#include <fmt/format.h>

#include "model/activations.h"
#include "model/conv.h"
#include "model/faceapi_modules.h"
#include "model/tfjs_weights.h"

namespace ferguard::detail {

std::pair<std::int64_t, std::int64_t> tf_same_padding(std::int64_t n, std::int64_t k, std::int64_t s) {
  const std::int64_t out = (n + s - 1) / s;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * s + k - n, 0);
  return {total / 2, total - total / 2};
}

at::Tensor conv2d_tf_same(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, std::int64_t stride,
                          std::int64_t groups, ConvActivation act) {
  const auto [top, bottom] = tf_same_padding(x.size(2), weight.size(2), stride);
  const auto [left, right] = tf_same_padding(x.size(3), weight.size(3), stride);
  return conv2d(x, weight, bias, {stride, stride}, {top, left}, {bottom, right}, {1, 1}, groups, act);
}

namespace {
constexpr std::array<std::int64_t, 4> kBlockChannels = {32, 64, 128, 256};
}

FaceFeatureExtractorImpl::FaceFeatureExtractorImpl(const TfjsWeights& w) {
  conv0_filters_ = register_parameter("dense0_conv0_filters", conv_weight_layout(w.conv_filters("dense0/conv0/filters", 3, 3, 3, 32)), false);
  conv0_bias_ = register_parameter("dense0_conv0_bias", w.vector("dense0/conv0/bias", 32), false);
  for (int b = 0; b < 4; ++b) {
    const std::int64_t out = kBlockChannels[b];
    for (int c = (b == 0 ? 1 : 0); c < 4; ++c) {
      const std::int64_t in = (c == 0) ? kBlockChannels[b - 1] : out;
      const std::string tf = fmt::format("dense{}/conv{}/", b, c), id = fmt::format("dense{}_conv{}_", b, c);
      Separable& p = seps_[b][c];
      p.depthwise = register_parameter(id + "depthwise_filter", conv_weight_layout(w.depthwise_filters(tf + "depthwise_filter", 3, 3, in)), false);
      p.pointwise = register_parameter(id + "pointwise_filter", conv_weight_layout(w.pointwise_filters(tf + "pointwise_filter", in, out)), false);
      p.bias = register_parameter(id + "bias", w.vector(tf + "bias", out), false);
    }
  }
}

at::Tensor FaceFeatureExtractorImpl::sep(const at::Tensor& x, const Separable& p, std::int64_t stride,
                                         ConvActivation act) const {
  // Stride-1 SAME on a 3x3 kernel is symmetric padding 1; stride 2 on even sizes pads only bottom/right.
  const at::Tensor dw = conv2d_tf_same(x, p.depthwise, {}, stride, x.size(1));
  return conv2d(dw, p.pointwise, p.bias, {1, 1}, {0, 0}, {0, 0}, {1, 1}, 1, act);
}

at::Tensor FaceFeatureExtractorImpl::dense_block(const at::Tensor& x, int b) const {
  // The first conv's ReLU runs inside the convolution kernel.
  const at::Tensor out1 = b == 0 ? conv2d_tf_same(x, conv0_filters_, conv0_bias_, 2, 1, ConvActivation::relu)
                                 : sep(x, seps_[b][0], 2, ConvActivation::relu);
  // The running sum out1 + out2 (+ out3 (+ out4)), added in place in the same order: fewer activations allocated.
  at::Tensor sum = act::add(out1, sep(out1, seps_[b][1], 1));
  sum.add_(sep(act::relu(sum), seps_[b][2], 1));
  sum.add_(sep(act::relu(sum), seps_[b][3], 1));
  return sum.relu_();
}

at::Tensor FaceFeatureExtractorImpl::forward_until(const at::Tensor& x, int block) {
  at::Tensor out = x;
  for (int b = 0; b <= block && b < 4; ++b) out = dense_block(out, b);
  return out;
}

at::Tensor FaceFeatureExtractorImpl::forward(const at::Tensor& x) {
  // avgPool 7x7 stride 2 'valid' on the 7x7 output of dense3 is the global mean.
  return act::mean(forward_until(x, 3), {2, 3});
}

ExpressionNetImpl::ExpressionNetImpl(const TfjsWeights& w) {
  features_ = register_module("features", std::make_shared<FaceFeatureExtractorImpl>(w));
  fc_weight_ = register_parameter("fc_weights", w.fc_weights("fc/weights", 256, 7), false);
  fc_bias_ = register_parameter("fc_bias", w.vector("fc/bias", 7), false);
}

at::Tensor ExpressionNetImpl::forward(const at::Tensor& x) { return act::linear(features_->forward(x), fc_weight_, fc_bias_); }

}  // namespace ferguard::detail

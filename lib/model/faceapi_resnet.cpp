// face-api FaceRecognitionNet (dlib's ResNet-34-like metric net).
#include <ATen/ATen.h>

#include <fmt/format.h>

#include "model/activations.h"
#include "model/conv.h"
#include "model/faceapi_modules.h"
#include "model/tfjs_weights.h"

namespace ferguard::detail {
namespace {
struct LayerDesc {
  const char* name;
  std::int64_t in, out;
  bool down;
};
constexpr LayerDesc kLayers[] = {
    {"conv32_1", 32, 32, false},     {"conv32_2", 32, 32, false},    {"conv32_3", 32, 32, false},
    {"conv64_down", 32, 64, true},   {"conv64_1", 64, 64, false},    {"conv64_2", 64, 64, false},
    {"conv64_3", 64, 64, false},     {"conv128_down", 64, 128, true}, {"conv128_1", 128, 128, false},
    {"conv128_2", 128, 128, false},  {"conv256_down", 128, 256, true}, {"conv256_1", 256, 256, false},
    {"conv256_2", 256, 256, false},  {"conv256_down_out", 256, 256, true},
};
at::Tensor conv(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, std::int64_t stride, std::int64_t pad,
                ConvActivation act = ConvActivation::none) {
  return detail::conv2d(x, w, b, {stride, stride}, {pad, pad}, {pad, pad}, {1, 1}, 1, act);
}
std::string param_id(const std::string& s) {
  std::string id = s;
  for (char& c : id)
    if (c == '/') c = '_';
  return id;
}
}  // namespace

RecognitionNetImpl::ConvLayer RecognitionNetImpl::load_conv(const TfjsWeights& w, const std::string& prefix,
                                                            std::int64_t k, std::int64_t in, std::int64_t out) {
  const at::Tensor filters = w.conv_filters(prefix + "/conv/filters", k, k, in, out);
  const at::Tensor bias = w.vector(prefix + "/conv/bias", out);
  const at::Tensor scale = w.vector(prefix + "/scale/weights", out);
  const at::Tensor shift = w.vector(prefix + "/scale/biases", out);
  // (conv(x) + b) * s + sb == conv_{W*s}(x) + (b*s + sb): one conv instead of conv, mul and add.
  ConvLayer c;
  c.weight = register_parameter(param_id(prefix) + "_weight", conv_weight_layout(filters * scale.view({-1, 1, 1, 1})), false);
  c.bias = register_parameter(param_id(prefix) + "_bias", bias * scale + shift, false);
  return c;
}

RecognitionNetImpl::RecognitionNetImpl(const TfjsWeights& w) {
  convs_["conv32_down"] = load_conv(w, "conv32_down", 7, 3, 32);
  for (const LayerDesc& l : kLayers) {
    convs_[std::string(l.name) + "/conv1"] = load_conv(w, std::string(l.name) + "/conv1", 3, l.in, l.out);
    convs_[std::string(l.name) + "/conv2"] = load_conv(w, std::string(l.name) + "/conv2", 3, l.out, l.out);
  }
  fc_weight_ = register_parameter("fc", w.fc_weights("fc", 256, 128), false);
}

at::Tensor RecognitionNetImpl::residual(const at::Tensor& x, const std::string& name) const {
  const ConvLayer& c1 = convs_.at(name + "/conv1");
  const ConvLayer& c2 = convs_.at(name + "/conv2");
  at::Tensor out = conv(conv(x, c1.weight, c1.bias, 1, 1, ConvActivation::relu), c2.weight, c2.bias, 1, 1);
  return out.add_(x).relu_();
}

at::Tensor RecognitionNetImpl::residual_down(const at::Tensor& x, const std::string& name) const {
  const ConvLayer& c1 = convs_.at(name + "/conv1");
  const ConvLayer& c2 = convs_.at(name + "/conv2");
  at::Tensor out = conv(x, c1.weight, c1.bias, 2, 0, ConvActivation::relu);  // stride 2, VALID
  out = conv(out, c2.weight, c2.bias, 1, 1);
  at::Tensor shortcut = act::avg_pool2d(x, {2, 2}, {2, 2});
  if (out.size(2) != shortcut.size(2) || out.size(3) != shortcut.size(3)) {
    out = act::constant_pad_nd(out, {0, 1, 0, 1}, 0.0);  // one zero row at the bottom, one column at the right
  }
  // face-api appends zero channels to the pooled shortcut (a plain concat, no 1x1 projection): adding it to the
  // first channels only gives the same sums without building the zeros.
  out.narrow(1, 0, shortcut.size(1)).add_(shortcut);
  return out.relu_();
}

at::Tensor RecognitionNetImpl::forward(const at::Tensor& x) {
  const ConvLayer& c0 = convs_.at("conv32_down");
  at::Tensor out = conv(x, c0.weight, c0.bias, 2, 0, ConvActivation::relu);
  out = act::max_pool2d(out, {3, 3}, {2, 2});
  for (const LayerDesc& l : kLayers) out = l.down ? residual_down(out, l.name) : residual(out, l.name);
  return act::linear(act::mean(out, {2, 3}), fc_weight_);
}

}  // namespace ferguard::detail

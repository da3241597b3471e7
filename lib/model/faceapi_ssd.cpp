// face-api SsdMobilenetv1: preprocessing, network and output decoding (tools/reference/NETS.md section 1).
#include "model/faceapi_ssd.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "detail/check.h"
#include "model/faceapi_modules.h"
#include "model/faceapi_preprocess.h"
#include "model/tfjs_weights.h"
#include "model/activations.h"
#include "model/conv.h"

namespace ferguard::detail {
namespace {

constexpr double kBatchNormEps = 0.0010000000474974513;  // float32(1e-3), as in the TF graph
constexpr std::array<std::int64_t, 14> kChannels = {32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
constexpr int kConv11Stage = 11;  // predictor 0 reads the output of pair 11

std::int64_t pair_stride(int k) { return (k == 2 || k == 4 || k == 6 || k == 12) ? 2 : 1; }

struct ExtraSpec {
  std::int64_t k, in, out, stride;
};
constexpr std::array<ExtraSpec, 8> kExtra = {{{1, 1024, 256, 1},
                                              {3, 256, 512, 2},
                                              {1, 512, 128, 1},
                                              {3, 128, 256, 2},
                                              {1, 256, 128, 1},
                                              {3, 128, 256, 2},
                                              {1, 256, 64, 1},
                                              {3, 64, 128, 2}}};
constexpr std::array<std::int64_t, 6> kHeadChannels = {512, 1024, 512, 256, 256, 128};
constexpr std::array<std::int64_t, 6> kHeadAnchors = {3, 6, 6, 6, 6, 6};

}  // namespace

namespace {
void check_ssd_images(const std::vector<const Image*>& images) {
  FERGUARD_CHECK(!images.empty(), "face detector: expected at least one image, got none");
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Image& im = *images[i];
    FERGUARD_CHECK(!im.empty() && im.channels() == 3, "face detector: image {}: expected an HxWx3 RGB image, got {}x{}x{}",
                   i, im.height(), im.width(), im.channels());
  }
}
}  // namespace

at::Tensor ssd_input(const std::vector<const Image*>& images) {
  check_ssd_images(images);
  constexpr std::int64_t n = kSsdInputSize;
  at::Tensor out = new_activation({static_cast<std::int64_t>(images.size()), 3, n, n}, at::kFloat);
  float* dst = out.data_ptr<float>();
  for (const Image* image : images) {
    const Image& im = *image;
    const std::int64_t h = im.height(), w = im.width(), side = std::max(h, w);
    // resize_bilinear_legacy's taps on the padded square; a tap past the image reads 0.
    const LegacyResizeTaps taps = legacy_resize_taps(side, n);
    const auto& i0 = taps.i0;
    const auto& i1 = taps.i1;
    const auto& frac = taps.frac;
    const std::uint8_t* px = im.data();
    const std::vector<std::uint8_t> zeros(static_cast<std::size_t>(w) * 3, 0);  // a row of the padding
    // Output columns [0, full) read two columns of the image; the rest read the padding on one side or both.
    std::int64_t full = 0;
    while (full < n && i1[full] < w) ++full;
    const std::int64_t plane = n * n;
    for (std::int64_t oy = 0; oy < n; ++oy, dst += n) {
      const std::int64_t y0 = i0[oy], y1 = i1[oy];
      const float wy = frac[oy];
      if (y0 >= h) {  // both rows in the padding: 0 / 127.5 - 1
        for (int c = 0; c < 3; ++c) std::fill(dst + c * plane, dst + c * plane + n, -1.0f);
        continue;
      }
      const std::uint8_t* top = px + y0 * w * 3;
      const std::uint8_t* bottom = y1 < h ? px + y1 * w * 3 : zeros.data();
      auto lerp = [&](std::int64_t ox, float tl, float tr, float bl, float br, int c) {
        const float t = tl + (tr - tl) * frac[ox];
        const float b = bl + (br - bl) * frac[ox];
        dst[c * plane + ox] = t + (b - t) * wy;
      };
      for (std::int64_t ox = 0; ox < full; ++ox) {
        const std::int64_t a = i0[ox] * 3, b = i1[ox] * 3;
        for (int c = 0; c < 3; ++c) lerp(ox, top[a + c], top[b + c], bottom[a + c], bottom[b + c], c);
      }
      for (std::int64_t ox = full; ox < n; ++ox) {
        const std::int64_t x0 = i0[ox], x1 = i1[ox];
        for (int c = 0; c < 3; ++c) {
          const float tl = x0 < w ? top[x0 * 3 + c] : 0.0f, bl = x0 < w ? bottom[x0 * 3 + c] : 0.0f;
          const float tr = x1 < w ? top[x1 * 3 + c] : 0.0f, br = x1 < w ? bottom[x1 * 3 + c] : 0.0f;
          lerp(ox, tl, tr, bl, br, c);
        }
      }
      // face-api divides first, then subtracts (float32); a separate pass so that it runs in vector registers.
      for (int c = 0; c < 3; ++c) {
        float* row = dst + c * plane;
        for (std::int64_t ox = 0; ox < n; ++ox) row[ox] = row[ox] / 127.5f - 1.0f;
      }
    }
    dst += 2 * plane;  // past the image's other two planes
  }
  return out;
}

at::Tensor ssd_input_reference(const std::vector<const Image*>& images) {
  check_ssd_images(images);
  std::vector<at::Tensor> items;
  items.reserve(images.size());
  for (const Image* im : images) {
    at::Tensor x = pad_to_square(image_to_tensor255(*im), /*centered=*/false);
    if (x.size(2) != kSsdInputSize) x = resize_bilinear_legacy(x, kSsdInputSize, kSsdInputSize);
    items.push_back(x);
  }
  // face-api divides first, then subtracts (float32).
  return act::cat(items, 0).div_(127.5f).sub_(1.0f);
}

SsdMobilenetV1Impl::SsdMobilenetV1Impl(const TfjsWeights& w) {
  auto reg = [&](const std::string& id, const at::Tensor& t) {
    return register_parameter(id, t.dim() == 4 ? conv_weight_layout(t) : t, false);
  };
  conv0_ = {reg("conv0_weight", w.conv_filters("MobilenetV1/Conv2d_0_pointwise/weights", 3, 3, 3, 32)),
            reg("conv0_bias", w.vector("MobilenetV1/Conv2d_0_pointwise/convolution_bn_offset", 32)), 2, 1};
  for (int k = 1; k <= 13; ++k) {
    const std::int64_t in = kChannels[k - 1], out = kChannels[k];
    const std::string dw = fmt::format("MobilenetV1/Conv2d_{}_depthwise/", k);
    const std::string pw = fmt::format("MobilenetV1/Conv2d_{}_pointwise/", k);
    // Fold the inference BatchNorm into the depthwise conv; eps is kept (some variances are ~4e-36).
    const at::Tensor gamma = w.vector(dw + "BatchNorm/gamma", in).to(at::kDouble);
    const at::Tensor beta = w.vector(dw + "BatchNorm/beta", in).to(at::kDouble);
    const at::Tensor mean = w.vector(dw + "BatchNorm/moving_mean", in).to(at::kDouble);
    const at::Tensor var = w.vector(dw + "BatchNorm/moving_variance", in).to(at::kDouble);
    const at::Tensor g = gamma / at::sqrt(var + kBatchNormEps);
    const at::Tensor filt = w.depthwise_filters(dw + "depthwise_weights", 3, 3, in).to(at::kDouble);
    depthwise_[k - 1] = {reg(fmt::format("dw{}_weight", k), (filt * g.view({in, 1, 1, 1})).to(at::kFloat)),
                         reg(fmt::format("dw{}_bias", k), (beta - mean * g).to(at::kFloat)), pair_stride(k), in};
    pointwise_[k - 1] = {reg(fmt::format("pw{}_weight", k), w.pointwise_filters(pw + "weights", in, out)),
                         reg(fmt::format("pw{}_bias", k), w.vector(pw + "convolution_bn_offset", out)), 1, 1};
  }
  for (std::size_t i = 0; i < kExtra.size(); ++i) {
    const ExtraSpec& s = kExtra[i];
    const std::string p = fmt::format("Prediction/Conv2d_{}_pointwise/", i);
    extra_[i] = {reg(fmt::format("extra{}_weight", i), w.conv_filters(p + "weights", s.k, s.k, s.in, s.out)),
                 reg(fmt::format("extra{}_bias", i), w.vector(p + "convolution_bn_offset", s.out)), s.stride, 1};
  }
  for (int k = 0; k < 6; ++k) {
    const std::string p = fmt::format("Prediction/BoxPredictor_{}/", k);
    const std::int64_t c = kHeadChannels[k], a = kHeadAnchors[k];
    box_heads_[k] = {reg(fmt::format("box{}_weight", k), w.pointwise_filters(p + "BoxEncodingPredictor/weights", c, 4 * a)),
                     reg(fmt::format("box{}_bias", k), w.vector(p + "BoxEncodingPredictor/biases", 4 * a)), 1, 1};
    class_heads_[k] = {reg(fmt::format("cls{}_weight", k), w.pointwise_filters(p + "ClassPredictor/weights", c, 3 * a)),
                       reg(fmt::format("cls{}_bias", k), w.vector(p + "ClassPredictor/biases", 3 * a)), 1, 1};
  }
  auto transposed = [](const Conv& c) {
    return Conv{c.weight.transpose(2, 3).contiguous(at::MemoryFormat::ChannelsLast), c.bias, c.stride, c.groups};
  };
  conv0_t_ = transposed(conv0_);
  for (std::size_t k = 0; k < depthwise_.size(); ++k) depthwise_t_[k] = transposed(depthwise_[k]);
  const at::Tensor anchors = w.get("Output/extra_dim", {1, kSsdNumAnchors, 4}).contiguous();
  anchors_.resize(kSsdNumAnchors);
  const float* a = anchors.data_ptr<float>();
  for (int i = 0; i < kSsdNumAnchors; ++i) anchors_[i] = {a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3]};
}

at::Tensor SsdMobilenetV1Impl::conv_relu6(const at::Tensor& x, const Conv& c) const {
  // TF SAME: symmetric (k-1)/2 at stride 1, one more at the bottom/right at stride 2; ReLU6 in the kernel.
  return conv2d_tf_same(x, c.weight, c.bias, c.stride, c.groups, ConvActivation::relu6);
}

// A letterboxed input: face-api pads a landscape image at the bottom to a square, so the last rows of the detector's
// input are one row repeated (black, x / 127.5 - 1 = -1): 25 % of a 640x480 frame's input, a third of a 3:2 photo's.
// Every output row of a convolution whose inputs all lie in such a band sees the same numbers (the horizontal
// padding is the same on every row), so its rows are one row repeated too. A RowBand is a batch-1 channels-last
// feature map whose rows [begin, end) all equal `row`: that row is computed once, by the same convolution on k
// copies of the input's row, and the layer's kernel runs on the rows above and below the band only. The band
// shrinks by the kernel's reach at each 3x3 layer and halves at each stride 2; the backbone stops using it when it
// is under two rows. A band row is written into the map only when a reader needs it: a 1x1 layer reads none of
// them, a 3x3 layer the one or two next to the rows it computes, and the map is filled before anything else reads it.
struct SsdMobilenetV1Impl::RowBand {
  at::Tensor map;
  std::int64_t begin = 0, end = 0;
  at::Tensor row;              // 1xCx1xW channels-last: the band's row
  std::vector<char> written;   // per band row

  // Writes the band's rows among [r0, r1) that are not written yet.
  void write(std::int64_t r0, std::int64_t r1) {
    if (std::max(r0, begin) >= std::min(r1, end)) return;
    const std::int64_t row_floats = map.size(1) * map.size(3);
    float* base = map.data_ptr<float>();
    const float* src = row.data_ptr<float>();
    for (std::int64_t r = std::max(r0, begin); r < std::min(r1, end); ++r) {
      if (written[r - begin]) continue;
      std::memcpy(base + r * row_floats, src, static_cast<std::size_t>(row_floats) * sizeof(float));
      written[r - begin] = 1;
    }
  }
  const at::Tensor& full() {
    write(begin, end);
    return map;
  }
};

namespace {

constexpr std::int64_t kBandAlign = 32;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

at::Tensor SsdMobilenetV1Impl::backbone(const at::Tensor& x, int stage, bool skip_uniform_rows, at::Tensor* conv11,
                                        int* banded_layers) {
  if (banded_layers) *banded_layers = 0;
  const bool banded = skip_uniform_rows && x.dim() == 4 && x.size(0) == 1 && x.is_cpu() &&
                      x.scalar_type() == at::kFloat && !(at::GradMode::is_enabled() && x.requires_grad());
  if (!banded) {
    at::Tensor y = conv_relu6(x, conv0_);
    for (int k = 1; k <= stage; ++k) {
      y = conv_relu6(conv_relu6(y, depthwise_[k - 1]), pointwise_[k - 1]);
      if (k == kConv11Stage && conv11) *conv11 = y;
    }
    return y;
  }
  // The first of the map's last rows that equal its last row (compared bit for bit), rounded up to a multiple of 32:
  // each band height is a new set of oneDNN kernels, made on first use and kept, so this bounds them to 16 sets,
  // whatever the images' shapes (the rows above the band are computed as usual).
  auto band_begin = [](const at::Tensor& map) {
    const std::int64_t rows = map.size(2), row_floats = map.size(1) * map.size(3);
    const float* px = map.data_ptr<float>();
    const float* last = px + (rows - 1) * row_floats;
    std::int64_t b = rows - 1;
    while (b > 0 && std::memcmp(px + (b - 1) * row_floats, last, row_floats * sizeof(float)) == 0) --b;
    return std::min<std::int64_t>((b + kBandAlign - 1) / kBandAlign * kBandAlign, rows);
  };
  RowBand in;
  in.map = pooled_contiguous(x, at::MemoryFormat::ChannelsLast);
  std::int64_t begin = band_begin(in.map);
  // No band of rows: a band of columns is one of rows of the transposed input. The backbone of the transposed input,
  // with every kernel transposed in space, is the transposed backbone (TF SAME pads rows and columns alike).
  // Only an input whose last two columns are equal can have one; checked in place, so that an input with no band
  // at all is not transposed for nothing.
  auto last_columns_equal = [](const at::Tensor& map) {
    const std::int64_t c = map.size(1), w = map.size(3);
    if (w < 2) return false;
    const float* px = map.data_ptr<float>();
    for (std::int64_t r = 0; r < map.size(2); ++r) {
      const float* row = px + r * w * c;
      if (std::memcmp(row + (w - 2) * c, row + (w - 1) * c, c * sizeof(float)) != 0) return false;
    }
    return true;
  };
  bool transposed = false;
  if (begin >= in.map.size(2) && last_columns_equal(in.map)) {
    at::Tensor t = pooled_contiguous(x.transpose(2, 3), at::MemoryFormat::ChannelsLast);
    if (const std::int64_t b = band_begin(t); b < t.size(2)) {
      in.map = t;
      begin = b;
      transposed = true;
    }
  }
  const Conv& stem = transposed ? conv0_t_ : conv0_;
  const std::array<Conv, 13>& depthwise = transposed ? depthwise_t_ : depthwise_;
  const std::int64_t h = in.map.size(2);
  in.begin = begin;
  in.end = h;
  in.row = in.map.slice(2, h - 1, h);
  in.written.assign(static_cast<std::size_t>(h - begin), 1);

  // One layer on a band: the rows above and below it through conv2d_rows_into, the band's row from k copies of the
  // input's row; the plain convolution once the band would be under two rows.
  auto layer = [&](RowBand& src, const Conv& c) {
    const std::int64_t k = c.weight.size(2), s = c.stride, hi = src.map.size(2), wi = src.map.size(3);
    const auto [top, bottom] = tf_same_padding(hi, k, s);
    const auto [left, right] = tf_same_padding(wi, k, s);
    const std::int64_t ho = (hi + s - 1) / s;
    // Output row o reads input rows [o*s - top, o*s - top + k): all of them in the band for o in [o0, o1).
    const std::int64_t o0 = std::max<std::int64_t>(floor_div(src.begin + top + s - 1, s), 0);
    const std::int64_t o1 = std::min<std::int64_t>(floor_div(src.end - k + top, s) + 1, ho);
    RowBand out;
    if (src.end - src.begin <= 0 || o1 - o0 < 2) {
      out.map = conv_relu6(src.full(), c);
      return out;
    }
    const std::int64_t wo = (wi + s - 1) / s;
    out.map = new_activation({1, c.weight.size(0), ho, wo}, src.map, at::MemoryFormat::ChannelsLast);
    for (const auto& [b0, b1] : {std::make_pair(std::int64_t{0}, o0), std::make_pair(o1, ho)}) {
      if (b1 <= b0) continue;
      const auto [r0, r1] = conv2d_input_rows(hi, k, s, top, b0, b1);
      src.write(r0, r1);
      conv2d_rows_into(out.map, b0, b1, src.map, c.weight, c.bias, {s, s}, {top, left}, {bottom, right}, c.groups,
                       ConvActivation::relu6);
    }
    const at::Tensor rows = pooled_contiguous(src.row.expand({1, src.row.size(1), k, wi}), at::MemoryFormat::ChannelsLast);
    out.row = conv2d(rows, c.weight, c.bias, {s, s}, {0, left}, {0, right}, {1, 1}, c.groups, ConvActivation::relu6);
    if (banded_layers) ++*banded_layers;
    out.begin = o0;
    out.end = o1;
    out.written.assign(static_cast<std::size_t>(o1 - o0), 0);
    return out;
  };

  auto result = [&](RowBand& band) { return transposed ? band.full().transpose(2, 3) : band.full(); };
  RowBand y = layer(in, stem);
  for (int k = 1; k <= stage; ++k) {
    RowBand d = layer(y, depthwise[k - 1]);
    y = layer(d, pointwise_[k - 1]);
    if (k == kConv11Stage && conv11) *conv11 = result(y);
  }
  return result(y);
}

at::Tensor SsdMobilenetV1Impl::backbone_until(const at::Tensor& x, int stage, bool skip_uniform_rows,
                                              int* banded_layers) {
  FERGUARD_CHECK(stage >= 0 && stage <= 13, "ssd backbone: stage must be 0..13, got {}", stage);
  return backbone(x, stage, skip_uniform_rows, nullptr, banded_layers);
}

SsdRawOutput SsdMobilenetV1Impl::forward(const at::Tensor& x, bool skip_uniform_rows) {
  at::Tensor conv11;
  const at::Tensor y = backbone(x, 13, skip_uniform_rows, &conv11, nullptr);
  std::array<at::Tensor, 8> e;
  e[0] = conv_relu6(y, extra_[0]);
  for (int i = 1; i < 8; ++i) e[i] = conv_relu6(e[i - 1], extra_[i]);
  const std::array<at::Tensor, 6> maps = {conv11, y, e[1], e[3], e[5], e[7]};
  std::vector<at::Tensor> boxes, classes;
  const std::int64_t n = x.size(0);
  for (int k = 0; k < 6; ++k) {
    // NCHW -> NHWC -> [N, H*W*A, 4|3]: anchor = (y*W + x)*A + slot.
    const Conv& b = box_heads_[k];
    const Conv& c = class_heads_[k];
    // The heads' outputs are channels-last already, so the NHWC permutation is a view of contiguous memory.
    boxes.push_back(pooled_contiguous(conv2d(maps[k], b.weight, b.bias, 1, 0, 1).permute({0, 2, 3, 1})).view({n, -1, 4}));
    classes.push_back(pooled_contiguous(conv2d(maps[k], c.weight, c.bias, 1, 0, 1).permute({0, 2, 3, 1})).view({n, -1, 3}));
  }
  return {act::cat(boxes, 1), act::cat(classes, 1)};
}

SsdDecoded decode_ssd_output(const SsdRawOutput& raw, std::int64_t index, const std::vector<SsdBox>& anchors) {
  const at::Tensor enc = raw.box_encodings[index].to(at::kCPU).to(at::kFloat).contiguous();
  const at::Tensor logits = raw.class_logits[index].to(at::kCPU).to(at::kFloat).contiguous();
  FERGUARD_CHECK_AS(enc.size(0) == static_cast<std::int64_t>(anchors.size()) && logits.size(0) == enc.size(0),
                    ModelError, "face detector: {} box encodings and {} class rows for {} anchors", enc.size(0),
                    logits.size(0), anchors.size());
  const float* e = enc.data_ptr<float>();
  const float* l = logits.data_ptr<float>();
  SsdDecoded out;
  out.boxes.resize(anchors.size());
  out.scores.resize(anchors.size());
  for (std::size_t i = 0; i < anchors.size(); ++i) {
    out.boxes[i] = decode_ssd_box(anchors[i], e + 4 * i);
    out.scores[i] = ssd_score(l[3 * i + 1]);
  }
  return out;
}

}  // namespace ferguard::detail

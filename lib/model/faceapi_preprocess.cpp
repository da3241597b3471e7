#include "model/faceapi_preprocess.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "detail/check.h"
#include "model/activations.h"

namespace ferguard::detail {

at::Tensor image_to_tensor255(const Image& image) {
  FERGUARD_CHECK(!image.empty() && image.channels() == 3, "face crop: expected an HxWx3 RGB image, got {}x{}x{}",
                 image.height(), image.width(), image.channels());
  at::Tensor hwc = at::from_blob(const_cast<std::uint8_t*>(image.data()), {image.height(), image.width(), 3}, at::kByte);
  at::Tensor out = new_activation({1, 3, image.height(), image.width()}, at::kFloat);
  out.copy_(hwc.permute({2, 0, 1}).unsqueeze(0));
  return out;
}

at::Tensor pad_to_square(const at::Tensor& nchw, bool centered) {
  FERGUARD_CHECK(nchw.dim() == 4, "pad_to_square: expected an NCHW tensor, got {} dims", nchw.dim());
  const std::int64_t h = nchw.size(2), w = nchw.size(3);
  if (h == w) return nchw;
  const std::int64_t diff = std::abs(h - w);
  // JS Math.round(diff * 0.5): halves go up, which for positive values equals lround.
  const std::int64_t after = centered ? std::lround(diff * 0.5) : diff;
  const std::int64_t before = diff - after;
  // constant_pad_nd takes (left, right, top, bottom) for the last two dims.
  if (h > w) return act::constant_pad_nd(nchw, {before, after, 0, 0}, 0.0);
  return act::constant_pad_nd(nchw, {0, 0, before, after}, 0.0);
}

namespace {
struct AxisLerp {
  at::Tensor i0, i1, frac;  // frac broadcastable along its axis
};

// One axis of the legacy resize; float32 arithmetic as in TF's kernel (scale = in/out as float).
AxisLerp axis_lerp(std::int64_t in, std::int64_t out, const at::TensorOptions& opts) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  at::Tensor src = at::arange(out, opts.dtype(at::kFloat)) * scale;
  at::Tensor f = at::floor(src);
  AxisLerp a;
  a.i0 = f.to(at::kLong);
  a.i1 = at::clamp_max(at::ceil(src), static_cast<double>(in - 1)).to(at::kLong);
  a.frac = src - f;
  return a;
}
}  // namespace

at::Tensor resize_bilinear_legacy(const at::Tensor& nchw, std::int64_t out_h, std::int64_t out_w) {
  FERGUARD_CHECK(nchw.dim() == 4 && nchw.size(2) > 0 && nchw.size(3) > 0,
                 "resize_bilinear_legacy: expected a non-empty NCHW tensor, got {} dims", nchw.dim());
  FERGUARD_CHECK(out_h > 0 && out_w > 0, "resize_bilinear_legacy: expected a positive size, got {}x{}", out_h, out_w);
  const bool needs_grad = at::GradMode::is_enabled() && nchw.requires_grad();
  if (!needs_grad && nchw.is_cpu()) return resize_bilinear_legacy_loop(nchw, out_h, out_w);
  return resize_bilinear_legacy_reference(nchw, out_h, out_w);
}

at::Tensor resize_bilinear_legacy_loop(const at::Tensor& nchw, std::int64_t out_h, std::int64_t out_w) {
  const at::Tensor x = nchw.to(at::kFloat).contiguous();
  const std::int64_t planes = x.size(0) * x.size(1), in_h = x.size(2), in_w = x.size(3);
  const AxisLerp ay = axis_lerp(in_h, out_h, x.options());
  const AxisLerp ax = axis_lerp(in_w, out_w, x.options());
  const std::int64_t *y0 = ay.i0.data_ptr<std::int64_t>(), *y1 = ay.i1.data_ptr<std::int64_t>();
  const std::int64_t *x0 = ax.i0.data_ptr<std::int64_t>(), *x1 = ax.i1.data_ptr<std::int64_t>();
  const float *fy = ay.frac.data_ptr<float>(), *fx = ax.frac.data_ptr<float>();
  at::Tensor out = new_activation({x.size(0), x.size(1), out_h, out_w}, x);
  const float* src = x.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  // The reference's arithmetic, element by element: t = tl + (tr - tl) fx, b = bl + (br - bl) fx, t + (b - t) fy.
  at::parallel_for(0, planes, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const float* plane = src + p * in_h * in_w;
      float* o = dst + p * out_h * out_w;
      for (std::int64_t oy = 0; oy < out_h; ++oy) {
        const float* top = plane + y0[oy] * in_w;
        const float* bottom = plane + y1[oy] * in_w;
        const float wy = fy[oy];
        for (std::int64_t ox = 0; ox < out_w; ++ox) {
          const float tl = top[x0[ox]], tr = top[x1[ox]], bl = bottom[x0[ox]], br = bottom[x1[ox]];
          const float t = tl + (tr - tl) * fx[ox];
          const float b = bl + (br - bl) * fx[ox];
          o[oy * out_w + ox] = t + (b - t) * wy;
        }
      }
    }
  });
  return out;
}

LegacyResizeTaps legacy_resize_taps(std::int64_t in, std::int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  LegacyResizeTaps t;
  t.i0.resize(static_cast<std::size_t>(out));
  t.i1.resize(t.i0.size());
  t.frac.resize(t.i0.size());
  for (std::int64_t i = 0; i < out; ++i) {
    const float src = static_cast<float>(i) * scale;
    const float f = std::floor(src);
    t.i0[i] = static_cast<std::int64_t>(f);
    t.i1[i] = std::min<std::int64_t>(static_cast<std::int64_t>(std::ceil(src)), in - 1);
    t.frac[i] = src - f;
  }
  return t;
}

namespace {
// float(b) for each byte b: a table read instead of an integer-to-float conversion in the resize's gathers.
const auto kByteValue = [] {
  std::array<float, 256> t{};
  for (int i = 0; i < 256; ++i) t[i] = static_cast<float>(i);
  return t;
}();
}  // namespace

at::Tensor graph_model_input(const std::vector<Image>& crops, int size, float lo, float hi, bool grey,
                             const std::string& model) {
  FERGUARD_CHECK(size > 0, "{}: expected a positive input size, got {}", model, size);
  for (std::size_t i = 0; i < crops.size(); ++i)
    FERGUARD_CHECK(!crops[i].empty() && crops[i].channels() == 3,
                   "{} crops[{}]: expected a non-empty HxWx3 RGB image, got {}x{}x{}", model, i, crops[i].height(),
                   crops[i].width(), crops[i].channels());
  const int channels = grey ? 1 : 3;
  at::Tensor out = new_activation({static_cast<std::int64_t>(crops.size()), size, size, channels}, at::kFloat);
  float* dst = out.data_ptr<float>();
  // As graph_input's tensor ops: x * float((hi - lo) / 255) (+ lo), then the grey sum in channel order.
  const auto scale = static_cast<float>((double(hi) - double(lo)) / 255.0);
  const bool shift = lo != 0.0f;
  const float w[3] = {0.2989f, 0.587f, 0.114f};
  // Per output row: the horizontal lerp of its two source rows (scalar: the taps gather), then the vertical lerp,
  // the scaling and the grey sum over the row's contiguous values (vectorisable). The reference's arithmetic in each.
  const std::int64_t row_values = static_cast<std::int64_t>(size) * 3;
  std::vector<float> top_row(static_cast<std::size_t>(row_values)), bottom_row(top_row.size()), row(top_row.size());
  for (const Image& im : crops) {
    const LegacyResizeTaps ty = legacy_resize_taps(im.height(), size), tx = legacy_resize_taps(im.width(), size);
    const std::uint8_t* px = im.data();
    const std::int64_t stride = static_cast<std::int64_t>(im.width()) * 3;
    auto horizontal = [&](const std::uint8_t* src, float* __restrict o) {
      for (int ox = 0; ox < size; ++ox) {
        const std::uint8_t* l = src + tx.i0[ox] * 3;
        const std::uint8_t* r = src + tx.i1[ox] * 3;
        const float wx = tx.frac[ox];
        for (int c = 0; c < 3; ++c) {
          const float a = kByteValue[l[c]], b = kByteValue[r[c]];
          o[ox * 3 + c] = a + (b - a) * wx;
        }
      }
    };
    for (int oy = 0; oy < size; ++oy, dst += static_cast<std::int64_t>(size) * channels) {
      horizontal(px + ty.i0[oy] * stride, top_row.data());
      horizontal(px + ty.i1[oy] * stride, bottom_row.data());
      const float wy = ty.frac[oy];
      const float* __restrict t = top_row.data();
      const float* __restrict b = bottom_row.data();
      float* __restrict v = row.data();
      for (std::int64_t i = 0; i < row_values; ++i) v[i] = (t[i] + (b[i] - t[i]) * wy) * scale;
      if (shift)
        for (std::int64_t i = 0; i < row_values; ++i) v[i] += lo;
      float* __restrict o = dst;
      if (grey) {
        for (int ox = 0; ox < size; ++ox)
          o[ox] = ((v[3 * ox] * w[0] + v[3 * ox + 1] * w[1] + v[3 * ox + 2] * w[2]) - 0.5f) * 2.0f;
      } else {
        std::copy(v, v + row_values, o);
      }
    }
  }
  return out;
}

at::Tensor resize_bilinear_legacy_reference(const at::Tensor& nchw, std::int64_t out_h, std::int64_t out_w) {
  const at::Tensor x = nchw.to(at::kFloat);
  const AxisLerp ay = axis_lerp(x.size(2), out_h, x.options());
  const AxisLerp ax = axis_lerp(x.size(3), out_w, x.options());
  const at::Tensor top = x.index_select(2, ay.i0), bottom = x.index_select(2, ay.i1);
  const at::Tensor fx = ax.frac.view({1, 1, 1, out_w});
  const at::Tensor tl = top.index_select(3, ax.i0), tr = top.index_select(3, ax.i1);
  const at::Tensor bl = bottom.index_select(3, ax.i0), br = bottom.index_select(3, ax.i1);
  const at::Tensor t = tl + (tr - tl) * fx;
  const at::Tensor b = bl + (br - bl) * fx;
  return t + (b - t) * ay.frac.view({1, 1, out_h, 1});
}

at::Tensor faceapi_normalize(const at::Tensor& nchw255) {
  FERGUARD_CHECK(nchw255.dim() == 4 && nchw255.size(1) == 3, "face-api input: expected Nx3xHxW, got {} dims",
                 nchw255.dim());
  const at::Tensor mean =
      at::tensor({122.782f, 117.001f, 104.298f}, nchw255.options().dtype(at::kFloat)).view({1, 3, 1, 1});
  return act::sub(nchw255, mean).div_(255.0f);
}

at::Tensor faceapi_net_input(const at::Tensor& nchw255, std::int64_t size) {
  at::Tensor x = pad_to_square(nchw255.to(at::kFloat), /*centered=*/true);
  if (x.size(2) != size) x = resize_bilinear_legacy(x, size, size);
  return faceapi_normalize(x);
}

at::Tensor faceapi_net_input(const std::vector<Image>& crops, std::int64_t size) {
  FERGUARD_CHECK(!crops.empty(), "face crops: expected at least one crop, got none");
  std::vector<at::Tensor> items;
  items.reserve(crops.size());
  for (std::size_t i = 0; i < crops.size(); ++i) {
    const Image& c = crops[i];
    FERGUARD_CHECK(!c.empty() && c.channels() == 3, "face crop {}: expected an HxWx3 RGB image, got {}x{}x{}", i,
                   c.height(), c.width(), c.channels());
    at::Tensor x = pad_to_square(image_to_tensor255(c), /*centered=*/true);
    if (x.size(2) != size) x = resize_bilinear_legacy(x, size, size);
    items.push_back(x);
  }
  return faceapi_normalize(act::cat(items, 0));
}

}  // namespace ferguard::detail

#pragma once
// A slow, obviously-correct float64 re-implementation of face-api's 112/150 preprocessing, expression net and
// recognition net, used only by the tests. It shares no code with the library: it parses the manifest itself,
// decodes the .bin in double, and runs plain loops in TF's own NHWC/HWIO layouts with TF's padding rules, so
// layout conversions, padding and folding in the LibTorch port are all checked.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferguard/types.h"

namespace ferguard::test::ref {

/// One image, NHWC without N, in double.
struct Map {
  int h = 0, w = 0, c = 0;
  std::vector<double> v;
  Map() = default;
  Map(int h_, int w_, int c_) : h(h_), w(w_), c(c_), v(static_cast<std::size_t>(h_) * w_ * c_, 0.0) {}
  double& at(int y, int x, int ch) { return v[(static_cast<std::size_t>(y) * w + x) * c + ch]; }
  double at(int y, int x, int ch) const { return v[(static_cast<std::size_t>(y) * w + x) * c + ch]; }
};

/// Weights decoded in double, by name, with their TF shapes.
struct Weights {
  std::map<std::string, std::vector<double>> values;
  std::map<std::string, std::vector<int>> shapes;
  const std::vector<double>& operator[](const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) throw std::runtime_error("reference: missing tensor " + name);
    return it->second;
  }
};

inline Weights load_weights(const std::string& manifest_path) {
  std::ifstream mf(manifest_path);
  const nlohmann::json manifest = nlohmann::json::parse(mf);
  const std::string dir = manifest_path.substr(0, manifest_path.find_last_of('/') + 1);
  Weights out;
  for (const auto& group : manifest) {
    std::string bytes;
    for (const auto& p : group["paths"]) {
      std::ifstream in(dir + p.get<std::string>(), std::ios::binary);
      bytes += std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::size_t pos = 0;
    for (const auto& w : group["weights"]) {
      std::size_t n = 1;
      std::vector<int> shape;
      for (const auto& d : w["shape"]) {
        shape.push_back(d.get<int>());
        n *= d.get<std::size_t>();
      }
      std::vector<double> vals(n);
      if (w.contains("quantization")) {
        const double scale = w["quantization"]["scale"], mn = w["quantization"]["min"];
        for (std::size_t i = 0; i < n; ++i) vals[i] = static_cast<unsigned char>(bytes[pos + i]) * scale + mn;
        pos += n;
      } else {
        for (std::size_t i = 0; i < n; ++i) {
          float f;
          std::memcpy(&f, bytes.data() + pos + 4 * i, 4);
          vals[i] = f;
        }
        pos += 4 * n;
      }
      out.values[w["name"]] = std::move(vals);
      out.shapes[w["name"]] = shape;
    }
  }
  return out;
}

/// face-api's centred pad to square, legacy bilinear resize to `size` and mean subtraction, in double.
/// The source position uses TF's float32 scale in/out (float(dst)*scale in float), the lerp is double.
inline Map preprocess(const Image& img, int size) {
  const int h = img.height(), w = img.width(), side = std::max(h, w);
  const int diff = side - std::min(h, w);
  const int after = static_cast<int>(std::floor(diff * 0.5 + 0.5));
  const int before = diff - after;
  const int oy = h < w ? before : 0, ox = w < h ? before : 0;
  Map sq(side, side, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) sq.at(y + oy, x + ox, c) = img.at(y, x, c);
  Map r = sq;
  if (side != size) {
    r = Map(size, size, 3);
    const float scale = static_cast<float>(side) / static_cast<float>(size);
    for (int y = 0; y < size; ++y) {
      const double sy = static_cast<float>(y) * scale;
      const int y0 = static_cast<int>(std::floor(sy)), y1 = std::min(static_cast<int>(std::ceil(sy)), side - 1);
      const double fy = sy - y0;
      for (int x = 0; x < size; ++x) {
        const double sx = static_cast<float>(x) * scale;
        const int x0 = static_cast<int>(std::floor(sx)), x1 = std::min(static_cast<int>(std::ceil(sx)), side - 1);
        const double fx = sx - x0;
        for (int c = 0; c < 3; ++c) {
          const double top = sq.at(y0, x0, c) + (sq.at(y0, x1, c) - sq.at(y0, x0, c)) * fx;
          const double bot = sq.at(y1, x0, c) + (sq.at(y1, x1, c) - sq.at(y1, x0, c)) * fx;
          r.at(y, x, c) = top + (bot - top) * fy;
        }
      }
    }
  }
  const double mean[3] = {122.782, 117.001, 104.298};
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < 3; ++c) r.at(y, x, c) = (r.at(y, x, c) - mean[c]) / 255.0;
  return r;
}

enum class Pad { same, valid };

/// TF conv2d: x NHWC, filters HWIO [k,k,cin,cout] (depthwise: [k,k,C,1] with depthwise=true).
inline Map conv(const Map& x, const std::vector<double>& f, int k, int cout, int stride, Pad pad,
                const std::vector<double>* bias = nullptr, bool depthwise = false) {
  int oh, ow, pt = 0, pl = 0;
  if (pad == Pad::same) {
    oh = (x.h + stride - 1) / stride;
    ow = (x.w + stride - 1) / stride;
    pt = std::max((oh - 1) * stride + k - x.h, 0) / 2;
    pl = std::max((ow - 1) * stride + k - x.w, 0) / 2;
  } else {
    oh = (x.h - k) / stride + 1;
    ow = (x.w - k) / stride + 1;
  }
  const int cin = x.c;
  if (depthwise) cout = cin;
  Map out(oh, ow, cout);
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox)
      for (int ky = 0; ky < k; ++ky) {
        const int iy = oy * stride + ky - pt;
        if (iy < 0 || iy >= x.h) continue;
        for (int kx = 0; kx < k; ++kx) {
          const int ix = ox * stride + kx - pl;
          if (ix < 0 || ix >= x.w) continue;
          const double* in = &x.v[(static_cast<std::size_t>(iy) * x.w + ix) * cin];
          double* o = &out.v[(static_cast<std::size_t>(oy) * ow + ox) * cout];
          if (depthwise) {
            for (int c = 0; c < cin; ++c) o[c] += in[c] * f[(static_cast<std::size_t>(ky) * k + kx) * cin + c];
          } else {
            const double* fk = &f[(static_cast<std::size_t>(ky) * k + kx) * cin * cout];
            for (int ci = 0; ci < cin; ++ci)
              for (int co = 0; co < cout; ++co) o[co] += in[ci] * fk[ci * cout + co];
          }
        }
      }
  if (bias)
    for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] += (*bias)[i % cout];
  return out;
}

inline Map relu(Map x) {
  for (double& v : x.v) v = std::max(v, 0.0);
  return x;
}
inline Map add(Map a, const Map& b) {
  for (std::size_t i = 0; i < a.v.size(); ++i) a.v[i] += b.v[i];
  return a;
}

// ---- expression net ----
inline Map sep(const Weights& W, const std::string& p, const Map& x, int stride, int cout) {
  Map dw = conv(x, W[p + "depthwise_filter"], 3, 0, stride, Pad::same, nullptr, true);
  return conv(dw, W[p + "pointwise_filter"], 1, cout, 1, Pad::same, &W[p + "bias"]);
}

inline Map dense_block(const Weights& W, int b, const Map& x, int cout) {
  const std::string p = "dense" + std::to_string(b) + "/conv";
  Map out1 = b == 0 ? relu(conv(x, W[p + "0/filters"], 3, cout, 2, Pad::same, &W[p + "0/bias"]))
                    : relu(sep(W, p + "0/", x, 2, cout));
  Map out2 = sep(W, p + "1/", out1, 1, cout);
  Map out3 = sep(W, p + "2/", relu(add(out1, out2)), 1, cout);
  Map out4 = sep(W, p + "3/", relu(add(add(out1, out2), out3)), 1, cout);
  return relu(add(add(add(out1, out2), out3), out4));
}

/// 7 logits for one preprocessed 112x112 input.
inline std::vector<double> expression_logits(const Weights& W, const Map& input) {
  Map x = input;
  const int ch[4] = {32, 64, 128, 256};
  for (int b = 0; b < 4; ++b) x = dense_block(W, b, x, ch[b]);
  std::vector<double> feat(256, 0.0);
  for (int i = 0; i < x.h * x.w; ++i)
    for (int c = 0; c < 256; ++c) feat[c] += x.v[static_cast<std::size_t>(i) * 256 + c] / (x.h * x.w);
  const auto& fw = W["fc/weights"];
  std::vector<double> logits(W["fc/bias"]);
  for (int o = 0; o < 7; ++o)
    for (int i = 0; i < 256; ++i) logits[o] += feat[i] * fw[i * 7 + o];
  return logits;
}

inline std::vector<double> softmax(const std::vector<double>& z) {
  const double m = *std::max_element(z.begin(), z.end());
  double s = 0.0;
  std::vector<double> p(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) s += p[i] = std::exp(z[i] - m);
  for (double& v : p) v /= s;
  return p;
}

// ---- recognition net ----
inline Map conv_layer(const Weights& W, const std::string& p, const Map& x, int k, int stride, Pad pad, bool with_relu) {
  const int cout = W.shapes.at(p + "/conv/filters")[3];
  Map out = conv(x, W[p + "/conv/filters"], k, cout, stride, pad, &W[p + "/conv/bias"]);
  const auto& s = W[p + "/scale/weights"];
  const auto& sb = W[p + "/scale/biases"];
  for (std::size_t i = 0; i < out.v.size(); ++i) out.v[i] = out.v[i] * s[i % cout] + sb[i % cout];
  return with_relu ? relu(out) : out;
}

inline Map residual(const Weights& W, const std::string& p, const Map& x) {
  Map out = conv_layer(W, p + "/conv1", x, 3, 1, Pad::same, true);
  out = conv_layer(W, p + "/conv2", out, 3, 1, Pad::same, false);
  return relu(add(out, x));
}

inline Map residual_down(const Weights& W, const std::string& p, const Map& x) {
  Map out = conv_layer(W, p + "/conv1", x, 3, 2, Pad::valid, true);
  out = conv_layer(W, p + "/conv2", out, 3, 1, Pad::same, false);
  Map pooled(x.h / 2, x.w / 2, x.c);
  for (int y = 0; y < pooled.h; ++y)
    for (int xx = 0; xx < pooled.w; ++xx)
      for (int c = 0; c < x.c; ++c)
        pooled.at(y, xx, c) = (x.at(2 * y, 2 * xx, c) + x.at(2 * y + 1, 2 * xx, c) + x.at(2 * y, 2 * xx + 1, c) +
                               x.at(2 * y + 1, 2 * xx + 1, c)) / 4.0;
  Map sum(pooled.h, pooled.w, out.c);  // zero rows/cols/channels where out or pooled has none
  for (int y = 0; y < sum.h; ++y)
    for (int xx = 0; xx < sum.w; ++xx)
      for (int c = 0; c < sum.c; ++c) {
        double v = (y < out.h && xx < out.w) ? out.at(y, xx, c) : 0.0;
        if (c < pooled.c) v += pooled.at(y, xx, c);
        sum.at(y, xx, c) = v;
      }
  return relu(sum);
}

/// 128-d descriptor for one preprocessed 150x150 input.
inline std::vector<double> recognition_descriptor(const Weights& W, const Map& input) {
  Map x = conv_layer(W, "conv32_down", input, 7, 2, Pad::valid, true);
  Map mp((x.h - 3) / 2 + 1, (x.w - 3) / 2 + 1, x.c);
  for (int y = 0; y < mp.h; ++y)
    for (int xx = 0; xx < mp.w; ++xx)
      for (int c = 0; c < x.c; ++c) {
        double m = -1e300;
        for (int ky = 0; ky < 3; ++ky)
          for (int kx = 0; kx < 3; ++kx) m = std::max(m, x.at(2 * y + ky, 2 * xx + kx, c));
        mp.at(y, xx, c) = m;
      }
  x = mp;
  for (const char* l : {"conv32_1", "conv32_2", "conv32_3"}) x = residual(W, l, x);
  x = residual_down(W, "conv64_down", x);
  for (const char* l : {"conv64_1", "conv64_2", "conv64_3"}) x = residual(W, l, x);
  x = residual_down(W, "conv128_down", x);
  for (const char* l : {"conv128_1", "conv128_2"}) x = residual(W, l, x);
  x = residual_down(W, "conv256_down", x);
  for (const char* l : {"conv256_1", "conv256_2"}) x = residual(W, l, x);
  x = residual_down(W, "conv256_down_out", x);
  std::vector<double> gap(256, 0.0);
  for (int i = 0; i < x.h * x.w; ++i)
    for (int c = 0; c < 256; ++c) gap[c] += x.v[static_cast<std::size_t>(i) * 256 + c] / (x.h * x.w);
  const auto& fc = W["fc"];
  std::vector<double> d(128, 0.0);
  for (int i = 0; i < 256; ++i)
    for (int o = 0; o < 128; ++o) d[o] += gap[i] * fc[i * 128 + o];
  return d;
}

}  // namespace ferguard::test::ref

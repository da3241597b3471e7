#include "model/tfjs_weights.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "detail/check.h"
#include "model/model_files.h"

namespace ferguard::detail {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Above this a tensor's byte size (or its element count, an int64 in ATen) could overflow.
constexpr std::size_t kMaxTensorBytes = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());

std::vector<std::uint8_t> read_file_bytes(const std::string& path, const std::string& what) {
  return read_model_file(path, what).bytes;
}

// IEEE 754 binary16 -> float, including subnormals, infinities and NaN.
float half_to_float(std::uint16_t h) {
  const int sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return sign ? -v : v;
}

// Little-endian reads through explicit byte assembly: shards are not aligned (ssd's Output/extra_dim starts at
// an odd offset) and the host's byte order must not matter.
std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

std::size_t bytes_per_element(TfjsStorage s) {
  switch (s) {
    case TfjsStorage::raw: return 4;
    case TfjsStorage::uint8: return 1;
    case TfjsStorage::uint16:
    case TfjsStorage::float16: return 2;
  }
  return 4;
}

TfjsWeightSpec parse_spec(const json& w, const std::string& source) {
  FERGUARD_CHECK_AS(w.is_object() && w.contains("name") && w["name"].is_string(), ModelError,
                    "weights manifest '{}': an entry has no \"name\"", source);
  TfjsWeightSpec spec;
  spec.name = w["name"].get<std::string>();
  FERGUARD_CHECK_AS(w.contains("shape") && w["shape"].is_array(), ModelError,
                    "weights manifest '{}': tensor '{}' has no \"shape\" array", source, spec.name);
  for (const json& d : w["shape"]) {
    FERGUARD_CHECK_AS(d.is_number_integer() && d.get<std::int64_t>() >= 0, ModelError,
                      "weights manifest '{}': tensor '{}' has an invalid dimension {}", source, spec.name, d.dump());
    spec.shape.push_back(d.get<std::int64_t>());
  }
  FERGUARD_CHECK_AS(!w.contains("dtype") || w["dtype"].is_string(), ModelError,
                    "weights manifest '{}': tensor '{}' has a non-string dtype {}", source, spec.name,
                    w["dtype"].dump());
  spec.dtype = w.value("dtype", std::string("float32"));
  FERGUARD_CHECK_AS(spec.dtype == "float32" || spec.dtype == "int32", ModelError,
                    "weights manifest '{}': tensor '{}' has dtype '{}', expected float32 or int32", source, spec.name,
                    spec.dtype);
  if (w.contains("quantization") && !w["quantization"].is_null()) {
    const json& q = w["quantization"];
    FERGUARD_CHECK_AS(!q.is_object() || !q.contains("dtype") || q["dtype"].is_string(), ModelError,
                      "weights manifest '{}': tensor '{}' has a non-string quantization dtype {}", source, spec.name,
                      q["dtype"].dump());
    const std::string qd = q.is_object() ? q.value("dtype", std::string()) : std::string();
    if (qd == "uint8" || qd == "uint16") {
      spec.storage = qd == "uint8" ? TfjsStorage::uint8 : TfjsStorage::uint16;
      FERGUARD_CHECK_AS(q.contains("scale") && q["scale"].is_number() && q.contains("min") && q["min"].is_number(),
                        ModelError, "weights manifest '{}': tensor '{}' is {}-quantized without scale and min",
                        source, spec.name, qd);
      spec.scale = q["scale"].get<double>();
      spec.min = q["min"].get<double>();
    } else if (qd == "float16") {
      FERGUARD_CHECK_AS(spec.dtype == "float32", ModelError,
                        "weights manifest '{}': tensor '{}' is float16-quantized but has dtype '{}'", source,
                        spec.name, spec.dtype);
      spec.storage = TfjsStorage::float16;
    } else {
      throw ModelError(fmt::format("weights manifest '{}': tensor '{}' has unknown quantization dtype '{}'", source,
                                   spec.name, qd));
    }
  }
  return spec;
}

// JS Math.round: halves go towards +infinity (Math.round(-2.5) == -2), unlike std::lround.
std::int32_t js_round(double v) { return static_cast<std::int32_t>(std::floor(v + 0.5)); }

at::Tensor decode_tensor(const TfjsWeightSpec& spec, const std::uint8_t* p) {
  std::int64_t n = 1;
  for (std::int64_t d : spec.shape) n *= d;
  if (spec.dtype == "int32") {
    at::Tensor t = at::empty(spec.shape, at::kInt);
    std::int32_t* out = t.data_ptr<std::int32_t>();
    for (std::int64_t i = 0; i < n; ++i) {
      switch (spec.storage) {
        case TfjsStorage::raw: out[i] = static_cast<std::int32_t>(le32(p + 4 * i)); break;
        case TfjsStorage::uint8: out[i] = js_round(p[i] * spec.scale + spec.min); break;
        case TfjsStorage::uint16:
          out[i] = js_round(le16(p + 2 * i) * spec.scale + spec.min);
          break;
        case TfjsStorage::float16: break;  // rejected in parse_spec
      }
    }
    return t;
  }
  at::Tensor t = at::empty(spec.shape, at::kFloat);
  float* out = t.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    switch (spec.storage) {
      case TfjsStorage::raw: {
        const std::uint32_t bits = le32(p + 4 * i);
        std::memcpy(&out[i], &bits, 4);
        break;
      }
      // tfjs io_utils.decodeWeight: q*scale+min in double (JS numbers), stored into a Float32Array.
      case TfjsStorage::uint8: out[i] = static_cast<float>(p[i] * spec.scale + spec.min); break;
      case TfjsStorage::uint16: out[i] = static_cast<float>(le16(p + 2 * i) * spec.scale + spec.min); break;
      case TfjsStorage::float16: out[i] = half_to_float(le16(p + 2 * i)); break;
    }
  }
  return t;
}

std::string shape_str(at::IntArrayRef s) { return fmt::format("[{}]", fmt::join(s, ",")); }

}  // namespace

TfjsWeights TfjsWeights::decode(const std::string& manifest_json,
                                const std::vector<std::vector<std::uint8_t>>& shards, const std::string& source) {
  json manifest;
  try {
    manifest = json::parse(manifest_json);
  } catch (const json::exception& e) {
    throw ModelError(fmt::format("weights manifest '{}': invalid JSON: {}", source, e.what()));
  }
  FERGUARD_CHECK_AS(manifest.is_array() && !manifest.empty(), ModelError,
                    "weights manifest '{}': expected a non-empty array of weight groups", source);
  FERGUARD_CHECK_AS(shards.size() == manifest.size(), ModelError,
                    "weights manifest '{}': {} weight groups but {} shard buffers", source, manifest.size(),
                    shards.size());
  TfjsWeights out;
  out.source_ = source;
  for (std::size_t g = 0; g < manifest.size(); ++g) {
    const json& group = manifest[g];
    FERGUARD_CHECK_AS(group.is_object() && group.contains("weights") && group["weights"].is_array(), ModelError,
                      "weights manifest '{}': group {} has no \"weights\" array", source, g);
    const std::vector<std::uint8_t>& buffer = shards[g];
    std::size_t offset = 0;
    for (const json& w : group["weights"]) {
      TfjsWeightSpec spec = parse_spec(w, source);
      FERGUARD_CHECK_AS(!out.contains(spec.name), ModelError, "weights manifest '{}': tensor '{}' appears twice",
                        source, spec.name);
      // The byte size is bounded before it is computed: a shape whose size overflows matches no file.
      std::size_t n = 1, bound = bytes_per_element(spec.storage);
      for (std::int64_t d : spec.shape) {
        const auto f = static_cast<std::size_t>(std::max<std::int64_t>(d, 1));
        FERGUARD_CHECK_AS(bound <= kMaxTensorBytes / f, ModelError,
                          "weights manifest '{}': tensor '{}' has shape {}, larger than any weights file", source,
                          spec.name, shape_str(spec.shape));
        bound *= f;
        n *= static_cast<std::size_t>(d);
      }
      spec.offset = offset;
      spec.nbytes = n * bytes_per_element(spec.storage);
      FERGUARD_CHECK_AS(spec.nbytes <= buffer.size() && offset <= buffer.size() - spec.nbytes, ModelError,
                        "weights of '{}': tensor '{}' needs bytes [{}, {}) but group {} has only {} bytes "
                        "(truncated file?)",
                        source, spec.name, offset, offset + spec.nbytes, g, buffer.size());
      at::Tensor t = decode_tensor(spec, buffer.data() + offset);
      if (t.scalar_type() == at::kFloat)  // random bytes decode to NaN and inf: refuse them at load, not as figures
        check_finite_values(t.data_ptr<float>(), n, source, ("weight tensor '" + spec.name + "'").c_str());
      out.tensors_.emplace(spec.name, std::move(t));
      offset += spec.nbytes;
      out.order_.push_back(spec.name);
      out.specs_.push_back(std::move(spec));
    }
    FERGUARD_CHECK_AS(offset == buffer.size(), ModelError,
                      "weights of '{}': group {} has {} bytes but its manifest entries use {} (wrong or oversized file?)",
                      source, g, buffer.size(), offset);
  }
  return out;
}

TfjsWeights TfjsWeights::load(const std::string& manifest_path) {
  const std::vector<std::uint8_t> text = read_file_bytes(manifest_path, "weights manifest");
  json manifest;
  try {
    manifest = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    throw ModelError(fmt::format("weights manifest '{}': invalid JSON: {}", manifest_path, e.what()));
  }
  FERGUARD_CHECK_AS(manifest.is_array() && !manifest.empty(), ModelError,
                    "weights manifest '{}': expected a non-empty array of weight groups", manifest_path);
  const fs::path dir = fs::path(manifest_path).parent_path();
  std::vector<std::vector<std::uint8_t>> shards;
  for (std::size_t g = 0; g < manifest.size(); ++g) {
    const json& group = manifest[g];
    FERGUARD_CHECK_AS(group.is_object() && group.contains("paths") && group["paths"].is_array() &&
                          !group["paths"].empty(),
                      ModelError, "weights manifest '{}': group {} has no \"paths\"", manifest_path, g);
    std::vector<std::uint8_t> buffer;
    for (const json& p : group["paths"]) {
      FERGUARD_CHECK_AS(p.is_string(), ModelError, "weights manifest '{}': group {} has a non-string path",
                        manifest_path, g);
      const std::vector<std::uint8_t> bytes = read_file_bytes((dir / p.get<std::string>()).string(), "weights file");
      buffer.insert(buffer.end(), bytes.begin(), bytes.end());
    }
    shards.push_back(std::move(buffer));
  }
  return decode(std::string(text.begin(), text.end()), shards, manifest_path);
}

const at::Tensor& TfjsWeights::get(const std::string& name) const {
  auto it = tensors_.find(name);
  FERGUARD_CHECK_AS(it != tensors_.end(), ModelError, "weights '{}': tensor '{}' is missing", source_, name);
  return it->second;
}

const at::Tensor& TfjsWeights::get(const std::string& name, const std::vector<std::int64_t>& shape) const {
  const at::Tensor& t = get(name);
  FERGUARD_CHECK_AS(t.sizes().vec() == shape, ModelError, "weights '{}': tensor '{}' has shape {}, expected {}",
                    source_, name, shape_str(t.sizes()), shape_str(shape));
  return t;
}

at::Tensor TfjsWeights::conv_filters(const std::string& name, std::int64_t kh, std::int64_t kw, std::int64_t in,
                                     std::int64_t out) const {
  return hwio_to_oihw(get(name, {kh, kw, in, out}));
}

at::Tensor TfjsWeights::depthwise_filters(const std::string& name, std::int64_t kh, std::int64_t kw,
                                          std::int64_t channels) const {
  return depthwise_to_torch(get(name, {kh, kw, channels, 1}));
}

at::Tensor TfjsWeights::pointwise_filters(const std::string& name, std::int64_t in, std::int64_t out) const {
  return hwio_to_oihw(get(name, {1, 1, in, out}));
}

at::Tensor TfjsWeights::fc_weights(const std::string& name, std::int64_t in, std::int64_t out) const {
  return fc_to_linear(get(name, {in, out}));
}

at::Tensor TfjsWeights::vector(const std::string& name, std::int64_t n) const { return get(name, {n}).clone(); }

at::Tensor hwio_to_oihw(const at::Tensor& hwio) {
  FERGUARD_CHECK_AS(hwio.dim() == 4, ModelError, "conv filters: expected 4 dims (HWIO), got {}", hwio.dim());
  return hwio.permute({3, 2, 0, 1}).contiguous();
}

at::Tensor depthwise_to_torch(const at::Tensor& hwc1) {
  FERGUARD_CHECK_AS(hwc1.dim() == 4 && hwc1.size(3) == 1, ModelError,
                    "depthwise filters: expected [kh,kw,C,1], got {}", shape_str(hwc1.sizes()));
  return hwc1.permute({2, 3, 0, 1}).contiguous();
}

at::Tensor fc_to_linear(const at::Tensor& in_out) {
  FERGUARD_CHECK_AS(in_out.dim() == 2, ModelError, "fc weights: expected [in,out], got {}", shape_str(in_out.sizes()));
  return in_out.t().contiguous();
}

}  // namespace ferguard::detail

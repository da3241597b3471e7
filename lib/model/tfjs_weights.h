#pragma once
// Reader for TF.js layers/graph weight files: `<name>-weights_manifest.json` plus the .bin shards it names.
// Private to the library (the SSD detector and the 68-landmark net reuse it). Tensors keep TF's shapes and
// layouts (HWIO filters, [in,out] FC weights); the layout helpers below convert them for torch.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ferguard::detail {

/// How one manifest entry is stored in the .bin: raw (4 bytes/element), uint8/uint16 affine quantized, or
/// IEEE float16.
enum class TfjsStorage { raw, uint8, uint16, float16 };

/// One manifest entry, with the byte range it occupies in its group's concatenated shards.
struct TfjsWeightSpec {
  std::string name;
  std::vector<std::int64_t> shape;  ///< TF shape, as in the manifest
  std::string dtype;                ///< decoded type: "float32" or "int32"
  TfjsStorage storage = TfjsStorage::raw;
  double scale = 1.0;               ///< for uint8/uint16: value = q*scale + min
  double min = 0.0;
  std::size_t offset = 0;           ///< byte offset in the group's buffer
  std::size_t nbytes = 0;
};

/// Decoded weights of one model, by name. float32 entries become kFloat tensors, int32 entries kInt.
class TfjsWeights {
 public:
  /// Reads `manifest_path` and the shards it lists (paths relative to the manifest's folder).
  /// Throws ModelError naming the file or tensor when a file is missing, the JSON is malformed, a shard is
  /// shorter or longer than the manifest says, or a dtype/quantization is unknown.
  static TfjsWeights load(const std::string& manifest_path);

  /// Decodes from memory: `manifest_json` is the manifest text; `shards[g]` is group g's concatenated bytes.
  /// `source` names the model in messages. Same errors as load().
  static TfjsWeights decode(const std::string& manifest_json, const std::vector<std::vector<std::uint8_t>>& shards,
                            const std::string& source);

  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  /// Tensor `name`; throws ModelError naming the tensor and the model when it is absent.
  const at::Tensor& get(const std::string& name) const;
  /// Tensor `name` checked against `shape`; throws ModelError (expected vs got) on a mismatch.
  const at::Tensor& get(const std::string& name, const std::vector<std::int64_t>& shape) const;
  /// Names in manifest order.
  const std::vector<std::string>& names() const { return order_; }
  const std::vector<TfjsWeightSpec>& specs() const { return specs_; }
  /// The manifest path (or the `source` given to decode), for messages.
  const std::string& source() const { return source_; }

  // Layout conversions, checked against the expected TF shape (ModelError naming the tensor on mismatch).
  /// Conv filters [kh,kw,in,out] (HWIO) -> [out,in,kh,kw] (OIHW), contiguous.
  at::Tensor conv_filters(const std::string& name, std::int64_t kh, std::int64_t kw, std::int64_t in,
                          std::int64_t out) const;
  /// Depthwise filters [kh,kw,C,1] -> [C,1,kh,kw] for groups=C.
  at::Tensor depthwise_filters(const std::string& name, std::int64_t kh, std::int64_t kw, std::int64_t channels) const;
  /// Pointwise filters [1,1,in,out] -> [out,in,1,1].
  at::Tensor pointwise_filters(const std::string& name, std::int64_t in, std::int64_t out) const;
  /// Fully connected weights [in,out] -> [out,in] (torch Linear layout).
  at::Tensor fc_weights(const std::string& name, std::int64_t in, std::int64_t out) const;
  /// A vector of n values (biases, per-channel scales).
  at::Tensor vector(const std::string& name, std::int64_t n) const;

 private:
  std::string source_;
  std::vector<std::string> order_;
  std::vector<TfjsWeightSpec> specs_;
  std::map<std::string, at::Tensor> tensors_;
};

/// Layout helpers on already-decoded TF tensors (no shape checks beyond rank).
at::Tensor hwio_to_oihw(const at::Tensor& hwio);
at::Tensor depthwise_to_torch(const at::Tensor& hwc1);
at::Tensor fc_to_linear(const at::Tensor& in_out);

}  // namespace ferguard::detail

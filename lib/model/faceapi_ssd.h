#pragma once
// LibTorch port of face-api's SsdMobilenetv1 face detector (tools/reference/NETS.md section 1): MobileNet v1
// backbone with the depthwise BatchNorms folded in, 8 extra feature convs, 6 box/class predictors and the
// stored anchors. Post-processing (decoding, NMS, mapping to pixels) is in ssd_postprocess.h.
#include <torch/nn/module.h>

#include <array>
#include <vector>

#include "ferguard/types.h"
#include "model/ssd_postprocess.h"

namespace ferguard::detail {

class TfjsWeights;

/// The detector's input side and anchor count.
constexpr int kSsdInputSize = 512;
constexpr int kSsdNumAnchors = 5118;

/// face-api's detector input for a batch of HWC uint8 RGB images of any sizes: all of |H-W| zero rows or
/// columns appended at the bottom/right, TF legacy bilinear resize to 512 (skipped when already 512),
/// then x / 127.5 - 1. Returns Nx3x512x512 float. Throws InvalidArgument naming the image index when an image
/// is empty or not 3-channel.
///
/// One pass per image from its pixels (the padding is read as zeros, never stored); ssd_input_reference is the same
/// with tensor ops (pad, resize_bilinear_legacy, divide, subtract), which the tests hold it to.
at::Tensor ssd_input(const std::vector<const Image*>& images);
at::Tensor ssd_input_reference(const std::vector<const Image*>& images);

/// Raw outputs of the net, anchors in face-api's order (predictor k, row, column, slot).
struct SsdRawOutput {
  at::Tensor box_encodings;  ///< Nx5118x4, [ty, tx, th, tw]
  at::Tensor class_logits;   ///< Nx5118x3, channel 1 is the face logit
};

class SsdMobilenetV1Impl : public torch::nn::Module {
 public:
  /// Reads every tensor by name from `weights` (ModelError naming a missing or misshapen one).
  explicit SsdMobilenetV1Impl(const TfjsWeights& weights);

  /// Nx3x512x512 preprocessed input (ssd_input) -> raw box encodings and class logits.
  ///
  /// With `skip_uniform_rows` (the default), a batch-1 CPU input without gradients whose last rows are all the same
  /// row (the letterbox padding under a landscape image) has those rows' feature maps computed once per layer, not
  /// once per row: see RowBand in faceapi_ssd.cpp. Last columns that are all the same column (a portrait image's
  /// padding) are handled on the transposed input. The outputs are those of the plain pass: the same bytes for a
  /// band of rows, within float rounding for one of columns (tested).
  SsdRawOutput forward(const at::Tensor& x, bool skip_uniform_rows = true);
  /// Output of backbone stage `stage` (0 = conv_0, k = pair k, up to 13), for tests; `banded_layers`, when given,
  /// receives how many of its convolutions ran on the rows outside a band.
  at::Tensor backbone_until(const at::Tensor& x, int stage, bool skip_uniform_rows = true, int* banded_layers = nullptr);
  /// `Output/extra_dim`: 5118 anchors [ymin, xmin, ymax, xmax], normalised to the padded square.
  const std::vector<SsdBox>& anchors() const { return anchors_; }

 private:
  struct Conv {
    at::Tensor weight, bias;
    std::int64_t stride = 1;
    std::int64_t groups = 1;
  };
  at::Tensor conv_relu6(const at::Tensor& x, const Conv& c) const;
  struct RowBand;
  /// The backbone up to pair `stage` on row bands (what forward and backbone_until share).
  at::Tensor backbone(const at::Tensor& x, int stage, bool skip_uniform_rows, at::Tensor* conv11, int* banded_layers);

  Conv conv0_;
  std::array<Conv, 13> depthwise_;   // BN folded, pairs 1..13 at [k-1]
  // conv0_ and depthwise_ with their kernels transposed in space (the pointwise ones are their own transposes): the
  // backbone of a transposed input, for a portrait image's band of padded columns. Not parameters: derived at load.
  Conv conv0_t_;
  std::array<Conv, 13> depthwise_t_;
  std::array<Conv, 13> pointwise_;
  std::array<Conv, 8> extra_;        // Prediction/Conv2d_k_pointwise
  std::array<Conv, 6> box_heads_;
  std::array<Conv, 6> class_heads_;
  std::vector<SsdBox> anchors_;
};

/// Decoded detections of one image before NMS: boxes in the padded normalised square and sigmoid scores.
struct SsdDecoded {
  std::vector<SsdBox> boxes;
  std::vector<float> scores;
};

/// Decodes image `index` of a raw output against the anchors (face-api's outputLayer).
SsdDecoded decode_ssd_output(const SsdRawOutput& raw, std::int64_t index, const std::vector<SsdBox>& anchors);

}  // namespace ferguard::detail

#pragma once
// face-api's input pipeline (NetInput.toBatchTensor + normalize), shared by every ported face-api net.
// All tensors are NCHW float32 RGB with values 0..255 until `faceapi_normalize`.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ferguard/types.h"

namespace ferguard::detail {

/// HWC uint8 RGB image -> 1x3xHxW float32 with values 0..255. Throws InvalidArgument unless 3 channels.
at::Tensor image_to_tensor255(const Image& image);

/// Zero-pads the shorter side of an NxCxHxW batch to a square (face-api padToSquare). centered: the
/// bottom/right gets round(diff/2) and the top/left the rest (112/150 nets); otherwise all of diff goes to the
/// bottom/right (SSD detector).
at::Tensor pad_to_square(const at::Tensor& nchw, bool centered);

/// TF legacy bilinear resize (align_corners=false, half_pixel_centers=false) of an NxCxHxW float batch:
/// src = dst*in/out, i0 = floor(src), i1 = min(ceil(src), in-1), lerp in x then y. No rounding, no clamping.
/// Without a gradient to keep it runs a direct loop (resize_bilinear_legacy_loop, same arithmetic per element),
/// else the tensor-op form (resize_bilinear_legacy_reference, differentiable; its strided index_select took 17 ms
/// of the detector's 50 ms per 640x480 image).
at::Tensor resize_bilinear_legacy(const at::Tensor& nchw, std::int64_t out_h, std::int64_t out_w);
at::Tensor resize_bilinear_legacy_loop(const at::Tensor& nchw, std::int64_t out_h, std::int64_t out_w);
at::Tensor resize_bilinear_legacy_reference(const at::Tensor& nchw, std::int64_t out_h, std::int64_t out_w);

/// One axis of the legacy resize from `in` to `out` samples, as scalars: for each output index i, src = i * float(in /
/// out), i0 = floor(src), i1 = min(ceil(src), in - 1), frac = src - i0 (resize_bilinear_legacy's arithmetic).
struct LegacyResizeTaps {
  std::vector<std::int64_t> i0, i1;
  std::vector<float> frac;
};
LegacyResizeTaps legacy_resize_taps(std::int64_t in, std::int64_t out);

/// The graph models' input for HWC uint8 RGB crops of any sizes, in one pass per crop: each resized to size x size
/// as resize_bilinear_legacy does, scaled from 0..255 to lo..hi, and with `grey` turned into one channel
/// ((0.2989 r + 0.587 g + 0.114 b) - 0.5) * 2, as NxSxSxC float (NHWC, C = 1 or 3) from the calling model's pool.
/// The same arithmetic as those tensor ops (the graph runner's differentiable input; tested against them) without
/// their intermediate tensors: a 64x64 grey input from a 200x200 crop took 0.2 ms through them.
/// Throws InvalidArgument naming `model` and the crop index when a crop is empty or not 3-channel.
at::Tensor graph_model_input(const std::vector<Image>& crops, int size, float lo, float hi, bool grey,
                             const std::string& model);

/// (x - [122.782, 117.001, 104.298]) / 255 per RGB channel, as face-api's 112/150 nets do.
at::Tensor faceapi_normalize(const at::Tensor& nchw255);

/// The whole 112/150-net input for one batch of equally sized images (Nx3xHxW, 0..255): centred pad to
/// square, resize to size x size unless already that size, normalize.
at::Tensor faceapi_net_input(const at::Tensor& nchw255, std::int64_t size);

/// Same for crops of any sizes (each HWC uint8 RGB): each is padded and resized alone, then stacked.
/// Throws InvalidArgument naming the crop index when a crop is empty or not 3-channel.
at::Tensor faceapi_net_input(const std::vector<Image>& crops, std::int64_t size);

}  // namespace ferguard::detail

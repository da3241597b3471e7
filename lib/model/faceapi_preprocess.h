#pragma once
// face-api's input pipeline (NetInput.toBatchTensor + normalize), shared by every ported face-api net.
// All tensors are NCHW float32 RGB with values 0..255 until `faceapi_normalize`.
#include <ATen/core/Tensor.h>

#include <cstdint>
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

/// (x - [122.782, 117.001, 104.298]) / 255 per RGB channel, as face-api's 112/150 nets do.
at::Tensor faceapi_normalize(const at::Tensor& nchw255);

/// The whole 112/150-net input for one batch of equally sized images (Nx3xHxW, 0..255): centred pad to
/// square, resize to size x size unless already that size, normalize.
at::Tensor faceapi_net_input(const at::Tensor& nchw255, std::int64_t size);

/// Same for crops of any sizes (each HWC uint8 RGB): each is padded and resized alone, then stacked.
/// Throws InvalidArgument naming the crop index when a crop is empty or not 3-channel.
at::Tensor faceapi_net_input(const std::vector<Image>& crops, std::int64_t size);

}  // namespace ferguard::detail

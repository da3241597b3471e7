#pragma once
/// Undoing a privacy method's blur: the reversal attacker of the audit (as in SEBA) deconvolves a published face
/// before recognising it, so that a blur only counts as protection when it cannot simply be inverted.
#include "ferguard/types.h"

namespace ferguard {

/// Wiener deconvolution of a Gaussian blur of standard deviation `sigma` pixels with noise-to-signal power ratio
/// `nsr`, per channel, with the image reflected at its borders (mirrored to twice its size, edge pixels repeated) so
/// the edges do not ring. The blur's transfer function is that of the sampled, normalised Gaussian kernel of radius
/// ceil(4 sigma) (as cv::GaussianBlur samples it); the filter is H / (H^2 + nsr). HWC uint8 in and out, same size,
/// rounded and clamped to 0..255. sigma below 0.3 returns the image unchanged. Throws InvalidArgument for an empty
/// image, a non-finite or negative sigma, or nsr <= 0 (or not finite).
Image wiener_deconvolve(const Image& image, float sigma, float nsr = 0.01f);

}  // namespace ferguard

#pragma once
/// The face crops face-api feeds to its nets, as pure functions of the 68 landmarks (image pixels).
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/types.h"

namespace ferguard {

/// face-api's Box.clipAtImageBorders: clamps the top-left to >= 0, the size to the image, then floors x, y,
/// width and height independently. The result may have width or height <= 0 for a box outside the image.
/// Throws InvalidArgument unless image_width, image_height >= 1.
PixelRect clip_at_image_borders(const FaceBox& box, int image_width, int image_height);

/// Expression (and landmark-refinement) crop before clipping: the min-bbox of the 68 landmarks padded by 20 %
/// (10 % on each side). Throws InvalidArgument unless there are 68 landmarks.
FaceBox expression_crop_box(const std::vector<Point2f>& landmarks);

/// Recognition crop before clipping (face-api's dlib alignment): eye centres = means of landmarks 36-41 and
/// 42-47, mouth centre = mean of 48-67, size = floor(mean(|mouth-leye|, |mouth-reye|) / 0.45),
/// ref = centroid of the three, x = floor(max(0, ref.x - 0.5 size)), y = floor(max(0, ref.y - 0.43 size)),
/// width = height = size. Throws InvalidArgument unless there are 68 landmarks.
FaceBox recognition_crop_box(const std::vector<Point2f>& landmarks);

/// clip_at_image_borders(expression_crop_box(landmarks), ...).
PixelRect expression_crop(const std::vector<Point2f>& landmarks, int image_width, int image_height);
/// clip_at_image_borders(recognition_crop_box(landmarks), ...).
PixelRect recognition_crop(const std::vector<Point2f>& landmarks, int image_width, int image_height);

/// Copies the slice `rect` of `image` (same channels). Throws InvalidArgument when the rect is empty or not
/// inside the image.
Image crop_image(const Image& image, const PixelRect& rect);

}  // namespace ferguard

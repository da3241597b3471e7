#pragma once
// Where a face is changed: its aligned working canvas (a square of the image resampled to side x side), the
// feathered masks that confine every change to the face and to its expression regions, pasting a change back
// into the frame, and masking a face that cannot be privatized (fail closed). Private to the library.
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/types.h"

namespace ferguard::detail {

/// A face's working canvas: `rect` (a square in image pixels, may extend past the image) seen at side x side.
struct Canvas {
  PixelRect rect;
  int side = 0;
  /// Canvas pixels per image pixel.
  double scale() const { return double(side) / rect.width; }
  /// An image point in canvas coordinates.
  Point2f to_canvas(const Point2f& p) const;
  /// An image box in canvas coordinates.
  FaceBox to_canvas(const FaceBox& b) const;
};

/// The smallest square (integer pixels) centred on the union of `boxes` that holds them all. Throws
/// InvalidArgument for no boxes or a non-finite box.
PixelRect covering_square(const std::vector<FaceBox>& boxes);

/// The canvas of `rect` from `image` (zero outside the image) as a 1x3xSxS tensor in [0, 1]: area averaging when
/// shrinking, bilinear when enlarging.
Tensor4 read_canvas(const Image& image, const Canvas& canvas);

/// Feathered ellipse over the face (jaw, cheeks, brows and forehead) from 68 landmarks in canvas coordinates:
/// SxS values in [0, 1], 1 inside, smooth to 0 over `feather` of the radius.
std::vector<float> face_mask(const std::vector<Point2f>& canvas_landmarks, int side, float feather = 0.25f);

/// 1 inside the convex hull of the face outlines (face_outline: jaw and forehead) of every landmark set, 0 outside:
/// SxS, canvas coordinates. Throws InvalidArgument for a set that is not 68 finite landmarks.
std::vector<float> outline_hull_mask(const std::vector<std::vector<Point2f>>& landmark_sets, int side);

/// Feathered regions of the brows+eyes and of the mouth (where expression lives), SxS in [0, 1].
std::vector<float> expression_mask(const std::vector<Point2f>& canvas_landmarks, int side);

/// Adds `delta` (1x3xSxS, [0, 1] units) resized to the canvas rect to `image` (rounded, clamped to 0..255), on
/// the part of the rect inside the image.
void paste_delta(Image& image, const Canvas& canvas, const Tensor4& delta);

/// Replaces the canvas rect of `image` by `published` (1x3xSxS in [0, 1]) with weight `alpha` (SxS in [0, 1]), both
/// resized to the rect: nothing of the original under alpha = 1 survives, whatever the canvas resolution.
void paste_blend(Image& image, const Canvas& canvas, const Tensor4& published, const std::vector<float>& alpha);

/// Fail closed: fills the face's box, enlarged by 30 %, with flat grey so that nothing of it is published.
void mask_face(Image& image, const FaceBox& box);

/// The landmark box's shorter side in pixels (0 unless there are 68 finite landmarks).
float landmark_box_side(const std::vector<Point2f>& landmarks);

}  // namespace ferguard::detail

#pragma once
/// Face geometry over face-api's 68 landmarks: similarity alignment to a canonical frame, a mean shape, a fixed
/// triangulation over landmarks plus frame points, and a piecewise-affine warp between two geometries (image <->
/// canonical, or one face shape -> another). Points are in pixels, (x, y), origin at the top-left pixel's corner.
#include <array>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/types.h"

namespace ferguard {

/// x' = a x - b y + tx, y' = b x + a y + ty: rotation, uniform scale and translation.
struct Similarity {
  double a = 1.0, b = 0.0, tx = 0.0, ty = 0.0;
  Point2f apply(const Point2f& p) const;
  std::vector<Point2f> apply(const std::vector<Point2f>& points) const;
  /// The inverse map. Throws InvalidArgument when the scale is 0.
  Similarity inverse() const;
  /// Uniform scale factor sqrt(a^2 + b^2).
  double scale() const;
};

/// Least-squares similarity that maps `from` onto `to` (Umeyama; equal weights). Throws InvalidArgument for a size
/// mismatch, fewer than 2 points, non-finite points, or all `from` points coincident.
Similarity fit_similarity(const std::vector<Point2f>& from, const std::vector<Point2f>& to);

/// The canonical frame: a square of `side` pixels in which the mean of the eye centres (landmarks 36-41 and 42-47)
/// lies at (0.36, 0.40) and (0.64, 0.40) of the side. The face's forehead, jaw and a margin fit inside it.
struct CanonicalFrame {
  int side = 160;
  Point2f left_eye() const { return {0.36f * side, 0.40f * side}; }
  Point2f right_eye() const { return {0.64f * side, 0.40f * side}; }
};

/// Landmark index ranges of the 68-point scheme, [begin, end).
struct LandmarkGroup {
  int begin, end;
};
inline constexpr LandmarkGroup kJaw{0, 17}, kLeftBrow{17, 22}, kRightBrow{22, 27}, kNose{27, 36}, kLeftEye{36, 42},
    kRightEye{42, 48}, kMouth{48, 68};

/// Mean of points [group.begin, group.end).
Point2f group_centroid(const std::vector<Point2f>& landmarks, LandmarkGroup group);
/// Distance between the two eye centres. Throws InvalidArgument unless there are 68 landmarks.
float inter_ocular(const std::vector<Point2f>& landmarks);

/// A head-turn (yaw) proxy from 2-D landmarks: where the nose tip (landmark 30) falls along the line between the
/// jaw's ends (0 and 16), minus one half. 0 for a frontal face; towards +0.5 as the nose nears landmark 16 (the
/// head turned towards the image's right), towards -0.5 the other way. Invariant to similarity transforms. Throws
/// InvalidArgument unless there are 68 landmarks.
float yaw_proxy(const std::vector<Point2f>& landmarks);

/// How far face_outline reaches above the brows, in inter-ocular distances (eye centre to eye centre).
inline constexpr float kForeheadRise = 0.6f;

/// The face's outline as a closed polygon: the jaw (landmarks 0-16), then the brows (26 down to 17) raised along the
/// face's vertical axis (mouth centre -> eye centres) by kForeheadRise x the inter-ocular distance (the forehead).
/// Throws InvalidArgument unless there are 68 finite landmarks.
std::vector<Point2f> face_outline(const std::vector<Point2f>& landmarks);

/// The similarity that puts a face's eye centres where the canonical frame has them.
Similarity to_canonical(const std::vector<Point2f>& landmarks, const CanonicalFrame& frame);

/// Generalised Procrustes mean of 68-point shapes, in the canonical frame: every shape is aligned to the running mean
/// (similarity, all points), `iterations` times, and the mean is then placed by its eye centres. Throws
/// InvalidArgument for no shapes or a shape that is not 68 finite points.
std::vector<Point2f> mean_shape(const std::vector<std::vector<Point2f>>& shapes, const CanonicalFrame& frame,
                                int iterations = 4);

/// A triangulation over the 68 landmarks plus kFramePoints frame points, made once on a reference shape (Delaunay);
/// the same triangles index every other face's control points, so warps between any two faces correspond.
/// Thread safety: immutable after construction, may be shared.
class FaceMesh {
 public:
  /// Frame points: the corners and edge mid-points of a square around the face, placed rigidly with it.
  static constexpr int kFramePoints = 8;
  /// Triangulates `reference` (68 landmarks, e.g. a mean shape). Throws InvalidArgument for a malformed shape.
  explicit FaceMesh(const std::vector<Point2f>& reference);
  /// The 68 landmarks followed by the frame points: the square (side 3.2 x the inter-ocular distance of the reference,
  /// centred 0.55 inter-ocular distances below the eyes) mapped through the similarity that best maps the reference's
  /// landmarks onto `landmarks`. Throws InvalidArgument unless there are 68 finite landmarks.
  std::vector<Point2f> control_points(const std::vector<Point2f>& landmarks) const;
  const std::vector<std::array<int, 3>>& triangles() const { return triangles_; }
  /// Triangles of `control_points` whose orientation differs from the reference's, or whose area is below
  /// `min_area` squared pixels (degenerate).
  int bad_triangles(const std::vector<Point2f>& control_points, double min_area = 0.5) const;
  /// The area of the folded triangles (orientation opposite to the reference's) as a fraction of the area of all
  /// triangles that touch the face (frame-only triangles left out). 0 for a face like the reference; a turned head
  /// folds a few thin triangles along the jaw, the nose and the lips.
  double folded_fraction(const std::vector<Point2f>& control_points) const;
  /// Piecewise-affine warp of `src` (1xCxHxW), whose face has control points `from`, to an image of out_h x out_w in
  /// which the face has control points `to`: each output pixel inside a triangle of `to` is read from the same
  /// triangle of `from` (bilinear; outside `src` its border is repeated). Output pixels outside every triangle take
  /// the least-squares similarity between the two point sets. Throws InvalidArgument for malformed inputs.
  Tensor4 warp(const Tensor4& src, const std::vector<Point2f>& from, const std::vector<Point2f>& to, int out_h,
               int out_w) const;

 private:
  std::vector<Point2f> reference_;
  std::vector<std::array<int, 3>> triangles_;
  std::vector<int> orientation_;  // sign of each triangle's area on the reference
};

}  // namespace ferguard

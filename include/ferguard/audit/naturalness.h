#pragma once
/// Whether a published face still looks like a face with the original's expression: found again by the detector,
/// its expression landmarks (brows, eyelids, mouth) where the original's were, and its colours as vivid.
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/types.h"

namespace ferguard {

/// Thresholds of the naturalness checks.
struct NaturalnessLimits {
  float min_iou = 0.5f;            ///< re-detected box against the original's
  float max_landmark_error = 0.05f;  ///< per expression group, mean point distance / inter-ocular distance
  float max_colour_change = 0.30f;   ///< |colourfulness ratio - 1|
};

/// The checks of one published face.
struct Naturalness {
  bool redetected = false;      ///< a face of the published image overlaps the original's box by IoU >= min_iou
  float iou = 0.0f;             ///< the best overlap found
  /// Worst expression group (each brow, each eye, the outer and inner mouth), each aligned on its own centroid: mean
  /// distance of the re-detected landmarks from the original's, in inter-ocular distances. -1 when not re-detected.
  float landmark_error = -1.0f;
  float colourfulness = 0.0f;           ///< Hasler-Suesstrunk colourfulness of the published face region
  float original_colourfulness = 0.0f;  ///< ... and of the original's
  bool landmarks_ok = false, colour_ok = false;
  /// All three checks passed.
  bool ok() const { return redetected && landmarks_ok && colour_ok; }
};

/// Hasler and Suesstrunk's colourfulness (0..~150; grey 0) of the pixels of `image` inside the polygon `region`
/// (image pixels). Throws InvalidArgument for a non-RGB image or a region of fewer than 3 points.
float colourfulness(const Image& image, const std::vector<Point2f>& region);

/// Mean point error of each expression group after centring each group on its centroid, worst group, in units of
/// the inter-ocular distance of `original`. Throws InvalidArgument unless both have 68 finite landmarks.
float expression_landmark_error(const std::vector<Point2f>& original, const std::vector<Point2f>& published);

/// Checks one face: `original` as found on the original image, `found` the faces the detector finds on the
/// published image (with landmarks). The colourfulness is measured inside the original's face outline.
Naturalness check_naturalness(const Image& original_image, const Image& published_image, const Face& original,
                              const std::vector<Face>& found, const NaturalnessLimits& limits = {});

}  // namespace ferguard

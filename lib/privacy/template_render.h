#pragma once
// The `template` method's rendering of one face on its working canvas (k-Same-M with per-stream strengths). Private.
//
// With L the face's landmarks and T the template's shape placed on them (least-squares similarity):
//  - geometry P: the nose moves from L towards T by strength_shape; each expression group (each brow, each eye,
//    the mouth) moves to the template's position, and its shape becomes the template's group carried by the
//    least-squares affine map onto the person's group: the affine part (size, aspect, tilt: an eye's opening, a
//    brow's raise, the mouth's width and opening) is the expression and stays, the rest of the group's shape is the
//    person's and goes (both by strength_shape); the jaw outline stays the person's, and the chin follows the
//    mouth's opening beyond the template's. With a video track's neutral shape, the whole identity shape (jaw
//    included) is the template's and the frame's difference from the neutral is the expression;
//  - the person's canvas X and the template texture A are both warped to P (piecewise affine over the face mesh);
//  - illumination: A takes the person's very low band (a mask-normalised Gaussian of sigma 0.35 inter-ocular
//    distances) in place of its own, so that the face keeps the photo's light and skin tone;
//  - streams: low = (1 - strength_low) low(X) + strength_low low(A), high likewise with strength_high, through the
//    FFTW split (the frequency split stays the axis: one strength per stream, 0 = unchanged);
//  - blend: 1 inside the convex hull of both outlines (jaw + forehead of L and of P: no original face pixel stays
//    inside either), feathered outwards over 0.12 inter-ocular distances.
// At strength 1 for both streams and the shape, nothing of the person's texture above the illumination band
// reaches the face: it is the average of at least k other people's.
#include <vector>

#include "ferguard/face/face_geometry.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/privacy/template_bank.h"
#include "ferguard/types.h"
#include "privacy/method.h"

namespace ferguard::detail {

/// What came out for one face.
struct TemplateRender {
  Tensor4 published;                 ///< 1x3xSxS in [0, 1]: the face as published on its canvas
  std::vector<Point2f> geometry;     ///< P, the published landmarks in canvas coordinates
  std::vector<float> blend;          ///< SxS alpha in [0, 1] (1: the rendered face, 0: the original canvas)
  std::vector<float> hull;           ///< SxS 0/1: inside the convex hull of both outlines
  double folded = 0.0;               ///< FaceMesh::folded_fraction of L or of P, the larger
};

class TemplateRenderer {
 public:
  /// `reference`: the bank's reference shape (canonical, its textures' geometry); `bank_side` its texture side.
  TemplateRenderer(const std::vector<Point2f>& reference, int bank_side, SplitOptions split);
  /// The published geometry P (see above) from the face's landmarks and the template's shape placed on them.
  /// With `neutral` (a video track's neutral shape, any frame: the median of its aligned landmarks), the whole
  /// identity part of the shape is replaced instead: N is the neutral placed on the face, T the template placed on
  /// N, and P = L + strength_shape (T - N): the template's shape carrying the face's expression, L - N.
  std::vector<Point2f> geometry(const std::vector<Point2f>& landmarks, const std::vector<Point2f>& template_shape,
                                float strength_shape, const std::vector<Point2f>* neutral = nullptr) const;
  /// Renders one face with strengths shape, low and high (compensate is not the renderer's), the geometry as
  /// above. Throws InvalidArgument for a malformed canvas or landmarks.
  TemplateRender render(const Tensor4& canvas, const std::vector<Point2f>& landmarks, const FaceTemplate& tpl,
                        const Strengths& strengths, const std::vector<Point2f>* neutral = nullptr) const;
  /// `landmarks` in the bank's reference frame (the least-squares similarity over the placement points): what a
  /// track's neutral shape is the median of.
  std::vector<Point2f> aligned(const std::vector<Point2f>& landmarks) const;
  const FaceMesh& mesh() const { return mesh_; }

 private:
  FaceMesh mesh_;
  std::vector<Point2f> reference_;
  std::vector<Point2f> reference_control_;
  int bank_side_;
  FrequencySplitter splitter_;
};

}  // namespace ferguard::detail

#pragma once
// Face models as differentiable functions of an already cropped and resized face, for the privatizer's controllers:
// gradients flow from an embedding or expression log-probabilities back to the pixels. Private to the library.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/types.h"

namespace ferguard::detail {

/// Where a model crops a face, as a float box in image pixels, and how the crop is made square.
struct CropSpec {
  FaceBox box;              ///< may extend past the image (the outside reads as zeros)
  bool pad_centered = false;  ///< face-api: the box is zero-padded to a square, centred, before resizing
};

/// A face model on Nx3xSxS float crops with values 0..255 (RGB), S = input_size(); the caller resamples.
class DifferentiableModel {
 public:
  virtual ~DifferentiableModel() = default;
  virtual std::string name() const = 0;
  virtual int input_size() const = 0;
  /// Where this model crops a face with 68 landmarks.
  virtual CropSpec crop(const std::vector<Point2f>& landmarks) const = 0;
  /// Recogniser: NxD embedding. Expression model: Nx7 log-probabilities in ferguard's label order.
  virtual at::Tensor forward(const at::Tensor& crops255) const = 0;
};

/// A recogniser as a DifferentiableModel, with its distance and threshold.
class DifferentiableRecognizer : public DifferentiableModel {
 public:
  virtual DistanceKind distance_kind() const = 0;
  virtual float threshold() const = 0;
  /// Differentiable distance between rows of `a` and `b` (NxD each) -> N.
  at::Tensor distance(const at::Tensor& a, const at::Tensor& b) const;
};

/// "faceapi", "faceres" or "mobileface"; the same errors as make_recognizer.
std::unique_ptr<DifferentiableRecognizer> make_differentiable_recognizer(const std::string& name,
                                                                         const ModelOptions& options);
/// "faceapi" or "emotion"; the same errors as make_expression_model.
std::unique_ptr<DifferentiableModel> make_differentiable_expression_model(const std::string& name,
                                                                          const ModelOptions& options);

/// A copy of a 1x3xSxS canvas as a LibTorch tensor, and back (detached, float32, CPU).
at::Tensor canvas_to_at(const Tensor4& t);
Tensor4 at_to_canvas(const at::Tensor& t);

/// Differentiable bilinear resampling of `box` (canvas pixels) of x (1x3xSxS) to size x size. spec.pad_centered: the
/// box is first zero-padded to a square around its centre (face-api's padToSquare), so its outside reads as zeros.
at::Tensor resample_crop(const at::Tensor& x, const FaceBox& box, const CropSpec& spec, int size);

}  // namespace ferguard::detail

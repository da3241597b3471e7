#pragma once
/// Faces as ferguard's face pipeline sees them: a detection box, a score and face-api's 68 landmarks, all in
/// image pixels of the full-resolution image ((x, y) order, origin at the top-left pixel's corner).
#include <array>
#include <vector>

#include "ferguard/labels.h"

namespace ferguard {

/// Number of landmarks in face-api's / iBUG's 68-point scheme (jaw 0-16, brows 17-26, nose 27-35,
/// eyes 36-41 and 42-47, mouth 48-67).
constexpr int kNumFaceLandmarks = 68;
/// Length of the recognition net's face descriptor.
constexpr int kFaceDescriptorSize = 128;

/// A point in image pixels.
struct Point2f {
  float x = 0.0f;
  float y = 0.0f;
};

/// An axis-aligned box in image pixels (float, may extend past the image).
struct FaceBox {
  float x = 0.0f;
  float y = 0.0f;
  float width = 0.0f;
  float height = 0.0f;
};

/// An integer pixel rectangle inside an image: the slice [y, y+height) x [x, x+width).
struct PixelRect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool operator==(const PixelRect& o) const {
    return x == o.x && y == o.y && width == o.width && height == o.height;
  }
};

/// One detected face: detector box and score, and 68 landmarks (empty until a landmark net has run).
struct Face {
  FaceBox box;
  float score = 0.0f;
  std::vector<Point2f> landmarks;
};

/// Softmax probabilities over the 7 expressions, in ferguard's label order (labels.h).
struct ExpressionScores {
  std::array<float, kNumExpressions> probs{};

  /// Probability of one expression.
  float operator[](Expression e) const { return probs[static_cast<int>(e)]; }
  /// The most probable expression (the first one on ties).
  Expression label() const {
    int best = 0;
    for (int i = 1; i < kNumExpressions; ++i)
      if (probs[i] > probs[best]) best = i;
    return static_cast<Expression>(best);
  }
};

/// A face descriptor: face-api's raw 128-d recognition output (not L2-normalised; norms are about 1.3-1.5).
using FaceDescriptor = std::array<float, kFaceDescriptorSize>;

}  // namespace ferguard

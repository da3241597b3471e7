#pragma once
/// face-api's SsdMobilenetv1 face detector and FaceLandmark68Net (@vladmandic/face-api 1.7.15 weights), ported to
/// LibTorch with face-api's preprocessing, NMS and coordinate quirks (tools/reference/NETS.md).
#include <memory>
#include <string>
#include <cstdint>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/model/faceapi_nets.h"
#include "ferguard/types.h"

namespace ferguard {

/// Detection thresholds; defaults are face-api's SsdMobilenetv1Options.
struct FaceDetectorOptions {
  /// A face needs a score strictly above this; in (0, 1).
  float min_confidence = 0.5f;
  /// A face is suppressed when its IoU with a better-scoring face is strictly above this; in [0, 1].
  float iou_threshold = 0.5f;
  /// At most this many faces per image (>= 1).
  int max_results = 100;
  /// Images with more pixels are refused (InvalidArgument) before any work: the same limit as read_image's, on every
  /// path that detects faces (Pipeline, VideoAnalyzer, FaceAnalyzer, Python arrays).
  std::int64_t max_pixels = 50'000'000;

  /// Throws InvalidArgument naming the field when a value is out of range.
  void validate() const;
};

/// face-api's SsdMobilenetv1: faces (box in image pixels, score) in descending score order; no landmarks.
/// Thread-safe for concurrent calls.
class FaceDetector {
 public:
  /// Loads ssd_mobilenetv1_model-weights_manifest.json + .bin. Throws ModelError naming the file when it is
  /// missing or corrupt (run scripts/fetch_models.sh or make test), InvalidArgument on invalid options.
  explicit FaceDetector(FaceNetOptions net = {}, FaceDetectorOptions detection = {});
  ~FaceDetector();
  FaceDetector(FaceDetector&&) noexcept;
  FaceDetector& operator=(FaceDetector&&) noexcept;

  /// Faces in one HxWx3 uint8 RGB image. Boxes follow face-api exactly: they may extend past the bottom or
  /// right edge (into the detector's padding). Throws InvalidArgument unless the image is non-empty RGB with at most
  /// FaceDetectorOptions::max_pixels pixels.
  std::vector<Face> detect(const Image& image) const;
  /// Faces in each image; images of any sizes are batched (max_batch per forward pass).
  std::vector<std::vector<Face>> detect(const std::vector<Image>& images) const;

  const FaceNetOptions& net_options() const;
  const FaceDetectorOptions& detection_options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// face-api's FaceLandmark68Net (the full net, not the tiny one). Thread-safe for concurrent calls.
class LandmarkNet {
 public:
  static constexpr int kInputSize = 112;

  /// Loads face_landmark_68_model-weights_manifest.json + .bin; same errors as FaceDetector.
  explicit LandmarkNet(FaceNetOptions options = {});
  ~LandmarkNet();
  LandmarkNet(LandmarkNet&&) noexcept;
  LandmarkNet& operator=(LandmarkNet&&) noexcept;

  /// 68 landmarks per crop (HWC uint8 RGB), in crop pixels, decoded as face-api does (including its -0.5 px
  /// shift along the padded axis when |w-h| is odd). Throws InvalidArgument naming a bad crop.
  std::vector<std::vector<Point2f>> predict(const std::vector<Image>& face_crops) const;

  /// face-api's withFaceLandmarks: each face's box is clipped to the image and floored, that slice goes through
  /// the net, and the landmarks are shifted by the *unfloored* box corner (face-api's sub-pixel bias is kept).
  /// Returns the faces with landmarks filled in; a face whose box lies outside the image gets no landmarks.
  std::vector<Face> locate(const Image& image, const std::vector<Face>& faces) const;
  /// The same for several images, batched across them; faces[i] belong to images[i].
  std::vector<std::vector<Face>> locate(const std::vector<Image>& images,
                                        const std::vector<std::vector<Face>>& faces) const;

  const FaceNetOptions& options() const;
  const std::string& weights_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard

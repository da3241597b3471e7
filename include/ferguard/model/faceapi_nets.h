#pragma once
/// face-api's expression net and recognition net (@vladmandic/face-api 1.7.15 weights), ported to LibTorch.
/// Both take face crops (see face/face_crops.h) and do face-api's own preprocessing: centred zero pad to a
/// square, TF legacy bilinear resize to 112 (expression) or 150 (recognition), (x - mean RGB) / 255.
#include <memory>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/types.h"

namespace ferguard {

/// Where face-api's weight files are looked up, in order: `explicit_dir` when non-empty, then the environment
/// variable FERGUARD_MODELS, then the default: for an installed libferguard `<prefix>/share/ferguard/faceapi/model`
/// (found from the library's own path), for the build tree's `<source dir>/assets/faceapi/model` (filled by
/// scripts/fetch_models.sh).
std::string resolve_models_dir(const std::string& explicit_dir = "");

/// Options shared by the face-api nets.
struct FaceNetOptions {
  /// Folder holding `<model>-weights_manifest.json` and `.bin`; empty = resolve_models_dir().
  std::string models_dir;
  /// LibTorch intra-op threads used during a call (0 = one per core). Set through at::set_num_threads for the
  /// call's duration and restored afterwards; with LibTorch's OpenMP backend this only affects the calling thread.
  int threads = 1;
  /// LibTorch device string: "cpu", "cuda", "cuda:1", ...
  std::string device = "cpu";
  /// Faces per forward pass; larger inputs are split into chunks of this size.
  int max_batch = 64;

  /// Throws InvalidArgument on threads < 0, max_batch < 1 or an unparsable device string.
  void validate() const;
};

/// face-api's FaceExpressionNet: 7 softmax probabilities per face crop. Thread-safe for concurrent calls.
class ExpressionNet {
 public:
  /// Input side the net sees after preprocessing.
  static constexpr int kInputSize = 112;

  /// Loads face_expression_model-weights_manifest.json + .bin from the models folder. Throws ModelError naming
  /// the file when it is missing or corrupt (run scripts/fetch_models.sh or make test), and InvalidArgument on
  /// invalid options or an unavailable device.
  explicit ExpressionNet(FaceNetOptions options = {});
  ~ExpressionNet();
  ExpressionNet(ExpressionNet&&) noexcept;
  ExpressionNet& operator=(ExpressionNet&&) noexcept;

  /// Probabilities for each crop (HWC uint8 RGB, any size >= 1x1), in ferguard's label order.
  /// Throws InvalidArgument naming the crop index when a crop is empty or not 3-channel.
  std::vector<ExpressionScores> predict(const std::vector<Image>& face_crops) const;
  /// One crop.
  ExpressionScores predict(const Image& face_crop) const;
  /// A batch of NCHW float crops with 3 channels and values in [0, 1] (the library's internal convention);
  /// each is treated as the uint8 crop value*255 would be. Throws InvalidArgument unless 3 channels.
  std::vector<ExpressionScores> predict(const Tensor4& face_crops) const;

  const FaceNetOptions& options() const;
  /// Path of the manifest the weights came from.
  const std::string& weights_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// face-api's FaceRecognitionNet (dlib ResNet): a raw 128-d descriptor per face crop; compare descriptors with
/// Euclidean distance (face-api's FaceMatcher uses 0.6). Thread-safe for concurrent calls.
class RecognitionNet {
 public:
  static constexpr int kInputSize = 150;
  /// face-api's FaceMatcher threshold: descriptors within this Euclidean distance are the same person.
  static constexpr float kMatchThreshold = 0.6f;

  /// Loads face_recognition_model-weights_manifest.json + .bin; same errors as ExpressionNet.
  explicit RecognitionNet(FaceNetOptions options = {});
  ~RecognitionNet();
  RecognitionNet(RecognitionNet&&) noexcept;
  RecognitionNet& operator=(RecognitionNet&&) noexcept;

  /// Descriptor for each crop (HWC uint8 RGB). Throws InvalidArgument naming a bad crop.
  std::vector<FaceDescriptor> embed(const std::vector<Image>& face_crops) const;
  FaceDescriptor embed(const Image& face_crop) const;
  /// A batch of NCHW float crops, 3 channels, values in [0, 1].
  std::vector<FaceDescriptor> embed(const Tensor4& face_crops) const;

  const FaceNetOptions& options() const;
  const std::string& weights_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Euclidean distance between two descriptors.
float descriptor_distance(const FaceDescriptor& a, const FaceDescriptor& b);

}  // namespace ferguard

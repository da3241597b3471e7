#pragma once
/// The whole face-api pipeline in one object: detect faces, place 68 landmarks, then expressions and (only on
/// request) identity descriptors from face-api's own crops.
#include <memory>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/model/face_detector.h"
#include "ferguard/types.h"

namespace ferguard {

struct FaceAnalyzerOptions {
  /// Folder with face-api's weight files; empty = resolve_models_dir() (FERGUARD_MODELS, then the install's or the build's).
  std::string models_dir;
  FaceDetectorOptions detector;
  /// LibTorch intra-op threads during a call (0 = one per core).
  int threads = 0;
  /// The detector's intra-op threads, when it should differ from `threads` (-1 = `threads`): the detector's large
  /// convolutions gain from threads where the per-face nets' small ones lose.
  int detector_threads = -1;
  /// LibTorch device string: "cpu", "cuda", "cuda:1", ...
  std::string device = "cpu";
  /// Images or faces per forward pass.
  int max_batch = 64;

  /// Throws InvalidArgument naming the field when a value is out of range.
  void validate() const;
  /// The options handed to each net.
  FaceNetOptions net_options() const;
};

/// face-api's detectAllFaces(...).withFaceLandmarks().withFaceExpressions()[.withFaceDescriptors()].
/// Thread-safe for concurrent calls.
class FaceAnalyzer {
 public:
  /// Loads the detector, landmark, expression and recognition weights. Throws ModelError naming the missing or
  /// corrupt file (run scripts/fetch_models.sh, or make test) and InvalidArgument on invalid options.
  explicit FaceAnalyzer(FaceAnalyzerOptions options = {});
  ~FaceAnalyzer();
  FaceAnalyzer(FaceAnalyzer&&) noexcept;
  FaceAnalyzer& operator=(FaceAnalyzer&&) noexcept;

  /// Faces with box, score and 68 landmarks (image pixels), in descending score order. The landmarks come
  /// from the detection box's crop, as in face-api. Faces whose box lies entirely outside the image are
  /// dropped. Throws InvalidArgument unless the image is non-empty HxWx3 RGB.
  std::vector<Face> detect(const Image& image) const;
  /// The same for several images (detector and landmark net batched across them).
  std::vector<std::vector<Face>> detect(const std::vector<Image>& images) const;
  /// 68 landmarks for faces whose boxes are already known (a tracker's, or an earlier detection's), without running
  /// the detector: face-api's landmark step on each box. Returns `faces` in the same order with landmarks filled in;
  /// a face whose box lies outside the image gets none. Throws InvalidArgument unless the image is non-empty RGB.
  std::vector<Face> locate(const Image& image, const std::vector<Face>& faces) const;

  /// Expression probabilities per face, from face-api's crop (landmark min-bbox + 20 %). A face whose crop is
  /// empty gets all-zero probabilities. Throws InvalidArgument when a face does not have 68 landmarks.
  std::vector<ExpressionScores> expressions(const Image& image, const std::vector<Face>& faces) const;

  /// Identity descriptors per face, from face-api's dlib-aligned crop (128 zeros for an empty crop, as in
  /// face-api). ferguard never computes these unless asked. Same errors as expressions().
  std::vector<FaceDescriptor> descriptors(const Image& image, const std::vector<Face>& faces) const;

  const FaceAnalyzerOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferguard

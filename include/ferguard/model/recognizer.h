#pragma once
/// Identity recognisers and expression models behind two small interfaces, so that auditors and judges can be
/// chosen by name: face-api's own nets and independent TF.js graph models (HSE faceres, MobileFace, the
/// mini-Xception emotion net) run by ferguard's graph executor.
#include <memory>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/types.h"

namespace ferguard {

/// How a recogniser's embeddings are compared.
enum class DistanceKind {
  euclidean,  ///< ||a - b||
  cosine,     ///< 1 - a.b / (|a| |b|)
};

/// Where the models are and how they run.
struct ModelOptions {
  /// face-api weights folder; empty = resolve_models_dir() (FERGUARD_MODELS, then the install's or the build's).
  std::string faceapi_dir;
  /// Graph models folder (faceres.json, mobileface.json, emotion.json); empty = resolve_graph_models_dir().
  std::string graph_dir;
  /// LibTorch intra-op threads during a call (0 = one per core), restored afterwards.
  int threads = 1;
  /// LibTorch device string: "cpu", "cuda", "cuda:1", ...
  std::string device = "cpu";
  /// Faces per forward pass; more are split into chunks.
  int max_batch = 32;

  /// Throws InvalidArgument naming the field.
  void validate() const;
};

/// Graph models folder, in order: `explicit_dir` when non-empty, the environment variable
/// FERGUARD_GRAPH_MODELS, then the default: for an installed libferguard `<prefix>/share/ferguard/human/models` when it
/// exists, else `$XDG_DATA_HOME/ferguard/human/models` (or `~/.local/share/...`) when that exists, else the former
/// (`ferguard models install` fills either); for the build tree `<source dir>/assets/human/models`.
std::string resolve_graph_models_dir(const std::string& explicit_dir = "");

/// The square crop ferguard uses for a graph model: centred on the box of the 68 landmarks, side =
/// round(scale * max(box width, box height)), top-left = round(centre - side / 2). It may extend past the image;
/// crop_with_padding fills the outside with zeros. Throws InvalidArgument unless there are 68 landmarks.
PixelRect landmark_square_crop(const std::vector<Point2f>& landmarks, float scale);

/// Copies `rect` out of `image`, zero-filling the part outside the image. Throws InvalidArgument for an empty rect.
Image crop_with_padding(const Image& image, const PixelRect& rect);

/// An identity recogniser: face crop in, embedding out. Thread-safe for concurrent calls.
class Recognizer {
 public:
  virtual ~Recognizer() = default;
  /// "faceapi", "faceres" or "mobileface".
  virtual std::string name() const = 0;
  /// Embedding length.
  virtual int dim() const = 0;
  virtual DistanceKind distance_kind() const = 0;
  /// Verification threshold: distance <= threshold means "same person". Calibrated as docs/judges.md describes.
  virtual float threshold() const = 0;
  /// The crop this recogniser expects for a face with 68 landmarks (may extend past the image).
  virtual PixelRect crop_rect(const Face& face, int image_width, int image_height) const = 0;
  /// Embeddings of face crops (HWC uint8 RGB, any size; resized internally). Throws InvalidArgument naming a bad
  /// crop.
  virtual std::vector<std::vector<float>> embed(const std::vector<Image>& crops) const = 0;

  /// Distance between two embeddings of this recogniser. Throws InvalidArgument on a length mismatch.
  float distance(const std::vector<float>& a, const std::vector<float>& b) const;
  /// Crops every face as crop_rect says and embeds them.
  std::vector<std::vector<float>> embed_faces(const Image& image, const std::vector<Face>& faces) const;
};

/// An expression model: face crop in, 7 probabilities in ferguard's label order out. Thread-safe.
class ExpressionModel {
 public:
  virtual ~ExpressionModel() = default;
  /// "faceapi" or "emotion".
  virtual std::string name() const = 0;
  /// The crop this model expects for a face with 68 landmarks.
  virtual PixelRect crop_rect(const Face& face, int image_width, int image_height) const = 0;
  /// Probabilities for crops (HWC uint8 RGB, any size).
  virtual std::vector<ExpressionScores> predict(const std::vector<Image>& crops) const = 0;

  /// Crops every face as crop_rect says and predicts.
  std::vector<ExpressionScores> predict_faces(const Image& image, const std::vector<Face>& faces) const;
};

/// Age and gender estimates of one face.
struct FaceAttributes {
  float male = 0.0f;  ///< P(male) in [0, 1]: the model's gender score (> 0.5 reads as male)
  float age = 0.0f;   ///< years
};

/// A soft-biometric model: face crop in, age and gender out. Thread-safe for concurrent calls.
class AttributeModel {
 public:
  virtual ~AttributeModel() = default;
  /// "faceres".
  virtual std::string name() const = 0;
  /// The crop this model expects for a face with 68 landmarks (may extend past the image). Throws InvalidArgument
  /// unless the face has 68 landmarks.
  virtual PixelRect crop_rect(const Face& face, int image_width, int image_height) const = 0;
  /// Attributes of face crops (HWC uint8 RGB, any size; resized internally). Throws InvalidArgument naming a bad
  /// crop, ModelError when the model fails.
  virtual std::vector<FaceAttributes> predict(const std::vector<Image>& crops) const = 0;

  /// Crops every face as crop_rect says and predicts; throws as crop_rect and predict do.
  std::vector<FaceAttributes> predict_faces(const Image& image, const std::vector<Face>& faces) const;
};

/// A TF.js graph model brought by the user as a recogniser (see parse_graph_recognizer_spec for its text form).
struct GraphRecognizerSpec {
  std::string name;        ///< the auditor's name in reports
  std::string model_path;  ///< TF.js graph model.json (weights beside it)
  int size = 112;          ///< square input side
  float range_lo = 0.0f;   ///< pixel value 0 is fed as range_lo ...
  float range_hi = 255.0f; ///< ... and 255 as range_hi (linear in between)
  DistanceKind distance = DistanceKind::cosine;
  float crop = 1.2f;       ///< landmark_square_crop scale
  float threshold = 0.0f;  ///< verification threshold; 0 = not given (the caller calibrates one)
  std::string output;      ///< output node; empty = the graph's one declared output (signature) or its one sink

  /// Throws InvalidArgument naming the field: empty name or model_path, size outside 1..4096, non-finite range or
  /// range_lo >= range_hi, crop not > 0, threshold negative or not finite.
  void validate() const;
};

/// Parses "NAME=PATH:size=112,range=0-255,distance=cosine,crop=1.2[,threshold=0.4][,output=node]"; every key is
/// optional (defaults as in GraphRecognizerSpec), distance is "cosine" or "euclidean", range is "LO-HI" (LO may be
/// negative: "-1-1"). The path ends at the last ':' whose remainder contains '=', so "NAME=PATH" alone and paths
/// with ':' in them work as long as the options (when given) come after the last ':'. Throws InvalidArgument naming
/// the text and the bad part (missing '=', empty name or path, unknown key, bad number, a spec failing validate()).
GraphRecognizerSpec parse_graph_recognizer_spec(const std::string& text);

/// Loads a user TF.js graph model as a recogniser: its single placeholder is fed NHWC size x size RGB scaled to
/// [range_lo, range_hi] (TF legacy bilinear resize of the crop), crops are landmark_square_crop(spec.crop), the
/// embedding is `output` flattened per face, and threshold() returns spec.threshold (0 when not given). Throws
/// InvalidArgument for a spec failing validate() or bad options, ModelError naming the file when it is missing,
/// corrupt, uses an op ferguard does not implement, has no unambiguous input or output, or fails a trial run on a
/// grey face.
std::unique_ptr<Recognizer> make_graph_recognizer(const GraphRecognizerSpec& spec, const ModelOptions& options = {});

/// The recognisers ferguard knows: {"faceapi", "faceres", "mobileface"}.
const std::vector<std::string>& recognizer_names();
/// The expression models ferguard knows: {"faceapi", "emotion"}.
const std::vector<std::string>& expression_model_names();

/// The attribute models ferguard knows: {"faceres"} (HSE faceres's gender and age heads, decoded as
/// @vladmandic/human does).
const std::vector<std::string>& attribute_model_names();

/// Loads a recogniser by name. Throws InvalidArgument for an unknown name (listing the known ones) and
/// ModelError when its files are missing or corrupt.
std::unique_ptr<Recognizer> make_recognizer(const std::string& name, const ModelOptions& options = {});
/// Loads an expression model by name; same errors.
std::unique_ptr<ExpressionModel> make_expression_model(const std::string& name, const ModelOptions& options = {});
/// Loads an attribute model by name; same errors.
std::unique_ptr<AttributeModel> make_attribute_model(const std::string& name, const ModelOptions& options = {});

}  // namespace ferguard

#pragma once
/// k-anonymous face templates (k-Same-Select): donors' faces warped to one reference shape in the canonical frame
/// (face_geometry.h) and averaged per expression class, so that a published template texture comes from at least k
/// people. A bank is built from a user's own consented donor photos (`ferguard templates`), saved in a versioned
/// binary file (docs/template_bank.md) and checked structurally when loaded.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferguard/face/face_types.h"
#include "ferguard/labels.h"
#include "ferguard/model/face_detector.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/types.h"

namespace ferguard {

/// File format version written by TemplateBank::save.
inline constexpr std::uint32_t kTemplateBankVersion = 1;

/// 64-bit FNV-1a of an image's size and decoded pixels: how a bank recognises a donor's photo, so that a photo is
/// never privatized with a template it contributed to (leave-one-photo-out).
std::uint64_t photo_hash(const Image& image);

/// The template bank file, in order: `explicit_path` when non-empty, the environment variable FERGUARD_TEMPLATES,
/// then the bank set-up builds from face-api's sample photos (`<source dir>/assets/templates/samples.fgtb`; for the
/// demo and the tests only: those people did not consent, so it is never installed or packaged).
std::string resolve_template_bank(const std::string& explicit_path = "");

/// One donor face.
struct TemplateDonor {
  std::uint64_t photo = 0;    ///< photo_hash of the photo it came from
  std::string identity;       ///< the person; photos without a given identity count as their own person
  Expression expression = Expression::neutral;  ///< ferguard's expression model on the donor face
  std::vector<Point2f> shape;                   ///< 68 landmarks aligned to the bank's reference shape (similarity)
  std::vector<std::uint8_t> texture;            ///< side x side x 3 RGB, warped to the reference shape
};

/// An average face for one request.
struct FaceTemplate {
  Tensor4 texture;                 ///< 1x3xSxS in [0, 1], on the bank's reference shape
  std::vector<Point2f> shape;      ///< mean of the donors' aligned shapes, canonical frame
  int donors = 0;                  ///< donor faces averaged
  int people = 0;                  ///< distinct people among them (>= k)
  bool by_expression = false;      ///< true: the donors share the requested expression; false: all donors
  bool by_pose = false;            ///< true: the donors nearest the requested head turn (yaw_proxy) among those
  Expression expression = Expression::neutral;  ///< the requested class
};

/// Donor faces on one reference shape, from which k-anonymous templates are averaged.
/// Thread safety: a value; its const members (select(), save(), the getters) may run concurrently, add() and
/// assignment need exclusive access.
class TemplateBank {
 public:
  /// An empty bank whose textures are side x side on `reference_shape` (68 canonical points). k >= 1: the fewest
  /// people a template may average. Throws InvalidArgument for a malformed shape, side outside 32..1024 or k < 1.
  TemplateBank(int side, int k, std::vector<Point2f> reference_shape);
  /// Reads a bank file. Throws IoError when it cannot be read and ModelError, naming the file, when it is not a
  /// well-formed bank of this version (bad magic, version, sizes, non-finite shapes, checksum).
  static TemplateBank load(const std::string& path);
  /// Writes the bank (whole file or nothing). Throws IoError.
  void save(const std::string& path) const;
  /// Adds a donor. Throws InvalidArgument for a malformed donor (texture size, shape).
  void add(TemplateDonor donor);

  int side() const { return side_; }
  int k() const { return k_; }
  const std::vector<Point2f>& reference_shape() const { return reference_; }
  const std::vector<TemplateDonor>& donors() const { return donors_; }
  /// Distinct people among all donors.
  int people() const;
  /// Distinct people among the donors of one expression class.
  int people(Expression expression) const;

  /// The template for a face of expression `expression` in the photo whose hash is `exclude_photo` (0 = none): the
  /// average of the donors of that expression from other photos when they are at least k people, else of every
  /// donor from other photos. With `yaw` (the face's yaw_proxy), only the donors nearest that head turn among those
  /// are averaged: the nearer half of them, and as many more as it takes to reach k people. Throws InvalidArgument
  /// when even all of them are fewer than k people.
  FaceTemplate select(Expression expression, std::uint64_t exclude_photo = 0,
                      std::optional<float> yaw = std::nullopt) const;

 private:
  int side_, k_;
  std::vector<Point2f> reference_;
  std::vector<TemplateDonor> donors_;
};

/// How `build_template_bank` reads donor photos.
struct TemplateBuildOptions {
  int side = 160;                          ///< texture side, pixels (canonical frame)
  int k = 3;                               ///< fewest people per template
  int min_face = 48;                       ///< donor faces whose landmark box is smaller (pixels) are skipped
  std::string expression_model = "faceapi";  ///< classifies donors (ferguard's own model)
  ModelOptions models;
  FaceDetectorOptions detector;
  /// Throws InvalidArgument naming the field.
  void validate() const;
};

/// A donor photo: the decoded image, a name for messages, and the person ("" = the photo is its own person).
struct TemplateSource {
  std::string name;
  Image image;
  std::string identity;
};

/// What a build found.
struct TemplateBuildReport {
  int photos = 0, faces = 0, skipped = 0;  ///< faces skipped: too small, or a folded mesh
  std::vector<int> per_expression;         ///< donors per class, ferguard's label order
};

/// Detects every face in the donor photos, classifies its expression, aligns all faces to their Procrustes mean
/// shape and warps each texture onto it. Throws InvalidArgument when no usable face was found or the donors are
/// fewer than k people, ModelError when a model is missing.
TemplateBank build_template_bank(const std::vector<TemplateSource>& sources, const TemplateBuildOptions& options,
                                 TemplateBuildReport* report = nullptr);

}  // namespace ferguard

#pragma once
/// Audit protocols that separate a face from its context and are robust to the crop. An auditor (a recogniser the
/// privatizer never used) embeds every face under each protocol (which pixels the gallery and the probe keep) and
/// at every crop variant of its own crop; the run summary then gives rank-1 and rank-5 re-identification per
/// auditor, protocol and variant, the worst variant, and bootstrap intervals over faces. docs/audit_protocols.md
/// explains the design.
#include <cstdint>
#include <string>
#include <vector>

#include "ferguard/face/face_geometry.h"
#include "ferguard/face/face_types.h"
#include "ferguard/model/recognizer.h"
#include "ferguard/types.h"

namespace ferguard {

// ---- Face hull and masking ---------------------------------------------------------------------------------


/// Convex hull (image pixels) of the union of several 68-point landmark sets (iBUG order), each extended by its
/// forehead: its face_outline (the brows raised by kForeheadRise x the
/// inter-ocular distance along the face's vertical axis). Every landmark of every set lies inside. Pass the
/// original and the published landmarks so that both outlines are covered. Throws InvalidArgument for no sets or
/// a set that is not 68 finite points.
std::vector<Point2f> face_hull(const std::vector<std::vector<Point2f>>& landmark_sets);

/// A copy of `image` with every pixel outside the polygon `hull` (image pixels, origin at the top-left pixel's
/// corner) set to `grey` in every channel. Inside is what cv::fillPoly covers at 1/16-pixel accuracy: pixels whose
/// centre is in the polygon, its boundary included, plus up to one pixel past its right and bottom sides. Throws
/// InvalidArgument for an empty image or a hull of fewer than 3 finite points.
Image mask_outside(const Image& image, const std::vector<Point2f>& hull, std::uint8_t grey = 128);

/// The complement of mask_outside: a copy of `image` with the polygon filled with `grey` (the face removed, its
/// context kept). The same pixels are inside for both functions. Throws as mask_outside.
Image fill_inside(const Image& image, const std::vector<Point2f>& hull, std::uint8_t grey = 128);

// ---- Protocols and crop variants --------------------------------------------------------------------------

/// What the gallery (original side) and the probe (published side) of an audit keep, for one face with original
/// image O, published image P and face hull H = face_hull({original landmarks, published landmarks}).
enum class AuditProtocol {
  face,           ///< gallery mask_outside(O, H), probe mask_outside(P, H): the face alone (the headline)
  photo,          ///< gallery O, probe P: the face with its context
  context_floor,  ///< gallery O, probe fill_inside(O, H): what the context alone gives an auditor
};

/// "face", "photo" or "context_floor".
std::string to_string(AuditProtocol protocol);

/// A change of an auditor's own crop: scaled about its centre, then shifted by a fraction of its side.
struct CropVariant {
  std::string name;
  float scale = 1.0f;    ///< side multiplier
  float shift_x = 0.0f;  ///< shift right, in crop sides (negative: left)
  float shift_y = 0.0f;  ///< shift down, in crop sides (negative: up)
};

/// The variants every auditor is audited at, in this order: "own" (the auditor's crop), "0.85x", "1.25x", and
/// "left", "right", "up", "down" (shifted by 5 % of the side).
const std::vector<CropVariant>& crop_variants();

/// `own` changed as `variant` says: side = max(1, round(scale x side)) per axis, centred on own's centre moved by
/// shift x the new side, coordinates rounded half up. The result may extend past the image (crop_with_padding
/// zero-fills). Throws InvalidArgument for an empty rect, a scale that is not positive and finite, or a
/// non-finite shift.
PixelRect vary_crop(const PixelRect& own, const CropVariant& variant);

// ---- Options ------------------------------------------------------------------------------------------------

/// What to audit and how to summarise.
struct ProtocolOptions {
  /// Protocols to embed and summarise, no repeats.
  std::vector<AuditProtocol> protocols = {AuditProtocol::face, AuditProtocol::photo, AuditProtocol::context_floor};
  /// Bootstrap resamples for the intervals (>= 1).
  int bootstrap = 1000;
  /// Seed of the bootstrap: the same faces and options give the same summary.
  std::uint64_t seed = 0;

  /// Throws InvalidArgument naming the field: no protocols, a repeated protocol, bootstrap outside [1, 1e6].
  void validate() const;
};

// ---- Per-face embeddings -------------------------------------------------------------------------------------

/// One protocol at one crop variant: the auditor's embeddings of the two sides.
struct ProtocolEmbedding {
  std::vector<float> gallery;  ///< original side
  std::vector<float> probe;    ///< published side; empty when the face was not published
};

/// One auditor's embeddings of one face.
struct AuditorEmbeddings {
  std::string auditor;                                   ///< recogniser name
  DistanceKind distance_kind = DistanceKind::euclidean;  ///< how the auditor compares embeddings
  float threshold = 0.0f;                                ///< the auditor's verification threshold
  /// [protocol][variant]: protocols in FaceProtocolAudit::protocols order, variants in crop_variants() order.
  std::vector<std::vector<ProtocolEmbedding>> embeddings;
};

/// Every auditor's embeddings of one face under every protocol and crop variant.
struct FaceProtocolAudit {
  /// false: the face was masked (fail closed). Its original is still in the attacker's gallery, but it is no probe.
  bool published = true;
  std::vector<AuditProtocol> protocols;     ///< the protocols embedded, in order
  std::vector<AuditorEmbeddings> auditors;  ///< one per auditor, in the auditor's order
};

/// Embeds faces for the protocol audit. The recognisers are not owned and must outlive the auditor. Thread-safe
/// for concurrent calls when the recognisers are.
class ProtocolAuditor {
 public:
  /// Throws InvalidArgument for no auditors, a null auditor or invalid options.
  explicit ProtocolAuditor(std::vector<const Recognizer*> auditors, ProtocolOptions options = {});

  /// Embeds one face under every protocol of the options and every crop variant of each auditor's own crop_rect
  /// (computed on the original face; gallery and probe of a variant use the same rect), one embed() call per
  /// auditor. `original` and `published` are the whole images (HWC uint8 RGB, same size); `face` carries the
  /// original landmarks; `published_landmarks` are the published face's landmarks (empty = the original ones).
  /// With published_ok = false (the face was masked) only the gallery side is embedded. Throws InvalidArgument for
  /// images of different sizes, landmarks that are not 68 finite points, or an auditor returning the wrong number
  /// or length of embeddings.
  FaceProtocolAudit audit_face(const Image& original, const Image& published, const Face& face,
                               const std::vector<Point2f>& published_landmarks, bool published_ok = true) const;

  /// The validated options (pass them to summarize_protocols).
  const ProtocolOptions& options() const { return options_; }

 private:
  std::vector<const Recognizer*> auditors_;
  ProtocolOptions options_;
};

// ---- Run summary --------------------------------------------------------------------------------------------

/// A rate in [0, 1] with its 95 % percentile-bootstrap interval.
struct RateInterval {
  double value = 0.0;
  double lo = 0.0;
  double hi = 0.0;
};

/// Mean of `hits` (each 0 or 1) with the 2.5 % and 97.5 % percentiles (linear interpolation) of the means of
/// `resamples` resamples with replacement, drawn by std::mt19937_64(seed): the same arguments give the same
/// interval. Empty hits give {0, 0, 0}. Serves any 0/1 rate (rank-1 hits, expression agreement). Throws
/// InvalidArgument for a value other than 0 or 1 or resamples < 1.
RateInterval bootstrap_rate(const std::vector<int>& hits, int resamples, std::uint64_t seed);

/// The worst (highest) of several 0/1 rates over the same faces, with a percentile-bootstrap interval that resamples
/// the faces jointly for every row and takes the maximum of the row means in each resample (as the worst crop
/// variant's rank-1). Every row must have the same length; one row gives bootstrap_rate. Throws as bootstrap_rate,
/// and for rows of different lengths.
RateInterval bootstrap_worst_rate(const std::vector<std::vector<int>>& rows, int resamples, std::uint64_t seed);

/// One crop variant of one auditor under one protocol.
struct VariantRates {
  std::string variant;  ///< CropVariant::name
  RateInterval rank1;   ///< probes whose own gallery entry is strictly nearer than every other (ties, NaN: miss)
  double rank5 = 0.0;   ///< probes with fewer than 5 other gallery entries at most as far as their own
};

/// One auditor under one protocol over a run.
struct ProtocolAuditorSummary {
  std::string auditor;
  AuditProtocol protocol = AuditProtocol::face;
  int faces = 0;                    ///< probes (published faces)
  int gallery = 0;                  ///< gallery size (all faces, masked ones included)
  double chance = 0.0;              ///< 1 / gallery
  std::vector<VariantRates> variants;  ///< in crop_variants() order
  std::string worst_variant;        ///< the variant with the highest rank-1 (the first one on ties)
  RateInterval worst_rank1;         ///< its rank-1; the interval bootstraps the maximum over variants
  double verification_rate = 0.0;  ///< probes within the threshold of their own gallery entry, at the own crop
  double threshold = 0.0;
};

/// The protocol audit of a run.
struct ProtocolSummary {
  int faces = 0;              ///< all faces
  int masked = 0;             ///< faces not published (in the gallery, not probes)
  double masked_share = 0.0;  ///< masked / faces (0 without faces)
  /// Auditor-major, then protocol in options.protocols order.
  std::vector<ProtocolAuditorSummary> results;
};

/// Summarises per-face audits: for every auditor and every protocol of `options`, the probes of the published
/// faces are ranked against the gallery of every face's gallery embedding of the same protocol and variant. Throws
/// InvalidArgument for invalid options, or faces that do not carry the same auditors (name, distance kind,
/// threshold, embedding length) in the same order, a protocol of the options, or one entry per crop variant.
ProtocolSummary summarize_protocols(const std::vector<FaceProtocolAudit>& faces, const ProtocolOptions& options);

}  // namespace ferguard

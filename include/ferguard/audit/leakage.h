#pragma once
/// Identity leakage as an auditor measures it: per face (distance between the privatized face's and the original's
/// embeddings against the auditor's threshold) and over a run (rank-1 re-identification against the gallery of all
/// original faces, verification rate, leakage ratio, expression agreement). An auditor is a recogniser the privatizer
/// never used.
#include <string>
#include <vector>

#include "ferguard/audit/naturalness.h"
#include "ferguard/audit/protocols.h"
#include "ferguard/face/face_types.h"
#include "ferguard/model/recognizer.h"

namespace ferguard {

/// One auditor's verdict on one face.
struct AuditResult {
  std::string auditor;      ///< recogniser name ("faceres", ...)
  DistanceKind distance_kind = DistanceKind::euclidean;  ///< how the auditor compares embeddings
  float distance = 0.0f;    ///< distance(embedding of the privatized face, embedding of the original face)
  float threshold = 0.0f;   ///< the auditor's verification threshold (distance <= threshold: same person)
  bool match = false;       ///< distance <= threshold: the auditor still verifies the privatized face as its original
  float leakage = 0.0f;     ///< face_leakage(distance, threshold)
  /// Embeddings of the original and privatized face. Kept in memory for the run summary (re-identification
  /// needs the gallery); ferguard writes them to files only when asked (--embeddings).
  std::vector<float> original_embedding, private_embedding;
};

/// Per-auditor leakage of one face in [0, 1]: clamp(1 - distance / (2 threshold), 0, 1). 1 = identical embeddings,
/// 0.5 = exactly at the threshold, 0 = at twice the threshold or farther. Throws InvalidArgument for threshold <= 0.
float face_leakage(float distance, float threshold);

/// What the run summary needs of one face (the pipeline fills these; the summary never sees pixels).
struct FaceRecord {
  bool privatized = true;                  ///< false: the face was masked (fail closed) and is left out of the rates
  std::vector<AuditResult> audits;         ///< one per auditor, same order for every face
  ExpressionScores original_expression;    ///< ferguard's expression model on the original face
  ExpressionScores private_expression;     ///< the same model on the privatized face
  bool has_second = false;                 ///< the independent expression model ran
  ExpressionScores second_original, second_private;
  double seconds = 0.0;                    ///< time spent privatizing this face and predicting its expression
  double audit_seconds = 0.0;              ///< time spent auditing it
  bool has_naturalness = false;            ///< the naturalness checks ran
  Naturalness naturalness;
  /// The protocol audit's embeddings (face / photo / context floor at every crop variant); empty auditors when it
  /// did not run. A masked face with landmarks carries its gallery side.
  FaceProtocolAudit protocol;
};

/// One auditor over a run.
struct AuditorSummary {
  std::string auditor;
  int faces = 0;                    ///< privatized faces audited (= gallery size)
  double chance = 0.0;              ///< 1 / faces
  double rank1_original = 0.0;      ///< originals identified against the gallery of originals (a sanity check: 1.0)
  double rank1_private = 0.0;       ///< privatized faces whose nearest original (auditor distance) is their own
  double verification_rate = 0.0;   ///< privatized faces still within the threshold of their original
  double leakage_ratio = 0.0;       ///< (rank1_private - chance) / (rank1_original - chance); 0 when faces < 2
  double mean_distance = 0.0;       ///< mean distance privatized-original
  double threshold = 0.0;
};

/// A run over many faces.
struct RunSummary {
  int faces = 0;                  ///< all faces found
  int masked = 0;                 ///< faces masked because they could not be privatized properly
  std::vector<AuditorSummary> auditors;
  double agreement = 0.0;         ///< top-1 of ferguard's expression model, privatized == original
  double second_agreement = -1.0; ///< the same under the independent expression model (-1 when it did not run)
  double mean_kl = 0.0;           ///< mean KL(original || privatized) under ferguard's expression model (nats)
  double seconds_per_face = 0.0;  ///< mean FaceRecord::seconds (privatize + predict)
  double audit_seconds_per_face = 0.0;  ///< mean FaceRecord::audit_seconds
  /// Naturalness over the privatized faces that were checked (-1 when none was): re-detected, expression landmarks
  /// within the limit, colourfulness within the limit, and all three.
  double redetected = -1.0, landmarks_ok = -1.0, colour_ok = -1.0, natural = -1.0;
  double masked_share = 0.0;      ///< masked / faces
  /// Agreement counting a masked face as a disagreement (masked faces publish no expression).
  double agreement_all = 0.0, second_agreement_all = -1.0;
  /// 95 % bootstrap intervals of agreement_all and second_agreement_all (over all faces).
  RateInterval agreement_interval, second_agreement_interval;
  /// The reference for second_agreement: how often the two expression models give the same top class on the
  /// originals (privatized faces that ran the second model; -1 when none did), with its 95 % bootstrap interval.
  /// The method chooses and steers by ferguard's model, so where the models disagree on the original the
  /// independent one is unlikely to agree with its own reading of it after privatization.
  double models_agree = -1.0;
  RateInterval models_agree_interval;
  /// The protocol audit (empty results when it did not run): per auditor the face protocol (the headline), the
  /// photo protocol and the context floor, each at the worst crop variant.
  ProtocolSummary protocols;
};

/// Summarises privatized faces (masked faces are counted, not rated). Throws InvalidArgument when the faces do not
/// all carry the same auditors in the same order, or an embedding length differs within an auditor.
RunSummary summarize(const std::vector<FaceRecord>& faces);

}  // namespace ferguard

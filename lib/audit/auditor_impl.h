#pragma once
// What the Auditor keeps between add() and result(), and the summary that turns it into the report.
#include <string>
#include <vector>

#include "ferguard/audit/auditor.h"

namespace ferguard::detail {

/// One auditor as the report describes it.
struct AuditorInfo {
  std::string name;
  DistanceKind distance = DistanceKind::euclidean;
  float threshold = 0.0f;      ///< 0 for a custom auditor still to be calibrated
  std::string threshold_source;  ///< "built-in", "given" or "calibrated"
  std::string model;           ///< "built-in" or the model.json path
};

/// One pair's image-level figures.
struct AuditedImage {
  std::string name;
  int faces = 0;
  double psnr_outside = 0.0;  ///< dB, 100 for identical pixels; negative when no pixel lies outside the faces
};

/// Everything result() summarises.
struct AuditState {
  AuditOptions options;
  std::vector<AuditorInfo> auditors;
  std::vector<AuditedFace> faces;
  std::vector<AuditedImage> images;
  std::vector<AuditError> errors;
  std::vector<std::string> warnings;  ///< raised while adding (identity given for a photo of several faces, ...)
  double seconds = 0.0;
  std::string originals_dir, anonymised_dir;  ///< for the report; empty from the API
};

/// Builds the report (json_text, csv_text, warnings) from the state. Pure: the same state gives the same bytes.
AuditReport summarize_audit(const AuditState& state);

}  // namespace ferguard::detail

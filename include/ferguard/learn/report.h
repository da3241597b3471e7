#pragma once
/// What an evaluation of the learned pipeline measured (written as report.json).
#include <string>
#include <vector>

namespace ferguard {

/// Expression-recognition quality on one set of inputs; classes in ferguard's label order (labels.h).
struct ClassificationMetrics {
  double accuracy = 0.0;                 ///< fraction correct, 0..1
  double macro_f1 = 0.0;                 ///< mean of the per-class F1 over classes present in truth or prediction
  std::vector<double> per_class_f1;      ///< one per class
  std::vector<double> per_class_recall;  ///< one per class (accuracy within the class)
  std::vector<std::vector<long>> confusion;  ///< confusion[truth][predicted]
  long samples = 0;
};

/// Leakage ratio L = max(0, (acc_priv - chance) / (acc_clean - chance)); 0 when acc_clean <= chance.
/// 1 means the privatized faces are as identifiable as clean ones, 0 means chance level.
double leakage_ratio(double acc_priv, double acc_clean, double chance);

/// Identity leakage and FER quality at one privacy strength.
struct StrengthReport {
  double strength_low = 0.0;
  double strength_high = 0.0;
  ClassificationMetrics fer_privatized;        ///< F_u on privatized test faces
  ClassificationMetrics fer_controller_privatized;  ///< the frozen clean FER model C_fc on privatized faces
  double validator_identity_accuracy = 0.0;    ///< fixed validator (clean identity classifier) on privatized faces
  double attacker_identity_accuracy = 0.0;     ///< adaptive attacker retrained on privatized train faces
  double leakage = 0.0;                        ///< leakage ratio of the adaptive attacker: the one that counts
  double validator_leakage = 0.0;              ///< the same ratio for the fixed validator (for reference only)
  double fer_ratio = 0.0;                      ///< fer_privatized.accuracy / clean FER accuracy
};

/// The evaluation of a trained pipeline on a dataset's test split.
/// Leakage ratio L = max(0, (acc_priv - chance) / (acc_clean - chance)), chance = 1 / identities, where
/// acc_clean is the identity accuracy on clean test faces of a classifier trained on clean train faces
/// (the validator) and acc_priv that of a classifier trained and tested on privatized faces.
struct EvalReport {
  std::string dataset;
  int identities = 0;
  double chance = 0.0;
  long train_samples = 0;
  long test_samples = 0;
  ClassificationMetrics fer_clean;          ///< the clean FER model C_fc on clean test faces
  double identity_accuracy_clean = 0.0;     ///< the validator on clean test faces (acc_clean)
  std::vector<StrengthReport> strengths;    ///< the trained strength first, then any sweep
  double seconds = 0.0;                     ///< wall time of the run that produced the report

  /// The report as pretty-printed JSON.
  std::string to_json() const;
  /// A short fixed-width table (one row per strength) for terminals and the README.
  std::string table() const;
};

}  // namespace ferguard

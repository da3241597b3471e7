#pragma once
/// The privacy methods ferguard offers, by name. Every method implements one interface inside the library and is
/// created by name; the baselines exist so that users compare like with like at equal strength.
#include <string>
#include <vector>

namespace ferguard {

enum class PrivacyMethod {
  face_template,  ///< "template": k-anonymous template replacement, landmark-driven (k-Same-M); the default
  adversarial,    ///< controlled per-band perturbation steered away from controller recognisers ("ferguard" alias)
  none,           ///< faces untouched (measures the models, not privacy)
  blur,           ///< Gaussian blur of the face, sigma grows with strength_low
  pixelate,       ///< block averaging of the face, block size grows with strength_low
  frequency,      ///< plain frequency transform: low band towards its mean, high band scaled down (FFTW)
  mask,           ///< the face hull filled with flat grey (the context floor's baseline)
};

/// "template", "adversarial" (alias "ferguard"), "none", "blur", "pixelate", "frequency" or "mask"; throws
/// InvalidArgument naming the unknown value.
PrivacyMethod parse_privacy_method(const std::string& name);
/// The canonical name ("template", "adversarial", ...).
std::string to_string(PrivacyMethod method);
/// Every method's canonical name, in enum order.
const std::vector<std::string>& privacy_method_names();

}  // namespace ferguard

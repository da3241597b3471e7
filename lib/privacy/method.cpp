// The method registry and the baselines (none, blur, pixelate, frequency, mask) behind FacePrivatizer.
#include "privacy/method.h"

#include <algorithm>
#include <cmath>

#include "detail/check.h"
#include "privacy/baselines.h"

namespace ferguard {

namespace {
const std::vector<std::string> kMethodNames = {"template", "adversarial", "none", "blur", "pixelate", "frequency",
                                               "mask"};
}  // namespace

const std::vector<std::string>& privacy_method_names() { return kMethodNames; }

PrivacyMethod parse_privacy_method(const std::string& name) {
  if (name == "ferguard") return PrivacyMethod::adversarial;  // the adversarial method's former name
  for (std::size_t i = 0; i < kMethodNames.size(); ++i)
    if (kMethodNames[i] == name) return static_cast<PrivacyMethod>(i);
  FERGUARD_CHECK(false, "method '{}': unknown (known: template, adversarial, none, blur, pixelate, frequency, mask)",
                 name);
  return PrivacyMethod::none;
}

std::string to_string(PrivacyMethod m) {
  const auto i = static_cast<std::size_t>(m);
  return i < kMethodNames.size() ? kMethodNames[i] : "?";
}

namespace detail {

float Strengths::max() const { return std::max({shape, low, high}); }

float mean_change(const Tensor4& x0, const Tensor4& published, const std::vector<float>& weight) {
  FERGUARD_CHECK(x0.shape() == published.shape() && x0.shape().n == 1 && weight.size() == x0.shape().plane(),
                 "mean_change: shapes {} and {} with a weight of {}", x0.shape().str(), published.shape().str(),
                 weight.size());
  double sum = 0.0;
  std::size_t n = 0;
  for (int c = 0; c < x0.shape().c; ++c) {
    const float *a = x0.plane(0, c), *b = published.plane(0, c);
    for (std::size_t k = 0; k < weight.size(); ++k)
      if (weight[k] > 0.5f) {
        sum += std::abs(double(a[k]) - b[k]);
        ++n;
      }
  }
  return n > 0 ? float(255.0 * sum / double(n)) : 0.0f;
}

namespace {

// A baseline: a canvas transform, published within the face mask (the face's hull for `mask`).
class Baseline final : public FacePrivatizer {
 public:
  Baseline(PrivacyMethod m, const MethodSettings& s) : method_(m) {
    if (m == PrivacyMethod::frequency) splitter_ = std::make_unique<FrequencySplitter>(s.split);
  }
  PrivacyMethod method() const override { return method_; }
  bool changes_faces() const override { return method_ != PrivacyMethod::none; }
  FaceChange apply(const FaceJob& job, std::unique_ptr<MethodTrackState>*) const override {
    FaceChange out;
    out.geometry = job.landmarks;
    const int side = job.canvas.side;
    const Strengths& st = job.strengths;
    switch (method_) {
      case PrivacyMethod::none: out.candidates.push_back(job.x0); break;
      case PrivacyMethod::blur: out.candidates.push_back(blur_canvas(job.x0, st.low)); break;
      case PrivacyMethod::pixelate: out.candidates.push_back(pixelate_canvas(job.x0, st.low)); break;
      case PrivacyMethod::frequency:
        out.candidates.push_back(frequency_canvas(job.x0, st.low, st.high, *splitter_));
        break;
      case PrivacyMethod::mask: {
        out.alpha = outline_hull_mask({job.landmarks}, side);
        Tensor4 grey(job.x0.shape());
        std::fill(grey.vector().begin(), grey.vector().end(), 128.0f / 255.0f);
        out.candidates.push_back(std::move(grey));
        return out;
      }
      default: FERGUARD_CHECK(false, "baseline: {} is not a baseline", to_string(method_));
    }
    out.alpha = face_mask(job.landmarks, side);
    return out;
  }

 private:
  PrivacyMethod method_;
  std::unique_ptr<FrequencySplitter> splitter_;
};

}  // namespace

std::unique_ptr<FacePrivatizer> make_template_privatizer(const MethodSettings& settings);
std::unique_ptr<FacePrivatizer> make_adversarial_privatizer(const MethodSettings& settings);

std::unique_ptr<FacePrivatizer> make_face_privatizer(PrivacyMethod method, const MethodSettings& settings) {
  switch (method) {
    case PrivacyMethod::face_template: return make_template_privatizer(settings);
    case PrivacyMethod::adversarial: return make_adversarial_privatizer(settings);
    default: return std::make_unique<Baseline>(method, settings);
  }
}

}  // namespace detail
}  // namespace ferguard

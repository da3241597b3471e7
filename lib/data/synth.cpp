#include "ferguard/data/synth.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "data/synth_render.h"
#include "detail/check.h"
#include "detail/hash_rng.h"

namespace ferguard {

void SynthOptions::validate() const {
  FERGUARD_CHECK(identities >= 1, "SynthOptions.identities: expected >= 1, got {}", identities);
  FERGUARD_CHECK(samples_per_expression >= 1, "SynthOptions.samples_per_expression: expected >= 1, got {}",
                 samples_per_expression);
  FERGUARD_CHECK(static_cast<double>(identities) * kNumExpressions * samples_per_expression <= 1e9,
                 "SynthOptions: identities x 7 x samples_per_expression = {} x 7 x {} is too large (limit 1e9)",
                 identities, samples_per_expression);
  FERGUARD_CHECK(size >= 32 && size <= 1024, "SynthOptions.size: expected 32..1024 pixels, got {}", size);
  FERGUARD_CHECK(intensity_min >= 0 && intensity_min <= intensity_max && intensity_max <= 1.5f,
                 "SynthOptions.intensity_min/max: expected 0 <= min <= max <= 1.5, got {} and {}", intensity_min,
                 intensity_max);
  FERGUARD_CHECK(au_jitter >= 0 && au_jitter <= 1, "SynthOptions.au_jitter: expected 0..1, got {}", au_jitter);
  FERGUARD_CHECK(roll_degrees >= 0 && roll_degrees <= 45, "SynthOptions.roll_degrees: expected 0..45, got {}",
                 roll_degrees);
  FERGUARD_CHECK(yaw >= 0 && yaw <= 1, "SynthOptions.yaw: expected 0..1, got {}", yaw);
  FERGUARD_CHECK(scale_jitter >= 0 && scale_jitter <= 0.3f, "SynthOptions.scale_jitter: expected 0..0.3, got {}",
                 scale_jitter);
  FERGUARD_CHECK(shift >= 0 && shift <= 0.2f, "SynthOptions.shift: expected 0..0.2, got {}", shift);
  FERGUARD_CHECK(lighting >= 0 && lighting <= 1, "SynthOptions.lighting: expected 0..1, got {}", lighting);
  FERGUARD_CHECK(noise >= 0 && noise <= 0.5f, "SynthOptions.noise: expected 0..0.5, got {}", noise);
  FERGUARD_CHECK(jpeg_quality_min == 0 || (jpeg_quality_min >= 1 && jpeg_quality_min <= jpeg_quality_max &&
                                           jpeg_quality_max <= 100),
                 "SynthOptions.jpeg_quality_min/max: expected 0 (off) or 1 <= min <= max <= 100, got {} and {}",
                 jpeg_quality_min, jpeg_quality_max);
  FERGUARD_CHECK(val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 1,
                 "SynthOptions.val_fraction/test_fraction: expected >= 0 with a sum below 1, got {} and {}",
                 val_fraction, test_fraction);
}

SynthOptions SynthOptions::without_nuisance() const {
  SynthOptions o = *this;
  o.roll_degrees = o.yaw = o.scale_jitter = o.shift = o.lighting = o.noise = 0;
  o.jpeg_quality_min = o.jpeg_quality_max = 0;
  return o;
}

struct SyntheticFaces::Impl {
  SynthOptions options;
  std::vector<detail::FaceIdentity> people;
  int n_val = 0, n_test = 0;

  struct Key {
    int identity, expression, k;
  };
  Key key(std::size_t i) const {
    const std::size_t K = options.samples_per_expression;
    return {static_cast<int>(i / (kNumExpressions * K)), static_cast<int>((i / K) % kNumExpressions),
            static_cast<int>(i % K)};
  }
  void check(std::size_t i, std::size_t n) const {
    FERGUARD_CHECK(i < n, "synthetic faces: sample index {} out of range for a dataset of {}", i, n);
  }
  // The k-th sample's rank among the K samples of its (identity, expression) in a seeded shuffle; the
  // first ranks go to test, the next to val, the rest to train.
  Split split(const Key& s) const {
    const int K = options.samples_per_expression;
    const std::uint64_t mine = detail::hash_tuple(options.seed, 0x5b, s.identity, s.expression, s.k);
    int rank = 0;
    for (int j = 0; j < K; ++j) {
      const std::uint64_t other = detail::hash_tuple(options.seed, 0x5b, s.identity, s.expression, j);
      if (other < mine || (other == mine && j < s.k)) ++rank;
    }
    if (rank < n_test) return Split::test;
    if (rank < n_test + n_val) return Split::val;
    return Split::train;
  }
};

SyntheticFaces::SyntheticFaces(SynthOptions options) : impl_(std::make_unique<Impl>()) {
  options.validate();
  impl_->options = options;
  impl_->people.reserve(options.identities);
  for (int i = 0; i < options.identities; ++i) impl_->people.push_back(detail::make_identity(options.seed, i));
  const int K = options.samples_per_expression;
  impl_->n_test = static_cast<int>(std::lround(options.test_fraction * K));
  impl_->n_val = static_cast<int>(std::lround(options.val_fraction * K));
  if (K >= 3) {
    impl_->n_test = std::max(impl_->n_test, options.test_fraction > 0 ? 1 : 0);
    impl_->n_val = std::max(impl_->n_val, options.val_fraction > 0 ? 1 : 0);
  }
  while (impl_->n_test + impl_->n_val >= K && impl_->n_test + impl_->n_val > 0) {
    (impl_->n_val >= impl_->n_test ? impl_->n_val : impl_->n_test) -= 1;  // keep at least one for training
  }
}

SyntheticFaces::~SyntheticFaces() = default;
SyntheticFaces::SyntheticFaces(SyntheticFaces&&) noexcept = default;
SyntheticFaces& SyntheticFaces::operator=(SyntheticFaces&&) noexcept = default;

std::size_t SyntheticFaces::size() const {
  return static_cast<std::size_t>(impl_->options.identities) * kNumExpressions * impl_->options.samples_per_expression;
}

FaceSample SyntheticFaces::get(std::size_t i) const {
  impl_->check(i, size());
  const Impl::Key s = impl_->key(i);
  const SynthOptions& o = impl_->options;
  cv::Mat m;
  detail::render_face(impl_->people[s.identity], detail::make_expression(o, s.identity, s.expression, s.k),
                      detail::make_nuisance(o, s.identity, s.expression, s.k), o.size, m);
  FaceSample out;
  out.image = Image(o.size, o.size, 3, std::vector<std::uint8_t>(m.data, m.data + m.total() * 3));
  out.identity = s.identity;
  out.expression = s.expression;
  out.split = impl_->split(s);
  out.source = fmt::format("synth:{}/{}/{}", s.identity, expression_names()[s.expression], s.k);
  return out;
}

int SyntheticFaces::num_identities() const { return impl_->options.identities; }

Split SyntheticFaces::split_of(std::size_t i) const {
  impl_->check(i, size());
  return impl_->split(impl_->key(i));
}

FaceLabel SyntheticFaces::label_of(std::size_t i) const {
  impl_->check(i, size());
  const Impl::Key s = impl_->key(i);
  return {s.identity, s.expression, impl_->split(s)};
}

std::string SyntheticFaces::name() const {
  const SynthOptions& o = impl_->options;
  return fmt::format("synth(identities={},samples={},size={},seed={})", o.identities, o.samples_per_expression,
                     o.size, o.seed);
}

const SynthOptions& SyntheticFaces::options() const { return impl_->options; }

std::size_t SyntheticFaces::index_of(int identity, int expression, int k) const {
  const SynthOptions& o = impl_->options;
  FERGUARD_CHECK(identity >= 0 && identity < o.identities, "synthetic faces: identity {} out of range [0, {})",
                 identity, o.identities);
  FERGUARD_CHECK(expression >= 0 && expression < kNumExpressions,
                 "synthetic faces: expression {} out of range [0, {})", expression, kNumExpressions);
  FERGUARD_CHECK(k >= 0 && k < o.samples_per_expression, "synthetic faces: sample k={} out of range [0, {})", k,
                 o.samples_per_expression);
  return (static_cast<std::size_t>(identity) * kNumExpressions + expression) * o.samples_per_expression + k;
}

Image synth_contact_sheet(const SyntheticFaces& faces, int max_identities, int k) {
  const SynthOptions& o = faces.options();
  FERGUARD_CHECK(max_identities >= 0, "contact sheet: max_identities must be >= 0, got {}", max_identities);
  const int rows = max_identities == 0 ? o.identities : std::min(max_identities, o.identities);
  const int tile = o.size, gap = 2, header = std::max(14, tile / 7);
  const int width = kNumExpressions * (tile + gap) + gap, height = header + rows * (tile + gap) + gap;
  cv::Mat sheet(height, width, CV_8UC3, cv::Scalar(255, 255, 255));
  const double font = 0.33 * tile / 112.0 + 0.05;
  for (int e = 0; e < kNumExpressions; ++e)
    cv::putText(sheet, expression_names()[e], cv::Point(gap + e * (tile + gap) + 3, header - 4),
                cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(20, 20, 20), 1, cv::LINE_AA);
  for (int id = 0; id < rows; ++id)
    for (int e = 0; e < kNumExpressions; ++e) {
      const FaceSample s = faces.get(faces.index_of(id, e, k));
      cv::Mat m(tile, tile, CV_8UC3, const_cast<std::uint8_t*>(s.image.data()));
      m.copyTo(sheet(cv::Rect(gap + e * (tile + gap), header + gap + id * (tile + gap), tile, tile)));
    }
  return Image(height, width, 3, std::vector<std::uint8_t>(sheet.data, sheet.data + sheet.total() * 3));
}

}  // namespace ferguard

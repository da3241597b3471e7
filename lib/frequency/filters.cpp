#include <algorithm>
#include <cctype>
#include <cmath>

#include "detail/check.h"
#include "ferguard/frequency/frequency_splitter.h"

namespace ferguard {

FilterKind parse_filter_kind(const std::string& name) {
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "ideal") return FilterKind::ideal;
  if (s == "gaussian") return FilterKind::gaussian;
  if (s == "butterworth") return FilterKind::butterworth;
  throw InvalidArgument(fmt::format("filter: expected 'ideal', 'gaussian' or 'butterworth', got '{}'", name));
}

std::string to_string(FilterKind kind) {
  switch (kind) {
    case FilterKind::ideal: return "ideal";
    case FilterKind::gaussian: return "gaussian";
    case FilterKind::butterworth: return "butterworth";
  }
  return "unknown";
}

void SplitOptions::validate() const {
  FERGUARD_CHECK(std::isfinite(cutoff) && cutoff > 0.0 && cutoff <= std::sqrt(2.0) + 1e-12,
                 "SplitOptions.cutoff: expected a fraction of the Nyquist radius in (0, 1.414], got {}", cutoff);
  FERGUARD_CHECK(order >= 1 && order <= 64, "SplitOptions.order: expected 1..64, got {}", order);
  detail::check_threads(threads, "SplitOptions.threads");
}

}  // namespace ferguard

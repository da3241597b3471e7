#include "ferguard/frequency/frequency_splitter.h"

#include <fftw3.h>

#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "detail/check.h"
#include "detail/fftw_lock.h"
#include "detail/parallel.h"
#include "frequency/mask.h"

namespace ferguard {

namespace detail {
std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace detail

namespace {

struct FloatBuffer {
  explicit FloatBuffer(std::size_t n) : p(static_cast<float*>(fftwf_malloc(sizeof(float) * std::max<std::size_t>(n, 1)))) {
    if (!p) throw std::bad_alloc();
  }
  ~FloatBuffer() { fftwf_free(p); }
  FloatBuffer(const FloatBuffer&) = delete;
  FloatBuffer& operator=(const FloatBuffer&) = delete;
  float* p;
};

struct ComplexBuffer {
  explicit ComplexBuffer(std::size_t n)
      : p(static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * std::max<std::size_t>(n, 1)))) {
    if (!p) throw std::bad_alloc();
  }
  ~ComplexBuffer() { fftwf_free(p); }
  ComplexBuffer(const ComplexBuffer&) = delete;
  ComplexBuffer& operator=(const ComplexBuffer&) = delete;
  fftwf_complex* p;
};

// Plans and mask for one image size. Plans are made on fftwf_malloc'd (SIMD-aligned) buffers, so they may be
// executed on any other arrays of the same alignment (FFTW's new-array execute rules).
struct PlanSet {
  PlanSet(int h_, int w_, const SplitOptions& o) : h(h_), w(w_), wc(w_ / 2 + 1) {
    mask = detail::half_spectrum_mask(o, h, w, 1.0 / (static_cast<double>(h) * w));
    FloatBuffer real(static_cast<std::size_t>(h) * w);
    ComplexBuffer spec(static_cast<std::size_t>(h) * wc);
    const unsigned flags = o.plan_effort == PlanEffort::measure ? FFTW_MEASURE : FFTW_ESTIMATE;
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    forward = fftwf_plan_dft_r2c_2d(h, w, real.p, spec.p, flags);
    backward = fftwf_plan_dft_c2r_2d(h, w, spec.p, real.p, flags);
    if (!forward || !backward) {
      destroy();
      throw ModelError(fmt::format("FFTW: cannot plan a {}x{} transform", h, w));
    }
  }
  ~PlanSet() {
    std::lock_guard<std::mutex> lock(detail::fftw_planner_mutex());
    destroy();
  }
  void destroy() {
    if (forward) fftwf_destroy_plan(forward);
    if (backward) fftwf_destroy_plan(backward);
    forward = backward = nullptr;
  }
  PlanSet(const PlanSet&) = delete;
  PlanSet& operator=(const PlanSet&) = delete;

  int h, w, wc;
  std::vector<float> mask;  // includes the 1/(h*w) normalisation of FFTW's unnormalised inverse
  fftwf_plan forward = nullptr;
  fftwf_plan backward = nullptr;
};

bool aligned(const float* p) { return fftwf_alignment_of(const_cast<float*>(p)) == 0; }

}  // namespace

struct FrequencySplitter::Impl {
  explicit Impl(SplitOptions o) : options(std::move(o)) { options.validate(); }

  std::shared_ptr<const PlanSet> plans_for(int h, int w) const {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = cache.find({h, w});
    if (it != cache.end()) return it->second;
    auto p = std::make_shared<const PlanSet>(h, w, options);
    cache.emplace(std::make_pair(h, w), p);
    return p;
  }

  // low (and high, when non-null) for every plane of `x`.
  void run(const Tensor4& x, Tensor4& low, Tensor4* high) const {
    const Shape4& s = x.shape();
    FERGUARD_CHECK(s.numel() > 0, "split input: expected a non-empty NxCxHxW tensor, got {}", s.str());
    auto plans = plans_for(s.h, s.w);
    const std::int64_t planes = static_cast<std::int64_t>(s.n) * s.c;
    const int threads = static_cast<int>(std::min<std::int64_t>(detail::resolve_threads(options.threads), planes));
    const std::size_t hw = s.plane();
    const std::size_t nspec = static_cast<std::size_t>(plans->h) * plans->wc;
    detail::parallel_for(threads, threads, [&](std::int64_t t) {
      const std::int64_t begin = planes * t / threads, end = planes * (t + 1) / threads;
      ComplexBuffer spec(nspec);
      FloatBuffer in_scratch(hw), out_scratch(hw);
      for (std::int64_t p = begin; p < end; ++p) {
        const float* src = x.data() + p * hw;
        float* dst = low.data() + p * hw;
        const float* in = src;
        if (!aligned(src)) {
          std::memcpy(in_scratch.p, src, hw * sizeof(float));
          in = in_scratch.p;
        }
        fftwf_execute_dft_r2c(plans->forward, const_cast<float*>(in), spec.p);
        const float* m = plans->mask.data();
        for (std::size_t k = 0; k < nspec; ++k) {
          spec.p[k][0] *= m[k];
          spec.p[k][1] *= m[k];
        }
        float* out = aligned(dst) ? dst : out_scratch.p;
        fftwf_execute_dft_c2r(plans->backward, spec.p, out);
        if (out != dst) std::memcpy(dst, out, hw * sizeof(float));
        if (high) {
          float* hi = high->data() + p * hw;
          for (std::size_t i = 0; i < hw; ++i) hi[i] = src[i] - dst[i];
        }
      }
    });
  }

  SplitOptions options;
  mutable std::mutex cache_mutex;
  mutable std::map<std::pair<int, int>, std::shared_ptr<const PlanSet>> cache;
};

FrequencySplitter::FrequencySplitter(SplitOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
FrequencySplitter::~FrequencySplitter() = default;
FrequencySplitter::FrequencySplitter(FrequencySplitter&&) noexcept = default;
FrequencySplitter& FrequencySplitter::operator=(FrequencySplitter&&) noexcept = default;

namespace {
// One NaN or inf spreads through the transform to its whole channel: refuse it, naming the first.
void check_finite(const Tensor4& batch) {
  const float* v = batch.data();
  for (std::size_t i = 0; i < batch.shape().numel(); ++i) {
    if (std::isfinite(v[i])) continue;
    const Shape4& s = batch.shape();
    const std::size_t x = i % s.w, y = i / s.w % s.h, c = i / s.plane() % s.c, n = i / (s.plane() * s.c);
    throw InvalidArgument(fmt::format("split input: expected finite values, got {} at image {}, channel {}, row {}, "
                                      "column {}",
                                      v[i], n, c, y, x));
  }
}
}  // namespace

SplitResult FrequencySplitter::split(const Tensor4& batch) const {
  SplitResult r;
  split(batch, r);
  return r;
}

void FrequencySplitter::split(const Tensor4& batch, SplitResult& out) const {
  check_finite(batch);
  if (out.low.shape() != batch.shape()) out.low.resize(batch.shape());
  if (out.high.shape() != batch.shape()) out.high.resize(batch.shape());
  impl_->run(batch, out.low, &out.high);
}

Tensor4 FrequencySplitter::lowpass(const Tensor4& batch) const {
  check_finite(batch);
  Tensor4 low(batch.shape());
  impl_->run(batch, low, nullptr);
  return low;
}

std::string FrequencySplitter::name() const {
  const auto& o = impl_->options;
  if (o.filter == FilterKind::butterworth)
    return fmt::format("fft-butterworth(cutoff={:g},order={})", o.cutoff, o.order);
  return fmt::format("fft-{}(cutoff={:g})", to_string(o.filter), o.cutoff);
}

const SplitOptions& FrequencySplitter::options() const { return impl_->options; }

std::vector<float> FrequencySplitter::mask(int height, int width) const {
  FERGUARD_CHECK(height >= 1 && width >= 1, "mask size: expected >= 1x1, got {}x{}", height, width);
  return detail::half_spectrum_mask(impl_->options, height, width, 1.0);
}

Tensor4 BandSplitter::merge(const Tensor4& low, const Tensor4& high) {
  FERGUARD_CHECK(low.shape() == high.shape(), "merge: expected low and high of one shape, got {} and {}",
                 low.shape().str(), high.shape().str());
  Tensor4 out(low.shape());
  for (std::size_t i = 0, n = low.shape().numel(); i < n; ++i) out.data()[i] = low.data()[i] + high.data()[i];
  return out;
}

}  // namespace ferguard

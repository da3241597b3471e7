// The split of a batch of 64 faces (3x112x112) through ferguard, through raw FFTW plans (the floor: one
// plan_many over the batch, mask, inverse, subtract) and through cv::dft, each on 1 and 2 threads.
// At the end it prints faces/s and the ratios ferguard/raw-FFTW and ferguard/cv::dft for each thread count.
#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <algorithm>
#include <map>
#include <opencv2/core.hpp>
#include <random>
#include <thread>

#include "ferguard/ferguard.h"
#include "frequency/mask.h"

namespace {

constexpr int kBatch = 64, kChannels = 3, kSize = 112;

ferguard::Tensor4 make_batch() {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0, 1);
  ferguard::Tensor4 t({kBatch, kChannels, kSize, kSize});
  for (float& v : t.vector()) v = u(rng);
  return t;
}

ferguard::SplitOptions bench_options(int threads) {
  ferguard::SplitOptions o;
  o.cutoff = 0.1;
  o.threads = threads;
  o.plan_effort = ferguard::PlanEffort::measure;
  return o;
}

template <typename Chunk>
void run_chunks(int threads, int planes, Chunk&& chunk) {
  if (threads == 1) return chunk(0, planes);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { chunk(planes * t / threads, planes * (t + 1) / threads); });
  for (auto& th : pool) th.join();
}

void BM_Ferguard(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const ferguard::Tensor4 x = make_batch();
  const ferguard::FrequencySplitter splitter(bench_options(threads));
  ferguard::SplitResult out;
  splitter.split(x, out);  // plan, allocate and warm up; outputs are reused as by the peers
  for (auto _ : state) {
    splitter.split(x, out);
    benchmark::DoNotOptimize(out.high.data());
  }
  state.counters["faces/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

// The allocating convenience call, for information: fresh output tensors every call.
void BM_FerguardAllocating(benchmark::State& state) {
  const ferguard::Tensor4 x = make_batch();
  const ferguard::FrequencySplitter splitter(bench_options(static_cast<int>(state.range(0))));
  splitter.split(x);
  for (auto _ : state) benchmark::DoNotOptimize(splitter.split(x));
  state.counters["faces/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

// The floor: raw FFTW, one batched plan per thread chunk, no copies beyond what the algorithm needs.
void BM_RawFftw(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int planes = kBatch * kChannels, hw = kSize * kSize, wc = kSize / 2 + 1;
  const ferguard::Tensor4 x = make_batch();
  const auto mask = ferguard::detail::half_spectrum_mask(bench_options(threads), kSize, kSize, 1.0 / hw);
  struct Worker {
    float *in, *low;
    fftwf_complex* spec;
    fftwf_plan fwd, bwd;
    int count;
  };
  std::vector<Worker> workers;
  for (int t = 0; t < threads; ++t) {
    const int count = planes * (t + 1) / threads - planes * t / threads;
    Worker w{fftwf_alloc_real(std::size_t(count) * hw), fftwf_alloc_real(std::size_t(count) * hw),
             fftwf_alloc_complex(std::size_t(count) * kSize * wc), nullptr, nullptr, count};
    int n[2] = {kSize, kSize};
    w.fwd = fftwf_plan_many_dft_r2c(2, n, count, w.in, nullptr, 1, hw, w.spec, nullptr, 1, kSize * wc, FFTW_MEASURE);
    w.bwd = fftwf_plan_many_dft_c2r(2, n, count, w.spec, nullptr, 1, kSize * wc, w.low, nullptr, 1, hw, FFTW_MEASURE);
    workers.push_back(w);
  }
  ferguard::Tensor4 low(x.shape()), high(x.shape());
  auto body = [&] {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      auto job = [&, t] {
        Worker& w = workers[t];
        const std::size_t first = std::size_t(planes) * t / threads * hw;
        std::copy(x.data() + first, x.data() + first + std::size_t(w.count) * hw, w.in);
        fftwf_execute(w.fwd);
        for (int p = 0; p < w.count; ++p)
          for (int k = 0; k < kSize * wc; ++k) {
            w.spec[p * kSize * wc + k][0] *= mask[k];
            w.spec[p * kSize * wc + k][1] *= mask[k];
          }
        fftwf_execute(w.bwd);
        for (std::size_t i = 0; i < std::size_t(w.count) * hw; ++i) {
          low.data()[first + i] = w.low[i];
          high.data()[first + i] = x.data()[first + i] - w.low[i];
        }
      };
      if (threads == 1) job(); else pool.emplace_back(job);
    }
    for (auto& th : pool) th.join();
  };
  body();
  for (auto _ : state) {
    body();
    benchmark::DoNotOptimize(high.data());
  }
  for (auto& w : workers) {
    fftwf_destroy_plan(w.fwd);
    fftwf_destroy_plan(w.bwd);
    fftwf_free(w.in);
    fftwf_free(w.low);
    fftwf_free(w.spec);
  }
  state.counters["faces/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

// Raw FFTW one plane at a time: one 2-D plan, copy in, forward, mask, inverse, copy out.
void BM_RawFftwPerPlane(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int planes = kBatch * kChannels, hw = kSize * kSize, wc = kSize / 2 + 1;
  const ferguard::Tensor4 x = make_batch();
  const auto mask = ferguard::detail::half_spectrum_mask(bench_options(threads), kSize, kSize, 1.0 / hw);
  float* in = fftwf_alloc_real(hw);
  fftwf_complex* spec = fftwf_alloc_complex(std::size_t(kSize) * wc);
  const fftwf_plan fwd = fftwf_plan_dft_r2c_2d(kSize, kSize, in, spec, FFTW_MEASURE);
  const fftwf_plan bwd = fftwf_plan_dft_c2r_2d(kSize, kSize, spec, in, FFTW_MEASURE);
  ferguard::Tensor4 low(x.shape()), high(x.shape());
  auto body = [&] {
    run_chunks(threads, planes, [&](int begin, int end) {
      float* a = fftwf_alloc_real(hw);
      fftwf_complex* sp = fftwf_alloc_complex(std::size_t(kSize) * wc);
      for (int p = begin; p < end; ++p) {
        const float* src = x.data() + std::size_t(p) * hw;
        std::copy(src, src + hw, a);
        fftwf_execute_dft_r2c(fwd, a, sp);
        for (int k = 0; k < kSize * wc; ++k) {
          sp[k][0] *= mask[k];
          sp[k][1] *= mask[k];
        }
        fftwf_execute_dft_c2r(bwd, sp, a);
        float* lo = low.data() + std::size_t(p) * hw;
        float* hi = high.data() + std::size_t(p) * hw;
        for (int i = 0; i < hw; ++i) {
          lo[i] = a[i];
          hi[i] = src[i] - a[i];
        }
      }
      fftwf_free(a);
      fftwf_free(sp);
    });
  };
  body();
  for (auto _ : state) {
    body();
    benchmark::DoNotOptimize(high.data());
  }
  fftwf_destroy_plan(fwd);
  fftwf_destroy_plan(bwd);
  fftwf_free(in);
  fftwf_free(spec);
  state.counters["faces/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

// A common alternative: OpenCV's DFT with a full-spectrum mask.
void BM_CvDft(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int planes = kBatch * kChannels;
  const ferguard::Tensor4 x = make_batch();
  const auto opts = bench_options(threads);
  cv::Mat mask(kSize, kSize, CV_32FC2);
  for (int ky = 0; ky < kSize; ++ky)
    for (int kx = 0; kx < kSize; ++kx) {
      const float g = float(ferguard::detail::lowpass_gain(opts, ferguard::detail::bin_radius(ky, kx, kSize, kSize)));
      mask.at<cv::Vec2f>(ky, kx) = cv::Vec2f(g, 0);
    }
  ferguard::Tensor4 low(x.shape()), high(x.shape());
  const int prev = cv::getNumThreads();
  cv::setNumThreads(1);  // parallelism comes from our own chunks, as for the other peers
  auto body = [&] {
    run_chunks(threads, planes, [&](int begin, int end) {
      cv::Mat spec, back;
      for (int p = begin; p < end; ++p) {
        const cv::Mat in(kSize, kSize, CV_32F, const_cast<float*>(x.data()) + std::size_t(p) * kSize * kSize);
        cv::dft(in, spec, cv::DFT_COMPLEX_OUTPUT);
        cv::mulSpectrums(spec, mask, spec, 0);
        cv::idft(spec, back, cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
        float* lo = low.data() + std::size_t(p) * kSize * kSize;
        float* hi = high.data() + std::size_t(p) * kSize * kSize;
        for (int i = 0; i < kSize * kSize; ++i) {
          lo[i] = back.ptr<float>()[i];
          hi[i] = in.ptr<float>()[i] - lo[i];
        }
      }
    });
  };
  body();
  for (auto _ : state) {
    body();
    benchmark::DoNotOptimize(high.data());
  }
  cv::setNumThreads(prev);
  state.counters["faces/s"] = benchmark::Counter(kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_Ferguard)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_FerguardAllocating)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_RawFftw)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_RawFftwPerPlane)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_CvDft)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

// Console output plus a closing table of ratios between peers measured in this same run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs)
      if (!r.error_occurred && r.run_type == Run::RT_Iteration) seconds_[r.benchmark_name()] = r.GetAdjustedRealTime();
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nbatch of %d faces, %dx%dx%d (times in ms); time ratios, lower is better for ferguard\n", kBatch, kChannels,
                kSize, kSize);
    for (const char* t : {"1", "2"}) {
      const double f = get("BM_Ferguard/", t), batched = get("BM_RawFftw/", t);
      const double per_plane = get("BM_RawFftwPerPlane/", t), cv = get("BM_CvDft/", t);
      if (f <= 0 || batched <= 0 || per_plane <= 0 || cv <= 0) continue;
      const double floor = std::min(batched, per_plane);  // the faster raw FFTW layout is the floor
      std::printf("threads=%s  %.0f faces/s  ferguard/raw-FFTW = %.2fx (batched %.2fx, per-plane %.2fx)   "
                  "cv::dft/ferguard = %.2fx speed-up\n",
                  t, kBatch * 1000.0 / f, f / floor, f / batched, f / per_plane, cv / f);
    }
  }

 private:
  double get(const std::string& prefix, const char* t) {
    for (auto& [name, s] : seconds_)
      if (name.rfind(prefix + t, 0) == 0) return s;
    return -1;
  }
  std::map<std::string, double> seconds_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

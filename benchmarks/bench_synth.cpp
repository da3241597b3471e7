// Rendering synthetic faces: faces/s at 112 px (and 64, 224) on one thread, with the default nuisance and
// without it (the nuisance's JPEG round trip and noise are the extra cost). The peer measured in the same
// run is a plain decode of the same face from PNG (read_image's path through cv::imdecode), i.e. what a
// file-based loader pays per face before any resize; the ratio render/decode is printed at the end.
#include <benchmark/benchmark.h>

#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "ferguard/ferguard.h"

namespace {

std::map<std::string, double> g_rate;

void BM_Render(benchmark::State& state) {
  ferguard::SynthOptions o;
  o.identities = 64;
  o.samples_per_expression = 4;
  o.size = static_cast<int>(state.range(0));
  if (state.range(1) == 0) o = o.without_nuisance();
  const ferguard::SyntheticFaces faces(o);
  std::size_t i = 0;
  benchmark::DoNotOptimize(faces.get(0));  // warm up
  for (auto _ : state) {
    auto s = faces.get(i++ % faces.size());
    benchmark::DoNotOptimize(s.image.data());
  }
  state.counters["faces/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["size"] = o.size;
}

void BM_DecodePng(benchmark::State& state) {
  ferguard::SynthOptions o;
  o.size = static_cast<int>(state.range(0));
  const ferguard::SyntheticFaces faces(o);
  const ferguard::Image im = faces.get(0).image;
  std::vector<std::uint8_t> png;
  cv::imencode(".png", cv::Mat(im.height(), im.width(), CV_8UC3, const_cast<std::uint8_t*>(im.data())), png);
  for (auto _ : state) {
    auto d = ferguard::decode_image(png, "face.png");
    benchmark::DoNotOptimize(d.data());
  }
  state.counters["faces/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_Render)->Args({112, 1})->Args({112, 0})->Args({64, 1})->Args({224, 1})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_DecodePng)->Arg(112)->Unit(benchmark::kMicrosecond)->UseRealTime();

int main(int argc, char** argv) {
  cv::setNumThreads(1);  // one core, as the rate is quoted
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

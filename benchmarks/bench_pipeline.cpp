// The main job per face on one core: Pipeline::analyze on the committed sample photo (3 faces, 1920x1280), for
// ferguard at its default and fast presets against its peers in the same run: `none` (detection, landmarks,
// expression models and auditors only: the floor every method pays) and the blur baseline.
//
//   build/bin/bench_pipeline --benchmark_min_time=1   (README, "Speed of the main job")
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <filesystem>
#include <map>
#include <memory>

#include "ferguard/ferguard.h"

namespace {

using namespace ferguard;

const std::string kSample = std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pixels/sample1.png";

PipelineOptions options_for(const std::string& name) {
  PipelineOptions o;
  o.threads = 1;
  if (name == "none") o.method = PrivacyMethod::none;
  if (name == "blur") o.method = PrivacyMethod::blur;
  if (name == "ferguard_fast") o.apply_preset("fast");
  return o;
}

void BM_Analyze(benchmark::State& state, const std::string& name) {
  if (!std::filesystem::exists(std::filesystem::path(resolve_graph_models_dir()) / "faceres.json")) {
    state.SkipWithError("models absent: run scripts/fetch_models.sh");
    return;
  }
  static std::map<std::string, std::unique_ptr<Pipeline>> pipelines;  // loaded once, outside the timing
  auto& p = pipelines[name];
  if (!p) p = std::make_unique<Pipeline>(options_for(name));
  static const Image image = read_image(kSample);
  std::size_t faces = 0;
  p->analyze(image);  // warm-up: FFTW plans, first-touch memory
  for (auto _ : state) faces += p->analyze(image).faces.size();
  state.counters["s_per_face"] = benchmark::Counter(double(faces), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["faces"] = double(faces) / double(state.iterations());
}

BENCHMARK_CAPTURE(BM_Analyze, none, std::string("none"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Analyze, blur, std::string("blur"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Analyze, ferguard_fast, std::string("ferguard_fast"))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Analyze, ferguard_default, std::string("ferguard_default"))->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // As the ferguard CLI does: keep freed memory instead of returning it to the OS after every pass.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// The main job per face on one core: Pipeline::analyze on the committed sample photo (3 faces, 1920x1280), for each
// method against its peers in the same run. `publish`: what an app pays (privatize + predict, --no-audit), with
// `none` (detection, landmarks and ferguard's expression model: the floor every method pays) as the peer; `audit`:
// the same with the audit (auditors at every protocol and crop, the independent model, naturalness).
//
//   build/bin/bench_pipeline --benchmark_min_time=1   (README, "Speed of the main job")
#include <benchmark/benchmark.h>

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
  o.audit = name.find("audit") != std::string::npos;
  const std::string method = name.substr(0, name.find('_'));
  o.method = parse_privacy_method(method);
  if (name.find("fast") != std::string::npos) o.apply_preset("fast");
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

#define FERGUARD_BENCH_CASE(name) \
  BENCHMARK_CAPTURE(BM_Analyze, name, std::string(#name))->Unit(benchmark::kMillisecond)->UseRealTime()
FERGUARD_BENCH_CASE(none_publish);
FERGUARD_BENCH_CASE(blur_publish);
FERGUARD_BENCH_CASE(template_publish);
FERGUARD_BENCH_CASE(adversarial_fast_publish);
FERGUARD_BENCH_CASE(adversarial_publish);
FERGUARD_BENCH_CASE(none_audit);
FERGUARD_BENCH_CASE(template_audit);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

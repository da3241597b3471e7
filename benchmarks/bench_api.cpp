// The public calls that benchmarks/bench_python.py times from Python, on the same inputs, so that
// benchmarks/speed_report.sh can report the binding's overhead as a ratio (Python ms / C++ ms) per call:
//   detect_full        FaceAnalyzer::detect on sample1.jpg (1920x1280, 3 faces): detector + 68 landmarks
//   detect_640x480     the same on the 640x480 window at (390, 300) of it (2 faces)
//   recognizer_NAME    Recognizer::embed of face 0's crop for that recogniser (batch 1)
//   expression_NAME    ExpressionModel::predict of face 0's crop for that model (batch 1)
//   pipeline_640x480   Pipeline::analyze of the window (default method and audit)
// One thread everywhere, default glibc malloc, no environment variables.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>

#include "ferguard/ferguard.h"

namespace {

using namespace ferguard;

const std::string kSample = std::string(FERGUARD_SOURCE_DIR) + "/assets/faceapi/samples/sample1.jpg";
constexpr PixelRect kWindow{390, 300, 640, 480};

struct Inputs {
  Image full, window;
  Face face0;  // the best-scored face of the full photo, with landmarks
};

const Inputs* inputs() {
  static const std::unique_ptr<Inputs> in = []() -> std::unique_ptr<Inputs> {
    if (!std::filesystem::exists(kSample)) return nullptr;
    auto p = std::make_unique<Inputs>();
    p->full = read_image(kSample);
    p->window = crop_with_padding(p->full, kWindow);
    FaceAnalyzerOptions o;
    o.threads = 1;
    const std::vector<Face> faces = FaceAnalyzer(o).detect(p->full);
    if (faces.empty()) return nullptr;
    p->face0 = faces.front();
    return p;
  }();
  return in.get();
}

bool ready(benchmark::State& state) {
  if (inputs() == nullptr) state.SkipWithError("sample photo or face-api weights missing: run scripts/fetch_models.sh");
  return inputs() != nullptr;
}

void per_call(benchmark::State& state) {
  state.counters["ms_per_call"] = benchmark::Counter(static_cast<double>(state.iterations()) / 1000.0,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

const FaceAnalyzer& analyzer() {
  static const FaceAnalyzer a = [] {
    FaceAnalyzerOptions o;
    o.threads = 1;
    return FaceAnalyzer(o);
  }();
  return a;
}

void BM_detect(benchmark::State& state, bool full) {
  if (!ready(state)) return;
  const Image& image = full ? inputs()->full : inputs()->window;
  analyzer().detect(image);  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(analyzer().detect(image));
  per_call(state);
}

void BM_recognizer(benchmark::State& state, const std::string& name) {
  if (!ready(state)) return;
  ModelOptions o;
  o.threads = 1;
  const std::unique_ptr<Recognizer> r = make_recognizer(name, o);
  const Image& im = inputs()->full;
  const std::vector<Image> crop{crop_with_padding(im, r->crop_rect(inputs()->face0, im.width(), im.height()))};
  r->embed(crop);
  for (auto _ : state) benchmark::DoNotOptimize(r->embed(crop));
  per_call(state);
}

void BM_expression(benchmark::State& state, const std::string& name) {
  if (!ready(state)) return;
  ModelOptions o;
  o.threads = 1;
  const std::unique_ptr<ExpressionModel> m = make_expression_model(name, o);
  const Image& im = inputs()->full;
  const std::vector<Image> crop{crop_with_padding(im, m->crop_rect(inputs()->face0, im.width(), im.height()))};
  m->predict(crop);
  for (auto _ : state) benchmark::DoNotOptimize(m->predict(crop));
  per_call(state);
}

void BM_pipeline(benchmark::State& state) {
  if (!ready(state)) return;
  PipelineOptions o;
  o.threads = 1;
  o.models.threads = 1;
  const Pipeline p(o);
  p.analyze(inputs()->window);
  for (auto _ : state) benchmark::DoNotOptimize(p.analyze(inputs()->window));
  per_call(state);
}

BENCHMARK_CAPTURE(BM_detect, detect_full, true)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK_CAPTURE(BM_detect, detect_640x480, false)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK_CAPTURE(BM_recognizer, recognizer_faceapi, "faceapi")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK_CAPTURE(BM_recognizer, recognizer_faceres, "faceres")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK_CAPTURE(BM_recognizer, recognizer_mobileface, "mobileface")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK_CAPTURE(BM_expression, expression_faceapi, "faceapi")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK_CAPTURE(BM_expression, expression_emotion, "emotion")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_pipeline)->Name("BM_pipeline/pipeline_640x480")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();

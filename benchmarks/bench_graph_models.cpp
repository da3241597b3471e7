// ms per face of the three TF.js graph models (faceres, mobileface, emotion) in ferguard's graph executor at
// batch 1 and 16, 1 thread: the graph alone on a prepared NHWC input, as tools/reference/bench_graph.js times
// tfjs, with its activations from a pool as ferguard's models run it. benchmarks/compare_tfjs.sh runs both in one go and prints the ratios.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>

#include <filesystem>

#include "ferguard/model/recognizer.h"
#include "model/activations.h"
#include "model/graph/graph_models.h"
#include "model/graph/tfjs_graph.h"

namespace {

struct Spec {
  const char* name;
  const char* input;
  const char* output;
  int size, channels;
};
const Spec kSpecs[] = {{"faceres", "input_1", "global_pooling/Mean", 224, 3},
                       {"mobileface", "data", "batchnorm0/add_1", 112, 3},
                       {"emotion", "input_1", "Identity", 64, 1}};

void BM_Graph(benchmark::State& state) {
  const Spec& s = kSpecs[state.range(0)];
  const int batch = static_cast<int>(state.range(1));
  const std::string path = (std::filesystem::path(ferguard::resolve_graph_models_dir()) / (std::string(s.name) + ".json")).string();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("graph models absent: run scripts/fetch_models.sh");
    return;
  }
  at::set_num_threads(1);
  const auto graph = ferguard::detail::TfjsGraph::load(path);
  // The goldens' synthetic pattern, scaled to each model's input range.
  at::Tensor x = at::arange(batch * s.size * s.size * s.channels, at::kFloat).remainder(256.0f);
  x = (s.channels == 1 ? x / 127.5f - 1.0f : x).reshape({batch, s.size, s.size, s.channels});
  c10::InferenceMode guard;
  ferguard::detail::ActivationPool pool;
  ferguard::detail::ActivationScope scope(pool);
  // As ferguard's recognisers do: faceres runs in chunks of kFaceresChunk faces.
  const int64_t step = std::string(s.name) == "faceres" ? ferguard::detail::kFaceresChunk : batch;
  auto run_all = [&] {
    for (int64_t b = 0; b < batch; b += step) benchmark::DoNotOptimize(graph.run({{s.input, x.slice(0, b, b + step)}}, {s.output}));
  };
  run_all();
  for (auto _ : state) run_all();
  state.counters["faces_per_s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(s.name) + " batch " + std::to_string(batch));
}

BENCHMARK(BM_Graph)
    ->ArgsProduct({{0, 1, 2}, {1, 16}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

// The emotion model's two max pools (3x3, stride 2, SAME) through the pool's NHWC kernel (arg 1: 0) and through
// LibTorch's at::max_pool2d, which also computes the indices (arg 1: 1); arg 0 picks the shape.
void BM_MaxPool(benchmark::State& state) {
  const bool first = state.range(0) == 0, libtorch = state.range(1) == 1;
  at::set_num_threads(1);
  const at::Tensor x = at::randn({1, first ? 128 : 256, first ? 29 : 15, first ? 29 : 15})
                           .contiguous(at::MemoryFormat::ChannelsLast);
  c10::InferenceMode guard;
  ferguard::detail::ActivationPool pool;
  ferguard::detail::ActivationScope scope(pool);
  for (auto _ : state) {
    if (libtorch) benchmark::DoNotOptimize(at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1}));
    else benchmark::DoNotOptimize(ferguard::detail::act::max_pool2d(x, {3, 3}, {2, 2}, {1, 1}));
  }
  state.SetLabel(std::string(first ? "29x29x128" : "15x15x256") + (libtorch ? " at::max_pool2d" : " ferguard"));
}

BENCHMARK(BM_MaxPool)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMicrosecond)->MinTime(0.3);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// ms per face of the face-api expression and recognition nets (LibTorch port), face-api's preprocessing
// included, at batch 1 and 16 on 1 thread, per CPU second (the
// shared machine's wall clock is noise). Crops have sample1 face 0's sizes (217x199 expression, 213x213
// recognition). The peer measured in the same run is batch 1 against batch 16; face-api's own
// timings come from `node tools/reference/bench_faceapi.js` (tfjs wasm, 1 thread), run next to this.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <random>

#include "bench_faceapi_common.h"
#include "ferguard/model/faceapi_nets.h"

namespace {

using namespace ferguard;

std::vector<Image> crops(int n, int h, int w) {
  std::mt19937 rng(42);
  std::vector<Image> out;
  for (int i = 0; i < n; ++i) {
    Image im(h, w, 3);
    for (std::size_t k = 0; k < im.pixels().size(); ++k) im.data()[k] = static_cast<std::uint8_t>(rng() & 0xff);
    out.push_back(std::move(im));
  }
  return out;
}

using bench::have;
using bench::one_thread;

void report(benchmark::State& state, int batch) {
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["batch"] = batch;
  state.counters["ms_per_face"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * batch / 1000.0,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ExpressionNet(benchmark::State& state) {
  if (!have("face_expression_model")) {
    state.SkipWithError("face-api weights missing: run scripts/fetch_models.sh");
    return;
  }
  const int batch = static_cast<int>(state.range(0));
  static const ExpressionNet net(one_thread());
  const std::vector<Image> faces = crops(batch, 217, 199);
  net.predict(faces);  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(net.predict(faces));
  report(state, batch);
}

void BM_RecognitionNet(benchmark::State& state) {
  if (!have("face_recognition_model")) {
    state.SkipWithError("face-api weights missing: run scripts/fetch_models.sh");
    return;
  }
  const int batch = static_cast<int>(state.range(0));
  static const RecognitionNet net(one_thread());
  const std::vector<Image> faces = crops(batch, 213, 213);
  net.embed(faces);  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(net.embed(faces));
  report(state, batch);
}

BENCHMARK(BM_ExpressionNet)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RecognitionNet)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

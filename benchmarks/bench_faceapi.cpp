// ms per face of the face-api 68-landmark net and ms per 640x480 image of the SSD face detector (LibTorch port,
// face-api's preprocessing and NMS included) on 1 thread, batch 1 and 16 for the landmark net. The expression
// and recognition nets are timed by bench_faceapi_nets; benchmarks/compare_faceapi.sh runs both next to face-api
// itself (tools/reference/bench_faceapi.js, tfjs wasm, 1 thread) and prints the ratios. Wall-clock time is
// reported (UseRealTime), as node's timings are wall clock too.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <c10/core/InferenceMode.h>

#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <random>

#include "bench_faceapi_common.h"
#include "ferguard/io/image_io.h"
#include "ferguard/model/face_detector.h"
#include "model/activations.h"
#include "model/faceapi_ssd.h"
#include "model/tfjs_weights.h"

namespace {

using namespace ferguard;

using bench::have;
using bench::one_thread;

void report(benchmark::State& state, int items, const char* counter) {
  state.SetItemsProcessed(state.iterations() * items);
  state.counters["batch"] = items;
  state.counters[counter] = benchmark::Counter(static_cast<double>(state.iterations()) * items / 1000.0,
                                               benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// sample1 (golden pixels) resized to 640x480 like bench_faceapi.js, or a random image when absent.
Image image_640x480() {
  const std::string png = std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pixels/sample1.png";
  Image out(480, 640, 3);
  if (std::filesystem::exists(png)) {
    Image full = read_image(png);
    cv::Mat src(full.height(), full.width(), CV_8UC3, full.data());
    cv::Mat dst(480, 640, CV_8UC3, out.data());
    cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_LINEAR);
  } else {
    std::mt19937 rng(3);
    for (std::size_t k = 0; k < out.pixels().size(); ++k) out.data()[k] = static_cast<std::uint8_t>(rng() & 0xff);
  }
  return out;
}

void BM_LandmarkNet(benchmark::State& state) {
  if (!have("face_landmark_68_model")) {
    state.SkipWithError("face-api weights missing: run scripts/fetch_models.sh");
    return;
  }
  const int batch = static_cast<int>(state.range(0));
  static const LandmarkNet net(one_thread());
  std::mt19937 rng(42);
  std::vector<Image> faces;
  for (int i = 0; i < batch; ++i) {  // sample1 face 0's landmark crop size
    Image im(238, 177, 3);
    for (std::size_t k = 0; k < im.pixels().size(); ++k) im.data()[k] = static_cast<std::uint8_t>(rng() & 0xff);
    faces.push_back(std::move(im));
  }
  net.predict(faces);  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(net.predict(faces));
  report(state, batch, "ms_per_face");
}

void BM_FaceDetector(benchmark::State& state) {
  if (!have("ssd_mobilenetv1_model")) {
    state.SkipWithError("face-api weights missing: run scripts/fetch_models.sh");
    return;
  }
  static const FaceDetector detector(one_thread());
  const Image image = image_640x480();
  std::size_t faces = detector.detect(image).size();  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(faces = detector.detect(image).size());
  state.counters["faces"] = static_cast<double>(faces);
  report(state, 1, "ms_per_image");
}

// The detector's net alone on the 640x480 frame's input (arg 1: 0) or on its 480x640 transpose (arg 1: 1), the
// letterbox band computed once per layer (arg 0: 1) or every row and column computed (arg 0: 0): the band's gain in
// one run. Run them interleaved for the ratios:
//   build/bin/bench_faceapi --benchmark_filter=DetectorNet --benchmark_repetitions=5 \
//     --benchmark_enable_random_interleaving=true
void BM_DetectorNet(benchmark::State& state) {
  if (!have("ssd_mobilenetv1_model")) {
    state.SkipWithError("face-api weights missing: run scripts/fetch_models.sh");
    return;
  }
  const bool banded = state.range(0) == 1, portrait = state.range(1) == 1;
  at::set_num_threads(1);
  static ferguard::detail::SsdMobilenetV1Impl net(ferguard::detail::TfjsWeights::load(
      (std::filesystem::path(resolve_models_dir()) / "ssd_mobilenetv1_model-weights_manifest.json").string()));
  const Image frame = image_640x480();
  Image image = frame;
  if (portrait) {
    image = Image(frame.width(), frame.height(), 3);
    for (int y = 0; y < frame.height(); ++y)
      for (int x = 0; x < frame.width(); ++x)
        for (int c = 0; c < 3; ++c) image.at(x, y, c) = frame.at(y, x, c);
  }
  c10::InferenceMode guard;
  ferguard::detail::ActivationPool pool;
  ferguard::detail::ActivationScope scope(pool);
  const at::Tensor x = ferguard::detail::ssd_input({&image});
  net.forward(x, banded);  // warm-up
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x, banded));
  state.SetLabel(std::string(portrait ? "480x640, " : "640x480, ") +
                 (banded ? "letterbox band once" : "every row and column"));
  report(state, 1, "ms_per_image");
}

BENCHMARK(BM_LandmarkNet)->Arg(1)->Arg(16)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_FaceDetector)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_DetectorNet)->ArgsProduct({{0, 1}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();

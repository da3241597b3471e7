// Video with the default (template) method, what an app publishes (no audit), on two threads: frames per second on
// the test clip (face-api's sample1 scaled to 640x480 with a slow pan and zoom, 150 frames, made here), against the
// `none` method (detection, landmarks and prediction only) in the same run; and the flicker on a clip of one still
// frame repeated: mean absolute frame-to-frame change inside the faces, grey levels; and what following faces
// between detections costs and gives (BM_ClipQuality).
//
//   build/bin/bench_video
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/imgproc.hpp>

#include "ferguard/ferguard.h"

namespace {

using namespace ferguard;

const std::string kSample = std::string(FERGUARD_SOURCE_DIR) + "/tests/data/golden/faceapi/pixels/sample1.png";
constexpr int kFrames = 150;

// Frame i of the clip: a window of the photo that zooms from 100 % to 85 % of the photo's height and pans across it.
Image clip_frame(const Image& photo, int i) {
  const double t = double(i) / (kFrames - 1);
  const double h = photo.height() * (1.0 - 0.15 * t), w = h * 640.0 / 480.0;
  const double x = (photo.width() - w) * (0.3 + 0.4 * t), y = (photo.height() - h) * 0.5;
  const cv::Mat src(photo.height(), photo.width(), CV_8UC3, const_cast<std::uint8_t*>(photo.data()));
  cv::Mat out;
  cv::resize(src(cv::Rect(int(x), int(y), int(w), int(h))), out, cv::Size(640, 480), 0, 0, cv::INTER_AREA);
  return Image(480, 640, 3, std::vector<std::uint8_t>(out.data, out.data + out.total() * 3));
}

const std::vector<Image>& clip() {
  static const std::vector<Image> frames = [] {
    const Image photo = read_image(kSample);
    std::vector<Image> f;
    for (int i = 0; i < kFrames; ++i) f.push_back(clip_frame(photo, i));
    return f;
  }();
  return frames;
}

const Pipeline& pipeline(PrivacyMethod m) {
  static std::map<PrivacyMethod, std::unique_ptr<Pipeline>> p;
  auto& q = p[m];
  if (!q) {
    PipelineOptions o;
    o.method = m;
    o.threads = 2;
    o.audit = false;
    q = std::make_unique<Pipeline>(o);
  }
  return *q;
}

bool models_present() {
  return std::filesystem::exists(std::filesystem::path(resolve_graph_models_dir()) / "emotion.json");
}

void BM_Clip(benchmark::State& state, PrivacyMethod m, int detect_every) {
  if (!models_present()) return state.SkipWithError("models absent: run scripts/fetch_models.sh");
  const Pipeline& p = pipeline(m);
  const auto& frames = clip();
  std::size_t n = 0;
  VideoOptions o;
  o.detect_every = detect_every;
  for (auto _ : state) {
    VideoAnalyzer v(p, o);
    for (const Image& f : frames) benchmark::DoNotOptimize(v.next(f).faces.size());
    n += frames.size();
  }
  state.counters["frames_per_s"] = benchmark::Counter(double(n), benchmark::Counter::kIsRate);
}

void BM_StillFlicker(benchmark::State& state) {
  if (!models_present()) return state.SkipWithError("models absent: run scripts/fetch_models.sh");
  const Pipeline& p = pipeline(PrivacyMethod::face_template);
  const Image frame = clip().front();
  double change = 0.0;
  for (auto _ : state) {
    VideoAnalyzer v(p);
    AnalysisResult prev = v.next(frame);
    double sum = 0.0;
    std::size_t count = 0;
    for (int i = 1; i < 30; ++i) {
      AnalysisResult cur = v.next(frame);
      for (const FaceResult& f : cur.faces) {
        const FaceBox& b = f.face.box;
        for (int y = std::max(0, int(b.y)); y < std::min(frame.height(), int(b.y + b.height)); ++y)
          for (int x = std::max(0, int(b.x)); x < std::min(frame.width(), int(b.x + b.width)); ++x)
            for (int c = 0; c < 3; ++c, ++count)
              sum += std::abs(int(cur.private_image.at(y, x, c)) - int(prev.private_image.at(y, x, c)));
      }
      prev = std::move(cur);
    }
    change = count > 0 ? sum / double(count) : 0.0;
  }
  state.counters["flicker_grey_levels"] = change;
}

// What following faces between detections costs and gives, on the test clip with the default (template) method:
// face-frames privatized, followed landmarks against detecting every frame (mean distance per face, inter-ocular
// distances: median and 95th percentile), and the agreement of ferguard's own model and of the independent one
// (emotion) with the original's top class on every third frame.
void BM_ClipQuality(benchmark::State& state) {
  if (!models_present()) return state.SkipWithError("models absent: run scripts/fetch_models.sh");
  const Pipeline& p = pipeline(PrivacyMethod::face_template);
  const auto emotion = make_expression_model("emotion", {});
  const auto& frames = clip();
  for (auto _ : state) {
    VideoOptions every;
    every.detect_every = 1;
    VideoAnalyzer followed(p), detected(p, every);
    std::vector<double> errors;
    double faces_followed = 0, faces_detected = 0, rated = 0, own = 0, independent = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const AnalysisResult a = followed.next(frames[i]), b = detected.next(frames[i]);
      for (const FaceResult& f : a.faces) faces_followed += f.status == FaceStatus::privatized;
      for (const FaceResult& f : b.faces) faces_detected += f.status == FaceStatus::privatized;
      for (const FaceResult& fb : b.faces) {  // the nearest followed face within half an inter-ocular distance
        const double iod = inter_ocular(fb.face.landmarks);
        const FaceResult* best = nullptr;
        double bd = 0.5 * iod;
        for (const FaceResult& fa : a.faces) {
          const double d = std::hypot(fa.face.landmarks[30].x - fb.face.landmarks[30].x,
                                      fa.face.landmarks[30].y - fb.face.landmarks[30].y);
          if (d < bd) bd = d, best = &fa;
        }
        if (!best) continue;
        double e = 0;
        for (int k = 0; k < kNumFaceLandmarks; ++k)
          e += std::hypot(best->face.landmarks[k].x - fb.face.landmarks[k].x,
                          best->face.landmarks[k].y - fb.face.landmarks[k].y);
        errors.push_back(e / kNumFaceLandmarks / iod);
      }
      if (i % 3 != 0) continue;
      std::vector<Face> faces;
      for (const FaceResult& f : a.faces)
        if (f.status == FaceStatus::privatized) {
          faces.push_back(f.face);
          own += f.expression.label() == f.original_expression.label();
        }
      if (faces.empty()) continue;
      const auto before = emotion->predict_faces(frames[i], faces), after = emotion->predict_faces(a.private_image, faces);
      for (std::size_t k = 0; k < faces.size(); ++k) independent += before[k].label() == after[k].label();
      rated += double(faces.size());
    }
    std::sort(errors.begin(), errors.end());
    state.counters["faces_followed"] = faces_followed;
    state.counters["faces_detect_every_frame"] = faces_detected;
    state.counters["landmarks_median_iod"] = errors.empty() ? -1 : errors[errors.size() / 2];
    state.counters["landmarks_p95_iod"] = errors.empty() ? -1 : errors[errors.size() * 95 / 100];
    state.counters["agreement_faceapi"] = rated > 0 ? own / rated : -1;
    state.counters["agreement_emotion"] = rated > 0 ? independent / rated : -1;
  }
}

BENCHMARK_CAPTURE(BM_Clip, none, PrivacyMethod::none, VideoOptions{}.detect_every)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Clip, template, PrivacyMethod::face_template, VideoOptions{}.detect_every)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
// The detector on every frame (--detect-every 1): no face enters unprivatized, at this cost.
BENCHMARK_CAPTURE(BM_Clip, template_detect_every_frame, PrivacyMethod::face_template, 1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK(BM_StillFlicker)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);
BENCHMARK(BM_ClipQuality)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();

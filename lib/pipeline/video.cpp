// VideoAnalyzer: faces tracked across frames by box IoU, each track carrying its privatizer state.
#include <algorithm>
#include <chrono>

#include "detail/box_iou.h"
#include "detail/check.h"
#include "ferguard/pipeline/pipeline.h"
#include "pipeline/pipeline_impl.h"

namespace ferguard {
namespace {

struct Track {
  int id = 0;
  FaceBox box;
  std::unique_ptr<detail::MethodTrackState> state;
};

}  // namespace

struct VideoAnalyzer::Impl {
  const Pipeline& pipeline;
  float iou_threshold;
  std::vector<Track> tracks;  // the last frame's faces only: memory does not grow with the video
  int next_id = 0;
};

VideoAnalyzer::VideoAnalyzer(const Pipeline& pipeline, float iou_threshold)
    : impl_(std::make_unique<Impl>(Impl{pipeline, iou_threshold, {}, 0})) {
  FERGUARD_CHECK(iou_threshold > 0.0f && iou_threshold < 1.0f, "VideoAnalyzer iou: expected (0, 1), got {}",
                 iou_threshold);
}

VideoAnalyzer::~VideoAnalyzer() = default;

AnalysisResult VideoAnalyzer::next(const Image& frame) {
  FERGUARD_CHECK(!frame.empty() && frame.channels() == 3, "frame: expected a non-empty HxWx3 RGB image, got {}x{}x{}",
                 frame.height(), frame.width(), frame.channels());
  const auto t0 = std::chrono::steady_clock::now();
  const Pipeline::Impl& p = *impl_->pipeline.impl_;
  const std::vector<Face> faces = p.analyzer->detect(frame);

  // Greedy matching, best overlap first; each track continues at most one face.
  struct Pair {
    float iou;
    std::size_t face, track;
  };
  std::vector<Pair> pairs;
  for (std::size_t f = 0; f < faces.size(); ++f)
    for (std::size_t t = 0; t < impl_->tracks.size(); ++t) {
      const float v = detail::box_iou(faces[f].box, impl_->tracks[t].box);
      if (v > impl_->iou_threshold) pairs.push_back({v, f, t});
    }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
  std::vector<int> track_of(faces.size(), -1);
  std::vector<bool> used(impl_->tracks.size(), false);
  for (const Pair& pr : pairs)
    if (track_of[pr.face] < 0 && !used[pr.track]) {
      track_of[pr.face] = int(pr.track);
      used[pr.track] = true;
    }
  std::vector<Track> next;
  for (std::size_t f = 0; f < faces.size(); ++f) {
    Track t;
    if (track_of[f] >= 0) {
      t = std::move(impl_->tracks[track_of[f]]);
    } else {
      t.id = impl_->next_id++;
    }
    t.box = faces[f].box;
    next.push_back(std::move(t));
  }
  std::vector<std::unique_ptr<detail::MethodTrackState>*> states;
  for (Track& t : next) states.push_back(&t.state);
  AnalysisResult r = p.process(frame, faces, states);
  for (std::size_t f = 0; f < r.faces.size(); ++f) r.faces[f].track = next[f].id;
  impl_->tracks = std::move(next);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace ferguard

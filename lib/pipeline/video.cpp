// VideoAnalyzer: faces detected every few frames, followed in between by optical flow and the landmark net, matched
// to tracks by box IoU; each track carries its privatizer state.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "detail/box_iou.h"
#include "detail/check.h"
#include "ferguard/face/face_geometry.h"
#include "ferguard/pipeline/pipeline.h"
#include "pipeline/pipeline_impl.h"

namespace ferguard {

void VideoOptions::validate() const {
  FERGUARD_CHECK(iou > 0.0f && iou < 1.0f, "VideoOptions.iou: expected (0, 1), got {}", iou);
  FERGUARD_CHECK(detect_every >= 1 && detect_every <= 1000, "VideoOptions.detect_every: expected 1..1000, got {}",
                 detect_every);
}

namespace {

struct Track {
  int id = 0;
  Face face;        // the last frame's box (the landmark net's input) and landmarks
  Face anchor;      // the last detection's box and landmarks: the box is placed relative to the face as it was
  int missed = 0;   // consecutive detections that did not find this face (it was followed instead)
  std::unique_ptr<detail::MethodTrackState> state;
};

// A landmark whose forward-backward flow error exceeds this many inter-ocular distances is not trusted; a track
// keeps following while at least half of its landmarks are trusted.
constexpr double kMaxFlowError = 0.03;
// The landmark net's points, placed in the followed box, must lie within this many inter-ocular distances (mean) of
// where the flow carried the previous frame's points; otherwise the track is lost and the detector runs.
constexpr double kMaxLandmarkDrift = 0.2;

cv::Mat grey_of(const Image& frame) {
  const cv::Mat rgb(frame.height(), frame.width(), CV_8UC3, const_cast<std::uint8_t*>(frame.data()));
  cv::Mat g;
  cv::cvtColor(rgb, g, cv::COLOR_RGB2GRAY);
  return g;
}

// Where the optical flow carries a face from `prev` to `cur`: the landmarks it could follow, and the box placed on
// them as the detector placed it on the anchor's landmarks (so the box does not drift from the face over the frames
// between detections); and the previous landmarks carried by the flow's similarity (the check on the landmark net's
// answer). Not ok when too few landmarks could be followed.
struct Followed {
  bool ok = false;
  Face face;                    // the moved box (score kept), no landmarks yet
  std::vector<Point2f> carried;  // the previous landmarks carried by the similarity
};

Followed follow(const cv::Mat& prev, const cv::Mat& cur, const Face& face, const Face& anchor) {
  Followed out;
  if (face.landmarks.size() != std::size_t(kNumFaceLandmarks) ||
      anchor.landmarks.size() != std::size_t(kNumFaceLandmarks))
    return out;
  const double iod = inter_ocular(face.landmarks);
  if (!(iod > 1.0)) return out;
  std::vector<cv::Point2f> p0, p1, back;
  for (const Point2f& p : face.landmarks) p0.emplace_back(p.x, p.y);
  std::vector<unsigned char> st1, st2;
  std::vector<float> err;
  const cv::Size window(21, 21);
  const cv::TermCriteria stop(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 20, 0.03);
  cv::calcOpticalFlowPyrLK(prev, cur, p0, p1, st1, err, window, 3, stop);
  cv::calcOpticalFlowPyrLK(cur, prev, p1, back, st2, err, window, 3, stop);
  std::vector<Point2f> from, to, anchored;
  const double limit = std::max(1.0, kMaxFlowError * iod);
  for (std::size_t i = 0; i < p0.size(); ++i)
    if (st1[i] && st2[i] && std::hypot(back[i].x - p0[i].x, back[i].y - p0[i].y) <= limit) {
      from.push_back(face.landmarks[i]);
      to.push_back({p1[i].x, p1[i].y});
      anchored.push_back(anchor.landmarks[i]);
    }
  if (from.size() < p0.size() / 2) return out;
  const Similarity m = fit_similarity(from, to);
  const double s = m.scale();
  if (!(s > 0.5 && s < 2.0)) return out;
  // Below a hundredth of a pixel the face has not moved: the box stays exactly where it was, so that a still clip
  // gives the landmark net the same crop, the same landmarks and the same published bytes (no flicker).
  double moved = 0.0;
  for (const Point2f& p : face.landmarks) {
    const Point2f q = m.apply(p);
    moved = std::max(moved, std::hypot(double(q.x) - p.x, double(q.y) - p.y));
  }
  out.face.score = face.score;
  if (moved < 0.01) {
    out.face.box = face.box;
    out.carried = face.landmarks;
  } else {
    const Similarity a = fit_similarity(anchored, to);
    const FaceBox& b = anchor.box;
    const Point2f c = a.apply(Point2f{b.x + 0.5f * b.width, b.y + 0.5f * b.height});
    const double k = a.scale();
    out.face.box = FaceBox{float(c.x - 0.5 * k * b.width), float(c.y - 0.5 * k * b.height), float(k * b.width),
                           float(k * b.height)};
    out.carried = m.apply(face.landmarks);
  }
  out.ok = true;
  return out;
}

// The landmark net's answer agrees with where the flow carried the face.
bool plausible(const std::vector<Point2f>& located, const std::vector<Point2f>& carried) {
  if (located.size() != carried.size() || located.empty()) return false;
  double d = 0.0;
  for (std::size_t i = 0; i < located.size(); ++i)
    d += std::hypot(located[i].x - carried[i].x, located[i].y - carried[i].y);
  return d / double(located.size()) <= kMaxLandmarkDrift * inter_ocular(carried);
}

}  // namespace

struct VideoAnalyzer::Impl {
  const Pipeline& pipeline;
  VideoOptions options;
  std::vector<Track> tracks;  // the last frame's faces only: memory does not grow with the video
  cv::Mat previous;           // the last frame, grey, for the optical flow
  int next_id = 0;
  int since_detection = 0;    // frames since the detector last ran

  // The followed faces (landmark net in the flow-moved boxes) for the given tracks; an entry without landmarks is
  // a lost track.
  std::vector<Face> follow_tracks(const Image& frame, const cv::Mat& grey, const std::vector<std::size_t>& which) {
    const Pipeline::Impl& p = *pipeline.impl_;
    std::vector<Followed> moved;
    for (std::size_t t : which)
      moved.push_back(previous.size() == grey.size() ? follow(previous, grey, tracks[t].face, tracks[t].anchor)
                                                     : Followed{});
    std::vector<Face> located(which.size());
    std::vector<Face> ask;
    std::vector<std::size_t> index;
    for (std::size_t k = 0; k < moved.size(); ++k)
      if (moved[k].ok) {
        ask.push_back(moved[k].face);
        index.push_back(k);
      }
    if (!ask.empty()) {
      const std::vector<Face> got = p.analyzer->locate(frame, ask);
      for (std::size_t j = 0; j < index.size(); ++j)
        if (plausible(got[j].landmarks, moved[index[j]].carried)) located[index[j]] = got[j];
    }
    return located;
  }
};

VideoAnalyzer::VideoAnalyzer(const Pipeline& pipeline, VideoOptions options)
    : impl_(std::make_unique<Impl>(Impl{pipeline, (options.validate(), options), {}, {}, 0, 0})) {}

VideoAnalyzer::VideoAnalyzer(const Pipeline& pipeline, float iou)
    : VideoAnalyzer(pipeline, [iou] {
        VideoOptions o;
        o.iou = iou;
        return o;
      }()) {}

VideoAnalyzer::~VideoAnalyzer() = default;

AnalysisResult VideoAnalyzer::next(const Image& frame) {
  FERGUARD_CHECK(!frame.empty() && frame.channels() == 3, "frame: expected a non-empty HxWx3 RGB image, got {}x{}x{}",
                 frame.height(), frame.width(), frame.channels());
  const auto t0 = std::chrono::steady_clock::now();
  Impl& im = *impl_;
  const Pipeline::Impl& p = *im.pipeline.impl_;
  const cv::Mat grey = grey_of(frame);

  std::vector<Face> faces;
  std::vector<int> track_of;  // per face: the track it continues, -1 for a new one
  std::size_t detected = 0;   // faces[0, detected) come from the detector, the rest were followed
  std::vector<Face> followed;  // every track followed into this frame (empty when the detector was due anyway)
  bool detect = im.tracks.empty() || im.since_detection + 1 >= im.options.detect_every;
  if (!detect) {
    std::vector<std::size_t> all(im.tracks.size());
    for (std::size_t t = 0; t < all.size(); ++t) all[t] = t;
    followed = im.follow_tracks(frame, grey, all);
    for (const Face& f : followed) detect = detect || f.landmarks.empty();  // a lost track: the detector looks again
    if (!detect) {
      faces = followed;
      for (std::size_t t = 0; t < faces.size(); ++t) track_of.push_back(int(t));
    }
  }
  if (detect) {
    faces = p.analyzer->detect(frame);
    detected = faces.size();
    im.since_detection = 0;
    // Greedy matching, best overlap first; each track continues at most one face.
    struct Pair {
      float iou;
      std::size_t face, track;
    };
    std::vector<Pair> pairs;
    for (std::size_t f = 0; f < faces.size(); ++f)
      for (std::size_t t = 0; t < im.tracks.size(); ++t) {
        const float v = detail::box_iou(faces[f].box, im.tracks[t].face.box);
        if (v > im.options.iou) pairs.push_back({v, f, t});
      }
    std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
    track_of.assign(faces.size(), -1);
    std::vector<bool> used(im.tracks.size(), false);
    for (const Pair& pr : pairs)
      if (track_of[pr.face] < 0 && !used[pr.track]) {
        track_of[pr.face] = int(pr.track);
        used[pr.track] = true;
      }
    for (std::size_t f = 0; f < faces.size(); ++f)
      if (track_of[f] >= 0) im.tracks[track_of[f]].missed = 0;
    // A face the detector missed this time is followed on once, so that a detector's flicker does not publish it.
    std::vector<std::size_t> unmatched;
    for (std::size_t t = 0; t < im.tracks.size(); ++t)
      if (!used[t] && im.tracks[t].missed == 0) unmatched.push_back(t);
    if (!unmatched.empty()) {
      // Followed already when a lost track called the detector: the same flow and landmarks, not computed twice.
      std::vector<Face> kept;
      if (followed.empty()) {
        kept = im.follow_tracks(frame, grey, unmatched);
      } else {
        for (std::size_t t : unmatched) kept.push_back(followed[t]);
      }
      auto overlaps_a_detection = [&](const Face& f) {
        for (std::size_t d = 0; d < detected; ++d)
          if (detail::box_iou(f.box, faces[d].box) > 0.1f) return true;
        return false;
      };
      for (std::size_t k = 0; k < kept.size(); ++k)
        if (!kept[k].landmarks.empty() && !overlaps_a_detection(kept[k])) {
          faces.push_back(kept[k]);
          track_of.push_back(int(unmatched[k]));
          im.tracks[unmatched[k]].missed = 1;
        }
    }
  } else {
    ++im.since_detection;
  }

  std::vector<Track> next;
  for (std::size_t f = 0; f < faces.size(); ++f) {
    Track t;
    if (track_of[f] >= 0) {
      t = std::move(im.tracks[track_of[f]]);
    } else {
      t.id = im.next_id++;
    }
    t.face = faces[f];
    if (f < detected) t.anchor = faces[f];
    next.push_back(std::move(t));
  }
  std::vector<std::unique_ptr<detail::MethodTrackState>*> states;
  for (Track& t : next) states.push_back(&t.state);
  AnalysisResult r = p.process(frame, faces, states);
  for (std::size_t f = 0; f < r.faces.size(); ++f) r.faces[f].track = next[f].id;
  im.tracks = std::move(next);
  im.previous = grey;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace ferguard

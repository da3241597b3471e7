// CREMA-D as distributed: clips ActorID_SentenceID_Emotion_Level.flv. Each clip is decoded once: frames
// are sampled evenly, the face is found with a Haar cascade and cropped, and the crops are cached as PNG
// under cache_dir/cremad/<stem>-<bytes>-<mtime>-<size>x<frames>/, so a second open only lists files.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/videoio.hpp>
#include <thread>

#include "data/file_dataset.h"
#include "detail/atomic_file.h"
#include "detail/check.h"
#include "detail/parallel.h"

namespace ferguard::detail {
namespace fs = std::filesystem;
namespace {

struct Clip {
  fs::path video;
  std::string stem, actor;
  int expression = -1;
  fs::path cache;
};

struct ClipResult {
  std::vector<std::string> frames;  // cached PNG paths, in order
  std::string error;                // the clip is unusable
  std::string note;                 // a fall-back that was taken
};

std::string frame_name(int j) { return fmt::format("frame_{:03d}.png", j); }

// Frame indices at the centres of `count` equal segments of `total` frames.
std::vector<int> even_indices(int total, int count) {
  std::vector<int> idx;
  for (int j = 0; j < count; ++j) idx.push_back(std::min(total - 1, static_cast<int>((2.0 * j + 1) * total / (2.0 * count))));
  return idx;
}

ClipResult process_clip(const Clip& clip, const DatasetOptions& options, int face_size,
                        cv::CascadeClassifier* detector) {
  ClipResult r;
  cv::VideoCapture cap(clip.video.string(), cv::CAP_FFMPEG);  // FFmpeg reads flv, mp4 and avi; no GStreamer noise
  std::vector<cv::Mat> all;
  cv::Mat frame;
  while (cap.isOpened() && cap.read(frame)) all.push_back(frame.clone());
  if (all.empty()) {
    r.error = fmt::format("video '{}': cannot decode (no frames read)", clip.video.string());
    return r;
  }
  const std::vector<int> picks = even_indices(static_cast<int>(all.size()), options.frames_per_clip);
  std::vector<cv::Rect> boxes(picks.size());
  std::vector<bool> found(picks.size(), false);
  for (std::size_t j = 0; j < picks.size(); ++j) {
    if (!detector) break;
    const cv::Mat& f = all[picks[j]];
    cv::Mat gray;
    cv::cvtColor(f, gray, cv::COLOR_BGR2GRAY);
    cv::equalizeHist(gray, gray);
    std::vector<cv::Rect> faces;
    const int min_side = std::max(16, std::min(f.cols, f.rows) / 6);
    detector->detectMultiScale(gray, faces, 1.1, 4, 0, cv::Size(min_side, min_side));
    if (faces.empty()) continue;
    boxes[j] = *std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) { return a.area() < b.area(); });
    found[j] = true;
  }
  // Frames without a detection use the clip's median box; a clip without any uses a centre crop.
  std::vector<int> xs, ys, ss;
  for (std::size_t j = 0; j < picks.size(); ++j)
    if (found[j]) {
      xs.push_back(boxes[j].x + boxes[j].width / 2);
      ys.push_back(boxes[j].y + boxes[j].height / 2);
      ss.push_back(boxes[j].width);
    }
  const int missing = static_cast<int>(picks.size() - xs.size());
  auto median = [](std::vector<int> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  const cv::Mat& first = all[picks[0]];
  cv::Point2f fallback_centre(first.cols / 2.0f, first.rows / 2.0f);
  float fallback_side = 0.75f * std::min(first.cols, first.rows);
  if (!xs.empty()) {
    fallback_centre = cv::Point2f(static_cast<float>(median(xs)), static_cast<float>(median(ys)));
    fallback_side = 1.25f * median(ss);
  }
  if (missing == static_cast<int>(picks.size())) {
    r.note = fmt::format("no face found in any of {} frames; used a centre crop", picks.size());
  } else if (missing > 0) {
    r.note = fmt::format("no face found in {} of {} frames; used the clip's median face box there", missing,
                         picks.size());
  }
  std::error_code ec;
  fs::create_directories(clip.cache, ec);
  FERGUARD_CHECK_AS(!ec, IoError, "cache folder '{}': cannot create ({})", clip.cache.string(), ec.message());
  for (std::size_t j = 0; j < picks.size(); ++j) {
    cv::Point2f centre = fallback_centre;
    float side = fallback_side;
    if (found[j]) {
      centre = cv::Point2f(boxes[j].x + boxes[j].width / 2.0f, boxes[j].y + boxes[j].height / 2.0f);
      side = 1.25f * boxes[j].width;  // Haar boxes are tight: keep brows, chin and some margin
    }
    const int s = std::max(2, static_cast<int>(std::lround(side)));
    cv::Mat crop, resized;
    cv::getRectSubPix(all[picks[j]], cv::Size(s, s), centre, crop);  // replicates the border outside
    cv::resize(crop, resized, cv::Size(face_size, face_size), 0, 0, s > face_size ? cv::INTER_AREA : cv::INTER_LINEAR);
    std::vector<std::uint8_t> png;
    cv::imencode(".png", resized, png);
    const std::string out = (clip.cache / frame_name(static_cast<int>(j))).string();
    write_file_atomically(out, png);
    r.frames.push_back(out);
  }
  // The fall-back is remembered with the crops, so that a cached open reports it too.
  write_file_atomically((clip.cache / "note.txt").string(), r.note);
  return r;
}

std::vector<std::string> cached_frames(const Clip& clip, int frames) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_regular_file(clip.cache / "note.txt", ec)) return {};  // written last: the crops are complete
  for (int j = 0; j < frames; ++j) {
    const fs::path p = clip.cache / frame_name(j);
    if (!fs::is_regular_file(p, ec)) return {};
    out.push_back(p.string());
  }
  return out;
}

}  // namespace

std::unique_ptr<FaceDataset> open_cremad(const std::string& path, const DatasetOptions& options) {
  std::error_code ec;
  FERGUARD_CHECK_AS(fs::is_directory(path, ec), IoError, "CREMA-D folder '{}': no such folder", path);
  fs::path dir = fs::path(path);
  if (fs::is_directory(dir / "VideoFlash", ec)) dir /= "VideoFlash";
  const int face_size = options.face_size > 0 ? options.face_size : 112;
  const fs::path cache_root = fs::path(resolve_cache_dir(options)) / "cremad";
  IssueLog log(options.on_error);

  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    std::string ext = f.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (f.is_regular_file() && (ext == ".flv" || ext == ".mp4" || ext == ".avi")) files.push_back(f.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Clip> clips;
  for (const fs::path& file : files) {
    Clip c;
    c.video = file;
    c.stem = file.stem().string();
    std::vector<std::string> parts;
    std::stringstream ss(c.stem);
    for (std::string part; std::getline(ss, part, '_');) parts.push_back(part);
    const bool actor_ok = parts.size() == 4 && !parts[0].empty() && parts[0].size() <= 9 &&
                          std::all_of(parts[0].begin(), parts[0].end(), [](unsigned char ch) { return std::isdigit(ch); });
    if (!actor_ok) {
      log.report(file.string(), 0, "file name: expected ActorID_SentenceID_Emotion_Level (e.g. 1001_DFA_ANG_XX)");
      continue;
    }
    static const std::map<std::string, Expression> kCodes = {
        {"ANG", Expression::angry}, {"DIS", Expression::disgusted}, {"FEA", Expression::fearful},
        {"HAP", Expression::happy}, {"NEU", Expression::neutral},   {"SAD", Expression::sad}};
    auto code = kCodes.find(parts[2]);
    if (code == kCodes.end()) {
      log.report(file.string(), 0, fmt::format("emotion '{}': expected ANG, DIS, FEA, HAP, NEU or SAD", parts[2]));
      continue;
    }
    c.actor = parts[0];
    c.expression = static_cast<int>(code->second);
    const auto bytes = fs::file_size(file, ec);
    const auto mtime = fs::last_write_time(file, ec).time_since_epoch().count();
    c.cache = cache_root / fmt::format("{}-{}-{}-{}x{}", c.stem, bytes, mtime, face_size, options.frames_per_clip);
    clips.push_back(std::move(c));
  }

  // Decode the clips that are not cached yet, each worker with its own cascade (not shareable).
  std::vector<ClipResult> results(clips.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    results[i].frames = cached_frames(clips[i], options.frames_per_clip);
    if (results[i].frames.empty()) {
      todo.push_back(i);
    } else {
      std::ifstream note(clips[i].cache / "note.txt");
      std::getline(note, results[i].note);
    }
  }
  if (!todo.empty()) {
    cv::CascadeClassifier probe;
    const bool have_detector = !options.face_detector.empty() && fs::is_regular_file(options.face_detector, ec) &&
                               probe.load(options.face_detector);
    if (!have_detector)
      log.note(options.face_detector, 0, "face detector not found or unreadable; every clip uses a centre crop");
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const int threads = std::max(1, std::min<int>(resolve_threads(options.threads), static_cast<int>(todo.size())));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&] {
        cv::CascadeClassifier detector;
        if (have_detector) detector.load(options.face_detector);
        for (std::size_t n; (n = next++) < todo.size();) {
          const std::size_t i = todo[n];
          try {
            results[i] = process_clip(clips[i], options, face_size, have_detector ? &detector : nullptr);
          } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
          }
        }
      });
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
  }

  std::set<std::string> actors;
  for (std::size_t i = 0; i < clips.size(); ++i)
    if (results[i].error.empty()) actors.insert(clips[i].actor);
  std::map<std::string, int> actor_index;
  {
    std::vector<std::string> sorted(actors.begin(), actors.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return std::stoll(a) < std::stoll(b); });
    for (std::size_t i = 0; i < sorted.size(); ++i) actor_index[sorted[i]] = static_cast<int>(i);
  }
  std::vector<FileEntry> entries;
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const Clip& c = clips[i];
    if (!results[i].error.empty()) {
      log.report(c.video.string(), 0, results[i].error, true);
      continue;
    }
    if (!results[i].note.empty()) log.note(c.video.string(), 0, results[i].note);
    const Split split = hashed_split(c.stem, options);  // a clip's frames share one split
    for (std::size_t j = 0; j < results[i].frames.size(); ++j) {
      FileEntry e;
      e.path = results[i].frames[j];
      e.source = fmt::format("{}:{}", c.video.string(), j);
      e.identity = actor_index.at(c.actor);
      e.expression = c.expression;
      e.split = split;
      entries.push_back(std::move(e));
    }
  }
  return std::make_unique<FileDataset>(fmt::format("cremad({})", path), std::move(entries),
                                       static_cast<int>(actors.size()), face_size, log.take());
}

}  // namespace ferguard::detail

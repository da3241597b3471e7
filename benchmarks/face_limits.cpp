// face_limits: what the default pipeline does with faces outside its comfort zone (rotated, half out of frame,
// squashed, occluded, tiny, very large). It makes variants of face-api's sample photos with OpenCV, knows where each
// original face went (its 68 landmarks found on the unmodified photo, moved by the same affine map), runs the
// default pipeline on every variant (audit off) and counts, per variant, the faces detected, privatized, masked
// (with each reason) and missed, and whether any face's pixels came out unchanged. Prints a markdown table; optional
// contact sheets (input | output per face) show a few of them. docs/limits.md shows a run.
//
//   build/bin/face_limits [--samples DIR] [--sheets DIR] [--jobs N] [--min-confidence X] [--quick]
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ferguard/ferguard.h"

namespace fs = std::filesystem;
using namespace ferguard;

namespace {

constexpr int kTile = 72;  // contact sheet tile side, pixels

// A face of the original photos, where it lies in a variant.
struct Truth {
  int photo = 0, face = 0;            // index of the photo, and of the face in the original analysis
  std::vector<Point2f> landmarks;     // moved into the variant's pixels
  bool counted = true;                // counted in the table (a crop around one face holds neighbours: not counted)
};

struct Variant {
  std::string group, name;
  cv::Mat rgb;                        // the variant (HxWx3 RGB)
  std::vector<Truth> truths;
};

// What one variant gave.
struct Outcome {
  int faces = 0, detected = 0, privatized = 0, masked = 0, missed = 0, extra = 0;
  int unchanged_detected = 0, unchanged_missed = 0;  // faces whose true outline changed by < 1 grey level
  std::map<std::string, int> reasons;
  double seconds = 0.0;
  int invariant_broken = 0;           // detected faces neither privatized with a change nor masked with a reason
};

cv::Mat as_mat(const Image& im) { return cv::Mat(im.height(), im.width(), CV_8UC3, const_cast<std::uint8_t*>(im.data())); }

Image as_image(const cv::Mat& m) {
  cv::Mat c = m.isContinuous() ? m : m.clone();
  return Image(c.rows, c.cols, 3, std::vector<std::uint8_t>(c.data, c.data + c.total() * 3));
}

cv::Rect2f bounds(const std::vector<Point2f>& pts) {
  float x0 = pts[0].x, x1 = x0, y0 = pts[0].y, y1 = y0;
  for (const Point2f& p : pts) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

cv::Rect2f bounds(const std::vector<Point2f>& pts, int first, int last) {
  return bounds(std::vector<Point2f>(pts.begin() + first, pts.begin() + last + 1));
}

std::vector<Point2f> moved(const std::vector<Point2f>& pts, const cv::Matx23d& m) {
  std::vector<Point2f> out;
  for (const Point2f& p : pts)
    out.push_back({float(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)), float(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2))});
  return out;
}

// The affine map `m` applied to a whole photo, output `size`, every face of it counted.
Variant warp_photo(const std::string& group, const std::string& name, const cv::Mat& photo, int index,
                   const std::vector<FaceResult>& faces, const cv::Matx23d& m, cv::Size size) {
  Variant v{group, name, {}, {}};
  const bool scale_only = m(0, 1) == 0.0 && m(1, 0) == 0.0 && m(0, 2) == 0.0 && m(1, 2) == 0.0;
  if (scale_only)
    cv::resize(photo, v.rgb, size, 0, 0, m(0, 0) < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  else
    cv::warpAffine(photo, v.rgb, cv::Mat(m), size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
  for (std::size_t f = 0; f < faces.size(); ++f) v.truths.push_back({index, int(f), moved(faces[f].face.landmarks, m), true});
  return v;
}

// Rotation by `degrees` about the photo's centre, on a canvas large enough to keep every pixel.
cv::Matx23d rotation(const cv::Mat& photo, double degrees, cv::Size* size) {
  const cv::Point2f c(photo.cols / 2.0f, photo.rows / 2.0f);
  cv::Mat r = cv::getRotationMatrix2D(c, degrees, 1.0);
  const cv::Rect2f box = cv::RotatedRect(c, photo.size(), float(degrees)).boundingRect2f();
  r.at<double>(0, 2) += box.width / 2.0 - c.x;
  r.at<double>(1, 2) += box.height / 2.0 - c.y;
  *size = cv::Size(int(std::ceil(box.width)), int(std::ceil(box.height)));
  return cv::Matx23d(r);
}

// A crop of the photo (its pixels outside the photo black), scaled by `scale`; `target` counted, neighbours not.
Variant crop_face(const std::string& group, const std::string& name, const cv::Mat& photo, int index,
                  const std::vector<FaceResult>& faces, std::size_t target, cv::Rect rect, double scale) {
  Variant v{group, name, {}, {}};
  cv::Mat padded(rect.size(), CV_8UC3, cv::Scalar(0, 0, 0));
  const cv::Rect inside = rect & cv::Rect(0, 0, photo.cols, photo.rows);
  photo(inside).copyTo(padded(inside - rect.tl()));
  if (scale == 1.0)
    v.rgb = padded;
  else
    cv::resize(padded, v.rgb, cv::Size(), scale, scale, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Matx23d m(scale, 0, -rect.x * scale, 0, scale, -rect.y * scale);
  for (std::size_t f = 0; f < faces.size(); ++f) {
    Truth t{index, int(f), moved(faces[f].face.landmarks, m), f == target};
    const cv::Rect2f b = bounds(t.landmarks);
    const cv::Rect2f img(0, 0, float(v.rgb.cols), float(v.rgb.rows));
    if (f == target || (b & img).area() > 0.0f) v.truths.push_back(std::move(t));
  }
  return v;
}

// Grey or skin-coloured blocks drawn over every face of a variant.
enum class Occluder { eyes, mouth, half };
void occlude(Variant& v, Occluder what) {
  for (const Truth& t : v.truths) {
    const std::vector<Point2f>& l = t.landmarks;
    const cv::Rect2f face = bounds(l);
    cv::Rect2f r;
    cv::Scalar colour(96, 96, 96);
    if (what == Occluder::eyes) {  // a bar over both eyes and brows' lower half
      const cv::Rect2f eyes = bounds(l, 36, 47);
      r = cv::Rect2f(face.x - 0.05f * face.width, eyes.y - 0.6f * eyes.height - 0.05f * face.height,
                     1.1f * face.width, eyes.height + 0.1f * face.height + 0.6f * eyes.height);
    } else if (what == Occluder::mouth) {  // a bar over the mouth
      const cv::Rect2f mouth = bounds(l, 48, 67);
      r = cv::Rect2f(mouth.x - 0.25f * mouth.width, mouth.y - 0.35f * mouth.height, 1.5f * mouth.width,
                     1.7f * mouth.height);
    } else {  // a hand-sized, skin-coloured block over the left half of the face, nose tip included
      const float nose = l[30].x;
      r = cv::Rect2f(face.x - 0.1f * face.width, face.y - 0.25f * face.height, nose - face.x + 0.15f * face.width,
                     1.3f * face.height);
      colour = cv::Scalar(214, 170, 140);
    }
    cv::rectangle(v.rgb, cv::Rect(r), colour, cv::FILLED);
  }
}

// Mean absolute change (grey levels, all channels) inside the convex hull of the landmarks, clipped to the image.
double hull_change(const cv::Mat& before, const cv::Mat& after, const std::vector<Point2f>& landmarks) {
  std::vector<cv::Point> pts;
  for (const Point2f& p : landmarks) pts.emplace_back(int(std::lround(p.x)), int(std::lround(p.y)));
  std::vector<cv::Point> hull;
  cv::convexHull(pts, hull);
  const cv::Rect roi = cv::boundingRect(hull) & cv::Rect(0, 0, before.cols, before.rows);
  if (roi.area() <= 0) return 0.0;
  cv::Mat mask(roi.size(), CV_8U, cv::Scalar(0));
  for (cv::Point& p : hull) p -= roi.tl();
  cv::fillConvexPoly(mask, hull, cv::Scalar(255));
  if (cv::countNonZero(mask) == 0) return 0.0;
  cv::Mat diff;
  cv::absdiff(before(roi), after(roi), diff);
  const cv::Scalar m = cv::mean(diff, mask);
  return (m[0] + m[1] + m[2]) / 3.0;
}

// A detection is the truth's face when its centre lies inside the truth's landmark box (grown by a quarter) and its
// size is within a factor 2.5 of it.
bool matches(const FaceBox& d, const std::vector<Point2f>& truth) {
  const cv::Rect2f b = bounds(truth);
  const float grow = 0.25f * std::max(b.width, b.height);
  const float cx = d.x + d.width / 2, cy = d.y + d.height / 2;
  const bool inside = cx >= b.x - grow && cx <= b.x + b.width + grow && cy >= b.y - grow && cy <= b.y + b.height + grow;
  const float side = std::max(b.width, b.height), dside = std::max(d.width, d.height);
  return inside && dside > side / 2.5f && dside < side * 2.5f;
}

// "face too small (20 px)" -> "face too small"; numbers become '#', so that reasons group.
std::string reason_kind(const std::string& reason) {
  const std::string cut = reason.substr(0, reason.find(" ("));
  std::string r;
  for (std::size_t i = 0; i < cut.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(cut[i])) || (cut[i] == '.' && !r.empty() && r.back() == '#');
    if (!digit) r += cut[i];
    else if (r.empty() || r.back() != '#') r += '#';
  }
  if (r.size() > 80) r = r.substr(0, 77) + "...";
  return r;
}

cv::Mat face_tile(const cv::Mat& img, const std::vector<Point2f>& landmarks, int tile);

// Runs the variant; with `tiles`, also keeps input | output of its first counted face.
Outcome evaluate(const Pipeline& pipeline, const Variant& v, std::vector<cv::Mat>* tiles) {
  Outcome o;
  const Image input = as_image(v.rgb);
  const auto t0 = std::chrono::steady_clock::now();
  AnalysisResult r = pipeline.analyze(input);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const cv::Mat out = as_mat(r.private_image);
  const float floor = 2.0f;  // the pipeline's change floor at strength 1 (kMinChangePerStrength)
  for (const FaceResult& f : r.faces) {
    const bool ok = f.status == FaceStatus::privatized ? f.change >= floor && f.reason.empty() : !f.reason.empty();
    o.invariant_broken += !ok;
  }
  std::vector<bool> used(r.faces.size(), false);
  for (const Truth& t : v.truths) {
    int hit = -1;
    for (std::size_t d = 0; d < r.faces.size() && hit < 0; ++d)
      if (!used[d] && matches(r.faces[d].face.box, t.landmarks)) hit = int(d);
    if (hit >= 0) used[std::size_t(hit)] = true;
    if (!t.counted) continue;
    ++o.faces;
    const bool unchanged = hull_change(v.rgb, out, t.landmarks) < 1.0;
    if (hit < 0) {
      ++o.missed;
      o.unchanged_missed += unchanged;
      continue;
    }
    ++o.detected;
    o.unchanged_detected += unchanged;
    const FaceResult& f = r.faces[std::size_t(hit)];
    if (f.status == FaceStatus::privatized) {
      ++o.privatized;
    } else {
      ++o.masked;
      ++o.reasons[reason_kind(f.reason)];
    }
  }
  for (std::size_t d = 0; d < r.faces.size(); ++d) o.extra += !used[d];
  const auto first = std::find_if(v.truths.begin(), v.truths.end(), [](const Truth& t) { return t.counted; });
  if (tiles && first != v.truths.end())
    *tiles = {face_tile(v.rgb, first->landmarks, kTile), face_tile(out, first->landmarks, kTile)};
  return o;
}

std::string join_reasons(const std::map<std::string, int>& reasons) {
  std::string s;
  for (const auto& [k, n] : reasons) s += (s.empty() ? "" : "; ") + k + " x" + std::to_string(n);
  return s.empty() ? "-" : s;
}

// A square crop around the landmarks (1.6 x their box), `tile` pixels a side; tiny faces are enlarged pixel by pixel.
cv::Mat face_tile(const cv::Mat& img, const std::vector<Point2f>& landmarks, int tile) {
  const cv::Rect2f b = bounds(landmarks);
  const float side = 1.6f * std::max(b.width, b.height);
  const cv::Rect rect(int(b.x + b.width / 2 - side / 2), int(b.y + b.height / 2 - side / 2), int(side), int(side));
  cv::Mat padded(rect.size(), CV_8UC3, cv::Scalar(0, 0, 0));
  const cv::Rect inside = rect & cv::Rect(0, 0, img.cols, img.rows);
  if (inside.area() > 0) img(inside).copyTo(padded(inside - rect.tl()));
  cv::Mat out;
  cv::resize(padded, out, cv::Size(tile, tile), 0, 0, side < tile ? cv::INTER_NEAREST : cv::INTER_AREA);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string samples = "assets/faceapi/samples", sheets;
  int jobs = 1;
  float min_confidence = FaceDetectorOptions{}.min_confidence;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--samples" && i + 1 < argc) samples = argv[++i];
    else if (a == "--sheets" && i + 1 < argc) sheets = argv[++i];
    else if (a == "--jobs" && i + 1 < argc) jobs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--min-confidence" && i + 1 < argc) min_confidence = std::stof(argv[++i]);
    else if (a == "--quick") quick = true;
    else {
      std::fprintf(stderr,
                   "usage: face_limits [--samples DIR] [--sheets DIR] [--jobs N] [--min-confidence X] [--quick]\n"
                   "  --samples  folder of photos (default assets/faceapi/samples)\n"
                   "  --sheets   write contact sheets limits_<group>.png there\n"
                   "  --jobs     variants analysed at once by one shared Pipeline (default 1)\n"
                   "  --min-confidence  the detector's threshold (default 0.5)\n"
                   "  --quick    the first two photos only, no 3000 px faces\n");
      return 2;
    }
  }
  try {
    std::vector<std::string> paths;
    for (const auto& e : fs::directory_iterator(samples))
      if (e.path().extension() == ".jpg" || e.path().extension() == ".png") paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    if (quick && paths.size() > 2) paths.resize(2);
    if (paths.empty()) throw IoError("no photos in '" + samples + "'");

    PipelineOptions options;  // the default pipeline, privatize and predict only
    options.audit = false;
    options.detector.min_confidence = min_confidence;
    const Pipeline pipeline(options);

    std::vector<cv::Mat> photos;
    std::vector<std::vector<FaceResult>> truth;
    std::vector<Variant> variants;
    for (std::size_t p = 0; p < paths.size(); ++p) {
      const Image im = read_image(paths[p]);
      photos.push_back(as_mat(im).clone());
      truth.push_back(pipeline.analyze(im).faces);
      variants.push_back(warp_photo("original", "original", photos[p], int(p), truth[p], cv::Matx23d(1, 0, 0, 0, 1, 0),
                                    photos[p].size()));
    }
    for (std::size_t p = 0; p < paths.size(); ++p) {
      const cv::Mat& photo = photos[p];
      const std::vector<FaceResult>& faces = truth[p];
      if (faces.empty()) continue;
      for (double deg : {15.0, 30.0, 45.0, 90.0}) {
        cv::Size size;
        const cv::Matx23d m = rotation(photo, deg, &size);
        variants.push_back(warp_photo("rotation", "rotated " + std::to_string(int(deg)) + " deg", photo, int(p), faces, m, size));
      }
      const cv::Size squash(photo.cols / 2, photo.rows);
      variants.push_back(warp_photo("profile", "squashed to 50 % width", photo, int(p), faces,
                                    cv::Matx23d(0.5, 0, 0, 0, 1, 0), squash));
      for (std::size_t f = 0; f < faces.size(); ++f) {  // the face cut at its nose: its left half out of frame
        const std::vector<Point2f>& l = faces[f].face.landmarks;
        const cv::Rect2f b = bounds(l);
        const int x = int(l[30].x), w = int(1.5f * b.width), y = int(b.y - 0.6f * b.height);
        variants.push_back(crop_face("profile", "half face out of frame", photo, int(p), faces, f,
                                     cv::Rect(x, y, w, int(2.2f * b.height)), 1.0));
      }
      for (auto [what, name] : {std::pair{Occluder::eyes, "grey bar over the eyes"},
                                std::pair{Occluder::mouth, "grey bar over the mouth"},
                                std::pair{Occluder::half, "hand-sized block over half the face"}}) {
        Variant v = warp_photo("occlusion", name, photo, int(p), faces, cv::Matx23d(1, 0, 0, 0, 1, 0), photo.size());
        v.rgb = v.rgb.clone();
        occlude(v, what);
        variants.push_back(std::move(v));
      }
      // Tiny: the whole photo scaled so that its median face (landmark box width) is `px` wide.
      std::vector<float> widths;
      for (const FaceResult& f : faces) widths.push_back(bounds(f.face.landmarks).width);
      std::nth_element(widths.begin(), widths.begin() + widths.size() / 2, widths.end());
      const float median = widths[widths.size() / 2];
      for (int px : {16, 24, 32, 48}) {
        const double s = px / double(median);
        const cv::Size size(std::max(1, int(std::lround(photo.cols * s))), std::max(1, int(std::lround(photo.rows * s))));
        variants.push_back(warp_photo("tiny", "median face " + std::to_string(px) + " px wide", photo, int(p), faces,
                                      cv::Matx23d(s, 0, 0, 0, s, 0), size));
      }
      // The same, pasted at the centre of a grey frame of the photo's size: a small face in a large image, as in a
      // crowd. The detector sees every image scaled to 512 x 512, so the face's share of the frame is what counts.
      for (int px : {16, 24, 32, 48}) {
        const double s = px / double(median);
        cv::Mat small;
        cv::resize(photo, small, cv::Size(), s, s, cv::INTER_AREA);
        const int x0 = (photo.cols - small.cols) / 2, y0 = (photo.rows - small.rows) / 2;
        Variant v{"tiny", "median face " + std::to_string(px) + " px wide in a full-size frame",
                  cv::Mat(photo.size(), CV_8UC3, cv::Scalar(128, 128, 128)), {}};
        small.copyTo(v.rgb(cv::Rect(x0, y0, small.cols, small.rows)));
        for (std::size_t f = 0; f < faces.size(); ++f)
          v.truths.push_back({int(p), int(f), moved(faces[f].face.landmarks, cv::Matx23d(s, 0, x0, 0, s, y0)), true});
        variants.push_back(std::move(v));
      }
      // Very large: a crop of 2 x 2.4 face widths around each face, scaled so the face is `px` wide (<= 50 MP); 0 =
      // the crop at the photo's own scale, the control that tells the framing from the size.
      for (int px : {0, 1500, 3000}) {
        if (quick && px > 1500) continue;
        for (std::size_t f = 0; f < faces.size(); ++f) {
          if (px > 1500 && f > 0) continue;  // one face per photo at 3000 px: each is a ~40 MP image
          const cv::Rect2f b = bounds(faces[f].face.landmarks);
          const cv::Rect rect(int(b.x + b.width / 2 - b.width), int(b.y + b.height / 2 - 1.2f * b.width),
                              int(2.0f * b.width), int(2.4f * b.width));
          variants.push_back(crop_face("large",
                                       px == 0 ? "face crop at the photo's scale" : "face " + std::to_string(px) + " px wide",
                                       photo, int(p), faces, f, rect, px == 0 ? 1.0 : px / double(b.width)));
        }
      }
    }

    // Every variant through one shared pipeline, `jobs` at a time.
    std::vector<Outcome> outcomes(variants.size());
    std::vector<std::vector<cv::Mat>> tiles(variants.size());
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::string error;
    std::vector<std::thread> workers;
    for (int j = 0; j < jobs; ++j)
      workers.emplace_back([&] {
        for (std::size_t i; (i = next++) < variants.size();) {
          try {
            outcomes[i] = evaluate(pipeline, variants[i], sheets.empty() ? nullptr : &tiles[i]);
            variants[i].rgb.release();  // the largest variants are ~40 MP
          } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(error_mutex);
            error = variants[i].name + ": " + e.what();
          }
          std::fprintf(stderr, "\r%zu/%zu variants", std::min(i + 1, variants.size()), variants.size());
        }
      });
    for (std::thread& w : workers) w.join();
    std::fprintf(stderr, "\n");
    if (!error.empty()) throw Error(error);

    // One row per variant kind, summed over photos (and faces for the per-face crops).
    std::vector<std::pair<std::string, std::string>> order;
    std::map<std::pair<std::string, std::string>, Outcome> rows;
    std::map<std::pair<std::string, std::string>, int> images;
    for (std::size_t i = 0; i < variants.size(); ++i) {
      const auto key = std::make_pair(variants[i].group, variants[i].name);
      if (!rows.count(key)) order.push_back(key);
      Outcome& o = rows[key];
      const Outcome& n = outcomes[i];
      o.faces += n.faces, o.detected += n.detected, o.privatized += n.privatized, o.masked += n.masked;
      o.missed += n.missed, o.extra += n.extra, o.seconds += n.seconds;
      o.invariant_broken += n.invariant_broken;
      o.unchanged_detected += n.unchanged_detected, o.unchanged_missed += n.unchanged_missed;
      for (const auto& [k, c] : n.reasons) o.reasons[k] += c;
      ++images[key];
    }
    std::printf("| variant | images | faces | detected | privatized | masked (reason x count) | missed | "
                "unchanged: detected / missed | other detections | s / image |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    int broken = 0;
    for (const auto& key : order) {
      const Outcome& o = rows[key];
      broken += o.invariant_broken;
      std::printf("| %s | %d | %d | %d | %d | %d: %s | %d | %d / %d | %d | %.2f |\n", key.second.c_str(), images[key],
                o.faces, o.detected, o.privatized, o.masked, join_reasons(o.reasons).c_str(), o.missed,
                o.unchanged_detected, o.unchanged_missed, o.extra, o.seconds / images[key]);
    }
    std::printf("\nDetected faces neither privatized (change >= 2 grey levels) nor masked with a reason: %d\n", broken);

    if (!sheets.empty()) {  // per group: one row per variant, input | output of the first face of up to 3 photos
      fs::create_directories(sheets);
      const int tile = kTile;
      std::map<std::string, std::vector<cv::Mat>> rows_by_group;
      for (const auto& key : order) {
        std::vector<cv::Mat> cells;
        std::vector<int> seen;
        for (std::size_t i = 0; i < variants.size() && cells.size() < 6; ++i) {
          const Variant& v = variants[i];
          if (std::make_pair(v.group, v.name) != key || tiles[i].empty()) continue;
          const int photo = v.truths.empty() ? -1 : v.truths.front().photo;
          if (std::count(seen.begin(), seen.end(), photo) > 0) continue;
          seen.push_back(photo);
          cells.push_back(tiles[i][0]);
          cells.push_back(tiles[i][1]);
        }
        if (cells.empty()) continue;
        while (cells.size() < 6) cells.emplace_back(tile, tile, CV_8UC3, cv::Scalar(255, 255, 255));
        cv::Mat row;
        cv::hconcat(cells, row);
        cv::Mat label(16, row.cols, CV_8UC3, cv::Scalar(255, 255, 255));
        cv::putText(label, key.second, cv::Point(4, 12), cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0), 1,
                    cv::LINE_AA);
        cv::Mat both;
        cv::vconcat(label, row, both);
        rows_by_group[key.first].push_back(both);
      }
      for (auto& [group, r] : rows_by_group) {
        cv::Mat sheet, bgr;
        cv::vconcat(r, sheet);
        cv::cvtColor(sheet, bgr, cv::COLOR_RGB2BGR);
        const std::string path = (fs::path(sheets) / ("limits_" + group + ".png")).string();
        cv::imwrite(path, bgr, {cv::IMWRITE_PNG_COMPRESSION, 9});
        std::fprintf(stderr, "wrote %s\n", path.c_str());
      }
    }
    return broken == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "face_limits: error: %s\n", e.what());
    return 1;
  }
}

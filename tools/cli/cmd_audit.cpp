// `ferguard audit --originals DIR --anonymised DIR --out REPORT_DIR`: audits any anonymiser's output against the
// originals (ferguard::Auditor) and writes audit.json, faces.csv and report.html. A pair that cannot be audited is
// reported and skipped; the exit code is 1 at the end if any failed.
#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "analyze_inputs.h"
#include "audit/audit_html.h"
#include "commands.h"
#include "detail/atomic_file.h"
#include "detail/box_iou.h"
#include "detail/csv.h"
#include "detail/error_text.h"
#include "ferguard/audit/auditor.h"
#include "ferguard/io/image_io.h"
#include "ferguard/io/video_io.h"
#include "ferguard/model/face_analyzer.h"
#include "progress.h"

namespace ferguard::cli {
namespace {
namespace fs = std::filesystem;

struct AuditArgs {
  std::string originals, anonymised, out, pairs, identities;
  std::vector<std::string> auditors = AuditOptions{}.auditors;
  std::vector<std::string> recognizer_models;
  std::vector<std::string> expression_models = AuditOptions{}.expression_models;
  int bootstrap = ProtocolOptions{}.bootstrap;
  std::int64_t seed = 0;
  int threads = 1;
  int jobs = 2;
  int video_stride = 10;
  int video_frames = 30;
  bool no_soft_biometrics = false, no_reversal = false, embeddings = false, thumbnails = false, quiet = false;
  bool no_timing = false;
};

struct PairPaths {
  std::string original, anonymised, name;
  bool video = false;
};


// Rows of a two-column CSV; a first row equal to `header` is skipped. Throws UsageError naming the file and line.
std::vector<std::pair<std::string, std::string>> read_two_columns(const std::string& path, const char* flag,
                                                                   const std::pair<std::string, std::string>& header) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("{} '{}': cannot be read", flag, path));
  std::vector<std::pair<std::string, std::string>> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::vector<std::string> f;
    if (!detail::split_csv(line, f) || f.size() != 2 || f[0].empty() || f[1].empty())
      throw UsageError(fmt::format("{} '{}' line {}: expected two non-empty fields ({},{}), got '{}'", flag, path, n,
                                   header.first, header.second, line));
    if (n == 1 && f[0] == header.first && f[1] == header.second) continue;
    rows.emplace_back(f[0], f[1]);
  }
  return rows;
}

std::string resolve(const std::string& dir, const std::string& path) {
  if (dir.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(dir) / path).string();
}

// The anonymised file for an original of that name: the same name, else the same stem with another image extension,
// else ferguard analyze's STEM.private.png.
std::string counterpart(const std::string& dir, const std::string& name) {
  if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  const std::string stem = fs::path(name).stem().string();
  const bool video = is_video_path(name);
  const std::vector<std::string> exts = video ? std::vector<std::string>{".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}
                                              : std::vector<std::string>{".png", ".jpg", ".jpeg", ".bmp", ".tif",
                                                                         ".tiff", ".webp"};
  std::vector<std::string> found;
  for (const std::string& ext : exts)
    if (fs::exists(fs::path(dir) / (stem + ext))) found.push_back((fs::path(dir) / (stem + ext)).string());
  if (found.size() == 1) return found.front();
  const std::string own = stem + (video ? ".private.mp4" : ".private.png");  // what `ferguard analyze` writes
  if (fs::exists(fs::path(dir) / own)) return (fs::path(dir) / own).string();
  return "";
}

std::vector<PairPaths> pair_inputs(const AuditArgs& a, std::vector<InputError>& errors) {
  std::vector<PairPaths> out;
  if (!a.pairs.empty()) {
    for (const auto& [o, p] : read_two_columns(a.pairs, "--pairs", {"original", "anonymised"})) {
      const std::string base = fs::path(a.pairs).parent_path().string();
      out.push_back({resolve(a.originals.empty() ? base : a.originals, o),
                     resolve(a.anonymised.empty() ? base : a.anonymised, p), o, is_video_path(o)});
    }
    return out;
  }
  if (!fs::is_directory(a.originals)) throw UsageError(fmt::format("--originals '{}': not a folder", a.originals));
  if (!fs::is_directory(a.anonymised)) throw UsageError(fmt::format("--anonymised '{}': not a folder", a.anonymised));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(a.originals)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.empty() || name[0] == '.' || is_own_output_name(name)) continue;
    if (!is_image_path(name) && !is_video_path(name)) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string original = (fs::path(a.originals) / name).string();
    const std::string anonymised = counterpart(a.anonymised, name);
    if (anonymised.empty()) {
      errors.push_back({original, fmt::format("'{}': no anonymised {} of that name in '{}'", original,
                                              is_video_path(name) ? "video" : "image", a.anonymised)});
      continue;
    }
    out.push_back({original, anonymised, name, is_video_path(name)});
  }
  if (out.empty() && errors.empty())
    throw UsageError(fmt::format("--originals '{}': no images found", a.originals));
  return out;
}

// path -> identity (whole photo) and "path#k" -> identity (face k).
struct Identities {
  std::map<std::string, std::string> photo;
  std::map<std::string, std::map<int, std::string>> face;
};

Identities read_identities(const std::string& path) {
  Identities ids;
  if (path.empty()) return ids;
  for (const auto& [p, id] : read_two_columns(path, "--identities", {"path", "identity"})) {
    const std::size_t hash = p.rfind('#');
    if (hash != std::string::npos && hash + 1 < p.size() && p.size() - hash - 1 <= 6 &&
        p.find_first_not_of("0123456789", hash + 1) == std::string::npos) {
      ids.face[p.substr(0, hash)][std::stoi(p.substr(hash + 1))] = id;
    } else {
      ids.photo[p] = id;
    }
  }
  return ids;
}

AuditOptions to_options(const AuditArgs& a) {
  AuditOptions o;
  o.auditors = a.auditors;
  for (const std::string& spec : a.recognizer_models) o.custom_auditors.push_back(parse_graph_recognizer_spec(spec));
  o.expression_models = a.expression_models;
  o.protocol.bootstrap = a.bootstrap;
  o.protocol.seed = static_cast<std::uint64_t>(a.seed);
  o.models.threads = a.threads;
  o.soft_biometrics = !a.no_soft_biometrics;
  o.reversal = !a.no_reversal;
  o.keep_embeddings = a.embeddings;
  try {
    o.validate();
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  return o;
}

std::string percent(const nlohmann::ordered_json& r) {
  return fmt::format("{:5.1f} % [{:.1f}, {:.1f}]", 100 * r["value"].get<double>(), 100 * r["lo"].get<double>(),
                     100 * r["hi"].get<double>());
}

// The headline figures for the terminal.
std::string text_summary(const nlohmann::ordered_json& j) {
  std::string s = fmt::format("audited {} face(s) in {} image(s)\n", j["inputs"]["faces"].get<int>(),
                              j["inputs"]["images"].get<int>());
  if (!j["summary"].empty()) {
    s += "\nsame-photo rank-1 at the worst crop (95 % interval; chance):\n";
    for (const auto& r : j["summary"])
      s += fmt::format("  {:<12} {:<14} {}  chance {:.1f} %  (worst crop: {})\n", r["auditor"].get<std::string>(),
                       r["protocol"].get<std::string>(), percent(r["rank1"]), 100 * r["chance"].get<double>(),
                       r["worst_variant"].get<std::string>());
  }
  if (!j["cross_photo"].is_null()) {
    s += "\ncross-photo rank-1 (other photos of each person in the gallery):\n";
    for (const auto& r : j["cross_photo"]["results"])
      s += fmt::format("  {:<12} {:<14} {}  chance {:.1f} %\n", r["auditor"].get<std::string>(),
                       r["protocol"].get<std::string>(), percent(r["rank1"]), 100 * r["chance"].get<double>());
  }
  if (!j["adaptive"].is_null()) {
    s += "\nadaptive attacker (learns from anonymised faces), accuracy and leakage:\n";
    for (const auto& r : j["adaptive"]["results"])
      s += fmt::format("  {:<12} {:<14} {}  chance {:.1f} %  leakage {:.2f}\n", r["auditor"].get<std::string>(),
                       r["protocol"].get<std::string>(), percent(r["accuracy"]), 100 * r["chance"].get<double>(),
                       r["leakage"].get<double>());
  }
  if (!j["utility"].is_null()) {
    s += "\nexpression agreement with the original:\n";
    for (const auto& r : j["utility"]["expression"]) {
      s += fmt::format("  {:<12} ({:<11}) {}  chance {:.1f} %\n", r["model"].get<std::string>(),
                       r["role"].get<std::string>(), percent(r["agreement"]), 100 * r["chance"].get<double>());
      if (r.contains("originals_agree_with_ferguard"))
        s += fmt::format("  {:<12} on the originals it gives ferguard's model's top class on {} (the reference)\n",
                         "", percent(r["originals_agree_with_ferguard"]));
    }
    s += fmt::format("re-detected: {}\n", percent(j["utility"]["redetection"]["rate"]));
  }
  for (const auto& w : j["warnings"]) s += "warning: " + w.get<std::string>() + "\n";
  return s;
}

// faces.csv with the face protocol's own-crop embeddings appended (--embeddings).
std::string csv_with_embeddings(const AuditReport& r, const std::vector<std::string>& auditors) {
  std::istringstream in(r.csv_text);
  std::string line, out;
  std::getline(in, line);
  out = line + ",embedding_original,embedding_anonymised\n";
  auto join = [](const std::vector<float>& v) {
    std::string s;
    for (float x : v) s += (s.empty() ? "" : " ") + fmt::format("{}", x);
    return s;
  };
  for (const AuditedFace& f : r.faces)
    for (std::size_t k = 0; k < auditors.size(); ++k) {
      if (!std::getline(in, line)) break;
      const ProtocolEmbedding& e = f.protocol.auditors.at(k).embeddings.front().front();
      out += line + "," + join(e.gallery) + "," + join(e.probe) + "\n";
    }
  return out;
}

// PNG thumbnails (original, anonymised) of every face, in the report's face order (--thumbnails).
std::vector<std::pair<std::string, std::string>> thumbnails(const AuditReport& r, const std::vector<PairPaths>& pairs) {
  constexpr int kSide = 96;
  std::map<std::string, const PairPaths*> by_name;
  for (const PairPaths& p : pairs) by_name[p.name] = &p;
  std::map<std::string, std::pair<Image, Image>> cache;  // the images of the face being drawn
  auto png = [&](const Image& image, const PixelRect& rect) {
    const Image crop = crop_with_padding(image, rect);
    cv::Mat m(crop.height(), crop.width(), CV_8UC3, const_cast<std::uint8_t*>(crop.data())), small, bgr;
    cv::resize(m, small, cv::Size(kSide, kSide), 0, 0, cv::INTER_AREA);
    cv::cvtColor(small, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> bytes;
    cv::imencode(".png", bgr, bytes);
    return std::string(bytes.begin(), bytes.end());
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const AuditedFace& f : r.faces) {
    if (!cache.count(f.image)) {
      cache.clear();
      const PairPaths& p = *by_name.at(f.image);
      cache[f.image] = {read_image(p.original), read_image(p.anonymised)};
    }
    const auto& [original, anonymised] = cache[f.image];
    const PixelRect rect = landmark_square_crop(f.landmarks, 1.4f);
    out.emplace_back(png(original, rect), png(anonymised, rect));
  }
  return out;
}

// A video pair, per track: every `video_stride`-th frame (at most `video_frames` of them) of both videos is audited as
// a pair named "NAME#FRAME". Faces are linked into tracks across those frames by box overlap; a track is one person
// (identity "NAME:trackK", so its other frames serve the cross-photo and adaptive attackers as that person's other
// photos), and only its middle frame enters the same-photo attacker's gallery. Returns the faces audited.
int audit_video(Auditor& auditor, const FaceAnalyzer& analyzer, const PairPaths& p, const AuditArgs& a,
                std::string& what) {
  struct Sampled {
    int frame;
    Image original, anonymised;
    std::vector<Face> faces;
  };
  VideoReader ro(p.original), ra(p.anonymised);
  std::vector<Sampled> frames;
  Image o, n;
  for (int i = 0; ro.read(o); ++i) {
    if (!ra.read(n))
      throw IoError(fmt::format("'{}': ends after {} frames, its original '{}' has more{}", p.anonymised, i,
                                p.original, ra.early_end().empty() ? "" : " (" + ra.early_end() + ")"));
    if (i % a.video_stride != 0) continue;
    if (static_cast<int>(frames.size()) == a.video_frames) break;
    // Encoders pad odd sizes by one pixel (VideoWriter): cut the padding off before comparing.
    if (n.width() != o.width() || n.height() != o.height()) {
      if (n.width() - o.width() > 1 || n.height() - o.height() > 1 || n.width() < o.width() || n.height() < o.height())
        throw InvalidArgument(fmt::format("'{}': frames are {}x{}, its original's {}x{}", p.anonymised, n.width(),
                                          n.height(), o.width(), o.height()));
      n = crop_with_padding(n, PixelRect{0, 0, o.width(), o.height()});
    }
    std::vector<Face> faces;
    for (Face& f : analyzer.detect(o))
      if (f.landmarks.size() == static_cast<std::size_t>(kNumFaceLandmarks)) faces.push_back(std::move(f));
    frames.push_back({i, o, n, std::move(faces)});
  }
  // Tracks: each face joins the unclaimed face of the previous sampled frame it overlaps most (IoU >= 0.3).
  std::vector<std::vector<int>> track(frames.size());
  std::vector<std::vector<std::size_t>> members;  // per track: sampled frames, in order
  for (std::size_t t = 0; t < frames.size(); ++t) {
    std::vector<bool> claimed(t > 0 ? frames[t - 1].faces.size() : 0, false);
    for (const Face& f : frames[t].faces) {
      int best = -1;
      float best_iou = 0.3f;
      for (std::size_t j = 0; t > 0 && j < frames[t - 1].faces.size(); ++j) {
        const float iou = detail::box_iou(f.box, frames[t - 1].faces[j].box);
        if (!claimed[j] && iou >= best_iou) best_iou = iou, best = static_cast<int>(j);
      }
      int id;
      if (best >= 0) {
        claimed[best] = true;
        id = track[t - 1][best];
      } else {
        id = static_cast<int>(members.size());
        members.emplace_back();
      }
      track[t].push_back(id);
      members[id].push_back(t);
    }
  }
  int faces = 0;
  for (std::size_t t = 0; t < frames.size(); ++t) {
    AuditPair pair;
    pair.name = fmt::format("{}#{:06d}", p.name, frames[t].frame);
    pair.original = std::move(frames[t].original);
    pair.anonymised = std::move(frames[t].anonymised);
    for (int id : track[t]) {
      pair.face_identities.push_back(fmt::format("{}:track{}", p.name, id));
      pair.face_extra.push_back(members[id][members[id].size() / 2] != t);
    }
    faces += auditor.add(pair);
  }
  what = fmt::format("{} face(s) in {} frame(s), {} track(s)", faces, frames.size(), members.size());
  return faces;
}

int run_audit(const AuditArgs& a) {
  std::vector<InputError> errors;
  const std::vector<PairPaths> pairs = pair_inputs(a, errors);
  const Identities ids = read_identities(a.identities);
  prepare_output_folder(a.out, a.quiet);
  Auditor auditor(to_options(a));
  auditor.set_input_folders(a.originals, a.anonymised);
  Progress progress(static_cast<int>(pairs.size()), a.quiet);
  // Videos are tracked before they are audited: the tracker finds faces as the auditor does.
  std::unique_ptr<FaceAnalyzer> video_analyzer;
  if (std::any_of(pairs.begin(), pairs.end(), [](const PairPaths& p) { return p.video; })) {
    FaceAnalyzerOptions fa;
    fa.threads = a.threads;
    video_analyzer = std::make_unique<FaceAnalyzer>(fa);
  }
  for (const InputError& e : errors) {
    progress.note("ferguard: error: " + e.message);
    auditor.add_error(e.path, e.message);
  }
  // Pairs are audited by `jobs` workers, each model call on `threads` LibTorch threads: on a small machine, pairs in
  // parallel on one thread each keep every core busy without the stalls of oversubscribed intra-op threads.
  int failed = static_cast<int>(errors.size());
  std::set<std::string> named;
  std::mutex mutex;  // progress, failed, named
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t n = next++; n < pairs.size(); n = next++) {
      const PairPaths& p = pairs[n];
      try {
        if (p.video) {
          std::string what;
          audit_video(auditor, *video_analyzer, p, a, what);
          std::lock_guard<std::mutex> lock(mutex);
          progress.input_done(p.name, what);
          named.insert(p.name);
          continue;
        }
        AuditPair pair;
        pair.name = p.name;
        pair.original = read_image(p.original);
        pair.anonymised = read_image(p.anonymised);
        if (auto it = ids.photo.find(p.name); it != ids.photo.end()) pair.identity = it->second;
        if (auto it = ids.face.find(p.name); it != ids.face.end())
          for (const auto& [k, id] : it->second) {
            if (k >= static_cast<int>(pair.face_identities.size())) pair.face_identities.resize(k + 1);
            pair.face_identities[k] = id;
          }
        const int faces = auditor.add(pair);
        std::lock_guard<std::mutex> lock(mutex);
        progress.input_done(p.name, fmt::format("{} face(s)", faces));
      } catch (const std::exception& e) {
        const std::string message = detail::without_stack_trace(e.what());
        auditor.add_error(p.original, message);
        std::lock_guard<std::mutex> lock(mutex);
        progress.note("ferguard: error: " + message);
        ++failed;
      }
      std::lock_guard<std::mutex> lock(mutex);
      named.insert(p.name);
    }
  };
  std::vector<std::thread> workers;
  for (int w = 1; w < std::min<int>(a.jobs, static_cast<int>(pairs.size())); ++w) workers.emplace_back(work);
  work();
  for (std::thread& t : workers) t.join();
  progress.finish();
  for (const auto& [path, id] : ids.photo)
    if (is_video_path(path))
      std::cerr << fmt::format("ferguard: note: --identities names the video '{}': a video's tracks are its "
                               "identities, the file's is not used\n",
                               path);
    else if (!named.count(path))
      std::cerr << fmt::format("ferguard: note: --identities names '{}', which is not among the audited images\n",
                               path);
  AuditReport r = auditor.result();
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.json_text);
  if (a.no_timing) j["timing"] = {{"seconds", 0}, {"seconds_per_face", 0}};
  const std::string json_text = j.dump(2) + "\n";
  detail::write_file_atomically((fs::path(a.out) / "audit.json").string(), json_text);
  detail::write_file_atomically((fs::path(a.out) / "faces.csv").string(),
                                a.embeddings ? csv_with_embeddings(r, auditor.auditor_names()) : r.csv_text);
  detail::AuditHtmlOptions html;
  if (a.thumbnails) html.thumbnails = thumbnails(r, pairs);
  detail::write_file_atomically((fs::path(a.out) / "report.html").string(),
                                detail::render_audit_html(nlohmann::json::parse(json_text), html));
  std::cout << text_summary(j);
  std::cout << fmt::format("\nwrote audit.json, faces.csv and report.html to {}\n", a.out);
  return failed;
}

}  // namespace

void add_audit_command(CLI::App& app) {
  auto a = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Audit any anonymiser's output: identity leakage under several attackers, expression utility");
  cmd->add_option("--originals", a->originals, "Folder of the original images")->check(CLI::ExistingDirectory);
  cmd->add_option("--anonymised", a->anonymised,
                  "Folder of the anonymised images, paired with the originals by file name (or STEM.private.png)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", a->out, "Report folder (created if missing): audit.json, faces.csv, report.html")
      ->required();
  cmd->add_option("--pairs", a->pairs,
                  "CSV of original,anonymised paths instead of pairing by name (relative to --originals / "
                  "--anonymised, or to the CSV's folder)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--identities", a->identities,
                  "CSV of path,identity for the originals (path = file name, or NAME#k for face k in the order "
                  "`ferguard detect` lists them): enables the cross-photo and adaptive attackers")
      ->check(CLI::ExistingFile);
  cmd->add_option("--auditors", a->auditors, "Built-in recognisers that audit (faceapi, faceres, mobileface)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--recognizer-model", a->recognizer_models,
                  "Your own TF.js graph recogniser as an auditor: NAME=PATH/model.json:size=112,range=0-255,"
                  "distance=cosine,crop=1.2[,threshold=0.4] (repeatable; threshold calibrated on the originals "
                  "when absent)")
      ->delimiter(';');
  cmd->add_option("--expression-models", a->expression_models, "Expression models compared (faceapi, emotion)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--bootstrap", a->bootstrap, "Bootstrap resamples of the 95 % intervals")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the bootstrap (the same inputs give the same report)")
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "LibTorch threads per model call (0 = one per core)")->capture_default_str();
  cmd->add_option("--jobs", a->jobs, "Pairs audited at once (each on --threads threads)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--video-stride", a->video_stride, "Videos: audit every N-th frame")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--video-frames", a->video_frames, "Videos: audit at most this many frames per video")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--no-soft-biometrics", a->no_soft_biometrics, "Skip faceres's age and gender comparison");
  cmd->add_flag("--no-reversal", a->no_reversal, "Skip the reversal (Wiener deconvolution) attacker");
  cmd->add_flag("--embeddings", a->embeddings, "Add the face protocol's embeddings to faces.csv");
  cmd->add_flag("--thumbnails", a->thumbnails, "Show face thumbnails in report.html (they show people)");
  cmd->add_flag("--quiet", a->quiet, "No progress on stderr (errors are still reported)");
  cmd->add_flag("--no-timing", a->no_timing, "Write zero timings (reports that compare byte for byte)");
  cmd->callback([a] {
    if (a->pairs.empty() && (a->originals.empty() || a->anonymised.empty()))
      throw UsageError("audit: expected --originals and --anonymised (or --pairs)");
    const int failed = run_audit(*a);
    if (failed > 0)
      throw Error(fmt::format("{} input(s) failed (listed in {}); the others were audited", failed,
                              (fs::path(a->out) / "audit.json").string()));
  });
}

}  // namespace ferguard::cli

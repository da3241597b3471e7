// `ferguard analyze PATH... --out DIR`: the main job. Every face of every image (or video frame) is privatized,
// its expression predicted and its identity leakage measured by auditors; per input it writes the privatized image,
// an annotated copy and a JSON report, then a run summary. `--sweep` instead runs each method at several strengths
// and writes the privacy/utility curve. A bad input is reported and skipped; the exit code is 1 at the end if any
// input failed.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "analyze_inputs.h"
#include "commands.h"
#include "detail/atomic_file.h"
#include "detail/check.h"
#include "detail/error_text.h"
#include "ferguard/ferguard.h"
#include "ferguard/io/video_io.h"
#include "ferguard/pipeline/pipeline.h"
#include "ferguard/pipeline/report.h"
#include "progress.h"

namespace ferguard::cli {
namespace {
namespace fs = std::filesystem;

constexpr int kUnset = std::numeric_limits<int>::min();

struct AnalyzeArgs {
  std::vector<std::string> paths;
  std::string out;
  std::string method = "template";
  float strength_shape = PipelineOptions{}.strength_shape;
  float strength_low = PipelineOptions{}.strength_low;
  float strength_high = PipelineOptions{}.strength_high;
  float compensate = PipelineOptions{}.compensate;
  float budget_scale = PipelineOptions{}.budget_scale;
  std::string preset;
  std::vector<std::string> controllers = PipelineOptions{}.controllers;
  std::vector<std::string> template_controllers;
  std::vector<std::string> auditors = PipelineOptions{}.auditors;
  std::string template_bank;
  bool template_pose = false;
  std::string expression_model = PipelineOptions{}.expression_model;
  std::string second_expression_model = PipelineOptions{}.second_expression_model;
  int steps = kUnset;  // kUnset: the preset's (or the method's) default
  int compensation_steps = kUnset;
  std::int64_t seed = 0;
  int threads = 1;
  bool embeddings = false;
  bool no_audit = false;
  bool sweep = false;
  std::string sweep_strengths = "0,0.25,0.5,0.75,1";
  std::vector<std::string> sweep_methods = {"template", "adversarial", "blur", "pixelate", "frequency", "mask"};
  int max_frames = 0;
  int detect_every = VideoOptions{}.detect_every;
  int expect_faces = 0;
  bool quiet = false;
  bool no_timing = false;
};

void check_unit(float v, const char* flag) {
  if (!(v >= 0.0f && v <= 1.0f)) throw InvalidArgument(fmt::format("{}: expected a value in [0, 1], got {}", flag, v));
}

void check_names(const std::vector<std::string>& names, const std::vector<std::string>& known, const char* flag,
                 const char* what) {
  for (const std::string& n : names) {
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InvalidArgument(fmt::format("{}: unknown {} '{}' (known: {})", flag, what, n, list));
    }
  }
}

std::vector<float> parse_strengths(const std::string& text) {
  std::vector<float> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    float v = 0;
    try {
      std::size_t used = 0;
      v = std::stof(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::logic_error&) {
      throw InvalidArgument(
          fmt::format("--sweep-strengths: expected comma-separated numbers in [0, 1] such as 0,0.5,1, got '{}'", text));
    }
    check_unit(v, "--sweep-strengths");
    out.push_back(v);
  }
  if (out.empty()) throw InvalidArgument("--sweep-strengths: expected at least one strength");
  return out;
}

// Options of the pipeline from the flags; every check names its flag.
PipelineOptions flags_to_options(const AnalyzeArgs& a) {
  PipelineOptions o;
  try {
    o.method = parse_privacy_method(a.method);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string("--method: ") + e.what());
  }
  if (!a.preset.empty()) {
    try {
      o.apply_preset(a.preset);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--preset: ") + e.what());
    }
  }
  check_unit(a.strength_shape, "--strength-shape");
  check_unit(a.strength_low, "--strength-low");
  check_unit(a.strength_high, "--strength-high");
  check_unit(a.compensate, "--compensate");
  o.strength_shape = a.strength_shape;
  o.strength_low = a.strength_low;
  o.strength_high = a.strength_high;
  o.compensate = a.compensate;
  check_names(a.controllers, recognizer_names(), "--controllers", "recogniser");
  check_names(a.template_controllers, recognizer_names(), "--template-controllers", "recogniser");
  check_names(a.auditors, recognizer_names(), "--auditors", "recogniser");
  if (!a.template_controllers.empty() && o.method != PrivacyMethod::face_template)
    throw InvalidArgument("--template-controllers: only the template method has this refinement (--method template)");
  if (a.template_pose && o.method != PrivacyMethod::face_template)
    throw InvalidArgument("--template-pose: only the template method chooses donors (--method template)");
  for (const std::string& n : a.auditors)
    if (std::find(a.template_controllers.begin(), a.template_controllers.end(), n) != a.template_controllers.end())
      throw InvalidArgument(fmt::format("--auditors: '{}' is also in --template-controllers; an auditor must be a "
                                        "recogniser the privatizer never used",
                                        n));
  // Controllers only steer the adversarial method; the others use none, so any recogniser may audit them.
  bool steered = o.method == PrivacyMethod::adversarial;
  if (a.sweep)
    for (const std::string& m : a.sweep_methods) steered = steered || m == "adversarial" || m == "ferguard";
  for (const std::string& n : a.auditors)
    if (steered && std::find(a.controllers.begin(), a.controllers.end(), n) != a.controllers.end())
      throw InvalidArgument(fmt::format(
          "--auditors: '{}' is also in --controllers; an auditor must be a recogniser the privatizer never used", n));
  o.controllers = a.controllers;
  o.template_controllers = a.template_controllers;
  o.template_pose = a.template_pose;
  o.auditors = a.auditors;
  if (a.auditors.empty() && steered) {  // one auditor set for every point: those the adversarial method leaves
    PipelineOptions adversarial = o;
    adversarial.method = PrivacyMethod::adversarial;
    o.auditors = adversarial.active_auditors();
  }
  if (a.sweep) {
    parse_strengths(a.sweep_strengths);
    for (const std::string& m : a.sweep_methods) {
      try {
        parse_privacy_method(m);
      } catch (const InvalidArgument& e) {
        throw InvalidArgument(std::string("--sweep-methods: ") + e.what());
      }
    }
  }
  o.template_bank = a.template_bank;
  o.audit = !a.no_audit;
  if (a.no_audit && a.sweep) throw InvalidArgument("--no-audit: a sweep is an audit; drop one of --no-audit, --sweep");
  check_names({a.expression_model}, expression_model_names(), "--expression-model", "expression model");
  if (!a.second_expression_model.empty())
    check_names({a.second_expression_model}, expression_model_names(), "--second-expression-model",
                "expression model");
  o.expression_model = a.expression_model;
  o.second_expression_model = a.second_expression_model;
  for (const auto& [value, flag] : {std::pair{a.steps, "--steps"}, {a.compensation_steps, "--compensation-steps"}})
    if (value != kUnset && (value < 0 || value > 1000))
      throw InvalidArgument(fmt::format("{}: expected 0..1000, got {}", flag, value));
  if (a.steps != kUnset) o.steps = a.steps;
  if (a.compensation_steps != kUnset) o.compensation_steps = a.compensation_steps;
  if (!(a.budget_scale > 0.0f && a.budget_scale <= 10.0f))
    throw InvalidArgument(fmt::format("--budget-scale: expected a value in (0, 10], got {}", a.budget_scale));
  o.budget_scale = a.budget_scale;
  detail::check_threads(a.threads, "--threads");
  if (a.seed < 0) throw InvalidArgument(fmt::format("--seed: expected >= 0, got {}", a.seed));
  if (a.max_frames < 0) throw InvalidArgument(fmt::format("--max-frames: expected >= 0, got {}", a.max_frames));
  if (a.detect_every < 1 || a.detect_every > 1000)
    throw InvalidArgument(fmt::format("--detect-every: expected 1..1000, got {}", a.detect_every));
  if (a.expect_faces < 0 || a.expect_faces > 1000)
    throw InvalidArgument(fmt::format("--expect-faces: expected 0..1000, got {}", a.expect_faces));
  o.seed = static_cast<std::uint64_t>(a.seed);
  o.threads = a.threads;
  o.models.threads = a.threads;
  o.validate();
  return o;
}

// A bad flag value is a usage error (exit code 2).
PipelineOptions to_options(const AnalyzeArgs& a) {
  try {
    return flags_to_options(a);
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
}

std::string out_file(const AnalyzeArgs& a, const std::string& name) { return (fs::path(a.out) / name).string(); }

void zero_timing(AnalysisResult& r) {
  r.seconds = 0;
  for (FaceResult& f : r.faces) f.seconds = f.audit_seconds = 0;
}

std::string faces_text(std::size_t n) { return fmt::format("{} face{}", n, n == 1 ? "" : "s"); }

// The run's records: image faces as they are; a video's faces once per track (its first privatized frame, or a masked
// record if it was never privatized), so that re-identification is measured against a gallery of distinct faces
// rather than of near-identical frames of one person.
class Records {
 public:
  void add_image(const AnalysisResult& r) {
    for (const FaceResult& f : r.faces) records_.push_back(f.record());
  }
  std::vector<FaceRecord>& all() { return records_; }
  // Original | published per face, one strip per image (what a person looks at first).
  void add_sheet(const Image& original, const AnalysisResult& r) {
    if (!r.faces.empty()) sheets_.push_back(contact_sheet({{&original, &r}}, 128));
  }
  // The strips stacked; empty when no image had a face.
  Image sheet() const {
    int w = 0, h = 0;
    for (const Image& s : sheets_) w = std::max(w, s.width()), h += s.height();
    if (sheets_.empty()) return {};
    Image out(h, w, 3);
    std::fill(out.data(), out.data() + out.pixels().size(), std::uint8_t(255));
    int y0 = 0;
    for (const Image& s : sheets_) {
      for (int y = 0; y < s.height(); ++y)
        std::copy_n(s.data() + std::size_t(y) * s.width() * 3, std::size_t(s.width()) * 3, &out.at(y0 + y, 0, 0));
      y0 += s.height();
    }
    return out;
  }

 private:
  std::vector<FaceRecord> records_;
  std::vector<Image> sheets_;
};

class TrackRecords {
 public:
  void add(const AnalysisResult& r) {
    for (const FaceResult& f : r.faces) {
      if (f.track < 0) {  // untracked: every face counts
        untracked_.push_back(f.record());
        continue;
      }
      auto it = first_.find(f.track);
      if (it == first_.end()) {
        first_.emplace(f.track, f.record());
      } else if (!it->second.privatized && f.status == FaceStatus::privatized) {
        it->second = f.record();
      }
    }
  }
  void move_to(std::vector<FaceRecord>& out) {
    for (auto& [track, rec] : first_) out.push_back(std::move(rec));
    for (auto& rec : untracked_) out.push_back(std::move(rec));
  }
  int tracks() const { return static_cast<int>(first_.size()); }

 private:
  std::map<int, FaceRecord> first_;
  std::vector<FaceRecord> untracked_;
};

// --expect-faces: a picture in which fewer faces were found than the user knows are there may hold a face the
// detector missed, which would be published unchanged. Fail closed: it is published as flat grey instead.
bool withhold(const AnalyzeArgs& a, AnalysisResult& r) {
  if (a.expect_faces == 0 || static_cast<int>(r.faces.size()) >= a.expect_faces) return false;
  std::fill(r.private_image.data(), r.private_image.data() + r.private_image.pixels().size(), std::uint8_t(128));
  return true;
}

std::string withheld_text(const AnalyzeArgs& a, std::size_t found) {
  return fmt::format("{} found, --expect-faces {}: published as flat grey, since a face the detector missed would "
                     "have been published unchanged",
                     faces_text(found), a.expect_faces);
}

void analyze_image(const AnalyzeArgs& a, const Pipeline& pipeline, const PipelineInfo& info, const AnalyzeInput& in,
                   Records& records, Progress& progress) {
  const Image image = read_image(in.path);
  AnalysisResult r = pipeline.analyze(image);
  if (a.no_timing) zero_timing(r);
  const bool withheld = withhold(a, r);
  ReportOptions ro;
  ro.input = fs::path(in.path).filename().string();
  ro.embeddings = a.embeddings;
  const std::string json = analysis_json(r, info, ro);
  const Image annotated = annotate(r.private_image, r);
  write_image(out_file(a, in.stem + ".private.png"), r.private_image);
  write_image(out_file(a, in.stem + ".annotated.png"), annotated);
  detail::write_file_atomically(out_file(a, in.stem + ".json"), json);
  records.add_image(r);
  records.add_sheet(image, r);
  progress.input_done(in.path, faces_text(r.faces.size()));
  if (withheld) throw Error(fmt::format("image '{}': {}", in.path, withheld_text(a, r.faces.size())));
}

void analyze_video(const AnalyzeArgs& a, const Pipeline& pipeline, const PipelineInfo& info, const AnalyzeInput& in,
                   Records& records, Progress& progress) {
  VideoReader reader(in.path);
  const double fps = reader.fps() > 0 ? reader.fps() : 25.0;
  VideoWriter private_video(out_file(a, in.stem + ".private.mp4"), reader.width(), reader.height(), fps);
  VideoWriter annotated_video(out_file(a, in.stem + ".annotated.mp4"), reader.width(), reader.height(), fps);
  VideoReportWriter report(out_file(a, in.stem + ".json"), info,
                           {fs::path(in.path).filename().string(), reader.width(), reader.height(), fps, a.embeddings});
  VideoOptions vo;
  vo.detect_every = a.detect_every;
  VideoAnalyzer analyzer(pipeline, vo);
  TrackRecords tracks;
  const int total = a.max_frames > 0 && (reader.frame_count() < 0 || reader.frame_count() > a.max_frames)
                        ? a.max_frames
                        : reader.frame_count();
  Image frame;
  int n = 0, faces = 0, withheld = 0;
  while ((a.max_frames == 0 || n < a.max_frames) && reader.read(frame)) {
    AnalysisResult r = analyzer.next(frame);
    if (a.no_timing) zero_timing(r);
    withheld += withhold(a, r) ? 1 : 0;
    private_video.write(r.private_image);
    annotated_video.write(annotate(r.private_image, r));
    report.add(r, n);
    tracks.add(r);
    faces += static_cast<int>(r.faces.size());
    progress.frame_done(in.path, n, total, faces);
    ++n;
  }
  // A stream that breaks off early keeps the frames read, with a warning in its report; the run then fails.
  std::string warning = reader.early_end();  // "" when --max-frames stopped the loop: the reader did not end
  if (withheld > 0)
    warning += fmt::format("{}{} of {} frames had fewer than --expect-faces {} faces and were published as flat grey",
                           warning.empty() ? "" : "; ", withheld, n, a.expect_faces);
  // All three appear together or not at all: a failure above leaves only temporaries, removed by the destructors.
  private_video.close();
  annotated_video.close();
  report.close(warning);
  tracks.move_to(records.all());
  progress.input_done(in.path, fmt::format("{} frames, {}, {} tracks", n, faces_text(faces), tracks.tracks()));
  if (!warning.empty())
    throw IoError(fmt::format("video '{}': {}; the outputs hold the {} frame(s) read", in.path, warning, n));
}

nlohmann::ordered_json errors_json(const std::vector<InputError>& errors) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const InputError& e : errors) list.push_back({{"input", e.path}, {"error", e.message}});
  return list;
}

// The report's JSON with the run's inputs and errors added (key order kept).
std::string with_run(const std::string& report, const std::vector<std::string>& inputs,
                     const std::vector<InputError>& errors) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(report);
  j["inputs"] = inputs;
  j["errors"] = errors_json(errors);
  return j.dump(2) + "\n";
}

void record_error(std::vector<InputError>& errors, Progress& progress, const std::string& path, const std::string& what) {
  for (const InputError& e : errors)
    if (e.path == path) return;
  errors.push_back({path, what});
  progress.note("ferguard: error: " + what);
}

template <typename Fn>
void guarded(std::vector<InputError>& errors, Progress& progress, const std::string& path, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    record_error(errors, progress, path, detail::without_stack_trace(e.what()));
  } catch (const std::exception& e) {  // OpenCV or the standard library: still one input's failure, not the run's
    record_error(errors, progress, path, fmt::format("'{}': {}", path, detail::without_stack_trace(e.what())));
  }
}

int run_analyze(const AnalyzeArgs& a, const PipelineOptions& options, ExpandedInputs& expanded) {
  std::vector<InputError>& errors = expanded.errors;
  Progress progress(static_cast<int>(expanded.inputs.size()), a.quiet);
  for (const InputError& e : errors) progress.note(fmt::format("ferguard: error: '{}': {}", e.path, e.message));
  const Pipeline pipeline(options);
  PipelineInfo info = pipeline.info();
  Records records;
  std::vector<std::string> inputs;
  int done = 0;
  for (const AnalyzeInput& in : expanded.inputs) {
    inputs.push_back(in.path);
    guarded(errors, progress, in.path, [&] {
      if (in.video) {
        analyze_video(a, pipeline, info, in, records, progress);
      } else {
        analyze_image(a, pipeline, info, in, records, progress);
      }
      ++done;
    });
  }
  progress.finish();
  RunSummary summary = summarize(records.all());
  if (a.no_timing) summary.seconds_per_face = summary.audit_seconds_per_face = 0;
  detail::write_file_atomically(out_file(a, "summary.json"), with_run(summary_json(summary, info), inputs, errors));
  const Image sheet = records.sheet();
  if (!sheet.empty()) write_image(out_file(a, "contact_sheet.png"), sheet);
  std::cout << format_summary(summary, info);
  std::cout << fmt::format("\nwrote the outputs of {} input(s), summary.json{} to {}\n", done,
                           sheet.empty() ? "" : " and contact_sheet.png", a.out);
  return static_cast<int>(errors.size());
}

int run_sweep(const AnalyzeArgs& a, const PipelineOptions& base, ExpandedInputs& expanded) {
  std::vector<InputError>& errors = expanded.errors;
  const std::vector<float> strengths = parse_strengths(a.sweep_strengths);
  for (const std::string& m : a.sweep_methods) {
    try {
      parse_privacy_method(m);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string("--sweep-methods: ") + e.what());
    }
  }
  std::vector<AnalyzeInput> images;
  for (const AnalyzeInput& in : expanded.inputs) {
    if (in.video) {
      if (!a.quiet) std::cerr << "ferguard: note: --sweep skips videos: " << in.path << "\n";
    } else {
      images.push_back(in);
    }
  }
  Progress progress(static_cast<int>(images.size() * strengths.size() * a.sweep_methods.size()), a.quiet);
  for (const InputError& e : errors) progress.note(fmt::format("ferguard: error: '{}': {}", e.path, e.message));
  std::vector<SweepPoint> points;
  PipelineInfo info;
  for (const std::string& method : a.sweep_methods) {
    for (float s : strengths) {
      PipelineOptions o = base;
      o.method = parse_privacy_method(method);
      o.strength_shape = o.strength_low = o.strength_high = s;  // compensate stays as given
      const Pipeline pipeline(o);
      info = pipeline.info();
      Records records;
      for (const AnalyzeInput& in : images) {
        guarded(errors, progress, in.path, [&] {
          const AnalysisResult r = pipeline.analyze(read_image(in.path));
          records.add_image(r);
          progress.input_done(in.path, fmt::format("{} {:g}: {}", method, s, faces_text(r.faces.size())));
        });
      }
      RunSummary summary = summarize(records.all());
      if (a.no_timing) summary.seconds_per_face = 0;
      points.push_back({method, s, summary});
    }
  }
  progress.finish();
  // The other methods report no controllers; the sweep's header names those of its adversarial points.
  for (const std::string& m : a.sweep_methods)
    if (parse_privacy_method(m) == PrivacyMethod::adversarial) info.controllers = base.controllers;
  info.auditors = base.active_auditors();
  std::vector<std::string> inputs;
  for (const AnalyzeInput& in : images) inputs.push_back(in.path);
  detail::write_file_atomically(out_file(a, "sweep.json"), with_run(sweep_json(points, info), inputs, errors));
  std::vector<std::string> plotted;
  for (const std::string& auditor : base.active_auditors()) {
    bool any = false;
    for (const SweepPoint& p : points)
      for (const AuditorSummary& s : p.summary.auditors) any = any || s.auditor == auditor;
    if (!any) continue;  // no privatized face at all: nothing to plot
    const std::string path = out_file(a, "sweep_" + auditor + ".png");
    write_image(path, plot_sweep(points, auditor));
    plotted.push_back(path);
    if (!base.second_expression_model.empty()) {
      const std::string second = out_file(a, "sweep_" + auditor + "_independent.png");
      write_image(second, plot_sweep(points, auditor, true));
      plotted.push_back(second);
    }
  }

  // A compact table: one row per point.
  std::string head = fmt::format("{:<10} {:>8} {:>7} {:>10} {:>10}", "method", "strength", "faces", "agreement",
                                 "second");
  for (const std::string& auditor : base.active_auditors()) head += fmt::format(" {:>14}", "R1 " + auditor);
  head += "   (R1: face protocol, worst of 7 crops)";
  std::cout << head << "\n";
  for (const SweepPoint& p : points) {
    std::string row = fmt::format("{:<10} {:>8.2f} {:>7} {:>9.1f}% {:>10}", p.method, p.strength,
                                  p.summary.faces - p.summary.masked, 100 * p.summary.agreement,
                                  p.summary.second_agreement < 0
                                      ? std::string("-")
                                      : fmt::format("{:.1f}%", 100 * p.summary.second_agreement));
    for (const std::string& auditor : base.active_auditors()) {
      std::string cell = "-";
      for (const AuditorSummary& s : p.summary.auditors)
        if (s.auditor == auditor) cell = fmt::format("{:.1f}%", 100 * s.rank1_private);
      for (const ProtocolAuditorSummary& r : p.summary.protocols.results)
        if (r.auditor == auditor && r.protocol == AuditProtocol::face)
          cell = fmt::format("{:.1f}%", 100 * r.worst_rank1.value);
      row += fmt::format(" {:>14}", cell);
    }
    std::cout << row << (meets_target(p.summary) ? "  target met" : "") << "\n";
  }
  std::cout << "\nwrote " << out_file(a, "sweep.json");
  for (const std::string& p : plotted) std::cout << ", " << p;
  std::cout << "\n";
  return static_cast<int>(errors.size());
}

}  // namespace

void add_analyze_command(CLI::App& app) {
  auto a = std::make_shared<AnalyzeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "analyze", "Privatize every face of images, folders or videos; predict expressions and measure identity leakage");
  cmd->add_option("paths", a->paths, "Images, folders (not recursive: images and videos in them) or videos")
      ->required();
  cmd->add_option("--out", a->out, "Output folder (created if missing)")->required();
  cmd->add_option("--method", a->method,
                  "template, adversarial (alias ferguard), none, blur, pixelate, frequency or mask")
      ->capture_default_str();
  cmd->add_option("--strength-shape", a->strength_shape,
                  "Template method: how far the identity landmarks move to the template's shape, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--template-bank", a->template_bank,
                  "Template method: the bank file (default: FERGUARD_TEMPLATES, else the sample-photo bank)");
  cmd->add_option("--strength-low", a->strength_low, "Strength of the change to the low band, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--strength-high", a->strength_high, "Strength of the change to the high band, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--compensate", a->compensate, "Strength of the expression compensator, in [0, 1] (0 = off)")
      ->capture_default_str();
  cmd->add_option("--preset", a->preset, "default or fast (sets steps and canvas)");
  cmd->add_flag("--template-pose", a->template_pose,
                "Template method: choose donors by head turn too (the nearer half of the class's donors, at least k "
                "people; off by default: re-identified more often)");
  cmd->add_option("--template-controllers", a->template_controllers,
                  "Template method: recognisers that refine the rendered face (an adversarial step on top; off by "
                  "default). They leave the auditors.")
      ->delimiter(',');
  cmd->add_option("--controllers", a->controllers, "Recognisers that steer the adversarial method (faceapi, faceres, mobileface)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--auditors", a->auditors,
                  "Recognisers that measure leakage; never a controller (default: every recogniser not steering)")
      ->delimiter(',');
  cmd->add_option("--expression-model", a->expression_model, "ferguard's expression model (faceapi, emotion)")
      ->capture_default_str();
  cmd->add_option("--second-expression-model", a->second_expression_model,
                  "Independent expression model reported beside it ('' = none)")
      ->capture_default_str();
  cmd->add_option("--steps", a->steps, "Optimisation steps per face (adversarial method; default: the preset's)");
  cmd->add_option("--budget-scale", a->budget_scale,
                  "Multiplies both enhancers' budgets (adversarial method): larger changes transfer further to unseen "
                  "recognisers, at the cost of the picture")
      ->capture_default_str();
  cmd->add_option("--compensation-steps", a->compensation_steps,
                  "At most this many compensator steps per face (adversarial: after --steps; default: the preset's)");
  cmd->add_option("--seed", a->seed, "Random seed (the same options give the same bytes)")->capture_default_str();
  cmd->add_option("--threads", a->threads, "LibTorch threads (0 = one per core)")->capture_default_str();
  cmd->add_flag("--embeddings", a->embeddings,
                "Also write each auditor's identity embeddings into the JSON reports (off: they identify people)");
  cmd->add_flag("--no-audit", a->no_audit,
                "Privatize and predict only (what an app publishes): no auditors, no independent expression model, no "
                "naturalness checks");
  cmd->add_flag("--sweep", a->sweep,
                "Run every method of --sweep-methods at every strength of --sweep-strengths on the images (videos are "
                "skipped); writes sweep.json and sweep_<auditor>.png, no per-image files");
  cmd->add_option("--sweep-strengths", a->sweep_strengths, "Comma-separated strengths in [0, 1] for --sweep")
      ->capture_default_str();
  cmd->add_option("--sweep-methods", a->sweep_methods, "Methods for --sweep")->delimiter(',')->capture_default_str();
  cmd->add_option("--max-frames", a->max_frames, "At most this many frames per video (0 = all)")->capture_default_str();
  cmd->add_option("--detect-every", a->detect_every,
                  "Videos: run the face detector every N-th frame and follow faces in between (1 = every frame; a "
                  "face entering the picture is found up to N-1 frames late)")
      ->capture_default_str();
  cmd->add_option("--expect-faces", a->expect_faces,
                  "Fail closed on detector misses: an image (or video frame) with fewer faces found is published as "
                  "flat grey and reported as an error (0 = off)")
      ->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "No progress on stderr (errors are still reported)");
  cmd->add_flag("--no-timing", a->no_timing,
                "Write every time as 0, so that two runs with the same options give identical files");
  cmd->callback([a] {
    const PipelineOptions options = to_options(*a);
    ExpandedInputs expanded = expand_inputs(a->paths);
    prepare_output_folder(a->out, a->quiet);
    if (expanded.skipped_own > 0 && !a->quiet)
      std::cerr << fmt::format("ferguard: note: skipped {} of ferguard's own output file(s) in the input folder(s) "
                               "(*.private.*, *.annotated.*, contact_sheet.png, sweep_*.png)\n",
                               expanded.skipped_own);
    const int failed = a->sweep ? run_sweep(*a, options, expanded) : run_analyze(*a, options, expanded);
    if (failed > 0)
      throw Error(fmt::format("{} input(s) failed (listed in {}); the others were processed", failed,
                              out_file(*a, a->sweep ? "sweep.json" : "summary.json")));
  });
}

}  // namespace ferguard::cli

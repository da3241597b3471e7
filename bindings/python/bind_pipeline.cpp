// Python binding of the main job: Pipeline.analyze(HxWx3 uint8 array) -> AnalysisResult (privatized image and one
// dict per face), summarize(results) -> dict, and the report writers. The GIL is released while a pipeline runs.
// Identity embeddings reach Python only from a Pipeline made with embeddings=True.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <mutex>

#include "bindings.h"
#include "ferguard/pipeline/pipeline.h"
#include "ferguard/pipeline/report.h"
#include "ferguard/privacy/template_bank.h"

namespace ferguard::python {

namespace {

// A pipeline and whether its results may expose embeddings.
struct PyPipeline {
  std::unique_ptr<Pipeline> pipeline;
  bool embeddings = false;
};

struct PyResult {
  AnalysisResult result;
  bool embeddings = false;
};

// One video's analyzer. It holds its Pipeline (the Python object) alive, and a mutex: next() runs without the GIL and
// changes the tracks, so two threads calling it on one analyzer take turns instead of racing.
struct PyVideoAnalyzer {
  py::object pipeline_object;
  bool embeddings = false;
  std::unique_ptr<VideoAnalyzer> video;
  std::mutex mutex;
};

Image rgb_array(const py::array& array, const char* what) {
  if (!array.dtype().is(py::dtype::of<std::uint8_t>()))
    throw InvalidArgument(fmt::format("{}: expected an HxWx3 uint8 RGB array, got dtype {}", what,
                                      py::str(array.dtype()).cast<std::string>()));
  if (array.ndim() != 3 || array.shape(2) != 3) {
    std::string shape;
    for (py::ssize_t i = 0; i < array.ndim(); ++i) shape += (i ? "x" : "") + std::to_string(array.shape(i));
    throw InvalidArgument(fmt::format("{}: expected an HxWx3 uint8 RGB array, got shape {}", what,
                                      shape.empty() ? "()" : shape));
  }
  return array_to_image(array, what);
}

py::dict expression_dict(const ExpressionScores& s) {
  py::dict probs;
  for (int k = 0; k < kNumExpressions; ++k) probs[py::str(expression_names()[k])] = s.probs[k];
  py::dict d;
  d["label"] = expression_names()[static_cast<int>(s.label())];
  d["probabilities"] = probs;
  return d;
}

py::array_t<float> float_array(const std::vector<float>& v) {
  py::array_t<float> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

py::dict face_dict(const FaceResult& f, bool embeddings) {
  py::dict d;
  d["box"] = py::make_tuple(f.face.box.x, f.face.box.y, f.face.box.width, f.face.box.height);
  d["score"] = f.face.score;
  py::array_t<float> lm({static_cast<py::ssize_t>(f.face.landmarks.size()), py::ssize_t{2}});
  float* dst = lm.mutable_data();
  for (const Point2f& p : f.face.landmarks) {
    *dst++ = p.x;
    *dst++ = p.y;
  }
  d["landmarks"] = lm;
  d["track"] = f.track;
  d["status"] = to_string(f.status);
  d["reason"] = f.reason;
  d["change"] = f.change;
  d["template_donors"] = f.template_donors;
  d["template_people"] = f.template_people;
  d["template_selection"] = f.template_selection;
  const bool rated = f.status == FaceStatus::privatized;  // nothing is predicted on a masked face
  auto maybe = [](bool present, const ExpressionScores& s) {
    return present ? py::object(expression_dict(s)) : py::object(py::none());
  };
  d["expression"] = maybe(rated, f.expression);
  d["original_expression"] = maybe(rated, f.original_expression);
  d["second_expression"] = maybe(rated && f.has_second, f.second_expression);
  d["second_original_expression"] = maybe(rated && f.has_second, f.second_original_expression);
  py::list audits;
  for (const AuditResult& a : f.audits) {
    py::dict x;
    x["auditor"] = a.auditor;
    x["distance_kind"] = a.distance_kind == DistanceKind::euclidean ? "euclidean" : "cosine";
    x["distance"] = a.distance;
    x["threshold"] = a.threshold;
    x["match"] = a.match;
    x["leakage"] = a.leakage;
    if (embeddings) {
      x["original_embedding"] = float_array(a.original_embedding);
      x["private_embedding"] = float_array(a.private_embedding);
    }
    audits.append(x);
  }
  d["audits"] = audits;
  d["leakage"] = f.leakage;
  d["seconds"] = f.seconds;
  d["audit_seconds"] = f.audit_seconds;
  return d;
}

py::dict info_dict(const PipelineInfo& info) {
  py::dict d;
  d["method"] = info.method;
  d["controllers"] = info.controllers;
  d["auditors"] = info.auditors;
  d["expression_model"] = info.expression_model;
  d["second_expression_model"] = info.second_expression_model;
  return d;
}

py::dict summary_dict(const RunSummary& s) {
  py::dict d;
  d["faces"] = s.faces;
  d["masked"] = s.masked;
  d["privatized"] = s.faces - s.masked;
  d["agreement"] = s.agreement;
  d["second_agreement"] = s.second_agreement < 0 ? py::object(py::none()) : py::object(py::float_(s.second_agreement));
  d["models_agree_on_originals"] =
      s.models_agree < 0 ? py::object(py::none()) : py::object(py::float_(s.models_agree));
  d["mean_kl"] = s.mean_kl;
  d["seconds_per_face"] = s.seconds_per_face;
  d["audit_seconds_per_face"] = s.audit_seconds_per_face;
  d["masked_share"] = s.masked_share;
  auto share = [](double v) { return v < 0 ? py::object(py::none()) : py::object(py::float_(v)); };
  d["natural"] = share(s.natural);
  d["redetected"] = share(s.redetected);
  d["expression_landmarks_ok"] = share(s.landmarks_ok);
  d["colourfulness_ok"] = share(s.colour_ok);
  py::list auditors;
  for (const AuditorSummary& a : s.auditors) {
    py::dict x;
    x["auditor"] = a.auditor;
    x["faces"] = a.faces;
    x["chance"] = a.chance;
    x["rank1_original"] = a.rank1_original;
    x["rank1_private"] = a.rank1_private;
    x["verification_rate"] = a.verification_rate;
    x["leakage_ratio"] = a.leakage_ratio;
    x["mean_distance"] = a.mean_distance;
    x["threshold"] = a.threshold;
    auditors.append(x);
  }
  d["auditors"] = auditors;
  d["target_met"] = meets_target(s);
  return d;
}

std::vector<std::string> string_list(const py::object& o, const char* what) {
  if (py::isinstance<py::str>(o))
    throw InvalidArgument(fmt::format("{}: expected a list of names, got the string '{}'", what,
                                      o.cast<std::string>()));
  return o.cast<std::vector<std::string>>();
}

}  // namespace

void bind_pipeline(py::module_& m) {
  py::class_<PyResult>(m, "AnalysisResult", "What Pipeline.analyze found in one image.")
      .def_property_readonly(
          "private_image", [](const PyResult& r) { return image_to_array(r.result.private_image); },
          "HxWx3 uint8 RGB: the input with every face privatized or masked")
      .def_property_readonly(
          "faces",
          [](const PyResult& r) {
            py::list faces;
            for (const FaceResult& f : r.result.faces) faces.append(face_dict(f, r.embeddings));
            return faces;
          },
          "one dict per face: box, score, landmarks (68x2 float32), track, status, reason, expression and "
          "original_expression ({label, probabilities}), second_expression and second_original_expression (None "
          "without a second model), audits (auditor, distance_kind, distance, threshold, match, leakage; embeddings "
          "only with Pipeline(embeddings=True)), leakage, seconds")
      .def_property_readonly(
          "seconds", [](const PyResult& r) { return r.result.seconds; },
          "wall time of analyze() on this image, seconds (privatizing, predicting and the audit)")
      .def(
          "annotated", [](const PyResult& r) { return image_to_array(annotate(r.result.private_image, r.result)); },
          "The privatized image with boxes, expressions, leakage and masked faces drawn on it.")
      .def(
          "__len__", [](const PyResult& r) { return r.result.faces.size(); }, "number of faces")
      .def("__repr__", [](const PyResult& r) {
        return fmt::format("AnalysisResult({}x{}, faces={}, seconds={:.3f})", r.result.private_image.width(),
                           r.result.private_image.height(), r.result.faces.size(), r.result.seconds);
      });

  py::class_<PyPipeline>(m, "Pipeline",
                         "ferguard's main job: detect faces, privatize each one, predict its expression and measure "
                         "its identity leakage with independent auditors.")
      .def(py::init([](const std::string& method, float strength_shape, float strength_low, float strength_high,
                       float compensate,
                       float budget_scale, const py::object& controllers, const py::object& template_controllers,
                       const py::object& auditors, const std::string& expression_model,
                       const std::string& second_expression_model, const py::object& steps,
                       const py::object& compensation_steps, const py::object& canvas,
                       const py::object& preset, std::uint64_t seed, int threads, bool embeddings,
                       const py::object& models, const py::object& graph_models, const py::object& template_bank, bool template_pose,
                       bool audit, std::int64_t max_pixels) {
             PipelineOptions o;
             o.method = parse_privacy_method(method);
             if (!preset.is_none()) o.apply_preset(preset.cast<std::string>());
             o.strength_shape = strength_shape;
             o.strength_low = strength_low;
             o.strength_high = strength_high;
             o.compensate = compensate;
             o.budget_scale = budget_scale;
             o.controllers = string_list(controllers, "controllers");
             o.template_controllers = string_list(template_controllers, "template_controllers");
             o.auditors = string_list(auditors, "auditors");
             o.expression_model = expression_model;
             o.second_expression_model = second_expression_model;
             if (!steps.is_none()) o.steps = steps.cast<int>();
             if (!compensation_steps.is_none()) o.compensation_steps = compensation_steps.cast<int>();
             if (!canvas.is_none()) o.canvas = canvas.cast<int>();
             o.seed = seed;
             o.threads = threads;
             o.models.threads = threads;
             if (!models.is_none()) o.models.faceapi_dir = py::str(models).cast<std::string>();
             if (!graph_models.is_none()) o.models.graph_dir = py::str(graph_models).cast<std::string>();
             if (!template_bank.is_none()) o.template_bank = py::str(template_bank).cast<std::string>();
             o.template_pose = template_pose;
             o.audit = audit;
             o.detector.max_pixels = max_pixels;
             auto p = std::make_unique<PyPipeline>();
             p->embeddings = embeddings;
             py::gil_scoped_release release;
             p->pipeline = std::make_unique<Pipeline>(std::move(o));
             return p;
           }),
           py::kw_only(), py::arg("method") = "template", py::arg("strength_shape") = PipelineOptions{}.strength_shape,
           py::arg("strength_low") = PipelineOptions{}.strength_low,
           py::arg("strength_high") = PipelineOptions{}.strength_high,
           py::arg("compensate") = PipelineOptions{}.compensate,
           py::arg("budget_scale") = PipelineOptions{}.budget_scale,
           py::arg("controllers") = PipelineOptions{}.controllers,
           py::arg("template_controllers") = PipelineOptions{}.template_controllers,
           py::arg("auditors") = PipelineOptions{}.auditors,
           py::arg("expression_model") = PipelineOptions{}.expression_model,
           py::arg("second_expression_model") = PipelineOptions{}.second_expression_model,
           py::arg("steps") = py::none(), py::arg("compensation_steps") = py::none(), py::arg("canvas") = py::none(), py::arg("preset") = py::none(),
           py::arg("seed") = 0, py::arg("threads") = 1, py::arg("embeddings") = false, py::arg("models") = py::none(),
           py::arg("graph_models") = py::none(), py::arg("template_bank") = py::none(),
           py::arg("template_pose") = false, py::arg("audit") = true,
           py::arg("max_pixels") = FaceDetectorOptions{}.max_pixels,
           R"doc(Make a pipeline; its models load here, once. Thread-safe: one Pipeline may serve many threads.

Args:
    method: privacy method: "template" (default; a k-anonymous template of other people on the face's own
        expression geometry, needs a template bank), "adversarial" (alias "ferguard"), or a baseline: "blur",
        "pixelate", "frequency", "mask", "none".
    strength_shape: template method: how far the identity landmarks (jaw, nose, eye spacing) move to the
        template's shape, in [0, 1]; 0 = the face's own shape. The expression's deformation is always kept.
    strength_low: strength of the change to the low band (mostly identity: shape, skin tone), in [0, 1].
    strength_high: strength of the change to the high band (edges), in [0, 1]; all strengths 0 = unchanged.
    compensate: strength of the expression compensator, in [0, 1]; 0 = off.
    budget_scale: adversarial method: multiplies both enhancers' budgets (RMS change per face pixel at strength
        1: 0.12 low band, 0.04 high band), in (0, 10].
    controllers: adversarial method: recognisers that steer it ("faceapi", "faceres", "mobileface").
    template_controllers: template method: recognisers that refine the rendered face (an adversarial step on top;
        [] = none, the default).
    auditors: recognisers that measure leakage; [] = every recogniser the method does not steer with. An auditor
        may not be a controller (ValueError).
    expression_model: ferguard's expression model ("faceapi" or "emotion"): the prediction.
    second_expression_model: independent expression model reported beside it ("" = none).
    steps: adversarial method: optimisation steps per face; None = the preset's.
    compensation_steps: compensator steps per face; None = the method's default (4 template, 16 adversarial).
    canvas: side of the aligned working canvas, pixels; None = the preset's (160 default, 112 fast).
    preset: None or "default", or "fast" (sets steps, compensation_steps and canvas only).
    seed: random seed; the same options give the same bytes out.
    threads: threads per call (0 = one per core): the detector runs on all of them, the faces of an image are
        privatized and audited in parallel, one face per thread.
    embeddings: expose each auditor's embeddings in the results (they identify the person).
    models: face-api weights folder; None = $FERGUARD_MODELS, else the installed share/ferguard (or the build
        tree's assets).
    graph_models: folder of the graph models faceres, mobileface and emotion; None = $FERGUARD_GRAPH_MODELS, else
        the installed share/ferguard or ~/.local/share/ferguard (`python3 -m ferguard models install`).
    template_bank: template bank file (`ferguard templates`, build_template_bank); None = $FERGUARD_TEMPLATES,
        else the build tree's sample bank (not installed).
    template_pose: template method: choose donors by head turn too (the nearer half of the expression class's
        donors, at least k people); off by default, since a template turned like the face is re-identified more.
    audit: False = privatize and predict only (no auditors, no independent model, no naturalness checks).
    max_pixels: largest image accepted, pixels (width x height); larger raise ValueError.

Raises:
    ValueError (ferguard.InvalidArgument): an option out of range or an unknown name.
    RuntimeError (ferguard.ModelError): a model file or the template bank is missing or corrupt.)doc")
      .def(
          "analyze",
          [](const PyPipeline& p, const py::array& image) {
            const Image im = rgb_array(image, "image");
            auto r = std::make_unique<PyResult>();
            r->embeddings = p.embeddings;
            {
              py::gil_scoped_release release;
              r->result = p.pipeline->analyze(im);
            }
            return r;
          },
          py::arg("image"), "Analyze an HxWx3 uint8 RGB array; returns an AnalysisResult.")
      .def_property_readonly(
          "info", [](const PyPipeline& p) { return info_dict(p.pipeline->info()); },
          "what runs: method, controllers, auditors, expression_model, second_expression_model")
      .def(
          "to_json",
          [](const PyPipeline& p, const PyResult& r, const std::string& input, int frame) {
            ReportOptions o;
            o.input = input;
            o.frame = frame;
            o.embeddings = p.embeddings && r.embeddings;
            return analysis_json(r.result, p.pipeline->info(), o);
          },
          py::arg("result"), py::arg("input") = "", py::arg("frame") = -1,
          "The result as the CLI's JSON report (schema ferguard.analysis/2, docs/analysis_json.md).");

  py::class_<PyVideoAnalyzer>(m, "VideoAnalyzer",
                              "The frames of one video through a Pipeline, with face tracks: faces are detected every "
                              "detect_every frames and followed in between; each track keeps its template, its "
                              "compensation and its neutral shape.")
      .def(py::init([](const py::object& pipeline, float iou, int detect_every) {
             if (!py::isinstance<PyPipeline>(pipeline))
               throw InvalidArgument(fmt::format("VideoAnalyzer: expected a ferguard.Pipeline, got {}",
                                                 py::str(py::type::of(pipeline)).cast<std::string>()));
             const PyPipeline& p = pipeline.cast<const PyPipeline&>();
             VideoOptions o;
             o.iou = iou;
             o.detect_every = detect_every;
             auto v = std::make_unique<PyVideoAnalyzer>();
             v->pipeline_object = pipeline;
             v->embeddings = p.embeddings;
             v->video = std::make_unique<VideoAnalyzer>(*p.pipeline, o);
             return v;
           }),
           py::arg("pipeline"), py::kw_only(), py::arg("iou") = VideoOptions{}.iou,
           py::arg("detect_every") = VideoOptions{}.detect_every,
           R"doc(Make the analyzer of one video; one per video, any number may share a Pipeline.

Args:
    pipeline: the ferguard.Pipeline that privatizes each frame (kept alive by the analyzer).
    iou: a detected face continues a track when its box overlaps the track's by more than this, in (0, 1).
    detect_every: run the face detector every N-th frame (1 = every frame) and follow faces in between; a face
        that enters the picture while others are tracked is found up to N-1 frames late. In [1, 1000].

Raises:
    ValueError (ferguard.InvalidArgument): an option out of range, or pipeline is not a Pipeline.)doc")
      .def(
          "next",
          [](PyVideoAnalyzer& v, const py::array& frame) {
            const Image im = rgb_array(frame, "frame");
            auto r = std::make_unique<PyResult>();
            r->embeddings = v.embeddings;
            {
              py::gil_scoped_release release;
              std::lock_guard<std::mutex> lock(v.mutex);
              r->result = v.video->next(im);
            }
            return r;
          },
          py::arg("frame"),
          "The next frame, an HxWx3 uint8 RGB array; returns an AnalysisResult whose faces carry their track id.");

  m.def(
      "summarize",
      [](const py::iterable& results) {
        std::vector<FaceRecord> records;
        for (const py::handle& h : results) {
          if (!py::isinstance<PyResult>(h))
            throw InvalidArgument(fmt::format("summarize: expected AnalysisResult objects from Pipeline.analyze, got {}",
                                              py::str(py::type::of(h)).cast<std::string>()));
          for (const FaceResult& f : h.cast<const PyResult&>().result.faces) records.push_back(f.record());
        }
        RunSummary s;
        {
          py::gil_scoped_release release;
          s = summarize(records);
        }
        return summary_dict(s);
      },
      py::arg("results"),
      "Summarise AnalysisResults: faces, masked, agreement, second_agreement (None without a second model), mean_kl, "
      "seconds_per_face, target_met, and per auditor rank-1 re-identification (privatized faces against the gallery "
      "of all originals), chance, verification rate and leakage ratio.");
}


void bind_templates(py::module_& m) {
  m.def(
      "build_template_bank",
      [](const py::list& images, const std::string& out, int k, const py::object& identities, int threads) {
        std::vector<TemplateSource> sources;
        for (std::size_t i = 0; i < images.size(); ++i) {
          TemplateSource s;
          const py::handle item = images[i];
          if (py::isinstance<py::array>(item)) {
            s.name = fmt::format("images[{}]", i);
            s.image = rgb_array(item.cast<py::array>(), s.name.c_str());
          } else {
            s.name = py::str(item).cast<std::string>();
            s.image = read_image(s.name);
          }
          sources.push_back(std::move(s));
        }
        if (!identities.is_none()) {
          const auto ids = identities.cast<std::vector<std::string>>();
          if (ids.size() != sources.size())
            throw InvalidArgument(fmt::format("identities: expected one per image ({}), got {}", sources.size(),
                                              ids.size()));
          for (std::size_t i = 0; i < ids.size(); ++i) sources[i].identity = ids[i];
        }
        TemplateBuildOptions o;
        o.k = k;
        o.models.threads = threads;
        TemplateBuildReport rep;
        {
          py::gil_scoped_release release;
          const TemplateBank bank = build_template_bank(sources, o, &rep);
          bank.save(out);
        }
        py::dict d;
        d["photos"] = rep.photos;
        d["faces"] = rep.faces;
        d["skipped"] = rep.skipped;
        py::dict per;
        for (int e = 0; e < kNumExpressions; ++e) per[py::str(expression_names()[e])] = rep.per_expression[e];
        d["per_expression"] = per;
        return d;
      },
      py::arg("images"), py::arg("out"), py::kw_only(), py::arg("k") = TemplateBuildOptions{}.k,
      py::arg("identities") = py::none(), py::arg("threads") = 1,
      "Builds a k-anonymous template bank (the template method's donors) from your own consented donor photos: "
      "images is a list of file paths or HxWx3 uint8 RGB arrays; identities (one per image) makes k count people, "
      "else each image counts as its own person. Writes the bank to `out` and returns what was found: photos, faces, "
      "skipped, per_expression. Raises ValueError when the donors are fewer than k people or hold no usable face.");
}

}  // namespace ferguard::python

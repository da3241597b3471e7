// `ferguard detect IMAGE... --json OUT`: face-api's pipeline on each image. Identity descriptors are written only
// with --descriptors. A bad image is reported and skipped; the exit code is non-zero at the end if any failed.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "commands.h"
#include "detail/atomic_file.h"
#include "ferguard/ferguard.h"
#include "ferguard/model/recognizer.h"

namespace ferguard::cli {
namespace {

nlohmann::json face_json(const Face& f, const ExpressionScores& probs, const FaceDescriptor* descriptor) {
  nlohmann::json j;
  j["box"] = {{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.width}, {"height", f.box.height}};
  j["score"] = f.score;
  nlohmann::json pts = nlohmann::json::array();
  for (const Point2f& p : f.landmarks) pts.push_back({p.x, p.y});
  j["landmarks68"] = std::move(pts);
  j["expression"] = expression_names()[static_cast<int>(probs.label())];
  nlohmann::json e;
  for (int i = 0; i < kNumExpressions; ++i) e[expression_names()[i]] = probs.probs[i];
  j["expressions"] = std::move(e);
  if (descriptor) j["descriptor"] = std::vector<float>(descriptor->begin(), descriptor->end());
  return j;
}

}  // namespace

void add_detect_command(CLI::App& app) {
  struct Args {
    std::vector<std::string> images;
    std::string json_out, models;
    std::vector<std::string> recognizers, expression_models;
    bool descriptors = false;
    float min_confidence = 0.5f;
    int threads = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("detect", "Detect faces, 68 landmarks and expressions (face-api's nets)");
  cmd->add_option("images", args->images, "Input images (PNG, JPEG, ...)")->required();
  cmd->add_option("--json", args->json_out, "Output JSON file (written atomically)")->required();
  cmd->add_flag("--descriptors", args->descriptors,
                "Also write the 128-d identity descriptor of each face (off by default)");
  cmd->add_option("--recognizers", args->recognizers,
                  "Also embed each face with these recognisers (faceapi, faceres, mobileface); embeddings are "
                  "written only with --descriptors, otherwise just the crop each one uses")
      ->delimiter(',');
  cmd->add_option("--expression-models", args->expression_models,
                  "Also predict expressions with these models (faceapi, emotion), in ferguard's label order")
      ->delimiter(',');
  cmd->add_option("--models", args->models, "face-api weights folder (default: $FERGUARD_MODELS or the build's assets)");
  cmd->add_option("--min-confidence", args->min_confidence, "Detector score threshold, in (0, 1)")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->callback([args] {
    FaceAnalyzerOptions o;
    o.models_dir = args->models;
    o.detector.min_confidence = args->min_confidence;
    o.threads = args->threads;
    const FaceAnalyzer analyzer(o);
    ModelOptions mo;
    mo.faceapi_dir = args->models;
    mo.threads = args->threads;
    std::vector<std::unique_ptr<Recognizer>> recognizers;
    for (const auto& name : args->recognizers) recognizers.push_back(make_recognizer(name, mo));
    std::vector<std::unique_ptr<ExpressionModel>> judges;
    for (const auto& name : args->expression_models) judges.push_back(make_expression_model(name, mo));
    if (!recognizers.empty() && !args->descriptors)
      std::cerr << "ferguard: note: --recognizers without --descriptors writes each recogniser's crop, not its "
                   "embedding\n";
    nlohmann::json out;
    out["ferguard_version"] = version();
    out["ferguard_commit"] = git_commit();
    out["expression_order"] = expression_names();
    out["images"] = nlohmann::json::array();
    int failed = 0;
    for (const std::string& path : args->images) {
      nlohmann::json item;
      item["path"] = path;
      try {
        const Image image = read_image(path);
        const std::vector<Face> faces = analyzer.detect(image);
        const auto probs = analyzer.expressions(image, faces);
        std::vector<FaceDescriptor> desc;
        if (args->descriptors) desc = analyzer.descriptors(image, faces);
        item["width"] = image.width();
        item["height"] = image.height();
        item["faces"] = nlohmann::json::array();
        for (std::size_t i = 0; i < faces.size(); ++i)
          item["faces"].push_back(face_json(faces[i], probs[i], args->descriptors ? &desc[i] : nullptr));
        for (const auto& judge : judges) {
          const auto scores = judge->predict_faces(image, faces);
          for (std::size_t i = 0; i < faces.size(); ++i) {
            nlohmann::json e;
            for (int k = 0; k < kNumExpressions; ++k) e[expression_names()[k]] = scores[i].probs[k];
            item["faces"][i]["expression_models"][judge->name()] = {
                {"expression", expression_names()[static_cast<int>(scores[i].label())]}, {"expressions", e}};
          }
        }
        for (const auto& rec : recognizers) {
          std::vector<std::vector<float>> emb;
          if (args->descriptors) emb = rec->embed_faces(image, faces);
          for (std::size_t i = 0; i < faces.size(); ++i) {
            const PixelRect r = rec->crop_rect(faces[i], image.width(), image.height());
            nlohmann::json j = {{"crop", {{"x", r.x}, {"y", r.y}, {"width", r.width}, {"height", r.height}}},
                                {"distance", rec->distance_kind() == DistanceKind::euclidean ? "euclidean" : "cosine"},
                                {"threshold", rec->threshold()}};
            if (args->descriptors) j["embedding"] = emb[i];
            item["faces"][i]["recognizers"][rec->name()] = std::move(j);
          }
        }
        std::cerr << path << ": " << faces.size() << " face(s)\n";
      } catch (const Error& e) {
        ++failed;
        item["error"] = e.what();
        std::cerr << "ferguard: error: " << e.what() << "\n";
      }
      out["images"].push_back(std::move(item));
    }
    detail::write_file_atomically(args->json_out, out.dump(2) + "\n");
    if (failed > 0)
      throw Error(fmt::format("{} of {} image(s) failed; the others are in '{}'", failed, args->images.size(),
                              args->json_out));
  });
}

}  // namespace ferguard::cli

// TrainOptions / EvalOptions: presets, validation and their JSON form (config.json), and the report's JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "detail/check.h"
#include "learn/stages.h"

namespace ferguard {

StreamSplit parse_stream_split(const std::string& name) {
  if (name == "fft") return StreamSplit::fft;
  if (name == "haar") return StreamSplit::haar;
  throw InvalidArgument(fmt::format("split: expected 'fft' or 'haar', got '{}'", name));
}

std::string to_string(StreamSplit split) { return split == StreamSplit::fft ? "fft" : "haar"; }

EnhancerKind parse_enhancer_kind(const std::string& name) {
  if (name == "template") return EnhancerKind::templates;
  if (name == "unet") return EnhancerKind::unet;
  throw InvalidArgument(fmt::format("enhancer: expected 'template' or 'unet', got '{}'", name));
}

std::string to_string(EnhancerKind kind) { return kind == EnhancerKind::templates ? "template" : "unet"; }

void DistributedOptions::validate() const {
  FERGUARD_CHECK(world_size >= 1 && world_size <= 1024, "world_size: expected 1..1024, got {}", world_size);
  FERGUARD_CHECK(rank >= 0 && rank < world_size, "rank: expected 0..{} for a world size of {}, got {}",
                 world_size - 1, world_size, rank);
  FERGUARD_CHECK(timeout_s >= 1, "distributed timeout_s: expected >= 1, got {}", timeout_s);
  FERGUARD_CHECK(world_size == 1 || master.find(':') != std::string::npos, "master: expected HOST:PORT, got '{}'",
                 master);
}

TrainOptions TrainOptions::from_preset(const std::string& name) {
  TrainOptions o;
  o.preset = name;
  if (name == "quick") {
    // Classifier epochs are cheap (about 1 s each at 64 px on 2 idle cores); enhancer epochs are not (about 15 s).
    o.epochs_controllers = 25;
    o.epochs_enhancers = 6;
    o.epochs_compensator = 2;
    o.epochs_fer = 6;  // over the trained strengths and every grid strength (6 copies of the training set)
    o.epochs_attacker = 25;
    o.patience = 4;
    o.loss.expression = 5.0;  // at 1 the enhancers trade expression away (docs/learned_pipeline.md, run B vs C)
    return o;
  }
  if (name == "full") {
    o.image_size = 112;
    o.classifier_width = 16;
    o.unet_width = 16;
    o.epochs_controllers = 12;
    o.epochs_enhancers = 12;
    o.epochs_compensator = 6;
    o.epochs_fer = 10;
    o.epochs_attacker = 12;
    o.patience = 4;
    o.sweep = {0.0, 0.25, 0.5, 0.75, 1.0};
    return o;
  }
  if (name == "tiny") {
    o.image_size = 16;
    o.classifier_width = 4;
    o.unet_width = 4;
    o.batch_size = 8;
    o.epochs_controllers = o.epochs_enhancers = o.epochs_compensator = o.epochs_fer = o.epochs_attacker = 1;
    o.progress = false;
    return o;
  }
  throw InvalidArgument(fmt::format("preset: expected 'quick', 'full' or 'tiny', got '{}'", name));
}

namespace {
void check_strength(double s, const char* what) {
  FERGUARD_CHECK(std::isfinite(s) && s >= 0.0 && s <= 1.0, "{}: expected a strength in [0, 1], got {}", what, s);
}
}  // namespace

void TrainOptions::validate() const {
  FERGUARD_CHECK(image_size >= 8 && image_size <= 512, "image_size: expected 8..512, got {}", image_size);
  split_options.validate();
  check_strength(strength_low, "strength_low");
  check_strength(strength_high, "strength_high");
  FERGUARD_CHECK(!strength_grid.empty(), "strength_grid: expected at least one strength");
  for (double s : strength_grid) check_strength(s, "strength_grid");
  FERGUARD_CHECK(std::isfinite(template_temperature) && template_temperature >= 0.0,
                 "template_temperature: expected >= 0, got {}", template_temperature);
  for (double s : sweep) check_strength(s, "sweep");
  FERGUARD_CHECK(classifier_width >= 1 && classifier_width <= 256, "classifier_width: expected 1..256, got {}",
                 classifier_width);
  FERGUARD_CHECK(unet_width >= 1 && unet_width <= 256, "unet_width: expected 1..256, got {}", unet_width);
  FERGUARD_CHECK(batch_size >= 1, "batch_size: expected >= 1, got {}", batch_size);
  FERGUARD_CHECK(batch_size % distributed.world_size == 0,
                 "batch_size: expected a multiple of world_size {} (equal slices per rank), got {}",
                 distributed.world_size, batch_size);
  FERGUARD_CHECK(optimizer == "adam" || optimizer == "sgd", "optimizer: expected 'adam' or 'sgd', got '{}'",
                 optimizer);
  FERGUARD_CHECK(std::isfinite(learning_rate) && learning_rate > 0.0, "learning_rate: expected > 0, got {}",
                 learning_rate);
  for (auto [e, what] : {std::pair{epochs_controllers, "epochs_controllers"}, {epochs_enhancers, "epochs_enhancers"},
                         {epochs_compensator, "epochs_compensator"}, {epochs_fer, "epochs_fer"},
                         {epochs_attacker, "epochs_attacker"}})
    FERGUARD_CHECK(e >= 1, "{}: expected >= 1, got {}", what, e);
  FERGUARD_CHECK(epochs_finetune >= 0, "epochs_finetune: expected >= 0, got {}", epochs_finetune);
  FERGUARD_CHECK(patience >= 1, "patience: expected >= 1, got {}", patience);
  FERGUARD_CHECK(val_fraction > 0.0 && val_fraction < 1.0, "val_fraction: expected (0, 1), got {}", val_fraction);
  for (auto [w, what] : {std::pair{loss.privacy, "loss.privacy"}, {loss.invariance, "loss.invariance"},
                         {loss.expression, "loss.expression"}, {loss.change, "loss.change"}})
    FERGUARD_CHECK(std::isfinite(w) && w >= 0.0, "{}: expected a weight >= 0, got {}", what, w);
  detail::check_threads(threads, "threads");
  distributed.validate();
}

void EvalOptions::validate() const {
  for (double s : strengths) check_strength(s, "strengths");
  FERGUARD_CHECK(epochs_attacker == -1 || epochs_attacker >= 1, "epochs_attacker: expected >= 1, got {}",
                 epochs_attacker);
  if (threads != -1) detail::check_threads(threads, "threads");
}

namespace learn {

nlohmann::json to_json(const TrainOptions& o) {
  return {{"preset", o.preset},
          {"image_size", o.image_size},
          {"split", to_string(o.split)},
          {"cutoff", o.split_options.cutoff},
          {"filter", to_string(o.split_options.filter)},
          {"order", o.split_options.order},
          {"strength_low", o.strength_low},
          {"strength_high", o.strength_high},
          {"strength_grid", o.strength_grid},
          {"enhancer", to_string(o.enhancer)},
          {"template_temperature", o.template_temperature},
          {"classifier_width", o.classifier_width},
          {"unet_width", o.unet_width},
          {"batch_size", o.batch_size},
          {"learning_rate", o.learning_rate},
          {"optimizer", o.optimizer},
          {"epochs_controllers", o.epochs_controllers},
          {"epochs_enhancers", o.epochs_enhancers},
          {"epochs_compensator", o.epochs_compensator},
          {"epochs_fer", o.epochs_fer},
          {"epochs_finetune", o.epochs_finetune},
          {"epochs_attacker", o.epochs_attacker},
          {"patience", o.patience},
          {"val_fraction", o.val_fraction},
          {"loss", {{"privacy", o.loss.privacy}, {"invariance", o.loss.invariance},
                    {"expression", o.loss.expression}, {"change", o.loss.change}}},
          {"sweep", o.sweep},
          {"seed", o.seed},
          {"threads", o.threads},
          {"progress", o.progress},
          {"resume", o.resume}};
}

TrainOptions train_options_from_json(const nlohmann::json& j) {
  TrainOptions o;
  try {
    o.preset = j.at("preset").get<std::string>();
    o.image_size = j.at("image_size").get<int>();
    o.split = parse_stream_split(j.at("split").get<std::string>());
    o.split_options.cutoff = j.at("cutoff").get<double>();
    o.split_options.filter = parse_filter_kind(j.at("filter").get<std::string>());
    o.split_options.order = j.at("order").get<int>();
    o.strength_low = j.at("strength_low").get<double>();
    o.strength_high = j.at("strength_high").get<double>();
    o.strength_grid = j.at("strength_grid").get<std::vector<double>>();
    // Folders written before the template enhancer existed hold U-Nets.
    o.enhancer = parse_enhancer_kind(j.value("enhancer", std::string("unet")));
    o.template_temperature = j.value("template_temperature", 1.0);
    o.classifier_width = j.at("classifier_width").get<int>();
    o.unet_width = j.at("unet_width").get<int>();
    o.batch_size = j.at("batch_size").get<int>();
    o.learning_rate = j.at("learning_rate").get<double>();
    o.optimizer = j.value("optimizer", std::string("adam"));
    o.epochs_controllers = j.at("epochs_controllers").get<int>();
    o.epochs_enhancers = j.at("epochs_enhancers").get<int>();
    o.epochs_compensator = j.at("epochs_compensator").get<int>();
    o.epochs_fer = j.at("epochs_fer").get<int>();
    o.epochs_finetune = j.at("epochs_finetune").get<int>();
    o.epochs_attacker = j.at("epochs_attacker").get<int>();
    o.patience = j.at("patience").get<int>();
    o.val_fraction = j.at("val_fraction").get<double>();
    const auto& l = j.at("loss");
    o.loss = {l.at("privacy").get<double>(), l.at("invariance").get<double>(), l.at("expression").get<double>(),
              l.at("change").get<double>()};
    o.sweep = j.at("sweep").get<std::vector<double>>();
    o.seed = j.at("seed").get<std::uint64_t>();
    o.threads = j.at("threads").get<int>();
    o.progress = j.value("progress", true);
    o.resume = j.value("resume", true);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(fmt::format("config.json: missing or malformed field ({})", e.what()));
  }
  o.validate();
  return o;
}

namespace {
nlohmann::json metrics_json(const ClassificationMetrics& m) {
  nlohmann::json per_class = nlohmann::json::object();
  for (int c = 0; c < kNumExpressions && c < static_cast<int>(m.per_class_f1.size()); ++c)
    per_class[expression_names()[c]] = {{"f1", m.per_class_f1[c]}, {"recall", m.per_class_recall[c]}};
  return {{"accuracy", m.accuracy}, {"macro_f1", m.macro_f1}, {"per_class", per_class},
          {"confusion", m.confusion}, {"samples", m.samples}, {"labels", expression_names()}};
}
}  // namespace

nlohmann::json to_json(const EvalReport& r) {
  nlohmann::json strengths = nlohmann::json::array();
  for (const auto& s : r.strengths)
    strengths.push_back({{"strength_low", s.strength_low},
                         {"strength_high", s.strength_high},
                         {"fer_privatized", metrics_json(s.fer_privatized)},
                         {"fer_controller_privatized", metrics_json(s.fer_controller_privatized)},
                         {"validator_identity_accuracy", s.validator_identity_accuracy},
                         {"attacker_identity_accuracy", s.attacker_identity_accuracy},
                         {"leakage", s.leakage},
                         {"validator_leakage", s.validator_leakage},
                         {"fer_ratio", s.fer_ratio}});
  return {{"dataset", r.dataset},
          {"identities", r.identities},
          {"chance", r.chance},
          {"train_samples", r.train_samples},
          {"test_samples", r.test_samples},
          {"leakage_formula", "L = max(0, (acc_priv - chance) / (acc_clean - chance)); acc_priv: adaptive attacker "
                              "trained and tested on privatized faces; acc_clean: the same classifier trained and "
                              "tested on clean faces (the validator)"},
          {"fer_clean", metrics_json(r.fer_clean)},
          {"identity_accuracy_clean", r.identity_accuracy_clean},
          {"strengths", strengths},
          {"seconds", r.seconds}};
}

}  // namespace learn

double leakage_ratio(double acc_priv, double acc_clean, double chance) {
  const double span = acc_clean - chance;
  return span > 0.0 ? std::max(0.0, (acc_priv - chance) / span) : 0.0;
}

std::string to_json(const TrainOptions& options) { return learn::to_json(options).dump(2); }

TrainOptions train_options_from_json(const std::string& json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument(fmt::format("train options: malformed JSON ({})", e.what()));
  }
  try {
    return learn::train_options_from_json(j);
  } catch (const ModelError& e) {
    throw InvalidArgument(fmt::format("train options: {}", e.what()));
  }
}

std::string EvalReport::to_json() const { return learn::to_json(*this).dump(2); }

std::string EvalReport::table() const {
  std::ostringstream out;
  out << fmt::format("{} ({} identities, chance {:.3f}; {} train / {} test faces)\n", dataset, identities, chance,
                     train_samples, test_samples);
  out << fmt::format("clean: FER accuracy {:.3f} (macro-F1 {:.3f}), identity accuracy {:.3f}\n", fer_clean.accuracy,
                     fer_clean.macro_f1, identity_accuracy_clean);
  out << "| strength (low, high) | FER clean | FER privatized | ratio | validator id acc | attacker id acc | leakage L |\n";
  out << "|---|---|---|---|---|---|---|\n";
  for (const auto& s : strengths)
    out << fmt::format("| {:.2f}, {:.2f} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.3f} |\n", s.strength_low,
                       s.strength_high, fer_clean.accuracy, s.fer_privatized.accuracy, s.fer_ratio,
                       s.validator_identity_accuracy, s.attacker_identity_accuracy, s.leakage);
  return out.str();
}

}  // namespace ferguard

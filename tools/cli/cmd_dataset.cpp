// `ferguard dataset SPEC`: opens a dataset and prints its size, label counts per split and its issues.
#include <array>
#include <iostream>

#include "commands.h"
#include "ferguard/ferguard.h"

namespace ferguard::cli {

void add_dataset_command(CLI::App& app) {
  struct Args {
    std::string spec, on_error = "skip", cache_dir;
    int face_size = 112, frames = 16;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("dataset", "Open a dataset (synth, csv:, folder:, cremad:, rafdb:) and summarise it");
  cmd->add_option("spec", args->spec, "Dataset spec, e.g. synth:identities=20 or csv:faces.csv")->required();
  cmd->add_option("--on-error", args->on_error, "skip | fail")->capture_default_str();
  cmd->add_option("--cache-dir", args->cache_dir, "Cache for CREMA-D face crops");
  cmd->add_option("--face-size", args->face_size, "Face size in pixels")->capture_default_str();
  cmd->add_option("--frames", args->frames, "Frames per CREMA-D clip")->capture_default_str();
  cmd->callback([args] {
    DatasetOptions o;
    o.on_error = parse_on_error(args->on_error);
    o.cache_dir = args->cache_dir;
    o.face_size = args->face_size;
    o.frames_per_clip = args->frames;
    const auto data = open_dataset(args->spec, o);
    std::array<std::array<std::size_t, kNumExpressions + 1>, 3> counts{};
    for (std::size_t i = 0; i < data->size(); ++i) {
      const FaceLabel l = data->label_of(i);
      counts[static_cast<int>(l.split)][l.expression < 0 ? kNumExpressions : l.expression] += 1;
    }
    std::cout << data->name() << ": " << data->size() << " samples, " << data->num_identities() << " identities\n";
    std::cout << "split  ";
    for (const auto& n : expression_names()) std::cout << " " << n;
    std::cout << " unknown\n";
    for (int s = 0; s < 3; ++s) {
      std::cout << to_string(static_cast<Split>(s)) << "   ";
      for (std::size_t c : counts[s]) std::cout << " " << c;
      std::cout << "\n";
    }
    const auto issues = data->issues();
    std::cout << issues.size() << " issue(s)\n";
    for (const auto& issue : issues) std::cout << "  " << issue.str() << "\n";
  });
}

}  // namespace ferguard::cli

// `ferguard synth`: draws a contact sheet of the synthetic faces (identities x expressions).
#include <iostream>

#include "commands.h"
#include "ferguard/ferguard.h"

namespace ferguard::cli {

void add_synth_command(CLI::App& app) {
  struct Args {
    std::string sheet = "synth_sheet.png";
    int identities = 8, size = 112, sample = 0;
    std::uint64_t seed = SynthOptions{}.seed;
    bool clean = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("synth", "Draw a contact sheet of the synthetic faces (synthetic data)");
  cmd->add_option("--sheet", args->sheet, "Output PNG: one row per identity, one column per expression")
      ->capture_default_str();
  cmd->add_option("--identities", args->identities, "Identities (rows)")->capture_default_str();
  cmd->add_option("--size", args->size, "Face size in pixels")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed")->capture_default_str();
  cmd->add_option("--sample", args->sample, "Which sample k of each (identity, expression)")->capture_default_str();
  cmd->add_flag("--no-nuisance", args->clean, "Frontal, centred, evenly lit faces without noise or JPEG");
  cmd->callback([args] {
    SynthOptions o;
    o.identities = args->identities;
    o.size = args->size;
    o.seed = args->seed;
    o.samples_per_expression = std::max(1, args->sample + 1);
    if (args->clean) o = o.without_nuisance();
    const SyntheticFaces faces(o);
    write_image(args->sheet, synth_contact_sheet(faces, 0, args->sample));
    std::cout << "wrote " << args->sheet << ": " << o.identities << " identities x " << kNumExpressions
              << " expressions of " << faces.name() << " (synthetic data)\n";
  });
}

}  // namespace ferguard::cli

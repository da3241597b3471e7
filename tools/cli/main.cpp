// ferguard command-line tool. Exit codes: 0 success, 1 ferguard error (message on stderr), 2 usage error.
#include <fmt/format.h>

#include <iostream>

#include "commands.h"
#include "ferguard/ferguard.h"

int main(int argc, char** argv) {
  CLI::App app{"ferguard: facial expression recognition with measured identity leakage"};
  app.set_version_flag("--version", std::string("ferguard ") + FERGUARD_VERSION_STRING);
  app.require_subcommand(1);
  ferguard::cli::add_split_command(app);
  ferguard::cli::add_demo_command(app);
  ferguard::cli::add_synth_command(app);
  ferguard::cli::add_dataset_command(app);
  ferguard::cli::add_train_command(app);
  ferguard::cli::add_eval_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ferguard::Error& e) {
    std::cerr << "ferguard: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ferguard: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// ferguard command-line tool. Exit codes: 0 success, 1 ferguard error (message on stderr), 2 usage error.
#include <fmt/format.h>

#include <malloc.h>

#include <iostream>

#include "commands.h"
#include "ferguard/ferguard.h"

int main(int argc, char** argv) {
  // This program keeps freed memory instead of handing it back to the OS after every forward pass: on some VMs the
  // page faults on fresh memory cost more than the convolutions. (The library itself never changes malloc.)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  CLI::App app{"ferguard: facial expression recognition with measured identity leakage"};
  app.set_version_flag("--version", std::string("ferguard ") + FERGUARD_VERSION_STRING);
  app.require_subcommand(1);
  ferguard::cli::add_split_command(app);
  ferguard::cli::add_demo_command(app);
  ferguard::cli::add_synth_command(app);
  ferguard::cli::add_dataset_command(app);

  ferguard::cli::add_detect_command(app);
  ferguard::cli::add_train_command(app);
  ferguard::cli::add_eval_command(app);
  ferguard::cli::add_analyze_command(app);
  ferguard::cli::add_templates_command(app);
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

// ferguard command-line tool. Exit codes: 0 success, 1 ferguard error, 2 usage error (unknown flag, missing or
// malformed value); every error is one line on stderr starting "ferguard: error:". On SIGINT, SIGTERM or SIGHUP the
// temporary files of unfinished outputs are removed before the process dies of the signal.
#include <fmt/format.h>

#include <opencv2/core/utils/logger.hpp>

#include <iostream>

#include "commands.h"
#include "detail/error_text.h"
#include "detail/temp_files.h"
#include "ferguard/ferguard.h"

int main(int argc, char** argv) {
  ferguard::detail::remove_temp_files_on_signals();
  // OpenCV's own warnings (and FFmpeg's, silenced by the video reader) are not for ferguard's users: ferguard reports
  // what went wrong in its own words.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  CLI::App app{"ferguard: facial expression recognition with measured identity leakage"};
  app.set_version_flag("--version", fmt::format("ferguard {} (git {})", ferguard::version(), ferguard::git_commit()));
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
  ferguard::cli::add_models_command(app);
  ferguard::cli::add_audit_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    std::cerr << "ferguard: error: " << e.what() << "\n"
              << "Run 'ferguard --help' or 'ferguard COMMAND --help' for the usage.\n";
    return 2;
  } catch (const ferguard::cli::UsageError& e) {
    std::cerr << "ferguard: error: " << e.what() << "\n";
    return 2;
  } catch (const ferguard::Error& e) {
    std::cerr << "ferguard: error: " << ferguard::detail::without_stack_trace(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ferguard: error: " << ferguard::detail::without_stack_trace(e.what()) << "\n";
    return 1;
  }
  return 0;
}

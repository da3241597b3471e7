#pragma once
// Each sub-command registers its options on the app and returns the callback that runs it.
#include <CLI/CLI.hpp>

#include "ferguard/error.h"

namespace ferguard::cli {

/// A flag's value is out of range or inconsistent with another flag: exit code 2, like CLI11's own parse errors.
class UsageError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

void add_split_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_dataset_command(CLI::App& app);

void add_detect_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_analyze_command(CLI::App& app);
void add_templates_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_audit_command(CLI::App& app);

}  // namespace ferguard::cli

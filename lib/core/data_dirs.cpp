#include "detail/data_dirs.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

// Set by lib/CMakeLists.txt: the folder libferguard is built in, and the path from the install's library folder to
// its data folder (e.g. "../share/ferguard"), fixed when the build is configured.
#ifndef FERGUARD_BUILD_LIB_DIR
#define FERGUARD_BUILD_LIB_DIR ""
#endif
#ifndef FERGUARD_LIB_TO_DATA_DIR
#define FERGUARD_LIB_TO_DATA_DIR "../share/ferguard"
#endif

namespace ferguard::detail {
namespace fs = std::filesystem;
namespace {

// The folder of the shared object this function is compiled into (libferguard), symlinks resolved.
fs::path library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&library_dir), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  const fs::path file = fs::weakly_canonical(fs::path(info.dli_fname), ec);
  return ec ? fs::path() : file.parent_path();
}

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p, ec);
}

}  // namespace

std::string installed_data_dir() {
  const fs::path lib = library_dir();
  if (lib.empty()) return "";
  return (lib / FERGUARD_LIB_TO_DATA_DIR).lexically_normal().string();
}

std::string user_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg == '/')
    return (fs::path(xdg) / "ferguard").string();
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return (fs::path(home) / ".local" / "share" / "ferguard").string();
  return "";
}

bool running_from_build_tree() {
  const std::string build = FERGUARD_BUILD_LIB_DIR;
  if (build.empty()) return false;
  std::error_code ec;
  const fs::path lib = library_dir();
  return !lib.empty() && fs::equivalent(lib, fs::path(build), ec) && !ec;
}

std::string default_data_path(const std::string& relative, const std::string& build_default, bool user_too) {
  if (running_from_build_tree()) return build_default;
  const std::string installed = installed_data_dir();
  const fs::path in_install = installed.empty() ? fs::path() : fs::path(installed) / relative;
  if (is_dir(in_install)) return in_install.string();
  if (user_too) {
    const std::string user = user_data_dir();
    if (!user.empty() && is_dir(fs::path(user) / relative)) return (fs::path(user) / relative).string();
  }
  return in_install.empty() ? build_default : in_install.string();
}

}  // namespace ferguard::detail

#pragma once
// Where ferguard's data (model weights) is found when no option or environment variable names a folder. A libferguard
// that runs from its build tree uses the source tree's fetched assets (scripts/fetch_models.sh); an installed one
// (cmake --install, the .deb, the pip package) uses `<prefix>/share/ferguard`, found from the library's own path,
// so that an installed tree can be moved and works with the source tree deleted.
#include <string>

namespace ferguard::detail {

/// `<prefix>/share/ferguard` of the running libferguard, or "" when the library's path cannot be found.
std::string installed_data_dir();

/// `$XDG_DATA_HOME/ferguard`, else `$HOME/.local/share/ferguard`, else "": where `ferguard models install` puts
/// models for a user who cannot write to the installed data folder.
std::string user_data_dir();

/// Whether the running libferguard is the one in its build tree (not an installed copy).
bool running_from_build_tree();

/// The default folder for data at `relative` (e.g. "faceapi/model") under the data folder. From the build tree:
/// `build_default` (the source tree's assets). Installed: `<installed_data_dir()>/<relative>` when it is a folder,
/// else (when `user_too`) `<user_data_dir()>/<relative>` when that is a folder, else the installed path, so that
/// the error for a missing file names where it was looked for.
std::string default_data_path(const std::string& relative, const std::string& build_default, bool user_too);

}  // namespace ferguard::detail

#include "model/model_paths.h"

#include <cstdlib>
#include <filesystem>

#include "detail/check.h"
#include "detail/data_dirs.h"
#include "ferguard/model/faceapi_nets.h"

#ifndef FERGUARD_DEFAULT_MODELS_DIR
#define FERGUARD_DEFAULT_MODELS_DIR ""
#endif

namespace ferguard {

std::string resolve_models_dir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return explicit_dir;
  if (const char* env = std::getenv("FERGUARD_MODELS"); env != nullptr && *env != '\0') return env;
  return detail::default_data_path("faceapi/model", FERGUARD_DEFAULT_MODELS_DIR, /*user_too=*/false);
}

namespace detail {

std::string model_manifest_path(const std::string& models_dir, const std::string& model) {
  const std::string dir = resolve_models_dir(models_dir);
  const std::string path = (std::filesystem::path(dir) / (model + "-weights_manifest.json")).string();
  FERGUARD_CHECK_AS(std::filesystem::is_regular_file(path), ModelError,
                    "model '{}': weights manifest '{}' not found (models folder from the option, FERGUARD_MODELS or "
                    "the default: the installed share/ferguard, or in a build tree the assets that "
                    "scripts/fetch_models.sh fetches)",
                    model, path);
  return path;
}

}  // namespace detail
}  // namespace ferguard

#pragma once
#include <string>

namespace ferguard::detail {

/// `<resolve_models_dir(models_dir)>/<model>-weights_manifest.json`; throws ModelError naming the file and
/// saying how to fetch it when it does not exist.
std::string model_manifest_path(const std::string& models_dir, const std::string& model);

}  // namespace ferguard::detail

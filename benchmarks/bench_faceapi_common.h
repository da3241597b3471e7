#pragma once
// Helpers shared by the face-api benchmarks.
#include <filesystem>
#include <string>

#include "ferguard/ferguard.h"

namespace ferguard::bench {

/// Whether `<model>-weights_manifest.json` is in the models folder (the benchmarks skip a net without it).
inline bool have(const std::string& model) {
  return std::filesystem::exists(std::filesystem::path(resolve_models_dir()) / (model + "-weights_manifest.json"));
}

/// Net options for 1 thread, as the face-api side runs.
inline FaceNetOptions one_thread() {
  FaceNetOptions o;
  o.threads = 1;
  return o;
}

}  // namespace ferguard::bench

#pragma once
// Every model file ferguard loads is read here. A file whose name is one of the bundled models' (those that
// scripts/fetch_models.sh unpacks from the pinned npm packages, listed with their sha256 in model_pins.inc) must
// have that digest, wherever it is loaded from; other files (models of the user's own) get only the structural
// checks of their loaders. FERGUARD_UNPINNED_MODELS=1 turns the digest check off, for weights of one's own saved
// under a bundled name. Digests are computed in memory (no cache file: install folders may be read-only), once
// per file and modification time in a process.
#include <cstdint>
#include <string>
#include <vector>

namespace ferguard::detail {

struct ModelFile {
  std::vector<std::uint8_t> bytes;
  bool pinned = false;  ///< its digest matched a bundled model's pin
};

/// Reads `path` (a regular file, at most 1 GiB). Throws ModelError naming the file and `what` when it is missing,
/// unreadable or not a regular file, or when it is named like a bundled model but its sha256 differs.
ModelFile read_model_file(const std::string& path, const std::string& what);

/// The pinned sha256 of a bundled model file name, or "" when the name is not one of them.
std::string pinned_sha256(const std::string& file_name);

/// Throws ModelError naming `model` when `t` (an output or weight) holds NaN or inf: a corrupt model must never
/// produce a figure.
void check_finite_values(const float* data, std::size_t n, const std::string& model, const char* what);

}  // namespace ferguard::detail

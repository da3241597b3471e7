#include "model/model_files.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

#include "detail/check.h"
#include "detail/read_file.h"
#include "detail/sha256.h"

namespace ferguard::detail {
namespace {

struct Pin {
  const char* name;
  const char* sha256;
};
constexpr Pin kPins[] = {
#include "model/model_pins.inc"
};

bool pins_enabled() {
  const char* v = std::getenv("FERGUARD_UNPINNED_MODELS");
  return v == nullptr || *v == '\0' || std::strcmp(v, "0") == 0;
}

// Digests already checked in this process: path -> (size, mtime seconds, mtime nanoseconds).
using Stamp = std::tuple<std::int64_t, std::int64_t, std::int64_t>;
std::mutex g_mutex;
std::map<std::string, Stamp> g_verified;

Stamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {-1, 0, 0};
  return {st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
}

}  // namespace

std::string pinned_sha256(const std::string& file_name) {
  for (const Pin& p : kPins)
    if (file_name == p.name) return p.sha256;
  return "";
}

ModelFile read_model_file(const std::string& path, const std::string& what) {
  ModelFile out;
  const std::string want = pinned_sha256(std::filesystem::path(path).filename().string());
  try {
    out.bytes = read_regular_file(path, what.c_str(), std::int64_t(1) << 30);
  } catch (const IoError& e) {
    if (want.empty())
      throw ModelError(std::string(e.what()) +
                       " (for the bundled models: `ferguard models install`, or scripts/fetch_models.sh in a source "
                       "tree)");
    // A bundled model's file: the packages ship face-api's weights, not the graph models (no licence upstream).
    throw ModelError(std::string(e.what()) +
                     " (`ferguard models install` fetches the graph models faceres, mobileface and emotion, which the "
                     "packages do not ship; in a source tree: scripts/fetch_models.sh, or make test)");
  }
  if (want.empty() || !pins_enabled()) return out;
  const Stamp stamp = stamp_of(path);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_verified.find(path);
    if (it != g_verified.end() && it->second == stamp && std::get<0>(stamp) == std::int64_t(out.bytes.size())) {
      out.pinned = true;
      return out;
    }
  }
  const std::string got = sha256_hex(out.bytes.data(), out.bytes.size());
  FERGUARD_CHECK_AS(got == want, ModelError,
                    "{} '{}': sha256 {} differs from the pinned sha256 {} of the bundled model of that name: the file "
                    "is corrupt or was replaced (run scripts/fetch_models.sh again; for weights of your own under "
                    "this name set FERGUARD_UNPINNED_MODELS=1)",
                    what, path, got, want);
  std::lock_guard<std::mutex> lock(g_mutex);
  g_verified[path] = stamp;
  out.pinned = true;
  return out;
}

void check_finite_values(const float* data, std::size_t n, const std::string& model, const char* what) {
  for (std::size_t i = 0; i < n; ++i)
    FERGUARD_CHECK_AS(std::isfinite(data[i]), ModelError,
                      "model '{}': {} holds {} (corrupt or incompatible weights); no figure is reported from it",
                      model, what, data[i]);
}

}  // namespace ferguard::detail

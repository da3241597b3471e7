// Feeds TfjsWeights::decode, the reader behind every face-api model: the input is the weights manifest (JSON),
// a NUL byte, then the shard bytes, shared out evenly among the manifest's weight groups (the last group takes
// the remainder). Any input may be rejected, but only with a ferguard::Error.
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ferguard/error.h"
#include "model/tfjs_weights.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* end = data + size;
  const std::uint8_t* nul = std::find(data, end, std::uint8_t{0});
  const std::string manifest(data, nul);
  const std::uint8_t* tail = nul == end ? end : nul + 1;
  const std::size_t tail_size = static_cast<std::size_t>(end - tail);

  const nlohmann::json parsed = nlohmann::json::parse(manifest, nullptr, /*allow_exceptions=*/false);
  const std::size_t groups = parsed.is_array() ? std::clamp<std::size_t>(parsed.size(), 1, 64) : 1;
  std::vector<std::vector<std::uint8_t>> shards(groups);
  const std::size_t each = tail_size / groups;
  for (std::size_t g = 0; g < groups; ++g) {
    const std::uint8_t* b = tail + g * each;
    shards[g].assign(b, g + 1 == groups ? end : b + each);
  }
  try {
    const auto weights = ferguard::detail::TfjsWeights::decode(manifest, shards, "fuzz");
    for (const auto& name : weights.names()) (void)weights.get(name).numel();
  } catch (const ferguard::Error&) {
  }
  return 0;
}

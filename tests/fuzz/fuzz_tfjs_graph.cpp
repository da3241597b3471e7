// Feeds TfjsGraph::load, the reader of the graph models' model.json: the input is the model.json text, a NUL
// byte, then the bytes of its one weight file. Both are written to a scratch folder as model.json and
// weights.bin (the seeds' manifests name weights.bin). Any input may be rejected, but only with a
// ferguard::Error.
#include <algorithm>
#include <cstdint>
#include <string>

#include "ferguard/error.h"
#include "fuzz_util.h"
#include "model/graph/tfjs_graph.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* end = data + size;
  const std::uint8_t* nul = std::find(data, end, std::uint8_t{0});
  const std::uint8_t* tail = nul == end ? end : nul + 1;
  const std::string model = ferguard::fuzz::write_scratch("model.json", data, static_cast<std::size_t>(nul - data));
  ferguard::fuzz::write_scratch("weights.bin", tail, static_cast<std::size_t>(end - tail));
  try {
    const auto graph = ferguard::detail::TfjsGraph::load(model);
    (void)graph.size();
  } catch (const ferguard::Error&) {
  }
  return 0;
}

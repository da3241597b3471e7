// Feeds TemplateBank::load, the reader of .fgtb template banks (docs/template_bank.md). The input is a bank
// without its trailing 8-byte FNV-1a checksum: the harness appends the right one, so that mutations reach the
// structural checks instead of all stopping at the checksum. Any input may be rejected, but only with a
// ferguard::Error.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ferguard/error.h"
#include "ferguard/privacy/template_bank.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a, as the bank file's checksum
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  std::uint8_t checksum[8];
  std::memcpy(checksum, &h, 8);
  bytes.insert(bytes.end(), checksum, checksum + 8);
  const std::string path = ferguard::fuzz::write_scratch("bank.fgtb", bytes.data(), bytes.size());
  try {
    const ferguard::TemplateBank bank = ferguard::TemplateBank::load(path);
    (void)bank.people();
  } catch (const ferguard::Error&) {
  }
  return 0;
}

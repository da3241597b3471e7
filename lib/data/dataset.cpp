#include "ferguard/data/dataset.h"

#include <algorithm>
#include <cctype>

#include "detail/check.h"

namespace ferguard {

std::string to_string(Split split) {
  switch (split) {
    case Split::train:
      return "train";
    case Split::val:
      return "val";
    case Split::test:
      return "test";
  }
  return "train";
}

Split parse_split(const std::string& name) {
  std::string key = name;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  if (key == "train" || key == "training") return Split::train;
  if (key == "val" || key == "valid" || key == "validation") return Split::val;
  if (key == "test" || key == "testing") return Split::test;
  throw InvalidArgument(fmt::format("split '{}': expected train, val or test", name));
}

std::string DatasetIssue::str() const {
  return line > 0 ? fmt::format("{}:{}: {}", path, line, message) : fmt::format("{}: {}", path, message);
}

}  // namespace ferguard

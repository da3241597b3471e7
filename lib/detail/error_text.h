#pragma once
// LibTorch's c10::Error::what() appends a C++ stack trace ("Exception raised from ... frame #0: ..."). No message a
// user reads may carry one: this keeps the text before it. (Library code converts c10::Error with
// what_without_backtrace(); this is the last line of defence in the CLI and the Python bindings.)
#include <string>

namespace ferguard::detail {

inline std::string without_stack_trace(std::string text) {
  for (const char* marker : {"Exception raised from", "\nframe #0"}) {
    const auto at = text.find(marker);
    if (at != std::string::npos) text.erase(at);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace ferguard::detail

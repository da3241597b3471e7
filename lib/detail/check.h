#pragma once
// FERGUARD_CHECK(cond, ErrorType, "format", args...): throws ErrorType with a fmt-formatted message when
// cond is false. Messages say which input, what was expected and what was got.
#include <fmt/format.h>

#include "ferguard/error.h"

#define FERGUARD_CHECK_AS(cond, ErrorType, ...)                 \
  do {                                                          \
    if (!(cond)) throw ::ferguard::ErrorType(fmt::format(__VA_ARGS__)); \
  } while (0)

/// The common case: an invalid argument.
#define FERGUARD_CHECK(cond, ...) FERGUARD_CHECK_AS(cond, InvalidArgument, __VA_ARGS__)

namespace ferguard::detail {
/// Throws InvalidArgument naming `field` unless 0 <= threads <= max_threads().
void check_threads(int threads, const char* field);
}  // namespace ferguard::detail

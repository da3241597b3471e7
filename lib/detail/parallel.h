#pragma once
// A bounded parallel loop over [0, count) with an explicit thread count. It uses OpenMP's num_threads
// clause, so it never changes the caller's global OpenMP or LibTorch settings. Exceptions thrown by the
// body are captured and the first one is rethrown on the calling thread.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

namespace ferguard::detail {

/// 0 -> one thread per hardware core; otherwise the value itself (at least 1).
inline int resolve_threads(int threads) {
  if (threads > 0) return threads;
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

template <typename Body>
void parallel_for(std::int64_t count, int threads, Body&& body) {
  const int t = static_cast<int>(std::min<std::int64_t>(resolve_threads(threads), count));
  if (t <= 1) {
    for (std::int64_t i = 0; i < count; ++i) body(i);
    return;
  }
  std::exception_ptr error;
  std::mutex error_mutex;
#pragma omp parallel for num_threads(t) schedule(static)
  for (std::int64_t i = 0; i < count; ++i) {
    try {
      body(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace ferguard::detail

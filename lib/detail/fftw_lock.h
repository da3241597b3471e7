#pragma once
// FFTW's planner (plan creation and destruction) is not thread-safe; only fftwf_execute* is. Every FFTW
// plan in ferguard is made and destroyed under this one process-wide lock.
#include <mutex>

namespace ferguard::detail {
std::mutex& fftw_planner_mutex();
}  // namespace ferguard::detail

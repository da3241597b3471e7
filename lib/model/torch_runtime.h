#pragma once
// Small LibTorch helpers shared by the ported nets: device parsing and a scoped intra-op thread count.
#include <ATen/Parallel.h>
#include <c10/core/Device.h>

#include <exception>
#include <string>

namespace ferguard::detail {

/// Parses a device string ("cpu", "cuda", "cuda:0"); throws InvalidArgument naming it when it is malformed,
/// ModelError when the device is unavailable in this LibTorch build or machine.
c10::Device parse_device(const std::string& device);

/// An exception's message fit for a user: LibTorch's c10::Error without the C++ stack trace it carries.
std::string exception_message(const std::exception& e);

/// Sets LibTorch's intra-op thread count for its lifetime and restores the previous value afterwards.
/// With the OpenMP backend (Debian's LibTorch) the setting is the calling thread's OpenMP ICV, so concurrent
/// callers on other threads are not affected.
class ScopedTorchThreads {
 public:
  explicit ScopedTorchThreads(int threads);
  ~ScopedTorchThreads();
  ScopedTorchThreads(const ScopedTorchThreads&) = delete;
  ScopedTorchThreads& operator=(const ScopedTorchThreads&) = delete;

 private:
  int previous_;
  bool changed_;
};

}  // namespace ferguard::detail

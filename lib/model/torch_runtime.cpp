#include "model/torch_runtime.h"

#include <ATen/Context.h>
#include <c10/util/Exception.h>

#include "detail/check.h"
#include "detail/parallel.h"

namespace ferguard::detail {

c10::Device parse_device(const std::string& device) {
  c10::Device d(c10::kCPU);
  try {
    d = c10::Device(device);
  } catch (const c10::Error&) {
    throw InvalidArgument(fmt::format("device '{}': expected \"cpu\", \"cuda\" or \"cuda:N\"", device));
  }
  FERGUARD_CHECK(d.is_cpu() || d.is_cuda(), "device '{}': only cpu and cuda are supported", device);
  if (d.is_cuda()) {
    FERGUARD_CHECK_AS(at::hasCUDA(), ModelError, "device '{}': this LibTorch build or machine has no CUDA", device);
  }
  return d;
}

std::string exception_message(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
  return e.what();
}

ScopedTorchThreads::ScopedTorchThreads(int threads) : previous_(at::get_num_threads()) {
  const int want = resolve_threads(threads);
  changed_ = want != previous_;
  if (changed_) at::set_num_threads(want);
}

ScopedTorchThreads::~ScopedTorchThreads() {
  if (changed_) at::set_num_threads(previous_);
}

}  // namespace ferguard::detail

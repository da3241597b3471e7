#pragma once
// Activation memory kept inside the library. Each model owns an ActivationPool; its entry points open an
// ActivationScope, and while a scope is open on a thread, the forward pass's outputs (convolutions, oneDNN
// scratchpads, element-wise ops, pooling, padding, concatenation) take their buffers from that pool instead of
// from malloc. A buffer freed during the pass goes back to the pool, and the next op, the next layer or the next
// call reuses it. With glibc's defaults, each freed activation above the mmap threshold goes back to the kernel and
// the next one is faulted in page by page, which made the nets 2-6x slower than with tuned malloc settings; the pool
// takes that away without changing malloc or LibTorch's global allocator.
//
// Memory stays bounded: a cached buffer that two consecutive calls (three with concurrent callers) did not use is
// freed at the end of a call, so a change of input shape releases the old shape's buffers, and everything is freed
// when the pool is destroyed. A buffer is handed to one tensor at a time, so threads sharing one model never share
// a buffer in flight. Tensors that need a gradient never come from a pool: autograd keeps its own allocations.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace ferguard::detail {

struct ActivationPoolState;

/// Buffers for one model's forward passes (see above). Movable, not copyable.
class ActivationPool {
 public:
  ActivationPool();
  ActivationPool(const ActivationPool&) = delete;
  ActivationPool& operator=(const ActivationPool&) = delete;
  ActivationPool(ActivationPool&&) noexcept;
  ActivationPool& operator=(ActivationPool&&) noexcept;
  /// Frees the cached buffers; buffers still held by tensors are freed when those tensors go.
  ~ActivationPool();

  struct Stats {
    std::size_t cached_bytes = 0;  ///< free buffers kept for reuse
    std::size_t live_bytes = 0;    ///< buffers held by tensors now
    std::int64_t allocations = 0;  ///< buffers obtained from malloc since the pool was made
    std::int64_t reuses = 0;       ///< requests served from a cached buffer
    std::int64_t released = 0;     ///< cached buffers freed by the trimming rule
  };
  Stats stats() const;

 private:
  friend class ActivationScope;
  std::shared_ptr<ActivationPoolState> state_;
};

/// While alive, this thread's pool-aware allocations (new_activation and the act:: ops) come from `pool`; nests, and
/// restores the enclosing scope's pool at the end. Ending a scope trims the pool's unused buffers.
class ActivationScope {
 public:
  explicit ActivationScope(const ActivationPool& pool);
  ~ActivationScope();
  ActivationScope(const ActivationScope&) = delete;
  ActivationScope& operator=(const ActivationScope&) = delete;

 private:
  ActivationPoolState* previous_;
  std::shared_ptr<ActivationPoolState> state_;
};

/// True when `t`'s memory is a pool buffer (for tests and checks).
bool is_pooled(const at::Tensor& t);

/// True when this thread has an open ActivationScope.
bool activation_scope_open();

/// A new, uninitialised tensor of `sizes` with `like`'s dtype and device, from this thread's pool when one is open
/// on this thread, `like` is on the CPU and needs no gradient; else a plain at::empty.
at::Tensor new_activation(at::IntArrayRef sizes, const at::Tensor& like,
                          at::MemoryFormat format = at::MemoryFormat::Contiguous);

/// The same for a tensor of `dtype` on the CPU (image data entering a net).
at::Tensor new_activation(at::IntArrayRef sizes, at::ScalarType dtype);

/// `x` in `format`: `x` itself when it already is, else a pool-backed copy.
at::Tensor pooled_contiguous(const at::Tensor& x, at::MemoryFormat format = at::MemoryFormat::Contiguous);

/// Pool-aware versions of the ops the forward passes use: the same results as the at:: functions (same kernels, an
/// `out` from the pool); they fall back to the at:: functions when a gradient is needed.
namespace act {
at::Tensor relu(const at::Tensor& x);
at::Tensor clamp(const at::Tensor& x, double lo, double hi);
at::Tensor sigmoid(const at::Tensor& x);
at::Tensor add(const at::Tensor& a, const at::Tensor& b);
at::Tensor sub(const at::Tensor& a, const at::Tensor& b);
at::Tensor mul(const at::Tensor& a, const at::Tensor& b);
at::Tensor div(const at::Tensor& a, const at::Tensor& b);
at::Tensor maximum(const at::Tensor& a, const at::Tensor& b);
at::Tensor minimum(const at::Tensor& a, const at::Tensor& b);
at::Tensor max_pool2d(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride, at::IntArrayRef padding = {0, 0},
                      bool ceil_mode = false);
at::Tensor avg_pool2d(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride);
at::Tensor constant_pad_nd(const at::Tensor& x, at::IntArrayRef pad, double value);
at::Tensor cat(at::TensorList parts, std::int64_t dim);
at::Tensor mean(const at::Tensor& x, at::IntArrayRef dims, bool keepdim = false);
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});
}  // namespace act

}  // namespace ferguard::detail

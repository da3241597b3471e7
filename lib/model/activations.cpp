#include "model/activations.h"

#include <ATen/ATen.h>
#include <ATen/EmptyTensor.h>
#include <c10/core/Allocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace ferguard::detail {

namespace {

// Every pool buffer starts with this header; the tensor's data begins kHeaderBytes later (keeps c10's 64-byte
// alignment). While a tensor holds the buffer, `owner` keeps the pool's state alive; a cached buffer holds no
// reference (the state owns it), so there is no cycle.
struct BlockHeader {
  std::shared_ptr<ActivationPoolState> owner;
  std::size_t capacity;      // usable bytes after the header
  std::uint64_t last_call;   // the pool's ended-call count when the buffer was last handed out
};
constexpr std::size_t kHeaderBytes = 64;
static_assert(sizeof(BlockHeader) <= kHeaderBytes, "the block header must fit in front of the data");

// A cached buffer serves a request of up to this much less than its capacity (1/8 + 4 KiB), so that nearby sizes
// (a layer's output a row smaller) share buffers without wasting much.
bool fits(std::size_t capacity, std::size_t want) { return capacity <= want + want / 8 + 4096; }

thread_local ActivationPoolState* tls_pool = nullptr;

}  // namespace

struct ActivationPoolState : std::enable_shared_from_this<ActivationPoolState> {
  std::mutex mutex;
  std::multimap<std::size_t, BlockHeader*> free;  // by capacity
  bool closed = false;
  int open_scopes = 0;
  std::uint64_t calls_ended = 0;
  ActivationPool::Stats stats;

  ~ActivationPoolState() { free_cached(); }

  static void destroy(BlockHeader* h) {
    h->~BlockHeader();
    c10::free_cpu(h);
  }

  void free_cached() {
    for (auto& [cap, h] : free) destroy(h);
    free.clear();
    stats.cached_bytes = 0;
  }

  // A buffer of at least `bytes` for a tensor; the caller's scope keeps `this` alive.
  void* take(std::size_t bytes) {
    BlockHeader* h = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = free.lower_bound(bytes);
      if (it != free.end() && fits(it->first, bytes)) {
        h = it->second;
        free.erase(it);
        stats.cached_bytes -= h->capacity;
        ++stats.reuses;
      } else {
        ++stats.allocations;
      }
      if (h) {
        h->last_call = calls_ended;
        stats.live_bytes += h->capacity;
      }
    }
    if (!h) {
      const std::size_t capacity = (bytes + 63) / 64 * 64;
      void* raw = c10::alloc_cpu(kHeaderBytes + capacity);  // throws c10::Error when out of memory
      h = new (raw) BlockHeader{nullptr, capacity, 0};
      std::lock_guard<std::mutex> lock(mutex);
      h->last_call = calls_ended;
      stats.live_bytes += capacity;
    }
    h->owner = shared_from_this();
    return reinterpret_cast<char*>(h) + kHeaderBytes;
  }

  // The tensor holding `h` went away: cache the buffer, or free it when the pool is gone.
  static void give_back(void* ctx) {
    auto* h = static_cast<BlockHeader*>(ctx);
    const std::shared_ptr<ActivationPoolState> self = std::move(h->owner);
    std::lock_guard<std::mutex> lock(self->mutex);
    self->stats.live_bytes -= h->capacity;
    if (self->closed) {
      destroy(h);
      return;
    }
    self->free.emplace(h->capacity, h);
    self->stats.cached_bytes += h->capacity;
  }

  // End of a call: free the cached buffers that the last calls did not use.
  void end_call() {
    std::lock_guard<std::mutex> lock(mutex);
    --open_scopes;
    ++calls_ended;
    const std::uint64_t keep = 2 + static_cast<std::uint64_t>(open_scopes);
    for (auto it = free.begin(); it != free.end();) {
      if (it->second->last_call + keep < calls_ended) {
        stats.cached_bytes -= it->first;
        ++stats.released;
        destroy(it->second);
        it = free.erase(it);
      } else {
        ++it;
      }
    }
  }
};

namespace {

// The allocator behind pool tensors' storages (also used when an `out` tensor is resized by an op): the calling
// thread's pool when a scope is open, plain c10 memory otherwise. It is never registered with c10 as a default.
class PoolAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(std::size_t bytes) const override {
    ActivationPoolState* pool = tls_pool;
    if (pool == nullptr || bytes == 0) {
      void* p = bytes == 0 ? nullptr : c10::alloc_cpu(bytes);
      return {p, p, &c10::free_cpu, c10::Device(c10::DeviceType::CPU)};
    }
    void* data = pool->take(bytes);
    void* header = static_cast<char*>(data) - kHeaderBytes;
    return {data, header, &ActivationPoolState::give_back, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return nullptr; }  // two kinds of buffers: no single deleter
};

PoolAllocator& pool_allocator() {
  static PoolAllocator* allocator = new PoolAllocator();  // never destroyed: storages may outlive static teardown
  return *allocator;
}

bool needs_grad(const at::Tensor& t) { return t.defined() && t.requires_grad() && at::GradMode::is_enabled(); }

bool poolable(const at::Tensor& like) { return tls_pool != nullptr && like.is_cpu() && !needs_grad(like); }

at::Tensor pool_empty(at::IntArrayRef sizes, at::ScalarType dtype, at::MemoryFormat format) {
  return at::Tensor(at::detail::empty_generic(sizes, &pool_allocator(), c10::DispatchKeySet(c10::DispatchKey::CPU), dtype,
                                              format));
}

}  // namespace

ActivationPool::ActivationPool() : state_(std::make_shared<ActivationPoolState>()) {}
ActivationPool::ActivationPool(ActivationPool&&) noexcept = default;
ActivationPool& ActivationPool::operator=(ActivationPool&&) noexcept = default;

ActivationPool::~ActivationPool() {
  if (!state_) return;  // moved from
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->closed = true;
  state_->free_cached();
}

ActivationPool::Stats ActivationPool::stats() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->stats;
}

ActivationScope::ActivationScope(const ActivationPool& pool) : previous_(tls_pool), state_(pool.state_) {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    ++state_->open_scopes;
  }
  tls_pool = state_.get();
}

ActivationScope::~ActivationScope() {
  tls_pool = previous_;
  state_->end_call();
}

bool activation_scope_open() { return tls_pool != nullptr; }

bool is_pooled(const at::Tensor& t) {
  return t.defined() && t.has_storage() && t.storage().data_ptr().get_deleter() == &ActivationPoolState::give_back;
}

at::Tensor new_activation(at::IntArrayRef sizes, const at::Tensor& like, at::MemoryFormat format) {
  if (!poolable(like)) return at::empty(sizes, like.options().memory_format(format));
  return pool_empty(sizes, like.scalar_type(), format);
}

at::Tensor new_activation(at::IntArrayRef sizes, at::ScalarType dtype) {
  if (tls_pool == nullptr) return at::empty(sizes, at::TensorOptions().dtype(dtype));
  return pool_empty(sizes, dtype, at::MemoryFormat::Contiguous);
}

at::Tensor pooled_contiguous(const at::Tensor& x, at::MemoryFormat format) {
  if (x.is_contiguous(format) || !poolable(x)) return x.contiguous(format);
  at::Tensor y = pool_empty(x.sizes(), x.scalar_type(), format);
  y.copy_(x);
  return y;
}

namespace act {
namespace {
template <typename Out, typename Plain>
at::Tensor unary(const at::Tensor& x, Out&& out_op, Plain&& plain) {
  if (!poolable(x)) return plain();
  at::Tensor out = pool_empty({0}, x.scalar_type(), at::MemoryFormat::Contiguous);
  out_op(out);
  return out;
}
template <typename Out, typename Plain>
at::Tensor binary(const at::Tensor& a, const at::Tensor& b, Out&& out_op, Plain&& plain) {
  if (!poolable(a) || !b.is_cpu() || needs_grad(b)) return plain();
  at::Tensor out = pool_empty({0}, at::result_type(a, b), at::MemoryFormat::Contiguous);
  out_op(out);
  return out;
}
}  // namespace

// at::relu is clamp_min(x, 0) in LibTorch 1.13; its out form is the same kernel.
at::Tensor relu(const at::Tensor& x) {
  return unary(x, [&](at::Tensor& o) { at::clamp_min_out(o, x, 0); }, [&] { return at::relu(x); });
}
at::Tensor clamp(const at::Tensor& x, double lo, double hi) {
  return unary(x, [&](at::Tensor& o) { at::clamp_out(o, x, lo, hi); }, [&] { return at::clamp(x, lo, hi); });
}
at::Tensor sigmoid(const at::Tensor& x) {
  return unary(x, [&](at::Tensor& o) { at::sigmoid_out(o, x); }, [&] { return at::sigmoid(x); });
}
at::Tensor add(const at::Tensor& a, const at::Tensor& b) {
  return binary(a, b, [&](at::Tensor& o) { at::add_out(o, a, b); }, [&] { return at::add(a, b); });
}
at::Tensor sub(const at::Tensor& a, const at::Tensor& b) {
  return binary(a, b, [&](at::Tensor& o) { at::sub_out(o, a, b); }, [&] { return at::sub(a, b); });
}
at::Tensor mul(const at::Tensor& a, const at::Tensor& b) {
  return binary(a, b, [&](at::Tensor& o) { at::mul_out(o, a, b); }, [&] { return at::mul(a, b); });
}
at::Tensor div(const at::Tensor& a, const at::Tensor& b) {
  return binary(a, b, [&](at::Tensor& o) { at::div_out(o, a, b); }, [&] { return at::div(a, b); });
}
at::Tensor maximum(const at::Tensor& a, const at::Tensor& b) {
  return binary(a, b, [&](at::Tensor& o) { at::maximum_out(o, a, b); }, [&] { return at::maximum(a, b); });
}
at::Tensor minimum(const at::Tensor& a, const at::Tensor& b) {
  return binary(a, b, [&](at::Tensor& o) { at::minimum_out(o, a, b); }, [&] { return at::minimum(a, b); });
}

namespace {
// LibTorch's pooling output size (pooling_output_shape, dilation 1).
std::int64_t pooled_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p, bool ceil_mode) {
  std::int64_t out = (in + 2 * p - k + (ceil_mode ? s - 1 : 0)) / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;  // the last window must start inside the input or its padding
  return out;
}

// The pooling loop over NHWC rows, with o = max(o, p) per channel in the form the compiler turns into packed max
// instructions (a NaN in p would be dropped: max_pool2d_nhwc runs only on inputs without NaN); an AVX2 copy for CPUs
// that have it, chosen at run time.
struct PoolGeometry {
  std::int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw;
};
#define FERGUARD_MAX_POOL(NAME, ATTR)                                                                       \
  ATTR void NAME(const PoolGeometry& g, const float* __restrict src, float* __restrict dst) {              \
    for (std::int64_t b = 0; b < g.n; ++b)                                                                  \
      for (std::int64_t oy = 0; oy < g.oh; ++oy) {                                                          \
        const std::int64_t y0 = std::max<std::int64_t>(oy * g.sh - g.ph, 0);                                \
        const std::int64_t y1 = std::min<std::int64_t>(oy * g.sh - g.ph + g.kh, g.h);                       \
        for (std::int64_t ox = 0; ox < g.ow; ++ox, dst += g.c) {                                            \
          const std::int64_t x0 = std::max<std::int64_t>(ox * g.sw - g.pw, 0);                              \
          const std::int64_t x1 = std::min<std::int64_t>(ox * g.sw - g.pw + g.kw, g.w);                     \
          for (std::int64_t ch = 0; ch < g.c; ++ch) dst[ch] = -std::numeric_limits<float>::infinity();     \
          for (std::int64_t y = y0; y < y1; ++y)                                                            \
            for (std::int64_t x = x0; x < x1; ++x) {                                                        \
              const float* __restrict p = src + ((b * g.h + y) * g.w + x) * g.c;                            \
              for (std::int64_t ch = 0; ch < g.c; ++ch) dst[ch] = dst[ch] < p[ch] ? p[ch] : dst[ch];        \
            }                                                                                               \
        }                                                                                                   \
      }                                                                                                     \
  }
FERGUARD_MAX_POOL(max_pool_generic, )
FERGUARD_MAX_POOL(max_pool_avx2, __attribute__((target("avx2"))))
#undef FERGUARD_MAX_POOL

// Whether x holds a NaN: |bits| above infinity's, i.e. 0x7f800000 - |bits| negative; with and, subtract and or only,
// so that it vectorises (AVX2 where the CPU has it).
#define FERGUARD_HAS_NAN(NAME, ATTR)                                                   \
  ATTR __attribute__((noinline)) bool NAME(const float* x, std::int64_t n) {          \
    const auto* bits = reinterpret_cast<const std::uint32_t*>(x);                       \
    std::uint32_t sign = 0;                                                             \
    for (std::int64_t i = 0; i < n; ++i) sign |= 0x7f800000u - (bits[i] & 0x7fffffffu); \
    return (sign & 0x80000000u) != 0;                                                   \
  }
FERGUARD_HAS_NAN(has_nan_generic, )
FERGUARD_HAS_NAN(has_nan_avx2, __attribute__((target("avx2"))))
#undef FERGUARD_HAS_NAN

bool has_nan(const float* x, std::int64_t n) {
  static const auto check = __builtin_cpu_supports("avx2") ? has_nan_avx2 : has_nan_generic;
  return check(x, n);
}

// A max pool over NHWC float memory without the indices: for each output pixel, the channel-wise maximum of the
// window's pixels inside the input (padding is -inf). Same values as at::max_pool2d (tested), which computes and
// writes the indices too: the emotion model's two pools took 75 us there. An input with a NaN goes to LibTorch's
// kernel, whose NaN wins its window.
at::Tensor max_pool2d_nhwc(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride, at::IntArrayRef padding,
                           bool ceil_mode) {
  static const auto pool = __builtin_cpu_supports("avx2") ? max_pool_avx2 : max_pool_generic;
  const std::int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const PoolGeometry g{n,         c,         h,         w,          pooled_size(h, kernel[0], stride[0], padding[0], ceil_mode),
                       pooled_size(w, kernel[1], stride[1], padding[1], ceil_mode), kernel[0], kernel[1], stride[0],
                       stride[1], padding[0], padding[1]};
  at::Tensor out = pool_empty({n, c, g.oh, g.ow}, at::kFloat, at::MemoryFormat::ChannelsLast);
  pool(g, x.data_ptr<float>(), out.data_ptr<float>());
  return out;
}
}  // namespace

// at::max_pool2d on a CPU tensor is max_pool2d_with_indices without the indices in LibTorch 1.13; NHWC float inputs
// take max_pool2d_nhwc.
at::Tensor max_pool2d(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride, at::IntArrayRef padding,
                      bool ceil_mode) {
  if (!poolable(x)) return at::max_pool2d(x, kernel, stride, padding, {1, 1}, ceil_mode);
  if (x.dim() == 4 && x.scalar_type() == at::kFloat && x.is_contiguous(at::MemoryFormat::ChannelsLast) &&
      x.size(1) > 1 && kernel.size() == 2 && stride.size() == 2 && padding.size() == 2 && 2 * padding[0] <= kernel[0] &&
      2 * padding[1] <= kernel[1] && !has_nan(x.data_ptr<float>(), x.numel()))
    return max_pool2d_nhwc(x, kernel, stride, padding, ceil_mode);
  at::Tensor out = pool_empty({0}, x.scalar_type(), at::MemoryFormat::Contiguous);
  at::Tensor indices = pool_empty({0}, at::kLong, at::MemoryFormat::Contiguous);
  at::max_pool2d_with_indices_out(out, indices, x, kernel, stride, padding, {1, 1}, ceil_mode);
  return out;
}

at::Tensor avg_pool2d(const at::Tensor& x, at::IntArrayRef kernel, at::IntArrayRef stride) {
  return unary(x, [&](at::Tensor& o) { at::avg_pool2d_out(o, x, kernel, stride); },
               [&] { return at::avg_pool2d(x, kernel, stride); });
}

// constant_pad_nd's own out form computes into a temporary and copies; this is its kernel (fill, then copy the input
// into the middle) on a pool buffer. Negative padding (cropping) takes the at:: function.
at::Tensor constant_pad_nd(const at::Tensor& x, at::IntArrayRef pad, double value) {
  bool cropping = pad.size() % 2 != 0 || static_cast<std::int64_t>(pad.size()) > 2 * x.dim();
  for (const std::int64_t p : pad) cropping = cropping || p < 0;
  if (!poolable(x) || cropping) return at::constant_pad_nd(x, pad, value);
  std::vector<std::int64_t> sizes = x.sizes().vec();
  const std::int64_t rank = x.dim();
  for (std::size_t i = 0; i < pad.size() / 2; ++i) sizes[rank - 1 - i] += pad[2 * i] + pad[2 * i + 1];
  at::Tensor out = pool_empty(sizes, x.scalar_type(), x.suggest_memory_format());
  out.fill_(value);
  at::Tensor middle = out;
  for (std::size_t i = 0; i < pad.size() / 2; ++i)
    middle = middle.narrow(rank - 1 - static_cast<std::int64_t>(i), pad[2 * i], x.size(rank - 1 - i));
  middle.copy_(x);
  return out;
}

at::Tensor cat(at::TensorList parts, std::int64_t dim) {
  bool pool = !parts.empty();
  for (const at::Tensor& p : parts) pool = pool && poolable(p);
  if (!pool) return at::cat(parts, dim);
  at::Tensor out = pool_empty({0}, parts.front().scalar_type(), at::MemoryFormat::Contiguous);
  at::cat_out(out, parts, dim);
  return out;
}

at::Tensor mean(const at::Tensor& x, at::IntArrayRef dims, bool keepdim) {
  return unary(x, [&](at::Tensor& o) { at::mean_out(o, x, dims, keepdim); },
               [&] { return at::mean(x, dims, keepdim); });
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const c10::optional<at::Tensor> b = bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt;
  if (!poolable(x) || needs_grad(weight) || needs_grad(bias)) return at::linear(x, weight, b);
  at::Tensor out = pool_empty({0}, x.scalar_type(), at::MemoryFormat::Contiguous);
  at::linear_out(out, x, weight, b);
  return out;
}
}  // namespace act

}  // namespace ferguard::detail

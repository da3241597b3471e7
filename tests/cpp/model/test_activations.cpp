// Activation pools (lib/model/activations.h): the pool-aware ops against the plain at:: functions (the reference),
// buffer reuse, the trimming rule, lifetimes past the pool, gradients, and threads sharing one pool.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <c10/core/InferenceMode.h>

#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include "ferguard/model/faceapi_nets.h"
#include <limits>

#include "model/activations.h"
#include "model/conv.h"
#include "model/faceapi_landmark.h"
#include "model/faceapi_modules.h"
#include "model/faceapi_ssd.h"
#include "model/tfjs_weights.h"

namespace ferguard::detail {
namespace {

// Every pool-aware op on the same inputs, as one list of outputs.
std::vector<at::Tensor> every_op(const at::Tensor& x, const at::Tensor& y, const at::Tensor& bias) {
  return {act::relu(x),
          act::clamp(x, 0.0, 0.5),
          act::sigmoid(x),
          act::add(x, y),
          act::add(x, bias),  // broadcasting
          act::sub(x, y),
          act::mul(x, bias),
          act::div(x, y.abs() + 1.0),
          act::maximum(x, y),
          act::minimum(x, y),
          act::max_pool2d(x, {3, 3}, {2, 2}),
          act::max_pool2d(x, {3, 3}, {2, 2}, {1, 1}),
          act::max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, /*ceil_mode=*/true),
          act::avg_pool2d(x, {2, 2}, {2, 2}),
          act::constant_pad_nd(x, {0, 1, 2, 0}, 0.0),
          act::constant_pad_nd(x, {1, 1, 1, 1}, -7.5),
          act::cat({x, y}, 1),
          act::cat({x, y}, 0),
          act::mean(x, {2, 3}),
          act::mean(x, {1}, /*keepdim=*/true),
          act::linear(x.flatten(1), at::ones({5, x[0].numel()}) * 0.01, at::arange(5, at::kFloat)),
          conv2d(x, conv_weight_layout(at::full({4, x.size(1), 3, 3}, 0.1f)), at::ones({4}), {2, 2}, {1, 1}, {0, 1},
                 {1, 1}, 1, ConvActivation::relu)};
}

class PooledOps : public ::testing::TestWithParam<bool> {};  // parameter: channels-last inputs

TEST_P(PooledOps, GiveTheSameBytesAsThePlainFunctions) {
  at::manual_seed(3);
  at::MemoryFormat format = GetParam() ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const at::Tensor x = at::randn({2, 6, 9, 11}).contiguous(format);
  const at::Tensor y = at::randn({2, 6, 9, 11}).contiguous(format);
  const at::Tensor bias = at::randn({1, 6, 1, 1});
  const std::vector<at::Tensor> plain = every_op(x, y, bias);
  for (const at::Tensor& t : plain) EXPECT_FALSE(is_pooled(t));

  ActivationPool pool;
  std::vector<at::Tensor> pooled;
  {
    ActivationScope scope(pool);
    pooled = every_op(x, y, bias);
  }
  ASSERT_EQ(pooled.size(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(is_pooled(pooled[i]) || pooled[i].numel() == 0);
    ASSERT_EQ(pooled[i].sizes(), plain[i].sizes());
    EXPECT_EQ(pooled[i].suggest_memory_format(), plain[i].suggest_memory_format());
    EXPECT_TRUE(at::equal(pooled[i], plain[i]));
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, PooledOps, ::testing::Values(false, true));

// The pool's NHWC max pool against at::max_pool2d: windows, strides, padding, ceil mode (a last window that starts
// in the padding or runs past the input), -inf; and an input with a NaN (LibTorch's kernel, where NaN wins).
TEST(PooledOps, MaxPoolWithoutIndicesEqualsLibTorch) {
  at::manual_seed(8);
  at::Tensor finite = at::randn({2, 10, 13, 12});
  finite[1][2].fill_(-std::numeric_limits<float>::infinity());
  at::Tensor with_nan = finite.clone();
  with_nan[0][3][4][5] = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    std::int64_t k, s, p;
    bool ceil;
  };
  ActivationPool pool;
  for (const at::Tensor& input : {finite, with_nan}) {
    const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
    for (const Case& c : {Case{3, 2, 0, false}, Case{3, 2, 1, false}, Case{2, 2, 0, true}, Case{3, 2, 1, true},
                          Case{2, 1, 1, true}, Case{5, 3, 2, true}, Case{1, 1, 0, false}}) {
      const at::Tensor want = at::max_pool2d(x, {c.k, c.k}, {c.s, c.s}, {c.p, c.p}, {1, 1}, c.ceil);
      ActivationScope scope(pool);
      const at::Tensor got = act::max_pool2d(x, {c.k, c.k}, {c.s, c.s}, {c.p, c.p}, c.ceil);
      const std::string what = std::to_string(c.k) + " " + std::to_string(c.s) + " " + std::to_string(c.p) + " " +
                               std::to_string(c.ceil) + (input.isnan().any().item<bool>() ? " with a NaN" : "");
      ASSERT_EQ(got.sizes(), want.sizes()) << what;
      EXPECT_TRUE(is_pooled(got)) << what;
      EXPECT_TRUE(got.is_contiguous(at::MemoryFormat::ChannelsLast)) << what;
      EXPECT_TRUE(at::equal(got.isnan(), want.isnan())) << what;
      EXPECT_TRUE(at::equal(got.nan_to_num(0.0), want.nan_to_num(0.0))) << what;
    }
  }
}

TEST(ActivationPool, ASecondCallOnTheSameShapesTakesNothingFromMalloc) {
  const at::Tensor x = at::randn({1, 8, 64, 64});
  const at::Tensor w = conv_weight_layout(at::randn({16, 8, 3, 3}));
  ActivationPool pool;
  auto call = [&] {
    ActivationScope scope(pool);
    at::Tensor h = conv2d(x, w, {}, 1, 1);
    h = act::add(act::relu(h), h);
    return act::mean(act::max_pool2d(h, {2, 2}, {2, 2}), {2, 3}).clone();
  };
  const at::Tensor first = call();
  const ActivationPool::Stats after_first = pool.stats();
  EXPECT_GT(after_first.allocations, 0);
  EXPECT_EQ(after_first.live_bytes, 0u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(at::equal(call(), first));
  const ActivationPool::Stats after = pool.stats();
  EXPECT_EQ(after.allocations, after_first.allocations);
  EXPECT_GT(after.reuses, after_first.reuses);
  EXPECT_EQ(after.cached_bytes, after_first.cached_bytes);
}

TEST(ActivationPool, BuffersOfAShapeNoLongerUsedAreReleasedAfterTwoCalls) {
  ActivationPool pool;
  auto call = [&](std::int64_t side) {
    ActivationScope scope(pool);
    const at::Tensor x = at::ones({1, 4, side, side});
    (void)act::relu(act::add(x, x));
  };
  call(256);
  const std::size_t big = pool.stats().cached_bytes;
  EXPECT_GE(big, 2u * 4 * 256 * 256 * sizeof(float) - 4096);
  call(16);
  EXPECT_GE(pool.stats().cached_bytes, big);  // one call without them: still cached
  call(16);
  const ActivationPool::Stats s = pool.stats();
  EXPECT_LT(s.cached_bytes, 4u * 4 * 16 * 16 * sizeof(float) + 4 * 4096);
  EXPECT_GT(s.released, 0);
}

TEST(ActivationPool, ATensorMayOutliveItsPoolAndItsScope) {
  at::Tensor kept;
  {
    ActivationPool pool;
    ActivationScope scope(pool);
    kept = act::add(at::ones({3, 1000}), at::ones({3, 1000}));
    ASSERT_TRUE(is_pooled(kept));
  }
  // The pool and the scope are gone; the buffer is still the tensor's and is freed with it (ASan checks the rest).
  EXPECT_EQ(kept.sum().item<float>(), 6000.0f);
  kept.add_(1.0f);
  EXPECT_EQ(kept.sum().item<float>(), 9000.0f);
}

TEST(ActivationPool, TensorsThatNeedAGradientStayOutAndGradientsFlow) {
  ActivationPool pool;
  ActivationScope scope(pool);
  const at::Tensor x = at::randn({1, 3, 8, 8}).requires_grad_(true);
  const at::Tensor y = act::relu(act::mul(x, at::full({1, 3, 1, 1}, 2.0f)));
  EXPECT_FALSE(is_pooled(y));
  y.sum().backward();
  EXPECT_TRUE(at::equal(x.grad(), (x > 0).to(at::kFloat) * 2.0f));
  {
    at::NoGradGuard no_grad;
    EXPECT_TRUE(is_pooled(act::relu(x)));  // no gradient wanted: from the pool
  }
}

TEST(ActivationPool, WithoutAScopeNothingComesFromAPool) {
  ActivationPool pool;
  EXPECT_FALSE(activation_scope_open());
  EXPECT_FALSE(is_pooled(act::add(at::ones({100}), at::ones({100}))));
  EXPECT_FALSE(is_pooled(new_activation({4, 4}, at::kFloat)));
  {
    ActivationScope scope(pool);
    EXPECT_TRUE(activation_scope_open());
    EXPECT_TRUE(is_pooled(new_activation({4, 4}, at::kFloat)));
  }
  EXPECT_FALSE(activation_scope_open());
  EXPECT_EQ(pool.stats().live_bytes, 0u);
}

TEST(ActivationPool, NestedScopesUseTheInnerPoolAndRestoreTheOuter) {
  ActivationPool outer, inner;
  ActivationScope a(outer);
  const at::Tensor t1 = new_activation({256}, at::kFloat);
  {
    ActivationScope b(inner);
    const at::Tensor t2 = new_activation({512}, at::kFloat);
    EXPECT_EQ(inner.stats().live_bytes, 512 * sizeof(float));
  }
  const at::Tensor t3 = new_activation({128}, at::kFloat);
  EXPECT_EQ(outer.stats().live_bytes, (256 + 128) * sizeof(float));
  EXPECT_EQ(inner.stats().live_bytes, 0u);
}

TEST(ActivationPool, ThreadsSharingOnePoolNeverShareABufferInFlight) {
  ActivationPool pool;
  const at::Tensor w = conv_weight_layout(at::randn({8, 4, 3, 3}));
  const at::Tensor x = at::randn({1, 4, 32, 32});
  at::Tensor expected;
  {
    at::NoGradGuard no_grad;
    expected = act::relu(conv2d(x, w, {}, 1, 1));
  }
  constexpr int kThreads = 4, kCalls = 50;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      at::NoGradGuard no_grad;
      for (int i = 0; i < kCalls; ++i) {
        ActivationScope scope(pool);
        // Several live buffers at once, each written with this thread's values, then checked.
        std::vector<at::Tensor> live;
        for (int k = 0; k < 3; ++k) live.push_back(new_activation({4096}, at::kFloat).fill_(float(t * 100 + k)));
        const at::Tensor y = act::relu(conv2d(x, w, {}, 1, 1));
        for (int k = 0; k < 3; ++k)
          if (!at::equal(live[k], at::full({4096}, float(t * 100 + k)))) ++failures[t];
        if (!at::equal(y, expected)) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(pool.stats().live_bytes, 0u);
}

// Each face-api net's whole forward pass, with its pool (twice: fresh and reused buffers) against no pool: the same
// bytes. The op-level test above checks each op; this one checks that the nets use them without changing a value.
TEST(ActivationPool, TheFaceapiNetsGiveTheSameBytesWithAndWithoutAPool) {
  const auto manifest = [](const std::string& model) {
    return (std::filesystem::path(resolve_models_dir()) / (model + "-weights_manifest.json")).string();
  };
  for (const char* m : {"face_expression_model", "face_recognition_model", "face_landmark_68_model", "ssd_mobilenetv1_model"})
    if (!std::filesystem::exists(manifest(m))) GTEST_SKIP() << "face-api weights not found: run scripts/fetch_models.sh";
  c10::InferenceMode guard;
  at::manual_seed(5);
  const auto check = [](const char* name, const std::function<at::Tensor()>& forward) {
    SCOPED_TRACE(name);
    const at::Tensor plain = forward().clone();
    ActivationPool pool;
    for (int call = 0; call < 2; ++call) {
      ActivationScope scope(pool);
      EXPECT_TRUE(at::equal(forward(), plain)) << "call " << call;
    }
    EXPECT_GT(pool.stats().reuses, 0);
  };
  const at::Tensor x112 = at::rand({2, 3, 112, 112}) - 0.5, x150 = at::rand({2, 3, 150, 150}) - 0.5;
  ExpressionNetImpl expression(TfjsWeights::load(manifest("face_expression_model")));
  check("expression", [&] { return expression.forward(x112); });
  RecognitionNetImpl recognition(TfjsWeights::load(manifest("face_recognition_model")));
  check("recognition", [&] { return recognition.forward(x150); });
  FaceLandmark68NetImpl landmarks(TfjsWeights::load(manifest("face_landmark_68_model")));
  check("landmarks", [&] { return landmarks.forward(x112); });
  SsdMobilenetV1Impl ssd(TfjsWeights::load(manifest("ssd_mobilenetv1_model")));
  const at::Tensor x512 = at::rand({1, 3, 512, 512}) * 2.0 - 1.0;
  check("detector", [&] {
    const SsdRawOutput r = ssd.forward(x512);
    return at::cat({r.box_encodings.flatten(), r.class_logits.flatten()});
  });
}

}  // namespace
}  // namespace ferguard::detail

// The `template` enhancer's k-Same banks against a naive per-face mean, and what reaches its output.
#include <gtest/gtest.h>

#include <vector>

#include "ferguard/error.h"
#include "ferguard/labels.h"
#include "learn/nets.h"

namespace ferguard {
namespace {

constexpr int kIds = 5;

struct Sample {
  torch::Tensor stream;  // 2x3x3
  int64_t identity, expression;
};

// Training streams for 5 identities; identity 4 has no "surprised" face, so some cells are empty.
std::vector<Sample> samples() {
  torch::manual_seed(7);
  std::vector<Sample> out;
  for (int64_t id = 0; id < kIds; ++id)
    for (int64_t e = 0; e < kNumExpressions; ++e) {
      if (id == 4 && e == 6) continue;
      for (int k = 0; k < 1 + (id + e) % 3; ++k) out.push_back({torch::rand({2, 3, 3}), id, e});
    }
  return out;
}

learn::TemplateBank fitted(const std::vector<Sample>& s) {
  learn::TemplateBank bank(kIds, 2, 3);
  std::vector<torch::Tensor> streams;
  std::vector<int64_t> ids, exprs;
  for (const auto& x : s) {
    streams.push_back(x.stream);
    ids.push_back(x.identity);
    exprs.push_back(x.expression);
  }
  // Two calls: fitting accumulates.
  const int64_t half = static_cast<int64_t>(s.size()) / 2, n = static_cast<int64_t>(s.size());
  torch::Tensor all = torch::stack(streams), id = torch::tensor(ids), ex = torch::tensor(exprs);
  bank->fit(all.slice(0, 0, half), id.slice(0, 0, half), ex.slice(0, 0, half));
  bank->fit(all.slice(0, half, n), id.slice(0, half, n), ex.slice(0, half, n));
  return bank;
}

// The mean stream of `expression` over the identities in `identity`'s group at strength s, by definition.
torch::Tensor naive_template(const std::vector<Sample>& s, int64_t identity, int64_t expression, double strength) {
  const int g = learn::identity_groups(strength, kIds);
  torch::Tensor sum = torch::zeros({2, 3, 3});
  int count = 0;
  for (const auto& x : s)
    if (x.expression == expression && x.identity % g == identity % g) {
      sum += x.stream;
      ++count;
    }
  if (count == 0)  // the documented fallback: the expression's mean over every identity
    for (const auto& x : s)
      if (x.expression == expression) {
        sum += x.stream;
        ++count;
      }
  return sum / count;
}

TEST(TemplateBank, OneHotWeightsGiveTheGroupMeanAtEveryStrength) {
  const auto s = samples();
  learn::TemplateBank bank = fitted(s);
  for (double strength : {0.1, 0.25, 0.5, 0.75, 1.0})
    for (int64_t id = 0; id < kIds; ++id)
      for (int64_t e = 0; e < kNumExpressions; ++e) {
        torch::Tensor p = torch::zeros({1, kNumExpressions});
        p[0][e] = 1.0f;
        const torch::Tensor got = bank->forward(p, torch::tensor({id}), torch::full({1}, strength))[0];
        EXPECT_LT((got - naive_template(s, id, e, strength)).abs().max().item<float>(), 1e-5f)
            << "strength " << strength << " identity " << id << " expression " << e;
      }
}

TEST(TemplateBank, SoftWeightsMixTheTemplatesLinearly) {
  const auto s = samples();
  learn::TemplateBank bank = fitted(s);
  const torch::Tensor p = torch::softmax(torch::randn({3, kNumExpressions}), 1);
  const torch::Tensor id = torch::tensor({0, 3, 4});
  const torch::Tensor strength = torch::tensor({0.5f, 1.0f, 0.25f});
  const torch::Tensor got = bank->forward(p, id, strength);
  for (int64_t i = 0; i < 3; ++i) {
    torch::Tensor want = torch::zeros({2, 3, 3});
    for (int64_t e = 0; e < kNumExpressions; ++e)
      want += p[i][e] * naive_template(s, id[i].item<int64_t>(), e, strength[i].item<float>());
    EXPECT_LT((got[i] - want).abs().max().item<float>(), 1e-5f) << i;
  }
}

TEST(TemplateBank, AnEmptyBankIsAModelError) {
  learn::TemplateBank empty(0, 3, 1);
  EXPECT_THROW(empty->forward(torch::ones({1, kNumExpressions}) / kNumExpressions, torch::tensor({int64_t{0}}),
                              torch::ones({1})),
               ModelError);
  learn::TemplateBank bank(kIds, 2, 3);
  EXPECT_THROW(bank->fit(torch::zeros({1, 3, 3, 3}), torch::tensor({int64_t{0}}), torch::tensor({int64_t{0}})),
               ModelError);
}

TEST(TemplateEnhancer, KeepsAStreamAtZeroAndOnlyTheControllersOutputsReachItAtOne) {
  learn::Privatizer p(4, 1, EnhancerKind::templates, kIds, 3);
  torch::manual_seed(3);
  const torch::Tensor train = torch::rand({kIds * kNumExpressions, 3, 3, 3});
  const torch::Tensor ids = torch::arange(kIds).repeat_interleave(kNumExpressions);
  const torch::Tensor exprs = torch::arange(kNumExpressions).repeat({kIds});
  p->t_low->fit(train, ids, exprs);
  p->t_high->fit(train * 0.5, ids, exprs);

  const torch::Tensor low = torch::rand({2, 3, 3, 3}), high = torch::rand({2, 3, 3, 3});
  const torch::Tensor expression = torch::one_hot(torch::tensor({2, 2}), kNumExpressions).to(torch::kFloat32);
  const torch::Tensor id = torch::tensor({0, 3});
  // Strength 0 on both streams: the face itself.
  const torch::Tensor zero = torch::zeros({2});
  EXPECT_TRUE(torch::equal(p->enhance_templates(low, high, zero, zero, expression, id, id), low + high));
  // Strength 1 on both: two different faces of two identities with the same expression give the same output.
  const torch::Tensor one = torch::ones({2});
  const torch::Tensor out = p->enhance_templates(low, high, one, one, expression, id, id);
  EXPECT_TRUE(torch::allclose(out[0], out[1]));
  // One stream only: the other is kept as it was.
  const torch::Tensor low_only = p->enhance_templates(low, high, one, zero, expression, id, id);
  EXPECT_TRUE(torch::allclose(low_only - high, p->t_low->forward(expression, id, one)));
}

}  // namespace
}  // namespace ferguard

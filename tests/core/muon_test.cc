#include "core/muon.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// p(x) = a x + b x^3 + c x^5 with airbench94_muon's coefficients, applied n times.
double Quintic(double x, int n) {
  for (int i = 0; i < n; ++i) x = 3.4445 * x - 4.7750 * x * x * x + 2.0315 * std::pow(x, 5);
  return x;
}

NewtonSchulzOptions Fp64(int64_t steps) {
  NewtonSchulzOptions o;
  o.steps = steps;
  o.eps = 0;
  o.dtype = at::kDouble;
  return o;
}

// A 2 x 3 matrix with singular values (3, 4) in a rotated basis: U diag(3, 4) [I 0] V^T.
at::Tensor Rotated(const at::Tensor& u, const at::Tensor& v, double s0, double s1) {
  at::Tensor s = at::zeros({2, 3}, at::kDouble);
  s[0][0] = s0;
  s[1][1] = s1;
  return at::matmul(at::matmul(u, s), v.t());
}

at::Tensor Orthogonal(int64_t n, int64_t seed) {
  at::manual_seed(seed);
  return std::get<0>(at::linalg_qr(at::randn({n, n}, at::kDouble)));
}

TEST(NewtonSchulzTest, OneIterationMapsEachSingularValueThroughTheQuintic) {
  // G = diag(3, 4) (2 x 3): ||G|| = 5, so X has singular values 0.6 and 0.8, and one iteration
  // gives p(0.6) = 1.19326944, p(0.8) = 0.97648192 (by hand: 3.4445 * 0.6 - 4.7750 * 0.216
  // + 2.0315 * 0.07776).
  at::Tensor g = at::zeros({2, 3}, at::kDouble);
  g[0][0] = 3;
  g[1][1] = 4;
  at::Tensor x = NewtonSchulz5(g, Fp64(1));
  at::Tensor expected = at::zeros({2, 3}, at::kDouble);
  expected[0][0] = 1.19326944;
  expected[1][1] = 0.97648192;
  EXPECT_TRUE(at::allclose(x, expected, 0, 1e-12)) << x;
  // In a rotated basis the singular vectors are kept: U p(S) V^T.
  at::Tensor u = Orthogonal(2, 1), v = Orthogonal(3, 2);
  at::Tensor y = NewtonSchulz5(Rotated(u, v, 3, 4), Fp64(3));
  EXPECT_TRUE(at::allclose(y, Rotated(u, v, Quintic(0.6, 3), Quintic(0.8, 3)), 0, 1e-12));
}

TEST(NewtonSchulzTest, TallMatricesAreTransposed) {
  at::manual_seed(3);
  at::Tensor g = at::randn({5, 3}, at::kDouble);
  EXPECT_TRUE(at::allclose(NewtonSchulz5(g, Fp64(3)), NewtonSchulz5(g.t(), Fp64(3)).t()));
}

TEST(NewtonSchulzTest, DtypeAndEps) {
  at::Tensor g = at::ones({2, 4});
  NewtonSchulzOptions o;
  o.dtype = at::kBFloat16;
  EXPECT_EQ(NewtonSchulz5(g, o).scalar_type(), at::kBFloat16);
  // eps only shifts the normalisation: X = G / (||G|| + eps), ||G|| = sqrt(8).
  NewtonSchulzOptions big_eps = Fp64(0);
  big_eps.eps = std::sqrt(8.0);
  EXPECT_TRUE(at::allclose(NewtonSchulz5(g.to(at::kDouble), big_eps),
                           g.to(at::kDouble) / 2 / std::sqrt(8.0)));
}

TEST(NewtonSchulzTest, BatchedEqualsPerMatrix) {
  // The six airbench94_muon shapes at small scale, a tall one, and column padding (9 -> 16).
  at::manual_seed(4);
  std::vector<at::Tensor> gs = {at::randn({4, 9}, at::kDouble), at::randn({4, 16}, at::kDouble),
                                at::randn({8, 16}, at::kDouble), at::randn({8, 36}, at::kDouble),
                                at::randn({7, 3}, at::kDouble)};
  for (at::ScalarType dtype : {at::kDouble, at::kFloat}) {
    NewtonSchulzOptions o;
    o.dtype = dtype;
    std::vector<at::Tensor> batched = BatchedNewtonSchulz5(gs, o);
    ASSERT_EQ(batched.size(), gs.size());
    const double tol = dtype == at::kDouble ? 1e-12 : 1e-5;
    for (size_t i = 0; i < gs.size(); ++i) {
      at::Tensor single = NewtonSchulz5(gs[i], o);
      ASSERT_EQ(batched[i].sizes(), gs[i].sizes());
      EXPECT_EQ(batched[i].scalar_type(), dtype);
      EXPECT_TRUE(at::allclose(batched[i], single, tol, tol)) << i << " " << c10::toString(dtype);
    }
  }
}

// A (2, 3, 1, 1) filter tensor (C_out = 2: a 2 x 3 matrix) and its gradient.
at::Tensor Filters(std::vector<double> values) {
  return at::tensor(values, at::kDouble).view({2, 3, 1, 1});
}

TEST(MuonTest, TwoStepsByHand) {
  // W = 2 * [[1 0 0] [0 1 0]]: ||W|| = 2 sqrt(2), so the normalisation (target sqrt(2)) halves it.
  at::Tensor w = Filters({2, 0, 0, 0, 2, 0}).requires_grad_(true);
  MuonOptions o;
  o.lr = 0.1;
  o.momentum = 0.6;
  o.newton_schulz = Fp64(3);
  Muon muon({w}, o);

  // Step 1, G1 = e_00: B = G1, G' = G1 + 0.6 B = 1.6 e_00, NS -> p^3(1) e_00 (rank one).
  w.mutable_grad() = Filters({1, 0, 0, 0, 0, 0});
  muon.Step(/*normalise_weights=*/true);
  const double p1 = Quintic(1.0, 3);
  EXPECT_TRUE(at::allclose(w, Filters({1 - 0.1 * p1, 0, 0, 0, 1, 0}), 0, 1e-12)) << w;

  // Step 2, G2 = e_11, lr 0.05: B = 0.6 e_00 + e_11, G' = e_11 + 0.6 B = diag(0.36, 1.6):
  // singular values 0.36 and 1.6 over their norm sqrt(0.36^2 + 1.6^2), each through p^3.
  // No normalisation on this step (hiverge's unscheduled steps).
  w.mutable_grad() = Filters({0, 0, 0, 0, 1, 0});
  muon.options().lr = 0.05;
  muon.Step(/*normalise_weights=*/false);
  const double n = std::hypot(0.36, 1.6);
  const double q0 = Quintic(0.36 / n, 3), q1 = Quintic(1.6 / n, 3);
  EXPECT_TRUE(
      at::allclose(w, Filters({1 - 0.1 * p1 - 0.05 * q0, 0, 0, 0, 1 - 0.05 * q1, 0}), 0, 1e-12))
      << w;
  EXPECT_TRUE(at::allclose(muon.momentum_buffers()[0], Filters({0.6, 0, 0, 0, 1, 0})));
}

TEST(MuonTest, NormalisationEpsAndDecoupledDecay) {
  // Zero gradient: NS(0) = 0, so only the normalisation and the decay act.
  // ||W|| = 5 (3-4-0): scale sqrt(2) / (5 + eps); decay 1 - lr * wd = 1 - 0.5 * 0.1 = 0.95.
  at::Tensor w = Filters({3, 0, 0, 4, 0, 0}).requires_grad_(true);
  MuonOptions o;
  o.lr = 0.5;
  o.weight_decay = 0.1;
  o.norm_eps = 1.0;
  o.newton_schulz = Fp64(3);
  o.newton_schulz.eps = 1e-7;
  Muon muon({w}, o);
  w.mutable_grad() = at::zeros_like(w);
  muon.Step(true);
  const double s = std::sqrt(2.0) / 6.0 * 0.95;
  EXPECT_TRUE(at::allclose(w, Filters({3 * s, 0, 0, 4 * s, 0, 0}), 0, 1e-12)) << w;
}

TEST(MuonTest, ParametersWithoutGradientAreUntouched) {
  at::Tensor a = Filters({2, 0, 0, 0, 2, 0}).requires_grad_(true);
  at::Tensor b = Filters({1, 2, 3, 4, 5, 6}).requires_grad_(true);
  MuonOptions o;
  o.lr = 0.1;
  o.weight_decay = 0.5;
  o.newton_schulz = Fp64(3);
  Muon muon({a, b}, o);
  a.mutable_grad() = Filters({1, 0, 0, 0, 0, 0});
  muon.Step(true);
  EXPECT_TRUE(at::equal(b, Filters({1, 2, 3, 4, 5, 6})));
  EXPECT_TRUE(at::equal(muon.momentum_buffers()[1], at::zeros_like(b)));
  muon.ZeroGrad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(MuonTest, BatchedStepEqualsPerMatrixStep) {
  at::manual_seed(5);
  std::vector<at::Tensor> ws = {at::randn({4, 3, 3, 3}), at::randn({8, 4, 3, 3}),
                                at::randn({2, 8, 3, 3})};
  std::vector<at::Tensor> grads;
  for (const at::Tensor& w : ws) grads.push_back(at::randn_like(w));
  std::vector<at::Tensor> results[2];
  for (int batched = 0; batched < 2; ++batched) {
    std::vector<at::Tensor> params;
    for (const at::Tensor& w : ws) params.push_back(w.clone().requires_grad_(true));
    MuonOptions o;
    o.lr = 0.2;
    o.batched = batched == 1;
    Muon muon(params, o);
    for (int step = 0; step < 2; ++step) {
      for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i] * (step + 1);
      muon.Step(step == 0);
    }
    results[batched] = params;
  }
  for (size_t i = 0; i < ws.size(); ++i) {
    EXPECT_TRUE(at::allclose(results[0][i], results[1][i], 1e-5, 1e-5)) << i;
  }
}

}  // namespace
}  // namespace cifarbench

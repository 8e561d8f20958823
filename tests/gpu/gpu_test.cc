// GPU tests (label/tag gpu): skipped, with a message, where no CUDA GPU is usable; run by the
// GPU runbook (tools/gpu/run.sh). Whatever a GPU case needs that a CPU can check (its recipe
// configurations) is checked by a case that runs everywhere. Each GPU case compares the CUDA path
// with a reference computed the plain way:
//   - a CUDA-graph-replayed training step against the eager step, from the same state and
//     batches (fp16, channels_last, the hlb network);
//   - the fp16 network's logits against the fp32 network's on the same weights;
//   - the augmentations on the GPU against the CPU implementation, given the same draws;
//   - the airbench plugin's captured step bodies (airbench94_muon's two: whitening bias
//     trained, then frozen; hiverge's four: that times Muon's normalisation on or off, with
//     fp16 BatchNorm and fp16 Newton-Schulz) against its eager steps, and the bias unchanged
//     after its freeze (the plugin checks it and fails the run otherwise), and airbench94's
//     (SGD with lookahead events between the replays);
//   - one Muon step and one SGD step on fp16 weights against the references' arithmetic (fp32,
//     rounded once).
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/cuda.h>
#include <torch/utils.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/augment.h"
#include "core/config.h"
#include "core/data.h"
#include "core/loss.h"
#include "core/muon.h"
#include "core/optim.h"
#include "core/plugin.h"
#include "core/registry.h"
#include "core/step.h"
#include "gtest/gtest.h"
#include "recipes/hlb/hlb_net.h"

namespace cifarbench {
namespace {

#define REQUIRE_GPU()                                                              \
  do {                                                                             \
    if (!torch::cuda::is_available()) {                                            \
      GTEST_SKIP() << "no usable CUDA GPU here (this LibTorch build "              \
                   << (at::hasCUDA() ? "has CUDA" : "has no CUDA")                 \
                   << "); the GPU runbook (tools/gpu/run.sh) runs these tests";    \
    }                                                                              \
  } while (0)

const at::Device kCuda(at::kCUDA, 0);

// max |a - b| / max(1, max |b|), in fp32.
double RelativeError(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor fa = a.detach().to(at::kFloat).cpu();
  const at::Tensor fb = b.detach().to(at::kFloat).cpu();
  const double scale = std::max(1.0, fb.abs().max().item<double>());
  return (fa - fb).abs().max().item<double>() / scale;
}

// hlb_record's network at widths 32/64/128.
hlb::HlbModel NarrowHlb() { return hlb::RecordModelConfig({32, 64, 128}); }

struct HlbTrainer {
  HlbTrainer(StepKind kind, const hlb::HlbNet& init) : net(NarrowHlb()) {
    {
      at::NoGradGuard no_grad;
      const auto src = init->parameters();
      const auto dst = net->parameters();
      for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
    }
    ToComputeLayout(*net, kCuda, at::kHalf, /*channels_last=*/true);
    std::vector<SgdGroup> groups(2);
    groups[0].name = "bias";
    groups[0].params = hlb::BiasParams(*net);
    groups[0].weight_decay = 5e-4;
    groups[1].name = "non_bias";
    groups[1].params = hlb::NonBiasParams(*net);
    groups[1].weight_decay = 5e-4;
    opt = std::make_unique<NesterovSgd>(v1::OPTIMIZER_KIND_SGD_NESTEROV, 0.85, groups);
    // hlb's step as recipes/hlb/hlb.cc writes it.
    bodies = std::make_unique<StepBodies>(kind, TrainedState(*net, *opt), [this] { opt->ZeroGrad(); });
    body = bodies->Add([this] {
      opt->ZeroGrad();
      at::Tensor logits = net->forward(x_in);
      at::Tensor loss = SmoothedCrossEntropySum(logits, y_in, 0.2);
      (loss * 0.5).backward();
      opt->StepOnDevice();
      out_loss = loss.detach();
      out_logits = logits.detach();
    });
  }
  void Feed(const at::Tensor& x, const at::Tensor& y) {
    bodies->Feed(x_in, x);
    bodies->Feed(y_in, y);
  }
  void Step(const at::Tensor& x, const at::Tensor& y) {
    Feed(x, y);
    opt->LoadRates();
    bodies->Run(body);
  }
  hlb::HlbNet net;
  std::unique_ptr<NesterovSgd> opt;
  std::unique_ptr<StepBodies> bodies;
  int body = -1;
  at::Tensor x_in, y_in, out_loss, out_logits;
};

TEST(GpuTest, GraphReplayedStepMatchesEagerStep) {
  REQUIRE_GPU();
#ifndef CIFARBENCH_WITH_CUDA
  GTEST_SKIP() << "this build of cifarbench has no CUDA graph support (CIFARBENCH_WITH_CUDA)";
#else
  at::globalContext().setBenchmarkCuDNN(true);
  torch::manual_seed(0);
  hlb::HlbNet init(NarrowHlb());
  hlb::ApplyDiracInit(*init);
  HlbTrainer eager(StepKind::kEager, init);
  HlbTrainer graph(StepKind::kGraph, init);
  const int64_t batch = 128;
  const at::Tensor images = at::randn({4 * batch, 3, 32, 32}, at::TensorOptions().device(kCuda))
                                .to(at::kHalf)
                                .contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor labels =
      at::one_hot(at::randint(10, {4 * batch}, at::TensorOptions().dtype(at::kLong).device(kCuda)), 10)
          .to(at::kFloat);
  eager.net->train();
  graph.net->train();
  graph.Feed(images.narrow(0, 0, batch), labels.narrow(0, 0, batch));
  graph.opt->LoadRates();
  graph.bodies->Prepare();
  for (int s = 0; s < 4; ++s) {
    for (HlbTrainer* t : {&eager, &graph}) {
      t->opt->groups()[0].lr = 0.02 * (s + 1);
      t->opt->groups()[1].lr = 0.01 * (s + 1);
    }
    const at::Tensor x = images.narrow(0, s * batch, batch);
    const at::Tensor y = labels.narrow(0, s * batch, batch);
    eager.Step(x, y);
    graph.Step(x, y);
    EXPECT_LT(RelativeError(graph.out_loss, eager.out_loss), 1e-2) << "step " << s << ": graph loss "
        << graph.out_loss.item<double>() << ", eager " << eager.out_loss.item<double>();
    EXPECT_LT(RelativeError(graph.out_logits, eager.out_logits), 2e-2) << "step " << s;
  }
  const auto pa = eager.net->parameters();
  const auto pb = graph.net->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_LT(RelativeError(pb[i], pa[i]), 1e-2) << "parameter " << i;
  }
  const auto ba = eager.net->buffers();
  const auto bb = graph.net->buffers();
  for (size_t i = 0; i < ba.size(); ++i) {
    EXPECT_LT(RelativeError(bb[i], ba[i]), 1e-2) << "buffer " << i;
  }
  // The graph really trained: its parameters left the initial ones.
  EXPECT_GT(RelativeError(pb[1], init->parameters()[1].to(kCuda)), 1e-4);
#endif
}

TEST(GpuTest, Fp16LogitsMatchFp32Logits) {
  REQUIRE_GPU();
  torch::manual_seed(1);
  hlb::HlbNet net32(NarrowHlb());
  hlb::ApplyDiracInit(*net32);
  hlb::HlbNet net16(NarrowHlb());
  {
    at::NoGradGuard no_grad;
    const auto src = net32->parameters();
    const auto dst = net16->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }
  ToComputeLayout(*net32, kCuda, at::kFloat, /*channels_last=*/false);
  ToComputeLayout(*net16, kCuda, at::kHalf, /*channels_last=*/true);
  net32->eval();
  net16->eval();
  at::NoGradGuard no_grad;
  const at::Tensor x = at::randn({256, 3, 32, 32}, at::TensorOptions().device(kCuda));
  const at::Tensor l32 = net32->forward(x);
  const at::Tensor l16 = net16->forward(x.to(at::kHalf).contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_EQ(l16.scalar_type(), at::kHalf);
  EXPECT_LT(RelativeError(l16, l32), 2e-2);
  // Same predictions for all but a few borderline images.
  const double agree = (l16.to(at::kFloat).argmax(1) == l32.argmax(1)).to(at::kFloat).mean().item<double>();
  EXPECT_GE(agree, 0.97);
}

TEST(GpuTest, AugmentationOnGpuEqualsCpuGivenTheSameDraws) {
  REQUIRE_GPU();
  torch::manual_seed(2);
  const int64_t n = 500;
  const at::Tensor raw = at::randint(256, {n, 3, 32, 32}, at::TensorOptions().dtype(at::kByte));
  const at::Tensor cpu_images = ReflectPad(Normalize(raw, at::kFloat), 2);
  const at::Tensor gpu_images = cpu_images.to(kCuda);

  const CropFlipDraws draws = DrawCropFlip(n, 4, 0.5, at::kCPU);
  CropFlipDraws gpu_draws{draws.offset_y.to(kCuda), draws.offset_x.to(kCuda), draws.flip.to(kCuda)};
  const at::Tensor crop_cpu = CropFlip(cpu_images, draws, 32);
  const at::Tensor crop_gpu = CropFlip(gpu_images, gpu_draws, 32);
  EXPECT_TRUE(at::equal(crop_gpu.cpu(), crop_cpu));

  const BoxDraws boxes = DrawBoxes(n, 32, 32, 12, at::kCPU);
  const BoxDraws gpu_boxes{boxes.top.to(kCuda), boxes.left.to(kCuda)};
  EXPECT_TRUE(at::equal(Cutout(crop_gpu, gpu_boxes, 12).cpu(), Cutout(crop_cpu, boxes, 12)));

  const at::Tensor labels = at::one_hot(at::randint(10, {n}), 10).to(at::kFloat);
  const at::Tensor perm = at::randperm(n);
  const CutmixResult mixed_cpu = Cutmix(crop_cpu, labels, perm, boxes, 12);
  const CutmixResult mixed_gpu =
      Cutmix(crop_gpu, labels.to(kCuda), perm.to(kCuda), gpu_boxes, 12);
  EXPECT_TRUE(at::equal(mixed_gpu.images.cpu(), mixed_cpu.images));
  EXPECT_TRUE(at::allclose(mixed_gpu.labels.cpu(), mixed_cpu.labels, 0, 1e-7));

  // And in the run's dtype (fp16 on CUDA): the gather moves values, so equal there too.
  EXPECT_TRUE(at::equal(CropFlip(gpu_images.to(at::kHalf), gpu_draws, 32).cpu(),
                        crop_cpu.to(at::kHalf)));
}

// The airbench graph cases below: each recipe with the override that freezes its whitening bias
// after the first of 3 epochs (the block that holds whiten_bias_epochs is the recipe's own:
// `sgd` beside Muon, `legacy_sgd` for airbench94).
struct AirbenchGraphCase {
  const char* recipe;
  const char* bias_epochs;
};
constexpr AirbenchGraphCase kAirbenchMuonCase = {"airbench94_muon_smoke",
                                                 "airbench.sgd.whiten_bias_epochs=1"};
constexpr AirbenchGraphCase kHivergeCase = {"hiverge_record_smoke",
                                            "airbench.sgd.whiten_bias_epochs=1"};
constexpr AirbenchGraphCase kAirbench94Case = {"airbench94_smoke",
                                               "airbench.legacy_sgd.whiten_bias_epochs=1"};
constexpr const char* kStepModes[] = {"STEP_MODE_EAGER", "STEP_MODE_GRAPH"};

absl::StatusOr<v1::RecipeConfig> AirbenchGraphConfig(const AirbenchGraphCase& c,
                                                     const std::string& mode) {
  auto recipe = Registry::Get().FindRecipe(c.recipe);
  if (!recipe.ok()) return recipe.status();
  return LoadRecipeText(recipe->text, recipe->path,
                        {"train.epochs=3", "train.batch_size=500", "eval.batch_size=500",
                         "train.step_mode=" + mode, c.bias_epochs},
                        {});
}

// Runs on every machine, GPU or not: each GPU case's configuration loads and passes the
// plugin's validation, so a wrong override fails here, in CI, rather than on a lent GPU (the
// airbench94 case once named `sgd`, which a legacy_sgd recipe refuses).
TEST(GpuCaseConfigTest, EveryAirbenchGraphCaseLoads) {
  for (const AirbenchGraphCase& c : {kAirbenchMuonCase, kHivergeCase, kAirbench94Case}) {
    for (const char* mode : kStepModes) {
      SCOPED_TRACE(std::string(c.recipe) + " " + mode);
      auto config = AirbenchGraphConfig(c, mode);
      ASSERT_TRUE(config.ok()) << config.status();
      EXPECT_EQ(config->train().epochs(), 3);
    }
  }
}

// An airbench recipe's procedure on the GPU on random data, 3 epochs with the whitening bias
// frozen after the first: the graph mode (its captured bodies) against the eager mode from the
// same seed, per epoch within fp16 tolerance; both runs end OK, so the bias did not move after
// its freeze.
void ExpectAirbenchGraphMatchesEager(const AirbenchGraphCase& c) {
  SCOPED_TRACE(c.recipe);
  at::manual_seed(5);
  DeviceData data;
  data.train_images = at::randint(256, {2000, 3, 32, 32}, at::kByte).to(kCuda);
  data.train_labels = at::randint(10, {2000}, at::kLong).to(kCuda);
  data.test_images = at::randint(256, {500, 3, 32, 32}, at::kByte).to(kCuda);
  data.test_labels = at::randint(10, {500}, at::kLong).to(kCuda);
  std::vector<v1::RunReport> reports;
  for (const char* mode : kStepModes) {
    SCOPED_TRACE(mode);
    auto config = AirbenchGraphConfig(c, mode);
    ASSERT_TRUE(config.ok()) << config.status();
    auto plugin = Registry::Get().FindPlugin("airbench");
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    RunInputs inputs;
    inputs.device = kCuda;
    inputs.data = &data;
    inputs.seed = 11;
    v1::RunReport report;
    absl::Status status = plugin->factory()->Run(*config, inputs, &report);
    ASSERT_TRUE(status.ok()) << status;
    reports.push_back(report);
  }
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].step_mode(), "eager");
  EXPECT_EQ(reports[1].step_mode(), "graph");
  ASSERT_EQ(reports[0].epochs_size(), 3);
  ASSERT_EQ(reports[1].epochs_size(), 3);
  for (int e = 0; e < 3; ++e) {
    SCOPED_TRACE(e);
    const double a = reports[0].epochs(e).train_loss(), b = reports[1].epochs(e).train_loss();
    EXPECT_NEAR(a, b, 0.02 * std::abs(a) + 1e-3);
  }
}

// airbench94_muon_smoke: fp16, channels_last, BN fp32, bf16 Newton-Schulz, two bodies.
TEST(GpuTest, AirbenchGraphStepsMatchEagerAcrossTheBiasFreeze) {
  REQUIRE_GPU();
  ExpectAirbenchGraphMatchesEager(kAirbenchMuonCase);
}

// hiverge_record_smoke: BN in fp16, batched fp16 Newton-Schulz, four bodies (the normalisation
// on its growing-interval steps), colour jitter, selective TTA, one timed interval.
TEST(GpuTest, HivergeGraphStepsMatchEagerAcrossTheBiasFreezeAndNormalisation) {
  REQUIRE_GPU();
  ExpectAirbenchGraphMatchesEager(kHivergeCase);
}

// airbench94_smoke: SGD + lookahead (eager blends into the captured bodies' tensors every 5
// steps, between replays), the whitening bias frozen after the first epoch.
TEST(GpuTest, Airbench94GraphStepsMatchEagerAcrossLookaheadAndTheBiasFreeze) {
  REQUIRE_GPU();
  ExpectAirbenchGraphMatchesEager(kAirbench94Case);
}

// One SGD step (torch.optim.SGD's Nesterov form) on fp16 CUDA weights at one of hlb's warm-up
// rates, 2e-6 (an fp16 subnormal: fp16 holds it as 2.0266e-6): the rate multiplies in fp32 and
// the update is added with one rounding, as `param.add_(grad, alpha=-lr)` with a Python float
// does. Before, the 0-dim fp32 rate tensor was cast to fp16 on CUDA (1.3% off here) and the
// product rounded twice. tests/core/optim_test.cc checks the same arithmetic on the CPU.
TEST(GpuTest, SgdFp16StepTakesTheRateInFp32LikeTorchOptimSgd) {
  REQUIRE_GPU();
  at::manual_seed(7);
  const double lr = 2e-6, mu = 0.9, wd = 0.5;
  const at::Tensor w0 = (at::randn({64, 576}) * 0.01).to(kCuda).to(at::kHalf);
  const at::Tensor grad = (at::randn({64, 576}) * 30).to(kCuda).to(at::kHalf);
  at::Tensor w = w0.clone().set_requires_grad(true);
  SgdGroup group;
  group.params = {w};
  group.lr = lr;
  group.weight_decay = wd;
  NesterovSgd sgd(v1::OPTIMIZER_KIND_SGD_NESTEROV, mu, {group});
  w.mutable_grad() = grad.clone();
  sgd.Step();
  at::NoGradGuard no_grad;
  const at::Tensor g = grad.add(w0, wd);  // fp16 ops with Python floats, as the reference
  const at::Tensor step = g.add(g, mu);   // g + mu v with v = g on the first step
  const at::Tensor want =
      (w0.to(at::kFloat) + step.to(at::kFloat) * static_cast<float>(-lr)).to(at::kHalf);
  const at::Tensor half_rate = (w0 + step * at::full({}, -lr, at::kHalf)).to(at::kHalf);
  const int64_t n = w.ne(want).sum().item<int64_t>();
  EXPECT_LE(n, w.numel() / 1000) << n << " of " << w.numel() << " weights differ";
  const double largest = want.to(at::kFloat).abs().max().item<double>();
  EXPECT_LE((w.to(at::kFloat) - want.to(at::kFloat)).abs().max().item<double>(),
            std::ldexp(largest, -10));
  // The test can tell: the fp16-rate arithmetic gives other weights.
  EXPECT_GT(half_rate.ne(want).sum().item<int64_t>(), w.numel() / 100);
}

// One Muon step on fp16 CUDA weights, with hiverge's decay: the update and the decay each
// computed in fp32 and rounded to fp16 once, as the references' `add_(update, alpha=-lr)` and
// `_foreach_mul_(params, 1 - lr * wd)` with Python floats do. A 0-dim fp32 CUDA rate tensor
// multiplied into fp16 weights is cast to fp16 first (unlike a CPU scalar), which rounds
// 1 - lr * wd = 0.99967 to 0.99951: that changed a large share of the weights; fp32 arithmetic
// that rounds in a different order may move a rare element by one fp16 step.
TEST(GpuTest, MuonFp16StepRoundsOnceInFp32LikeTheReferences) {
  REQUIRE_GPU();
  at::NoGradGuard no_grad;
  at::manual_seed(3);
  const double lr = 0.205, wd = 1.6002e-3;  // hiverge's first step: 1 - lr * wd = 0.99967
  at::Tensor w = (at::randn({64, 16 * 9}) * 0.05).to(kCuda).to(at::kHalf);
  const at::Tensor w0 = w.clone();
  at::Tensor grad = (at::randn({64, 16 * 9}) * 0.01).to(kCuda).to(at::kHalf);
  w.mutable_grad() = grad;
  MuonOptions options;
  options.lr = lr;
  options.momentum = 0;  // u = g
  options.weight_decay = wd;
  options.newton_schulz.dtype = at::kHalf;
  Muon muon({w}, options);
  muon.Step(/*normalise_weights=*/false);
  const at::Tensor orthogonal = NewtonSchulz5(grad, options.newton_schulz);
  const at::Tensor updated = (w0.to(at::kFloat) + orthogonal.to(at::kFloat) * -lr).to(at::kHalf);
  const at::Tensor want = (updated.to(at::kFloat) * (1.0 - lr * wd)).to(at::kHalf);
  const at::Tensor differ = w.ne(want);
  const int64_t n = differ.sum().item<int64_t>();
  EXPECT_LE(n, w.numel() / 1000) << n << " of " << w.numel() << " weights differ";
  // Where they differ, by one fp16 step at most (at most 2^-10 of the largest weight).
  const double largest = want.to(at::kFloat).abs().max().item<double>();
  EXPECT_LE((w.to(at::kFloat) - want.to(at::kFloat)).abs().max().item<double>(),
            std::ldexp(largest, -10));
  // The decay did act: the weights are not those of the update alone.
  EXPECT_GT(w.ne(updated).sum().item<int64_t>(), 0);
}

}  // namespace
}  // namespace cifarbench

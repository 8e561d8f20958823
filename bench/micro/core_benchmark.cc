// Microbenchmarks of the hot pieces on CPU (Google Benchmark, Debian's libbenchmark-dev):
// the whole-batch augmentation, one optimiser step, one EMA update, the data reader.
//
//   bazel run -c opt //bench/micro:core_benchmark -- --benchmark_min_time=0.5
//
// Sizes are the hlb recipe's (batch 1024, crop pad 2, cutmix 16) on its network at quarter
// width (16/64/128) so that a step fits a CPU's patience; threads: LibTorch's default, set to
// 2 here as on the development machines (CIFARBENCH_BENCH_THREADS overrides).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <benchmark/benchmark.h>
#include <torch/utils.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/augment.h"
#include "core/cifar.h"
#include "core/loss.h"
#include "core/optim.h"
#include "recipes/hlb/hlb_net.h"

namespace cifarbench {
namespace {

constexpr int64_t kBatch = 1024;
// hlb_record's network at a quarter of its widths (16/64/128 for 64/256/512).
const std::vector<int> kWidths = {16, 64, 128};

void SetThreads() {
  static bool done = false;
  if (done) return;
  const char* env = std::getenv("CIFARBENCH_BENCH_THREADS");
  at::set_num_threads(env != nullptr ? std::atoi(env) : 2);
  done = true;
}

// Crop + flip + cutmix of one batch of padded normalised images, with fresh draws.
void BM_AugmentBatch(benchmark::State& state) {
  SetThreads();
  torch::manual_seed(0);
  const at::Tensor raw = at::randint(256, {kBatch, 3, 32, 32}, at::TensorOptions().dtype(at::kByte));
  const at::Tensor padded = ReflectPad(Normalize(raw, at::kFloat), 2);
  const at::Tensor labels = at::one_hot(at::randint(10, {kBatch}), 10).to(at::kFloat);
  for (auto _ : state) {
    CropFlipDraws draws = DrawCropFlip(kBatch, 4, 0.5, at::kCPU);
    at::Tensor images = CropFlip(padded, draws, 32);
    CutmixResult mixed = Cutmix(images, labels, at::randperm(kBatch),
                                DrawBoxes(kBatch, 32, 32, 16, at::kCPU), 16);
    benchmark::DoNotOptimize(mixed.images.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_AugmentBatch)->Unit(benchmark::kMillisecond);

struct Net {
  Net() : net(hlb::RecordModelConfig(kWidths)), ema_net(hlb::RecordModelConfig(kWidths)) {
    std::vector<SgdGroup> groups(2);
    groups[0].name = "bias";
    groups[0].params = hlb::BiasParams(*net);
    groups[0].lr = 0.01;
    groups[0].weight_decay = 5e-4;
    groups[1].name = "non_bias";
    groups[1].params = hlb::NonBiasParams(*net);
    groups[1].lr = 0.01;
    groups[1].weight_decay = 5e-4;
    opt = std::make_unique<NesterovSgd>(v1::OPTIMIZER_KIND_SGD_NESTEROV, 0.85, groups);
    // Gradients to update with: one backward pass on a small batch.
    at::Tensor x = at::randn({32, 3, 32, 32});
    at::Tensor y = at::one_hot(at::randint(10, {32}), 10).to(at::kFloat);
    SmoothedCrossEntropySum(net->forward(x), y, 0.2).backward();
  }
  hlb::HlbNet net, ema_net;
  std::unique_ptr<NesterovSgd> opt;
};

// One optimiser update (foreach kernels over both groups); the gradients stay in place.
void BM_OptimizerStep(benchmark::State& state) {
  SetThreads();
  torch::manual_seed(0);
  Net n;
  for (auto _ : state) n.opt->Step();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OptimizerStep)->Unit(benchmark::kMicrosecond);

// One EMA update with hlb's copy-back (every parameter and buffer).
void BM_EmaUpdate(benchmark::State& state) {
  SetThreads();
  torch::manual_seed(0);
  Net n;
  NetworkEma ema(*n.net, *n.ema_net, hlb::EmaCopiesBack);
  ema.Snapshot();
  for (auto _ : state) ema.Update(0.98);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EmaUpdate)->Unit(benchmark::kMicrosecond);

// Reading and validating one CIFAR-10 batch file (10,000 records, 30.7 MB) from the page cache.
void BM_ReadCifarBatch(benchmark::State& state) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "cifarbench_benchmark_batch.bin").string();
  {
    std::vector<char> bytes(static_cast<size_t>(kCifarRecordBytes) * kCifarRecordsPerFile);
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>(i % kCifarRecordBytes == 0 ? (i / kCifarRecordBytes) % 10
                                                              : i % 251);
    }
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  for (auto _ : state) {
    auto split = ReadCifarBatchFile(path);
    if (!split.ok()) {
      state.SkipWithError(std::string(split.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(split->images.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kCifarRecordBytes) *
                          kCifarRecordsPerFile);
  std::filesystem::remove(path);
}
BENCHMARK(BM_ReadCifarBatch)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cifarbench

BENCHMARK_MAIN();

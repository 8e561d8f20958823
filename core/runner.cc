#include "core/runner.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/config.h"
#include "core/aggregate.h"
#include "core/console.h"
#include "core/context.h"
#include "core/flops.h"
#include "core/profile.h"
#include "core/registry.h"
#include "core/report_io.h"
#include "core/sha256.h"
#include "core/status_macros.h"

namespace cifarbench {

const char kTimedRegion[] =
    "train_s: the training epochs only, augmentation included (data loading, initialisation "
    "and every evaluation excluded; hlb-CIFAR10's convention). time_to_result_s: "
    "initialisation (whitening, dirac) + training + the final evaluation with TTA (airbench's "
    "convention). Per-epoch evaluation is in no headline figure. Spans on CUDA end with a "
    "device synchronize at both ends; on CPU a steady clock.";

namespace {

// The plugins' progress and epoch rows, to the console reporter.
class ConsoleObserver : public RunObserver {
 public:
  explicit ConsoleObserver(ConsoleReporter& console) : console_(console) {}
  bool WantsStepLoss() const override { return console_.wants_progress(); }
  void OnStep(int64_t step, int64_t steps, double loss, double elapsed_s) override {
    console_.Progress(step, steps, loss, elapsed_s);
  }
  void OnEpoch(const v1::EpochRow& row) override { console_.Epoch(row); }

 private:
  ConsoleReporter& console_;
};

std::string HeadlineName(const v1::EvalConfig& eval) {
  std::string s = eval.headline_network() == v1::EVAL_NETWORK_EMA ? "ema" : "live";
  if (eval.headline_tta() == v1::TTA_FLIP) s += "+flip_tta";
  if (eval.headline_tta() == v1::TTA_SIX_VIEW) s += "+six_view_tta";
  if (eval.headline_tta() == v1::TTA_SELECTIVE) s += "+selective_tta";
  return s;
}

// Runs a fresh instance of the plugin: the one place where what LibTorch throws becomes a
// Status. Out of memory (c10::OutOfMemoryError, what LibTorch's CUDA allocator throws) becomes
// ResourceExhausted naming the batch sizes and what to change; any other c10::Error or
// std::exception becomes Internal with its message.
absl::Status RunPluginCatching(const PluginInfo& plugin_info, const v1::RecipeConfig& config,
                               const RunInputs& inputs, v1::RunReport* report) {
  try {
    std::unique_ptr<Plugin> plugin = plugin_info.factory();
    return plugin->Run(config, inputs, report);
  } catch (const c10::OutOfMemoryError& e) {
    std::string what = e.what_without_backtrace();
    if (const size_t eol = what.find('\n'); eol != std::string::npos) what.resize(eol);
    const int64_t batch = config.train().batch_size();
    return absl::ResourceExhaustedError(absl::StrCat(
        "out of memory on ", inputs.device.str(), " at train.batch_size=", batch,
        " (eval.batch_size=", config.eval().batch_size(), ", ",
        v1::Precision_Name(config.precision()), "): ", what, ". Lower the batch size, e.g. ",
        "--set train.batch_size=", std::max<int64_t>(1, batch / 2),
        " (the recipe's published numbers assume ", batch,
        ") or --set eval.batch_size=", std::max<int64_t>(1, config.eval().batch_size() / 2),
        " if it ran out while evaluating; or free the device's memory (another process may "
        "hold it: nvidia-smi)"));
  } catch (const c10::Error& e) {
    return absl::InternalError(e.what_without_backtrace());
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

// One run whose report the caller discards (the warm-up, the profiled run): its status, and
// its wall time in `seconds`.
absl::Status UntimedRun(const PluginInfo& plugin_info, const v1::RecipeConfig& config,
                        const DeviceData& data, const RunnerOptions& options,
                        v1::RunReport* scratch, double* seconds) {
  RunInputs inputs;
  inputs.device = options.device;
  inputs.data = &data;
  inputs.seed = config.seed();
  inputs.stop_requested = options.stop_requested;
  const auto start = std::chrono::steady_clock::now();
  const absl::Status status = RunPluginCatching(plugin_info, config, inputs, scratch);
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return status;
}

}  // namespace

void SetTimeToTarget(const v1::RecipeConfig& config, v1::RunReport* report) {
  report->set_target_epoch(-1);
  report->set_time_to_target_s(0);
  if (config.target_accuracy() <= 0) return;
  const bool ema = config.eval().headline_network() == v1::EVAL_NETWORK_EMA;
  for (const v1::EpochRow& row : report->epochs()) {
    if (!row.evaluated()) continue;
    if (ema && !row.ema_evaluated()) continue;
    const double acc = ema ? row.ema_val_acc() : row.val_acc();
    if (acc >= config.target_accuracy()) {
      report->set_target_epoch(row.epoch());
      report->set_time_to_target_s(row.total_train_seconds());
      return;
    }
  }
}

void RecomputeAggregates(const v1::RecipeConfig& config, v1::BenchReport* bench) {
  std::vector<std::pair<std::string, double>> recipes;  // in first-run order, with targets
  for (const v1::Aggregate& a : bench->aggregates()) recipes.emplace_back(a.recipe(), a.target_accuracy());
  auto known = [&](const std::string& name) {
    for (const auto& r : recipes) {
      if (r.first == name) return true;
    }
    return false;
  };
  if (!known(config.name())) recipes.emplace_back(config.name(), config.target_accuracy());
  bench->clear_aggregates();
  for (const auto& [name, target] : recipes) {
    std::vector<const v1::RunReport*> runs;
    for (const auto& r : bench->runs()) {
      if (r.recipe() == name) runs.push_back(&r);
    }
    *bench->add_aggregates() = Aggregate(name, target, runs);
  }
}

v1::RecipeConfig WarmupConfig(const v1::RecipeConfig& config) {
  v1::RecipeConfig warm = config;
  if (!config.train().warmup().full_run()) {
    warm.mutable_train()->set_epochs(std::min(config.train().epochs(), 1.0));
  }
  warm.mutable_eval()->set_per_epoch(false);
  warm.mutable_eval()->set_headline_network(v1::EVAL_NETWORK_LIVE);
  warm.set_runs(1);
  return warm;
}

absl::StatusOr<v1::BenchReport> RunRecipe(const v1::RecipeConfig& config,
                                          const DeviceData& data, const RunnerOptions& options) {
  CB_ASSIGN_OR_RETURN(PluginInfo plugin_info, Registry::Get().FindPlugin(config.plugin()));
  ConsoleReporter console(options.out, options.progress);  // everything this prints
  const std::string config_text = RecipeToText(config);
  const std::string config_sha = Sha256HexDigest(config_text);

  // cuDNN picks the fastest convolution algorithms for each shape (autotuned in the warm-up).
  if (options.device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
  v1::BenchReport local;
  v1::BenchReport& bench = options.accumulate != nullptr ? *options.accumulate : local;
  if (bench.schema_version() == 0) {
    bench.set_schema_version(kReportSchemaVersion);
    *bench.mutable_context() = CollectContext(options.device);
  }

  // The network's cost, once per config (a CPU forward pass of a fresh network).
  v1::NetworkCost cost;
  // CIFARBENCH_SKIP_COST=1 skips the count (reports then carry no FLOP figures).
  const char* skip_cost = std::getenv("CIFARBENCH_SKIP_COST");
  if (skip_cost == nullptr || std::string(skip_cost) != "1") try {
    NetworkHandle net = plugin_info.factory()->BuildNetwork(config);
    if (net.module != nullptr && net.forward) {
      NetworkCost c = CountNetworkCost(*net.module, net.forward);
      cost.set_params_total(c.params_total);
      cost.set_params_trained(c.params_trained);
      cost.set_forward_macs_per_image(c.forward_macs);
      cost.set_forward_flops_per_image(c.ForwardFlops());
    }
  } catch (const c10::Error& e) {
    return absl::InvalidArgumentError(absl::StrCat("building the ", config.plugin(),
                                                   " network failed: ",
                                                   e.what_without_backtrace()));
  }
  console.Network(cost);

  if (options.warmup) {
    const v1::RecipeConfig warm = WarmupConfig(config);
    v1::Warmup* w = bench.mutable_warmup();
    const v1::WarmupConfig& wc = config.train().warmup();
    w->set_what(absl::StrCat("one untimed run of the recipe with train.epochs=",
                             warm.train().epochs(), wc.full_run() ? " (the whole recipe)" : "",
                             wc.random_images() ? ", on random images and labels"
                             : wc.random_labels() ? ", on random labels" : "",
                             ", no per-epoch evaluation, live headline, seed ", config.seed(),
                             "; its report is discarded"));
    console.Notice(absl::StrCat("warm-up: ", w->what()));
    v1::RunReport scratch;
    double seconds = 0;
    // Random labels (and images) as airbench94_muon's and hiverge's warm-ups draw them, from
    // their own generator seeded by the recipe's seed, on the data's device.
    DeviceData random_data;
    if (wc.random_labels() || wc.random_images()) {
      at::Generator gen = at::detail::createCPUGenerator(config.seed());
      auto labels = [&](const at::Tensor& like) {
        return at::randint(10, like.sizes(), gen, at::TensorOptions().dtype(at::kLong)).to(like.device());
      };
      auto images = [&](const at::Tensor& like) {
        return at::randint(256, like.sizes(), gen, at::TensorOptions().dtype(at::kByte)).to(like.device());
      };
      random_data.train_images = wc.random_images() ? images(data.train_images) : data.train_images;
      random_data.test_images = wc.random_images() ? images(data.test_images) : data.test_images;
      random_data.train_labels = labels(data.train_labels);
      random_data.test_labels = labels(data.test_labels);
    }
    const DeviceData& warm_data =
        wc.random_labels() || wc.random_images() ? random_data : data;
    const absl::Status status = UntimedRun(plugin_info, warm, warm_data, options, &scratch, &seconds);
    w->set_seconds(seconds);
    w->set_ran(status.ok());
    if (!status.ok()) {
      w->set_what(absl::StrCat(w->what(), "; FAILED: ", status.message()));
    }
    console.Notice(absl::StrFormat("warm-up: %s in %.2f s", status.ok() ? "done" : "FAILED",
                                   w->seconds()));
  } else if (!bench.has_warmup()) {  // a sweep's later jobs keep the first job's record
    bench.mutable_warmup()->set_what(absl::StrCat(
        "none: ", options.no_warmup_reason.empty() ? "not asked" : options.no_warmup_reason));
  }

  if (!options.profile_path.empty()) {
    console.Notice(absl::StrCat("profile: one untimed run of ", config.name(),
                                " under LibTorch's profiler"));
    CB_RETURN_IF_ERROR(StartProfiler(options.device));
    v1::RunReport scratch;
    double seconds = 0;
    const absl::Status status = UntimedRun(plugin_info, config, data, options, &scratch, &seconds);
    absl::StatusOr<std::vector<ProfiledEvent>> events = StopProfiler();
    if (!events.ok()) return events.status();
    const ProfileSummary summary = SummarizeProfile(*events);
    const std::string what = absl::StrFormat(
        "%s, seed %llu, on %s (%s); one untimed run of %.2f s wall under the profiler (%s), "
        "train_s %.3f s",
        config.name(), static_cast<unsigned long long>(config.seed()), options.device.str(),
        bench.context().device_name(), seconds,
        status.ok() ? "OK" : absl::StrCat("FAILED: ", status.message()),
        scratch.timings().train_s());
    CB_RETURN_IF_ERROR(WriteFileAtomically(options.profile_path, ProfileMarkdown(summary, what)));
    console.Notice(absl::StrFormat(
        "profile: %s (%d CPU and %d GPU events%s)", options.profile_path, summary.cpu_events,
        summary.gpu_events,
        summary.gpu_span_ns > 0
            ? absl::StrFormat("; GPU busy %.1f%% of the kernels' span",
                              100.0 * summary.gpu_busy_ns / summary.gpu_span_ns)
            : ""));
  }

  ConsoleObserver observer(console);
  const int runs = std::max(1, config.runs());
  for (int i = 0; i < runs; ++i) {
    if (options.stop_requested != nullptr && options.stop_requested->load()) break;
    const uint64_t seed = config.seed() + static_cast<uint64_t>(i);
    v1::RunReport* report = bench.add_runs();
    report->set_schema_version(kReportSchemaVersion);
    *report->mutable_context() = bench.context();
    report->mutable_context()->set_date(NowIso8601());
    report->set_recipe(config.name());
    report->set_plugin(config.plugin());
    report->set_config_text(config_text);
    report->set_config_sha256(config_sha);
    report->set_seed(seed);
    report->set_headline(HeadlineName(config.eval()));
    report->set_timed_region(kTimedRegion);
    report->mutable_timings()->set_data_s(options.data_s);
    console.RunHeader(*report, i + 1, runs, options.device.str());

    RunInputs inputs;
    inputs.device = options.device;
    inputs.data = &data;
    inputs.seed = seed;
    inputs.observer = &observer;
    inputs.stop_requested = options.stop_requested;
    if ((options.save_logits || options.save_weights) && !options.out_path.empty()) {
      std::string stem = options.out_path;
      if (absl::EndsWith(stem, ".json")) stem.resize(stem.size() - 5);
      inputs.artifacts_prefix = absl::StrCat(stem, ".", config.name(), ".seed", seed);
      inputs.save_logits = options.save_logits;
      inputs.save_weights = options.save_weights;
    }

    const auto wall_start = std::chrono::steady_clock::now();
    const absl::Status status = RunPluginCatching(plugin_info, config, inputs, report);
    {
      v1::NetworkCost* c = report->mutable_cost();
      *c = cost;
      c->set_train_flops(3.0 * static_cast<double>(cost.forward_flops_per_image()) *
                         static_cast<double>(report->train_images()));
      if (report->timings().train_s() > 0) {
        c->set_achieved_tflops(c->train_flops() / report->timings().train_s() / 1e12);
      }
    }
    SetTimeToTarget(config, report);
    report->mutable_timings()->set_wall_s(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count());
    if (!status.ok()) {
      report->set_status(v1::RUN_STATUS_FAILED);
      report->set_message(std::string(status.message()));
    } else if (report->status() == v1::RUN_STATUS_UNSPECIFIED) {
      report->set_status(v1::RUN_STATUS_OK);
    }
    console.RunResult(i + 1, *report);

    RecomputeAggregates(config, &bench);
    if (!options.out_path.empty()) {
      CB_RETURN_IF_ERROR(WriteJsonAtomically(options.out_path, bench));
    }
    if (absl::IsResourceExhausted(status) && i + 1 < runs) {
      // The same config would run out the same way: the report keeps the finished runs.
      console.Notice(absl::StrFormat("out of memory: the remaining %d run(s) of %s are not started",
                                     runs - i - 1, config.name()));
      break;
    }
    if (report->status() == v1::RUN_STATUS_DIVERGED && options.stop_on_divergence) {
      console.Notice("--stop_on_divergence: the remaining runs are not started");
      if (options.diverged != nullptr) *options.diverged = true;
      break;
    }
  }
  for (const v1::Aggregate& a : bench.aggregates()) {
    if (a.recipe() == config.name()) console.Summary(a);
  }
  return bench;
}

}  // namespace cifarbench

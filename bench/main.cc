// The cifarbench runner: runs a shipped recipe (--recipe) or a user's config (--config) and
// writes a bench report. `bazel run //bench -- --help` lists the flags.
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/flags.h"
#include "core/cifar.h"
#include "core/config.h"
#include "core/context.h"
#include "core/data.h"
#include "core/host_memory.h"
#include "core/registry.h"
#include "core/report_io.h"
#include "core/runner.h"
#include "core/sweep.h"
#include "core/user_path.h"
#include "core/timer.h"

ABSL_FLAG(std::string, recipe, "", "Name of a shipped recipe (see --list).");
ABSL_FLAG(std::string, config, "", "Path of a RecipeConfig text proto to run instead.");
ABSL_FLAG(int, runs, 0, "Number of runs (seeds seed, seed+1, ...); 0 = the recipe's.");
ABSL_FLAG(int64_t, seed, -1, "First seed; -1 = the recipe's.");
ABSL_FLAG(std::string, device, "auto", "auto, cpu, cuda or cuda:N.");
ABSL_FLAG(std::string, data_dir, "",
          "CIFAR-10 binary folder; default $CIFAR10_DIR, ../shared/cifar10 beside the source "
          "tree, ~/.cache/cifarbench/cifar10.");
ABSL_FLAG(std::string, out, "", "Write the bench report (JSON) here, after every run.");
ABSL_FLAG(bool, list, false, "List the registered recipes and plugins, then exit.");
ABSL_FLAG(bool, print_config, false,
          "Print the resolved config (overrides applied, the plugin's settings block last), "
          "then as comments every unset setting with the value it takes; then exit.");
ABSL_FLAG(std::string, describe, "",
          "PLUGIN: list the settings of PLUGIN's recipe block (`PLUGIN { ... }`), field by "
          "field with types and enum values, then exit.");
ABSL_FLAG(int, threads, 0, "CPU threads for LibTorch; 0 = every core.");
ABSL_FLAG(std::string, host_malloc, "retain",
          "retain or system: retain (glibc) serves large blocks from the heap and never returns "
          "freed memory, so the CPU step's activations reuse mapped pages instead of faulting "
          "in fresh ones every step (core/host_memory.h); system keeps the C library's "
          "defaults. Recorded in each report's context.");
ABSL_FLAG(std::string, warmup, "auto",
          "auto, on or off: one short untimed run of the recipe before the timed ones (cuDNN "
          "autotuning, allocator growth, graph capture); auto = on for CUDA, off for CPU.");
// --set and --plugin_lib are repeatable; they are taken out of argv before absl parses it (an
// absl vector flag would split `model.widths=16,64,128` at its commas). Declared for --help.
ABSL_FLAG(std::string, set, "",
          "Override a config field, repeatable: --set train.batch_size=512 --set "
          "hlb.optimizer.non_bias.lr=0.01 --set precision=PRECISION_FP32 --set "
          "hlb.model.widths=16,64,128 (the plugin's settings under its name: --describe)");
ABSL_FLAG(bool, verify_data, false,
          "Check every CIFAR-10 file against the SHA256SUMS beside it (tools/fetch_cifar10.sh "
          "writes one) before loading; stops with the damaged file's name.");
ABSL_FLAG(bool, stop_on_divergence, false,
          "Stop at the first run whose loss is NaN or Inf (status DIVERGED, its report written) "
          "instead of going on with the remaining runs and sweep jobs.");
ABSL_FLAG(std::string, profile, "",
          "FILE.md: before the timed runs, one more untimed run under LibTorch's profiler, "
          "summarised into FILE.md (GPU busy time against the kernels' span, top kernels and "
          "operators); the timed runs are not profiled. Not with --grid or --shard.");
ABSL_FLAG(bool, save_logits, false,
          "Save each run's final test logits (headline network, headline TTA) beside the "
          "report: <out without .json>.<recipe>.seed<S>.logits.pt (torch::save). Needs --out.");
ABSL_FLAG(bool, save_weights, false,
          "Save each run's final headline-network weights beside the report: "
          "<out without .json>.<recipe>.seed<S>.weights.pt. Needs --out.");
ABSL_FLAG(std::string, grid, "",
          "Sweep: field.path=v1,v2,... (repeatable); the cross product of the settings, each "
          "run for --runs seeds. Each point is its own recipe in the report, named "
          "NAME[field=v,...].");
ABSL_FLAG(std::string, shard, "0/1",
          "i/n (0-based): run only every n-th job of the sweep (jobs are the grid points x "
          "seeds, in order), starting at job i; combine the shard reports with bench/merge.");
ABSL_FLAG(std::string, plugin_lib, "",
          "Load a plugin shared library before running (repeatable).");

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

void OnSignal(int sig) {
  if (g_stop.exchange(true)) {
    // A second signal: stop now.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal.store(sig);
}

// Exit codes (README "Exit codes"): 0 every run OK; 1 a run FAILED, or something outside the
// input went wrong (a file that cannot be read or written); 2 bad input: a flag, a config or
// override, an unknown recipe or plugin, a plugin library that cannot be loaded or registers
// nothing; 128 + N interrupted by signal N.
int Fail(const absl::Status& status) {
  std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

// Removes every `--name=value` / `--name value` from argv and returns the values.
std::vector<std::string> TakeRepeatedFlag(const std::string& name, int* argc, char** argv) {
  std::vector<std::string> values;
  const std::string eq = "--" + name + "=";
  const std::string bare = "--" + name;
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string arg = argv[i];
    if (absl::StartsWith(arg, eq)) {
      values.push_back(arg.substr(eq.size()));
    } else if (arg == bare && i + 1 < *argc) {
      values.push_back(argv[++i]);
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = nullptr;
  return values;
}

absl::Status LoadPluginLibrary(const std::string& path) {
  const std::string resolved = cifarbench::ResolveUserPath(path);
  // RTLD_GLOBAL: the plugin's references to core resolve against this binary's exports.
  const size_t plugins_before = cifarbench::Registry::Get().Plugins().size();
  if (dlopen(resolved.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--plugin_lib=", path, ": cannot load ", resolved, ": ", dlerror()));
  }
  if (cifarbench::Registry::Get().Plugins().size() == plugins_before) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--plugin_lib=", path, ": ", resolved,
        " registered no plugin (a plugin library registers one with CIFARBENCH_REGISTER_PLUGIN; "
        "was it built against another runner, or loaded twice?)"));
  }
  return absl::OkStatus();
}

void PrintList() {
  const auto& registry = cifarbench::Registry::Get();
  std::printf("%-24s %-10s %s\n", "recipe", "plugin", "description");
  for (const auto& r : registry.Recipes()) {
    std::string description;
    auto config = cifarbench::LoadRecipeText(r.text, r.path, {}, registry.PluginNames());
    if (config.ok()) {
      description = config->description();
    } else {  // tests/recipes:recipe_files_test fails on a shipped one; a plugin library's may
      const std::string message(config.status().message());
      description = "DOES NOT LOAD: " + message.substr(0, message.find('\n'));
    }
    std::printf("%-24s %-10s %s\n", r.name.c_str(), r.plugin.c_str(), description.c_str());
  }
  std::printf("\n%-24s %s\n", "plugin", "description");
  for (const auto& p : registry.Plugins()) {
    std::printf("%-24s %s\n", p.name.c_str(), p.description.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "runs a cifarbench recipe.\n"
      "  bench --recipe=NAME | --config=FILE [--runs=N] [--seed=S] [--device=auto|cpu|cuda]\n"
      "        [--data_dir=DIR] [--out=report.json] [--set field.path=value ...]\n"
      "        [--plugin_lib=lib.so ...] [--list] [--print_config]\n"
      "        [--describe=PLUGIN]");
  std::vector<std::string> overrides = TakeRepeatedFlag("set", &argc, argv);
  std::vector<std::string> plugin_libs = TakeRepeatedFlag("plugin_lib", &argc, argv);
  std::vector<std::string> grid_flags = TakeRepeatedFlag("grid", &argc, argv);
  absl::StatusOr<std::vector<std::string>> rest =
      cifarbench::ParseFlags(std::vector<std::string>(argv, argv + argc));
  if (!rest.ok()) return Fail(rest.status());  // exit 2, as any bad input
  if (!rest->empty()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", rest->front(), "' (flags are --name=value)")));
  }
  const std::string host_malloc = absl::GetFlag(FLAGS_host_malloc);
  if (host_malloc != "retain" && host_malloc != "system") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--host_malloc must be retain or system, got '", host_malloc, "'")));
  }
  cifarbench::ConfigureHostMalloc(host_malloc == "retain" ? cifarbench::HostMalloc::kRetain
                                                          : cifarbench::HostMalloc::kSystem);
  for (const std::string& lib : plugin_libs) {
    if (absl::Status s = LoadPluginLibrary(lib); !s.ok()) return Fail(s);
  }
  if (absl::GetFlag(FLAGS_list)) {
    PrintList();
    return 0;
  }
  if (!absl::GetFlag(FLAGS_describe).empty()) {
    const std::string plugin = absl::GetFlag(FLAGS_describe);
    auto info = cifarbench::Registry::Get().FindPlugin(plugin);
    if (!info.ok()) return Fail(absl::InvalidArgumentError(info.status().message()));
    const std::string settings = cifarbench::DescribeSettings(plugin);
    std::printf("plugin %s: %s\n%s", plugin.c_str(), info->description.c_str(),
                settings.empty() ? "no settings (its recipes have no block)\n" : settings.c_str());
    return 0;
  }

  // ---- Resolve the config ----
  const std::string recipe = absl::GetFlag(FLAGS_recipe);
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (recipe.empty() == config_path.empty()) {
    return Fail(absl::InvalidArgumentError(
        "give exactly one of --recipe=NAME (see --list) or --config=FILE"));
  }
  if (absl::GetFlag(FLAGS_runs) > 0) {
    overrides.push_back(absl::StrCat("runs=", absl::GetFlag(FLAGS_runs)));
  }
  if (absl::GetFlag(FLAGS_seed) >= 0) {
    overrides.push_back(absl::StrCat("seed=", absl::GetFlag(FLAGS_seed)));
  }
  const std::vector<std::string> plugins = cifarbench::Registry::Get().PluginNames();
  auto load = [&](const std::vector<std::string>& sets)
      -> absl::StatusOr<cifarbench::v1::RecipeConfig> {
    if (!recipe.empty()) {
      auto info = cifarbench::Registry::Get().FindRecipe(recipe);
      if (!info.ok()) return absl::InvalidArgumentError(info.status().message());  // bad input: 2
      return cifarbench::LoadRecipeText(info->text, info->path, sets, plugins);
    }
    return cifarbench::LoadRecipeFile(cifarbench::ResolveUserPath(config_path), sets, plugins);
  };
  absl::StatusOr<cifarbench::v1::RecipeConfig> config = load(overrides);
  if (!config.ok()) return Fail(config.status());

  // ---- Sweep: grid points x seeds, sharded ----
  auto grid = cifarbench::ParseGrid(grid_flags);
  if (!grid.ok()) return Fail(grid.status());
  auto shard = cifarbench::ParseShard(absl::GetFlag(FLAGS_shard));
  if (!shard.ok()) return Fail(shard.status());
  std::vector<cifarbench::SweepJob> jobs;
  {
    auto planned = cifarbench::PlanSweep(*grid, *config, *shard, load, overrides);
    if (!planned.ok()) return Fail(planned.status());
    jobs = *std::move(planned);
  }
  if (absl::GetFlag(FLAGS_print_config)) {
    std::fputs(cifarbench::RecipeToText(*config).c_str(), stdout);
    std::fputs(cifarbench::RecipeUnsetFieldsText(*config).c_str(), stdout);
    return 0;
  }

  // ---- Device and data ----
  const int threads = absl::GetFlag(FLAGS_threads);
  at::set_num_threads(threads > 0 ? threads
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  auto device = cifarbench::ChooseDevice(absl::GetFlag(FLAGS_device));
  if (!device.ok()) return Fail(device.status());
  const std::string warmup = absl::GetFlag(FLAGS_warmup);
  if (warmup != "auto" && warmup != "on" && warmup != "off") {
    return Fail(absl::InvalidArgumentError("--warmup=" + warmup + ": expected auto, on or off"));
  }
  if ((absl::GetFlag(FLAGS_save_logits) || absl::GetFlag(FLAGS_save_weights)) &&
      absl::GetFlag(FLAGS_out).empty()) {
    return Fail(absl::InvalidArgumentError(
        "--save_logits and --save_weights write beside the report: give --out=report.json"));
  }
  // Before the data is loaded: a bad flag costs nothing.
  if (!absl::GetFlag(FLAGS_profile).empty() && (!grid->empty() || shard->count != 1)) {
    return Fail(absl::InvalidArgumentError(
        "--profile profiles one recipe's run: not with --grid or --shard"));
  }
  auto data_dir = cifarbench::ResolveDataDir(cifarbench::DataDirQueryFromEnvironment(
      absl::GetFlag(FLAGS_data_dir), cifarbench::SourceRoot()));
  if (!data_dir.ok()) return Fail(data_dir.status());
  if (absl::GetFlag(FLAGS_verify_data)) {
    if (absl::Status s = cifarbench::VerifyCifarChecksums(*data_dir); !s.ok()) return Fail(s);
    std::printf("data: %s verified against its SHA256SUMS\n", data_dir->c_str());
  }
  cifarbench::SpanTimer data_timer(*device);
  data_timer.Start();
  auto dataset = cifarbench::LoadCifar10(*data_dir, config->data().train_subset(),
                                         config->data().test_subset());
  if (!dataset.ok()) return Fail(dataset.status());
  cifarbench::DeviceData data = cifarbench::ToDevice(*dataset, *device);
  const double data_s = data_timer.Stop();
  std::printf("data: %s (%lld train, %lld test images) on %s in %.2f s\n", data_dir->c_str(),
              static_cast<long long>(dataset->train.size),
              static_cast<long long>(dataset->test.size), device->str().c_str(), data_s);
  dataset = cifarbench::CifarDataset();  // the host copy is no longer needed

  // ---- Run ----
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  cifarbench::RunnerOptions options;
  options.device = *device;
  options.out_path = absl::GetFlag(FLAGS_out).empty()
                         ? ""
                         : cifarbench::ResolveUserPath(absl::GetFlag(FLAGS_out));
  if (!options.out_path.empty()) {
    for (const std::string& f : cifarbench::RemoveStaleTemporaries(options.out_path)) {
      std::printf("removed %s (left by a writer that was killed)\n", f.c_str());
    }
  }
  // The progress line reads each step's loss from the device: on CUDA that is a host sync per
  // step, which would stall the captured graphs' pipelining inside the timed region. So only on
  // the CPU (where it costs nothing measurable), and only on a terminal.
  options.progress = isatty(fileno(stdout)) != 0 && !device->is_cuda();
  options.stop_requested = &g_stop;
  options.data_s = data_s;
  options.warmup = warmup == "on" || (warmup == "auto" && device->is_cuda());
  options.no_warmup_reason = warmup == "off" ? "--warmup=off"
                                             : "--warmup=auto warms up on CUDA only, and this "
                                               "run is on the CPU";
  bool diverged = false;
  options.stop_on_divergence = absl::GetFlag(FLAGS_stop_on_divergence);
  if (!absl::GetFlag(FLAGS_profile).empty()) {
    options.profile_path = cifarbench::ResolveUserPath(absl::GetFlag(FLAGS_profile));
  }
  options.diverged = &diverged;
  options.save_logits = absl::GetFlag(FLAGS_save_logits);
  options.save_weights = absl::GetFlag(FLAGS_save_weights);
  absl::StatusOr<cifarbench::v1::BenchReport> report;
  if (grid->empty() && shard->count == 1) {
    report = cifarbench::RunRecipe(*config, data, options);
  } else {
    // One report for the whole shard, written after every run.
    cifarbench::v1::BenchReport all;
    options.accumulate = &all;
    std::printf("sweep: %zu job(s) in shard %d/%d\n", jobs.size(), shard->index, shard->count);
    for (const cifarbench::SweepJob& job : jobs) {
      if (g_stop.load() || diverged) break;
      report = cifarbench::RunRecipe(job.config, data, options);
      if (!report.ok()) return Fail(report.status());
      options.warmup = false;  // once per process
    }
    report = all;
  }
  if (!report.ok()) return Fail(report.status());
  if (!options.out_path.empty()) std::printf("report: %s\n", options.out_path.c_str());
  if (g_stop.load()) {
    const int sig = g_signal.load();
    std::fprintf(stderr, "interrupted by signal %d; finished runs are in the report\n", sig);
    return 128 + sig;
  }
  for (const auto& run : report->runs()) {
    if (run.status() == cifarbench::v1::RUN_STATUS_FAILED) return 1;
  }
  return 0;
}

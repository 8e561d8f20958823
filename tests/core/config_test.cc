// Tests for core/config (parsing, overrides, validation, canonical text) and core/sha256.
// Every config is inline so that the expected line:column can be read off the raw string:
// kGoodRecipe's first line is line 1 and each test changes one substring of one line.
#include "core/config.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "core/settings.h"
#include "core/sha256.h"
#include "recipes/hlb/hlb.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// The lines (1-based) of the fields the tests touch are listed after it.
constexpr char kGoodRecipe[] = R"recipe(name: "hlb_test"
plugin: "hlb"
description: "a valid recipe for the tests"
data { train_subset: 0 test_subset: 0 }
train {
  batch_size: 1024
  epochs: 10
}
eval {
  headline_network: EVAL_NETWORK_EMA
  headline_tta: TTA_FLIP
  batch_size: 2500
}
precision: PRECISION_AUTO
seed: 1
runs: 1
target_accuracy: 0.94
hlb {
  model {
    widths: 64
    widths: 256
    widths: 512
    whiten_kernel_size: 2
    bn_momentum: 0.4
  }
  optimizer {
    kind: OPTIMIZER_KIND_SGD_NESTEROV
    momentum: 0.85
    non_bias { lr: 2.0 weight_decay: 0.0005 }
    bias { lr: 64.0 weight_decay: 0.0001 }
  }
  loss {
    label_smoothing: 0.2
    scale: 0.5
  }
  schedule {
    kind: SCHEDULE_KIND_ONE_CYCLE_LINEAR
    pct_start: 0.25
    div_factor: 10
    final_lr_ratio: 0.07
  }
  augment {
    pad: 2
    flip_probability: 0.5
    cutmix_size: 0
  }
  ema {
    enabled: true
    start_epoch: 3
    every_n_steps: 5
    decay_base: 0.95
    decay_pow: 3
  }
}
)recipe";
// Lines: 1 name, 2 plugin, 5 train {, 6 batch_size, 7 epochs, 14 precision, 15 seed, 16 runs,
// 18 hlb {, 19 model {, 20-22 widths, 26 optimizer {, 27 kind, 29 non_bias, 30 bias,
// 36 schedule {, 37 kind, 38 pct_start, 39 div_factor, 44 flip_probability, 50 every_n_steps.

constexpr char kPath[] = "recipes/test/good.textproto";

// kGoodRecipe with `from` (which must occur exactly once) replaced by `to`.
std::string With(const std::string& from, const std::string& to) {
  const std::string good = kGoodRecipe;
  const size_t at = good.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(good.find(from, at + 1), std::string::npos) << from << " occurs twice";
  if (at == std::string::npos) return good;
  return good.substr(0, at) + to + good.substr(at + from.size());
}

absl::StatusOr<v1::RecipeConfig> Load(const std::string& text,
                                      const std::vector<std::string>& overrides = {},
                                      const std::vector<std::string>& plugins = {}) {
  return LoadRecipeText(text, kPath, overrides, plugins);
}

// The error message of a load that must fail with InvalidArgument.
std::string LoadError(const std::string& text, const std::vector<std::string>& overrides = {},
                      const std::vector<std::string>& plugins = {}) {
  absl::StatusOr<v1::RecipeConfig> config = Load(text, overrides, plugins);
  EXPECT_FALSE(config.ok());
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
  return std::string(config.status().message());
}

// The error message of one override applied to the good recipe.
std::string OverrideError(const std::string& assignment) {
  absl::StatusOr<v1::RecipeConfig> config = Load(kGoodRecipe);
  EXPECT_TRUE(config.ok()) << config.status();
  const absl::Status status = ApplyOverride(&*config, assignment);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

v1::RecipeConfig LoadOk(const std::string& text, const std::vector<std::string>& overrides = {}) {
  absl::StatusOr<v1::RecipeConfig> config = Load(text, overrides, {"hlb", "page"});
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : v1::RecipeConfig();
}

// --- The good recipe ---------------------------------------------------------------------------

TEST(ConfigTest, GoodRecipeLoads) {
  const v1::RecipeConfig config = LoadOk(kGoodRecipe);
  EXPECT_EQ(config.name(), "hlb_test");
  EXPECT_EQ(config.train().batch_size(), 1024);
  EXPECT_TRUE(config.has_settings());
  EXPECT_EQ(config.precision(), v1::PRECISION_AUTO);
  EXPECT_TRUE(ValidateRecipe(config, {"hlb"}).empty());
}

// --- Parse errors ------------------------------------------------------------------------------

TEST(ConfigParseTest, SyntaxError) {
  EXPECT_EQ(LoadError(With("batch_size: 1024", "batch_size 1024")),
            "recipes/test/good.textproto:6:14: Expected \":\", found \"1024\".");
}

TEST(ConfigParseTest, UnclosedMessage) {
  EXPECT_EQ(LoadError("name: \"x\"\ntrain {\n  batch_size: 1\n"),
            "recipes/test/good.textproto:4:1: Expected identifier, got: ");
}

TEST(ConfigParseTest, UnknownField) {
  EXPECT_EQ(LoadError(With("seed: 1", "sead: 1")),
            "recipes/test/good.textproto:15:1: Message type \"cifarbench.v1.RecipeConfig\" has "
            "no field named \"sead\". Did you mean \"seed\"?");
}

TEST(ConfigParseTest, UnknownNestedField) {
  EXPECT_EQ(LoadError(With("batch_size: 1024", "batch_sizee: 1024")),
            "recipes/test/good.textproto:6:3: Message type \"cifarbench.v1.TrainConfig\" has "
            "no field named \"batch_sizee\". Did you mean \"batch_size\"?");
}

TEST(ConfigParseTest, WrongType) {
  EXPECT_EQ(LoadError(With("batch_size: 1024", "batch_size: \"big\"")),
            "recipes/test/good.textproto:6:15: Expected integer, got: \"big\"");
}

TEST(ConfigParseTest, UnknownEnumValue) {
  EXPECT_EQ(LoadError(With("precision: PRECISION_AUTO", "precision: PRECISION_FP64")),
            "recipes/test/good.textproto:14:12: Unknown enumeration value of \"PRECISION_FP64\" "
            "for field \"precision\".");
}

TEST(ConfigParseTest, ErrorAfterTokenPointsAtTheToken) {
  // The parser notices these only at the following token (here: past a comment, on the next
  // line); the error still names the offending token's position.
  EXPECT_EQ(LoadError(With("precision: PRECISION_AUTO", "precision: PRECISION_FP64  # wide")),
            "recipes/test/good.textproto:14:12: Unknown enumeration value of \"PRECISION_FP64\" "
            "for field \"precision\".");
}

TEST(ConfigParseTest, TabsAdvanceColumnsToMultiplesOfEight) {
  EXPECT_EQ(LoadError(With("  batch_size: 1024", "\tbatch_sizee: 1024")),
            "recipes/test/good.textproto:6:9: Message type \"cifarbench.v1.TrainConfig\" has "
            "no field named \"batch_sizee\". Did you mean \"batch_size\"?");
  EXPECT_EQ(LoadError(With("  batch_size: 1024", "\tbatch_size: 0")),
            "recipes/test/good.textproto:6:9: train.batch_size must be > 0, got 0");
}

TEST(ConfigParseTest, IntOutOfRange) {
  EXPECT_EQ(LoadError(With("batch_size: 1024", "batch_size: 4294967296")),
            "recipes/test/good.textproto:6:15: Integer out of range (4294967296)");
}

TEST(ConfigParseTest, RepeatedSingularField) {
  EXPECT_EQ(LoadError(With("seed: 1", "seed: 1 seed: 2")),
            "recipes/test/good.textproto:15:9: Non-repeated field \"seed\" is specified "
            "multiple times.");
}

// --- Semantic errors at file locations ---------------------------------------------------------

TEST(ConfigValidateTest, BatchSizeZero) {
  EXPECT_EQ(LoadError(With("batch_size: 1024", "batch_size: 0")),
            "recipes/test/good.textproto:6:3: train.batch_size must be > 0, got 0");
}

TEST(ConfigValidateTest, NegativeLrInThePluginsBlock) {
  EXPECT_EQ(LoadError(With("lr: 64.0", "lr: -1")),
            "recipes/test/good.textproto:30:12: hlb.optimizer.bias.lr must be >= 0, got -1");
}

TEST(ConfigValidateTest, FlipProbabilityAboveOne) {
  EXPECT_EQ(LoadError(With("flip_probability: 0.5", "flip_probability: 1.5")),
            "recipes/test/good.textproto:44:5: hlb.augment.flip_probability must be in [0, 1], "
            "got 1.5");
}

TEST(ConfigValidateTest, UnsetEnumPointsAtLineOneAndSaysMissing) {
  EXPECT_EQ(LoadError(With("precision: PRECISION_AUTO\n", "")),
            "recipes/test/good.textproto:1:1: precision must be set (one of: PRECISION_AUTO, "
            "PRECISION_FP32, PRECISION_FP16, PRECISION_BF16), got PRECISION_UNSPECIFIED "
            "(precision is missing)");
}

TEST(ConfigValidateTest, MemoryFormatUnsetIsChannelsLastAndExplicitUnspecifiedIsRefused) {
  EXPECT_FALSE(LoadOk(kGoodRecipe).has_memory_format());
  EXPECT_EQ(LoadOk(kGoodRecipe, {"memory_format=MEMORY_FORMAT_CONTIGUOUS"}).memory_format(),
            v1::MEMORY_FORMAT_CONTIGUOUS);
  EXPECT_EQ(LoadError(With("precision: PRECISION_AUTO\n",
                           "precision: PRECISION_AUTO\nmemory_format: MEMORY_FORMAT_UNSPECIFIED\n")),
            "recipes/test/good.textproto:15:1: memory_format must not be MEMORY_FORMAT_UNSPECIFIED: "
            "leave it unset for channels_last, or set MEMORY_FORMAT_CHANNELS_LAST or "
            "MEMORY_FORMAT_CONTIGUOUS");
}

// TTA_SELECTIVE needs its share of the test set, in (0, 1]; no other TTA reads one.
TEST(ConfigValidateTest, SelectiveTtaFraction) {
  const std::string selective = "headline_tta: TTA_SELECTIVE\n  selective_fraction: 0.25";
  EXPECT_DOUBLE_EQ(LoadOk(With("headline_tta: TTA_FLIP", selective)).eval().selective_fraction(),
                   0.25);
  EXPECT_EQ(LoadError(With("headline_tta: TTA_FLIP", "headline_tta: TTA_SELECTIVE")),
            "recipes/test/good.textproto:9:1: eval.selective_fraction must be in (0, 1] with "
            "TTA_SELECTIVE (the share of the test set that gets the six views), got 0 "
            "(eval.selective_fraction is missing)");
  EXPECT_EQ(LoadError(With("headline_tta: TTA_FLIP",
                           "headline_tta: TTA_SELECTIVE\n  selective_fraction: 1.5")),
            "recipes/test/good.textproto:12:3: eval.selective_fraction must be in (0, 1] with "
            "TTA_SELECTIVE (the share of the test set that gets the six views), got 1.5");
  EXPECT_EQ(LoadError(With("headline_tta: TTA_FLIP",
                           "headline_tta: TTA_FLIP\n  selective_fraction: 0.25")),
            "recipes/test/good.textproto:12:3: eval.selective_fraction is read only with "
            "eval.headline_tta: TTA_SELECTIVE");
}

TEST(ConfigValidateTest, UnsetNestedEnumPointsAtEnclosingMessage) {
  EXPECT_EQ(LoadError(With("    kind: OPTIMIZER_KIND_SGD_NESTEROV\n", "")),
            "recipes/test/good.textproto:26:3: hlb.optimizer.kind must be set (one of: "
            "OPTIMIZER_KIND_SGD_NESTEROV, OPTIMIZER_KIND_PAGE_NESTEROV), got OPTIMIZER_KIND_UNSPECIFIED (hlb.optimizer.kind "
            "is missing)");
}

// Report schema 3 prefixed the enum values; recipe text of schema 2 (a report's config_text)
// still loads, to the same config, and prints with the new names.
TEST(ConfigValidateTest, SchemaTwoEnumNamesStillLoad) {
  const v1::RecipeConfig current = LoadOk(kGoodRecipe);
  std::string text = kGoodRecipe;
  for (const auto& [from, to] : {std::pair<std::string, std::string>{
                                     "kind: OPTIMIZER_KIND_SGD_NESTEROV", "kind: SGD_NESTEROV"},
                                 {"kind: SCHEDULE_KIND_ONE_CYCLE_LINEAR", "kind: ONE_CYCLE_LINEAR"}}) {
    ASSERT_NE(text.find(from), std::string::npos) << from;
    text.replace(text.find(from), from.size(), to);
  }
  const v1::RecipeConfig old = LoadOk(text);
  EXPECT_EQ(RecipeToText(old), RecipeToText(current));
  EXPECT_NE(RecipeToText(old).find("kind: OPTIMIZER_KIND_SGD_NESTEROV"), std::string::npos);
  EXPECT_EQ(RecipeToText(old).find("kind: SGD_NESTEROV"), std::string::npos);
}

TEST(ConfigValidateTest, ExplicitUnspecifiedEnumPointsAtTheField) {
  EXPECT_EQ(LoadError(With("kind: SCHEDULE_KIND_ONE_CYCLE_LINEAR", "kind: SCHEDULE_KIND_UNSPECIFIED")),
            "recipes/test/good.textproto:37:5: hlb.schedule.kind must be set (one of: "
            "SCHEDULE_KIND_ONE_CYCLE_LINEAR, SCHEDULE_KIND_PIECEWISE_LINEAR), got SCHEDULE_KIND_UNSPECIFIED");
}

TEST(ConfigValidateTest, UnknownEnumNumber) {
  EXPECT_EQ(LoadError(With("precision: PRECISION_AUTO", "precision: 9")),
            "recipes/test/good.textproto:14:1: precision has no value numbered 9 in "
            "cifarbench.v1.Precision (values: PRECISION_UNSPECIFIED, PRECISION_AUTO, "
            "PRECISION_FP32, PRECISION_FP16, PRECISION_BF16)");
}

TEST(ConfigValidateTest, UnknownPluginListsKnownOnes) {
  EXPECT_EQ(LoadError(With("plugin: \"hlb\"", "plugin: \"hbl\""), {}, {"hlb", "page"}),
            "recipes/test/good.textproto:2:1: plugin 'hbl' is not a known plugin (known "
            "plugins: hlb, page)");
}

TEST(ConfigValidateTest, PluginCheckSkippedWithoutKnownPlugins) {
  // A plugin that registered no settings has no block; without the list of known plugins any
  // name loads.
  const std::string shared = std::string(kGoodRecipe).substr(0, std::string(kGoodRecipe).find("hlb {"));
  EXPECT_TRUE(Load(absl::StrReplaceAll(shared, {{"plugin: \"hlb\"", "plugin: \"anything\""}})).ok());
}

// --- The plugin's block ------------------------------------------------------------------------

// Test settings of the registered plugins come from //recipes:all_settings (hlb, page).
TEST(ConfigBlockTest, BlockIsPackedIntoSettings) {
  const v1::RecipeConfig config = LoadOk(kGoodRecipe);
  absl::StatusOr<hlb::HlbSettings> settings = PluginSettings<hlb::HlbSettings>(config);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_DOUBLE_EQ(settings->optimizer().bias().lr(), 64.0);
  EXPECT_DOUBLE_EQ(settings->loss().scale(), 0.5);
  EXPECT_EQ(settings->model().widths_size(), 3);
  // The wrong type is refused, not misread.
  EXPECT_FALSE(PluginSettings<v1::DataConfig>(config).ok());
}

TEST(ConfigBlockTest, MissingBlock) {
  const std::string shared = std::string(kGoodRecipe).substr(0, std::string(kGoodRecipe).find("hlb {"));
  EXPECT_EQ(LoadError(shared),
            "recipes/test/good.textproto:1:1: the hlb plugin's settings go in a block "
            "'hlb { ... }' (bench --describe=hlb lists them) (hlb is missing)");
}

TEST(ConfigBlockTest, AnotherPluginsBlock) {
  EXPECT_EQ(LoadError(std::string(kGoodRecipe) + "page {\n}\n"),
            "recipes/test/good.textproto:55:1: 'page { ... }' holds the settings of the page "
            "plugin, but this recipe's plugin is 'hlb' (its block is 'hlb { ... }')");
}

TEST(ConfigBlockTest, UnknownFieldInTheBlockNamesTheNearest) {
  EXPECT_EQ(LoadError(With("momentum: 0.85", "momentun: 0.85")),
            "recipes/test/good.textproto:28:5: Message type \"cifarbench.hlb.HlbOptimizer\" has "
            "no field named \"momentun\". Did you mean \"momentum\"?");
}

TEST(ConfigBlockTest, SchemaOneFieldSaysWhereItWent) {
  EXPECT_EQ(LoadError(With("seed: 1\n", "seed: 1\nema { enabled: true }\n")),
            "recipes/test/good.textproto:16:1: Message type \"cifarbench.v1.RecipeConfig\" has "
            "no field named \"ema\". (a schema-1 field: since schema 2 it is in the plugin's "
            "block, e.g. hlb { ema { ... } }; bench --describe=PLUGIN lists a plugin's settings)");
  EXPECT_EQ(LoadError(With("  epochs: 10\n", "  epochs: 10\n  loss_scale: 2\n")),
            "recipes/test/good.textproto:8:3: Message type \"cifarbench.v1.TrainConfig\" has "
            "no field named \"loss_scale\". (a schema-1 field: since schema 2 it is in the "
            "plugin's block, e.g. hlb { loss { ... } }; bench --describe=PLUGIN lists a "
            "plugin's settings)");
}

TEST(ConfigBlockTest, SettingsIsNotWritableInText) {
  EXPECT_EQ(LoadError(With("seed: 1\n", "seed: 1\nsettings { }\n")),
            "recipes/test/good.textproto:16:1: Message type \"cifarbench.v1.RecipeConfig\" has "
            "no field named \"settings\".");
}

TEST(ConfigBlockTest, PluginCheckRunsAtLoad) {
  // hlb: an EMA headline needs the EMA.
  EXPECT_EQ(LoadError(With("enabled: true", "enabled: false")),
            "recipes/test/good.textproto:48:5: hlb.ema.enabled must be true when "
            "eval.headline_network is EVAL_NETWORK_EMA");
}

TEST(ConfigBlockTest, DescribeListsTheSettings) {
  const std::string described = DescribeSettings("hlb");
  EXPECT_NE(described.find("hlb { ... }: cifarbench.hlb.HlbSettings\n"), std::string::npos)
      << described;
  EXPECT_NE(described.find("\n    non_bias: cifarbench.v1.SgdGroupConfig { ... }\n"),
            std::string::npos)
      << described;
  EXPECT_NE(described.find("\n      lr: double\n"), std::string::npos) << described;
  EXPECT_NE(described.find("kind: ScheduleKind (SCHEDULE_KIND_UNSPECIFIED, "
                           "SCHEDULE_KIND_ONE_CYCLE_LINEAR, SCHEDULE_KIND_PIECEWISE_LINEAR)\n"),
            std::string::npos)
      << described;
  EXPECT_EQ(DescribeSettings("no_such_plugin"), "");
}

TEST(ConfigValidateTest, EmptyPluginAndNameAreMissing) {
  EXPECT_EQ(LoadError(With("name: \"hlb_test\"\nplugin: \"hlb\"\n", "")),
            "recipes/test/good.textproto:1:1: name must not be empty (name is missing)\n"
            "recipes/test/good.textproto:1:1: plugin must not be empty (plugin is missing)");
}

TEST(ConfigValidateTest, AllErrorsOnePerLineInCheckOrder) {
  std::string text = With("batch_size: 1024", "batch_size: -2");
  text = absl::StrReplaceAll(text, {{"widths: 256", "widths: 0"}, {"runs: 1", "runs: 0"}});
  // Core's checks first, then the plugin's.
  EXPECT_EQ(LoadError(text),
            "recipes/test/good.textproto:6:3: train.batch_size must be > 0, got -2\n"
            "recipes/test/good.textproto:16:1: runs must be >= 1, got 0\n"
            "recipes/test/good.textproto:21:5: hlb.model.widths[1] must be > 0, got 0");
}

TEST(ConfigValidateTest, ListSyntaxElementPointsAtTheList) {
  const std::string text = absl::StrReplaceAll(
      kGoodRecipe,
      {{"    widths: 64\n    widths: 256\n    widths: 512\n", "    widths: [64, 0, 512]\n"}});
  EXPECT_EQ(LoadError(text),
            "recipes/test/good.textproto:20:5: hlb.model.widths[1] must be > 0, got 0");
}

TEST(ConfigValidateTest, EmptyWidths) {
  EXPECT_EQ(LoadError(absl::StrReplaceAll(kGoodRecipe,
                                          {{"    widths: 64\n    widths: 256\n    widths: 512\n", ""}})),
            "recipes/test/good.textproto:19:3: hlb.model.widths must not be empty "
            "(hlb.model.widths is missing)");
}

TEST(ConfigValidateTest, EmaEveryNStepsOnlyWhenEnabled) {
  EXPECT_EQ(LoadError(With("every_n_steps: 5", "every_n_steps: 0")),
            "recipes/test/good.textproto:50:5: hlb.ema.every_n_steps must be > 0, got 0");
  LoadOk(absl::StrReplaceAll(kGoodRecipe, {{"every_n_steps: 5", "every_n_steps: 0"},
                                           {"enabled: true", "enabled: false"},
                                           {"EVAL_NETWORK_EMA", "EVAL_NETWORK_LIVE"}}));
}

TEST(ConfigValidateTest, OneCyclePctStart) {
  EXPECT_EQ(LoadError(With("pct_start: 0.25", "pct_start: 1")),
            "recipes/test/good.textproto:38:5: hlb.schedule.pct_start must be in (0, 1) for "
            "ONE_CYCLE_LINEAR, got 1");
  EXPECT_EQ(LoadError(With("div_factor: 10", "div_factor: 0")),
            "recipes/test/good.textproto:39:5: hlb.schedule.div_factor must be > 0, got 0");
}

TEST(ConfigValidateTest, PiecewiseKnots) {
  // knot_epochs on line 38; knot_values (when given) on line 39.
  const std::string piecewise =
      With("    kind: SCHEDULE_KIND_ONE_CYCLE_LINEAR\n    pct_start: 0.25\n",
           "    kind: SCHEDULE_KIND_PIECEWISE_LINEAR\n    knot_epochs: [0, 2, 10]\n");
  EXPECT_EQ(LoadError(piecewise),
            "recipes/test/good.textproto:36:3: hlb.schedule.knot_values must have as many "
            "entries as hlb.schedule.knot_epochs (3), got 0 (hlb.schedule.knot_values is "
            "missing)");
  auto with_values = [&](const std::string& epochs, const std::string& values) {
    return absl::StrReplaceAll(
        piecewise, {{"[0, 2, 10]", epochs}, {"div_factor: 10", "knot_values: " + values}});
  };
  LoadOk(with_values("[0, 2, 10]", "[0, 1, 0]"));
  EXPECT_EQ(LoadError(with_values("[0, 2, 10]", "[0, 1]")),
            "recipes/test/good.textproto:39:5: hlb.schedule.knot_values must have as many "
            "entries as hlb.schedule.knot_epochs (3), got 2");
  EXPECT_EQ(LoadError(with_values("[0, 3, 2]", "[0, 1, 0]")),
            "recipes/test/good.textproto:38:5: hlb.schedule.knot_epochs must be non-decreasing, "
            "got knot_epochs[2] = 2 after knot_epochs[1] = 3");
  EXPECT_EQ(LoadError(with_values("[0]", "[1]")),
            "recipes/test/good.textproto:38:5: hlb.schedule.knot_epochs needs at least 2 knots for "
            "PIECEWISE_LINEAR, got 1");
}

TEST(ConfigValidateTest, NonFiniteDouble) {
  EXPECT_EQ(LoadError(With("epochs: 10", "epochs: inf")),
            "recipes/test/good.textproto:7:3: train.epochs must be finite, got inf");
}

TEST(ConfigValidateTest, ValidateRecipeReportsFieldPaths) {
  v1::RecipeConfig config = LoadOk(kGoodRecipe);
  hlb::HlbSettings settings = *PluginSettings<hlb::HlbSettings>(config);
  settings.mutable_optimizer()->set_momentum(1.0);
  settings.mutable_augment()->set_cutout_size(33);
  SetPluginSettings(&config, settings);
  config.mutable_data()->set_test_subset(-1);
  config.mutable_eval()->set_batch_size(0);
  config.set_target_accuracy(-0.1);
  const std::vector<ValidationError> errors = ValidateRecipe(config, {});
  std::vector<std::string> paths, messages;
  for (const ValidationError& error : errors) {
    paths.push_back(error.field_path);
    messages.push_back(error.message);
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"data.test_subset", "eval.batch_size",
                                             "target_accuracy", "hlb.optimizer.momentum",
                                             "hlb.augment.cutout_size"}));
  EXPECT_EQ(messages, (std::vector<std::string>{"data.test_subset must be >= 0, got -1",
                                                "eval.batch_size must be > 0, got 0",
                                                "target_accuracy must be in [0, 1], got -0.1",
                                                "hlb.optimizer.momentum must be in [0, 1), got 1",
                                                "hlb.augment.cutout_size must be <= 32, got 33"}));
}

// --- Overrides ---------------------------------------------------------------------------------

TEST(ConfigOverrideTest, NestedScalar) {
  EXPECT_EQ(LoadOk(kGoodRecipe, {"train.batch_size=256"}).train().batch_size(), 256);
  EXPECT_DOUBLE_EQ(LoadOk(kGoodRecipe, {"train.epochs = 12.5"}).train().epochs(), 12.5);
}

TEST(ConfigOverrideTest, AppliedInOrder) {
  EXPECT_EQ(
      LoadOk(kGoodRecipe, {"train.batch_size=256", "train.batch_size=512"}).train().batch_size(),
      512);
}

hlb::HlbSettings Hlb(const v1::RecipeConfig& config) {
  absl::StatusOr<hlb::HlbSettings> settings = PluginSettings<hlb::HlbSettings>(config);
  EXPECT_TRUE(settings.ok()) << settings.status();
  return settings.ok() ? *settings : hlb::HlbSettings();
}

std::vector<int> Widths(const v1::RecipeConfig& config) {
  const hlb::HlbSettings settings = Hlb(config);
  return std::vector<int>(settings.model().widths().begin(), settings.model().widths().end());
}

TEST(ConfigOverrideTest, FieldOfThePluginsBlock) {
  const v1::RecipeConfig config = LoadOk(kGoodRecipe, {"hlb.optimizer.non_bias.lr=0.01"});
  EXPECT_DOUBLE_EQ(Hlb(config).optimizer().non_bias().lr(), 0.01);
  EXPECT_DOUBLE_EQ(Hlb(config).optimizer().bias().lr(), 64.0);
}

TEST(ConfigOverrideTest, RepeatedScalarElement) {
  EXPECT_EQ(Widths(LoadOk(kGoodRecipe, {"hlb.model.widths[0]=32"})),
            (std::vector<int>{32, 256, 512}));
}

TEST(ConfigOverrideTest, WholeRepeatedScalarList) {
  EXPECT_EQ(Widths(LoadOk(kGoodRecipe, {"hlb.model.widths=16,64, 128"})),
            (std::vector<int>{16, 64, 128}));
}

TEST(ConfigOverrideTest, BadListElementLeavesListUnchanged) {
  v1::RecipeConfig config = LoadOk(kGoodRecipe);
  EXPECT_EQ(ApplyOverride(&config, "hlb.model.widths=16,x,128").message(),
            "--set 'hlb.model.widths=16,x,128': hlb.model.widths[1]: not an integer: 'x'");
  EXPECT_EQ(Hlb(config).model().widths_size(), 3);
}

TEST(ConfigOverrideTest, FailedOverrideLeavesConfigUnchanged) {
  v1::RecipeConfig config;
  config.set_plugin("hlb");
  EXPECT_FALSE(ApplyOverride(&config, "hlb.ema.bogus=1").ok());
  EXPECT_FALSE(config.has_settings());
  EXPECT_TRUE(ApplyOverride(&config, "hlb.ema.enabled=true").ok());
  EXPECT_TRUE(Hlb(config).ema().enabled());
}

TEST(ConfigOverrideTest, EnumByNameAndNumber) {
  EXPECT_EQ(LoadOk(kGoodRecipe, {"precision=PRECISION_FP32"}).precision(), v1::PRECISION_FP32);
  EXPECT_EQ(LoadOk(kGoodRecipe, {"precision=3"}).precision(), v1::PRECISION_FP16);
  EXPECT_EQ(OverrideError("precision=FP32"),
            "--set 'precision=FP32': precision: 'FP32' is not a value of "
            "cifarbench.v1.Precision (values: PRECISION_UNSPECIFIED, PRECISION_AUTO, "
            "PRECISION_FP32, PRECISION_FP16, PRECISION_BF16)");
  EXPECT_EQ(OverrideError("precision=9"),
            "--set 'precision=9': precision: '9' is not a value of cifarbench.v1.Precision "
            "(values: PRECISION_UNSPECIFIED, PRECISION_AUTO, PRECISION_FP32, PRECISION_FP16, "
            "PRECISION_BF16)");
}

TEST(ConfigOverrideTest, Bool) {
  EXPECT_FALSE(Hlb(LoadOk(kGoodRecipe, {"eval.headline_network=EVAL_NETWORK_LIVE",
                                         "hlb.ema.enabled=false"}))
                   .ema()
                   .enabled());
  EXPECT_TRUE(Hlb(LoadOk(kGoodRecipe, {"hlb.ema.enabled=0", "hlb.ema.enabled=1"})).ema().enabled());
  EXPECT_EQ(OverrideError("hlb.ema.enabled=yes"),
            "--set 'hlb.ema.enabled=yes': hlb.ema.enabled: not a bool (true, false, 1 or 0): "
            "'yes'");
}

TEST(ConfigOverrideTest, StringAndUint64) {
  const v1::RecipeConfig config =
      LoadOk(kGoodRecipe, {"description=a b=c", "seed=18446744073709551615"});
  EXPECT_EQ(config.description(), "a b=c");
  EXPECT_EQ(config.seed(), 18446744073709551615ull);
  EXPECT_EQ(OverrideError("seed=-1"),
            "--set 'seed=-1': seed: -1 is out of range for uint64 [0, 18446744073709551615]");
}

TEST(ConfigOverrideTest, BadField) {
  EXPECT_EQ(OverrideError("train.batch_sizee=3"),
            "--set 'train.batch_sizee=3': no field 'batch_sizee' in cifarbench.v1.TrainConfig "
            "(did you mean 'batch_size'?) (fields: batch_size, epochs, step_mode, warmup)");
  // RecipeConfig's fields, then one block per plugin that registered settings.
  const std::string error = OverrideError("trian.batch_size=3");
  const std::string fields =
      "--set 'trian.batch_size=3': no field 'trian' in cifarbench.v1.RecipeConfig (did you mean "
      "'train'?) (fields: name, plugin, description, data, train, eval, precision, memory_format, "
      "seed, runs, "
      "target_accuracy, ";
  EXPECT_EQ(error.substr(0, fields.size()), fields);
  EXPECT_NE(error.find(", hlb, page"), std::string::npos) << error;
  EXPECT_EQ(OverrideError("hlb.optimizer.nonbias.lr=3"),
            "--set 'hlb.optimizer.nonbias.lr=3': no field 'nonbias' in cifarbench.hlb.HlbOptimizer "
            "(did you mean 'non_bias'?) (fields: kind, momentum, bias, non_bias)");
}

TEST(ConfigOverrideTest, BadValue) {
  EXPECT_EQ(OverrideError("train.batch_size=abc"),
            "--set 'train.batch_size=abc': train.batch_size: not an integer: 'abc'");
  EXPECT_EQ(OverrideError("train.batch_size=1.5"),
            "--set 'train.batch_size=1.5': train.batch_size: not an integer: '1.5'");
  EXPECT_EQ(OverrideError("train.batch_size=3000000000"),
            "--set 'train.batch_size=3000000000': train.batch_size: 3000000000 is out of range "
            "for int32 [-2147483648, 2147483647]");
  EXPECT_EQ(OverrideError("train.epochs=ten"),
            "--set 'train.epochs=ten': train.epochs: not a finite number: 'ten'");
  EXPECT_EQ(OverrideError("train.epochs=nan"),
            "--set 'train.epochs=nan': train.epochs: not a finite number: 'nan'");
}

TEST(ConfigOverrideTest, BadIndex) {
  EXPECT_EQ(OverrideError("hlb.model.widths[3]=1"),
            "--set 'hlb.model.widths[3]=1': index 3 out of range for hlb.model.widths (size 3)");
  EXPECT_EQ(OverrideError("hlb.model.widths[-1]=1"),
            "--set 'hlb.model.widths[-1]=1': bad field path 'hlb.model.widths[-1]': bad index "
            "'-1' in 'widths[-1]' (expected name[i], i >= 0)");
  EXPECT_EQ(OverrideError("train[0].batch_size=1"),
            "--set 'train[0].batch_size=1': train is not a repeated field; it cannot be indexed");
  EXPECT_EQ(OverrideError("hlb.model.widths.x=1"),
            "--set 'hlb.model.widths.x=1': hlb.model.widths is not a message; it has no field "
            "'x'");
}

TEST(ConfigOverrideTest, MissingEquals) {
  EXPECT_EQ(OverrideError("train.batch_size"),
            "--set 'train.batch_size': missing '=' (expected field.path=value)");
}

TEST(ConfigOverrideTest, NotAScalar) {
  EXPECT_EQ(OverrideError("train=3"),
            "--set 'train=3': train is a message; set one of its fields (fields: batch_size, "
            "epochs, step_mode, warmup)");
  EXPECT_EQ(OverrideError("seed.x=3"),
            "--set 'seed.x=3': seed is not a message; it has no field 'x'");
}

TEST(ConfigOverrideTest, OverrideErrorStopsLoading) {
  EXPECT_EQ(LoadError(kGoodRecipe, {"train.batch_size=256", "train.batch_sizee=3"}),
            "--set 'train.batch_sizee=3': no field 'batch_sizee' in cifarbench.v1.TrainConfig "
            "(did you mean 'batch_size'?) (fields: batch_size, epochs, step_mode, warmup)");
}

TEST(ConfigOverrideTest, SemanticErrorNamesTheOverride) {
  EXPECT_EQ(LoadError(kGoodRecipe, {"train.batch_size=0"}),
            "--set 'train.batch_size=0': train.batch_size must be > 0, got 0");
  // The last override that set the field is blamed.
  EXPECT_EQ(LoadError(kGoodRecipe, {"train.batch_size=0", "train.batch_size=-4"}),
            "--set 'train.batch_size=-4': train.batch_size must be > 0, got -4");
  // An element of a list set as a whole, and a list emptied.
  EXPECT_EQ(LoadError(kGoodRecipe, {"hlb.model.widths=16,0"}),
            "--set 'hlb.model.widths=16,0': hlb.model.widths[1] must be > 0, got 0");
  EXPECT_EQ(LoadError(kGoodRecipe, {"hlb.model.widths="}),
            "--set 'hlb.model.widths=': hlb.model.widths must not be empty");
  EXPECT_EQ(LoadError(kGoodRecipe, {"hlb.optimizer.bias.lr=-0.5"}),
            "--set 'hlb.optimizer.bias.lr=-0.5': hlb.optimizer.bias.lr must be >= 0, got -0.5");
  // A schema-1 path says where the field went.
  EXPECT_EQ(LoadError(kGoodRecipe, {"model.widths=16"}),
            "--set 'model.widths=16': no field 'model' in cifarbench.v1.RecipeConfig (a "
            "schema-1 field: since schema 2 it is in the plugin's block, e.g. hlb { model { ... "
            "} }; bench --describe=PLUGIN lists a plugin's settings)");
  // A field the override did not touch still points at the file.
  EXPECT_EQ(LoadError(With("batch_size: 1024", "batch_size: 0"), {"train.epochs=3"}),
            "recipes/test/good.textproto:6:3: train.batch_size must be > 0, got 0");
}

// --- Canonical text, files, sha256 -------------------------------------------------------------

TEST(ConfigTextTest, RecipeToTextRoundTrips) {
  const v1::RecipeConfig config = LoadOk(kGoodRecipe, {"hlb.model.widths=16,64,128"});
  const std::string text = RecipeToText(config);
  EXPECT_NE(text.find("batch_size: 1024"), std::string::npos) << text;
  // The plugin's settings print as its block, last, with their values.
  EXPECT_NE(text.find("\nhlb {\n  model {\n    widths: 16\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("settings"), std::string::npos) << text;
  const v1::RecipeConfig again = LoadOk(text);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(config, again));
  EXPECT_EQ(RecipeToText(again), text);
  EXPECT_EQ(Sha256HexDigest(RecipeToText(again)), Sha256HexDigest(text));
}

TEST(ConfigFileTest, LoadsFileAndNamesItInErrors) {
  const std::string path = ::testing::TempDir() + "/config_test_recipe.textproto";
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  const std::string text = With("batch_size: 1024", "batch_size: 0");
  std::fwrite(text.data(), 1, text.size(), file);
  std::fclose(file);

  absl::StatusOr<v1::RecipeConfig> config = LoadRecipeFile(path, {"train.batch_size=8"}, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->train().batch_size(), 8);

  config = LoadRecipeFile(path, {}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), path + ":6:3: train.batch_size must be > 0, got 0");
  std::remove(path.c_str());
}

TEST(ConfigFileTest, MissingFileIsNotFound) {
  const absl::StatusOr<v1::RecipeConfig> config =
      LoadRecipeFile("/nonexistent/dir/recipe.textproto", {}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(),
            "cannot read recipe file '/nonexistent/dir/recipe.textproto': No such file or "
            "directory");
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256HexDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256HexDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256HexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256HexDigest(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalMatchesOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  for (size_t chunk : {1u, 3u, 63u, 64u, 65u, 200u}) {
    Sha256 hasher;
    for (size_t at = 0; at < data.size(); at += chunk) {
      hasher.Update(std::string_view(data).substr(at, chunk));
    }
    const std::array<uint8_t, 32> digest = hasher.Finish();
    std::string hex;
    for (uint8_t byte : digest) {
      static constexpr char kHex[] = "0123456789abcdef";
      hex.push_back(kHex[byte >> 4]);
      hex.push_back(kHex[byte & 0xf]);
    }
    EXPECT_EQ(hex, Sha256HexDigest(data)) << "chunk " << chunk;
  }
}

}  // namespace
}  // namespace cifarbench

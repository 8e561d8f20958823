// Loading, overriding and validating RecipeConfig text protos. Free of LibTorch.
//
// A recipe's text (schema 2) is RecipeConfig's shared fields plus one block holding the
// plugin's own settings, named after the plugin and typed by the message it registered
// (CIFARBENCH_REGISTER_SETTINGS, core/registry.h):
//   name: "hlb_record"  plugin: "hlb"  train { batch_size: 1024 epochs: 12.1 }  eval { ... }
//   hlb { model { widths: [64, 256, 512] ... } optimizer { ... } ... }
// The loader parses the block as that message (every location kept), runs core's checks and
// then the plugin's, and packs the block into RecipeConfig.settings (read it with
// PluginSettings<T>, core/settings.h). A block is required when the plugin registered
// settings; another plugin's block is an error. Overrides reach into it:
// --set hlb.optimizer.non_bias.lr=0. Schema-1 texts (model, optimizer, schedule, augment, ema,
// train.label_smoothing and train.loss_scale at the top level) no longer load: the error says
// where the field went.
//
// Every error names where it comes from:
//   path:line:column: message        (1-based line and column, for files and shipped recipes)
//   --set 'field=value': message     (for command-line overrides)
// Semantic errors found after parsing point at the field's location in the file, or at the
// override that last set it.
//
// Columns are the protobuf tokenizer's: bytes, a tab advancing to the next multiple of 8 (as
// GCC counts them). For an error the parser notices only at the next token (unknown field
// name, unknown enum value, field given twice) the column is moved back to the named token.
// A field absent from the text points at its closest enclosing message that is present (or
// at 1:1) and the message ends with "(field.path is missing)".
//
// Which errors are reported (status code InvalidArgument; NotFound for an unreadable file):
//   - parse error: loading stops; only the parser's first error is reported (the rest would
//     be follow-on noise);
//   - override error: loading stops at the first bad --set (later ones are not applied);
//   - validation: every problem is reported, one per line ('\n'-joined), in ValidateRecipe's
//     order.
// Examples:
//   recipes/hlb/x.textproto:19:3: train.batch_size must be > 0, got 0
//   --set 'train.batch_sizee=3': no field 'batch_sizee' in cifarbench.v1.TrainConfig (did you
//       mean 'batch_size'?) (fields: ...)
//   --set 'train.batch_size=0': train.batch_size must be > 0, got 0
//
// Override syntax (--set, repeatable, applied in order):
//   train.batch_size=256                nested scalar field
//   hlb.optimizer.non_bias.lr=0.01      a field of the plugin's block
//   hlb.model.widths[0]=32              element of a repeated scalar (index must exist)
//   hlb.model.widths=16,64,128          a whole repeated scalar field, comma separated
//                                       (hlb.model.widths= empties it)
//   precision=PRECISION_FP32            enum by value name (or its number, which must be defined)
//   hlb.ema.enabled=false               bool: true/false/1/0
// Blanks around the field path, and around non-string values, are ignored; a string value is
// everything after the first '=' (it may contain '='; list elements cannot contain ',').
// Integers are range-checked for their type; doubles must be finite. Message fields are not
// assignable as a whole (set their fields).
#ifndef CIFARBENCH_CORE_CONFIG_H_
#define CIFARBENCH_CORE_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/validation.h"
#include "proto/recipe.pb.h"

namespace cifarbench {

// Parses `text` (from `path`, used only in messages), applies `overrides` in order, then
// validates the result. `known_plugins` is the registry's plugin names; an empty list skips
// the plugin check. InvalidArgument on any error.
absl::StatusOr<v1::RecipeConfig> LoadRecipeText(std::string_view text, std::string_view path,
                                                const std::vector<std::string>& overrides,
                                                const std::vector<std::string>& known_plugins);

// Reads the file at `path`, then as LoadRecipeText. NotFound when it cannot be read.
absl::StatusOr<v1::RecipeConfig> LoadRecipeFile(const std::string& path,
                                                const std::vector<std::string>& overrides,
                                                const std::vector<std::string>& known_plugins);

// Applies one "field.path=value" override (no validation). Errors read
// "--set 'assignment': message"; on error the config is unchanged.
absl::Status ApplyOverride(v1::RecipeConfig* config, std::string_view assignment);

// Semantic checks on a parsed config, core's and then the plugin's registered check of its
// settings; messages name the field path ("train.batch_size must be > 0, got 0",
// "hlb.optimizer.bias.lr must be >= 0, got -1"). LoadRecipe* map them to locations.
std::vector<ValidationError> ValidateRecipe(const v1::RecipeConfig& config,
                                            const std::vector<std::string>& known_plugins);

// The canonical text form (TextFormat), as printed by --print_config and embedded in reports:
// the plugin's settings as its block, last.
std::string RecipeToText(const v1::RecipeConfig& config);

// Every setting the config leaves unset (singular scalars and enums of the messages it has, the
// plugin's block among them), with the value it takes, as comment lines `#   path: value`
// (paths as --set takes them), for --print_config after RecipeToText; "" when none. Unset
// messages are left out: a block's presence can itself be a setting.
std::string RecipeUnsetFieldsText(const v1::RecipeConfig& config);

// The settings `plugin` registered, field by field with types and enum values, for
// `bench --describe=PLUGIN`; "" when it registered none.
std::string DescribeSettings(const std::string& plugin);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CONFIG_H_

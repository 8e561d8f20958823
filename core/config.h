// Loading, overriding and validating RecipeConfig text protos. Free of LibTorch.
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
//   --set 'train.batch_sizee=3': no field 'batch_sizee' in cifarbench.v1.TrainConfig (fields: ...)
//   --set 'train.batch_size=0': train.batch_size must be > 0, got 0
//
// Override syntax (--set, repeatable, applied in order):
//   train.batch_size=256                nested scalar field
//   optimizer.param_groups[1].lr=0.01   element of a repeated message (index must exist)
//   model.widths[0]=32                  element of a repeated scalar (index must exist)
//   model.widths=16,64,128              a whole repeated scalar field, comma separated
//                                       (model.widths= empties it)
//   precision=PRECISION_FP32            enum by value name (or its number, which must be defined)
//   ema.enabled=false                   bool: true/false/1/0
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

// Semantic checks on a parsed config; messages name the field path ("train.batch_size must be
// > 0, got 0"). LoadRecipe* map them to locations.
struct ValidationError {
  std::string field_path;  // e.g. "optimizer.param_groups[1].lr"
  std::string message;
};
std::vector<ValidationError> ValidateRecipe(const v1::RecipeConfig& config,
                                            const std::vector<std::string>& known_plugins);

// The canonical text form (TextFormat), as printed by --print_config and embedded in reports.
std::string RecipeToText(const v1::RecipeConfig& config);

// Lower-case hex sha256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CONFIG_H_

// Semantic checks of recipe settings, shared by core's check of RecipeConfig (core/config.cc)
// and every plugin's check of its own settings block (CIFARBENCH_REGISTER_SETTINGS,
// core/registry.h). Free of LibTorch.
//
// A check reports each problem as a ValidationError: the field's path in the recipe's text
// ("train.batch_size", "hlb.optimizer.bias.lr", "hlb.model.widths[0]") and a message that
// names it. The loader turns the path into the field's file:line:column (or blames the --set
// that last wrote it).
#ifndef CIFARBENCH_CORE_VALIDATION_H_
#define CIFARBENCH_CORE_VALIDATION_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "proto/blocks.pb.h"

namespace cifarbench {

struct ValidationError {
  std::string field_path;  // e.g. "hlb.optimizer.bias.lr"
  std::string message;     // e.g. "hlb.optimizer.bias.lr must be >= 0, got -0.5"
};

// Adds errors for paths below `prefix` ("" for RecipeConfig, "hlb." for the hlb block): a
// plugin writes paths relative to its block (v.Positive("model.widths[0]", ...)) and the
// errors carry the full path.
class Validator {
 public:
  Validator(std::vector<ValidationError>* errors, std::string prefix = "")
      : errors_(errors), prefix_(std::move(prefix)) {}

  // The full path of `path` (relative to the prefix).
  std::string Path(const std::string& path) const { return prefix_ + path; }

  // `message` is appended to the full path: Error("x", "must be even") -> "hlb.x must be even".
  void Error(const std::string& path, const std::string& message);
  // An error on a field outside the block (`path` is absolute: "eval.headline_network").
  void RootError(const std::string& path, const std::string& message) {
    errors_->push_back({path, path + " " + message});
  }
  // A message that does not start with the path (it is used as given).
  void ErrorText(const std::string& path, const std::string& message);

  // "x must be ..., got v". NaN and infinities are left to the one "must be finite" message
  // that CheckValuesGeneric gives every floating-point field.
  void Positive(const std::string& path, double value);
  void NonNegative(const std::string& path, double value);
  void AtLeast(const std::string& path, double value, double min);
  void AtMost(const std::string& path, double value, double max);
  void Probability(const std::string& path, double value);  // [0, 1]
  void NonEmpty(const std::string& path, const std::string& value);
  // The zero value of every enum is FOO_UNSPECIFIED, meaning "not set".
  void EnumSet(const std::string& path, int value, const google::protobuf::EnumDescriptor* type);
  // A message field the plugin needs: "x must be set (x { ... })", pointing at the enclosing
  // block.
  void Present(const std::string& path, bool present);

 private:
  std::vector<ValidationError>* errors_;
  std::string prefix_;
};

// Checks of the building blocks (proto/blocks.proto), for plugins' checks; `path` is the
// block's path relative to the validator ("optimizer.bias", "schedule").
void CheckSgdGroup(const v1::SgdGroupConfig& group, const std::string& path, Validator& v);
// momentum in [0, 1); `path` is the momentum field's.
void CheckMomentum(double momentum, const std::string& path, Validator& v);
// kind set; momentum in [0, 1).
void CheckOptimizerKind(v1::OptimizerKind kind, double momentum, const std::string& path,
                        Validator& v);
void CheckLoss(const v1::LossConfig& loss, const std::string& path, Validator& v);
void CheckSchedule(const v1::ScheduleConfig& schedule, const std::string& path, Validator& v);
void CheckAugment(const v1::AugmentConfig& augment, const std::string& path, Validator& v);
void CheckEma(const v1::EmaConfig& ema, const std::string& path, Validator& v);

// Enum fields holding numbers their enum does not define (proto3 text accepts `precision: 7`)
// and doubles that are not finite (text accepts `inf` and `nan`), anywhere in `message`; paths
// start with `prefix` ("" or "hlb").
void CheckValuesGeneric(const google::protobuf::Message& message, const std::string& prefix,
                        Validator* v);

// The comma-separated value names of `type` (for messages).
std::string EnumValueNames(const google::protobuf::EnumDescriptor* type);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_VALIDATION_H_

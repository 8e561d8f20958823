#include "core/validation.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.pb.h"  // EnumValueOptions (deprecated aliases)

namespace cifarbench {

using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

void Validator::Error(const std::string& path, const std::string& message) {
  errors_->push_back({Path(path), absl::StrCat(Path(path), " ", message)});
}

void Validator::ErrorText(const std::string& path, const std::string& message) {
  errors_->push_back({Path(path), message});
}

void Validator::Positive(const std::string& path, double value) {
  if (std::isfinite(value) && !(value > 0)) Error(path, absl::StrCat("must be > 0, got ", value));
}

void Validator::NonNegative(const std::string& path, double value) {
  if (std::isfinite(value) && !(value >= 0)) Error(path, absl::StrCat("must be >= 0, got ", value));
}

void Validator::AtLeast(const std::string& path, double value, double min) {
  if (std::isfinite(value) && !(value >= min)) {
    Error(path, absl::StrCat("must be >= ", min, ", got ", value));
  }
}

void Validator::AtMost(const std::string& path, double value, double max) {
  if (std::isfinite(value) && !(value <= max)) {
    Error(path, absl::StrCat("must be <= ", max, ", got ", value));
  }
}

void Validator::Probability(const std::string& path, double value) {
  if (std::isfinite(value) && !(value >= 0 && value <= 1)) {
    Error(path, absl::StrCat("must be in [0, 1], got ", value));
  }
}

void Validator::NonEmpty(const std::string& path, const std::string& value) {
  if (value.empty()) Error(path, "must not be empty");
}

void Validator::EnumSet(const std::string& path, int value, const EnumDescriptor* type) {
  if (value != 0) return;
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    const EnumValueDescriptor* value = type->value(i);
    // Deprecated aliases (the unprefixed names of report schema 2) read but are not offered.
    if (value->number() != 0 && !value->options().deprecated()) names.push_back(value->name());
  }
  Error(path, absl::StrCat("must be set (one of: ", absl::StrJoin(names, ", "), "), got ",
                           type->value(0)->name()));
}

void Validator::Present(const std::string& path, bool present) {
  if (!present) Error(path, absl::StrCat("must be set (", path.substr(path.rfind('.') + 1), " { ... })"));
}

void CheckSgdGroup(const v1::SgdGroupConfig& group, const std::string& path, Validator& v) {
  v.NonNegative(path + ".lr", group.lr());
  v.NonNegative(path + ".weight_decay", group.weight_decay());
}

void CheckMomentum(double momentum, const std::string& path, Validator& v) {
  if (!(momentum >= 0 && momentum < 1)) {
    v.Error(path, absl::StrCat("must be in [0, 1), got ", momentum));
  }
}

void CheckOptimizerKind(v1::OptimizerKind kind, double momentum, const std::string& path,
                        Validator& v) {
  v.EnumSet(path + ".kind", kind, v1::OptimizerKind_descriptor());
  CheckMomentum(momentum, path + ".momentum", v);
}

void CheckLoss(const v1::LossConfig& loss, const std::string& path, Validator& v) {
  v.Probability(path + ".label_smoothing", loss.label_smoothing());
  v.Positive(path + ".scale", loss.scale());
}

void CheckSchedule(const v1::ScheduleConfig& schedule, const std::string& path, Validator& v) {
  v.EnumSet(path + ".kind", schedule.kind(), v1::ScheduleKind_descriptor());
  if (schedule.kind() == v1::SCHEDULE_KIND_ONE_CYCLE_LINEAR) {
    if (!(schedule.pct_start() > 0 && schedule.pct_start() < 1)) {
      v.Error(path + ".pct_start", absl::StrCat("must be in (0, 1) for ONE_CYCLE_LINEAR, got ",
                                                schedule.pct_start()));
    }
    v.Positive(path + ".div_factor", schedule.div_factor());
    v.NonNegative(path + ".final_lr_ratio", schedule.final_lr_ratio());
  } else {
    v.Probability(path + ".pct_start", schedule.pct_start());
  }
  if (schedule.kind() == v1::SCHEDULE_KIND_PIECEWISE_LINEAR) {
    if (schedule.knot_epochs_size() < 2) {
      v.Error(path + ".knot_epochs",
              absl::StrCat("needs at least 2 knots for PIECEWISE_LINEAR, got ",
                           schedule.knot_epochs_size()));
    }
    if (schedule.knot_values_size() != schedule.knot_epochs_size()) {
      v.Error(path + ".knot_values",
              absl::StrCat("must have as many entries as ", v.Path(path), ".knot_epochs (",
                           schedule.knot_epochs_size(), "), got ", schedule.knot_values_size()));
    }
    for (int i = 1; i < schedule.knot_epochs_size(); ++i) {
      if (!(schedule.knot_epochs(i) >= schedule.knot_epochs(i - 1))) {
        v.ErrorText(absl::StrCat(path, ".knot_epochs[", i, "]"),
                    absl::StrCat(v.Path(path), ".knot_epochs must be non-decreasing, got knot_epochs[", i,
                                 "] = ", schedule.knot_epochs(i), " after knot_epochs[", i - 1,
                                 "] = ", schedule.knot_epochs(i - 1)));
      }
    }
  }
}

void CheckAugment(const v1::AugmentConfig& augment, const std::string& path, Validator& v) {
  v.NonNegative(path + ".pad", augment.pad());
  v.Probability(path + ".flip_probability", augment.flip_probability());
  v.NonNegative(path + ".cutout_size", augment.cutout_size());
  v.AtMost(path + ".cutout_size", augment.cutout_size(), 32);
  v.NonNegative(path + ".cutmix_size", augment.cutmix_size());
  v.AtMost(path + ".cutmix_size", augment.cutmix_size(), 32);
  v.NonNegative(path + ".cutmix_epochs", augment.cutmix_epochs());
}

void CheckEma(const v1::EmaConfig& ema, const std::string& path, Validator& v) {
  v.Probability(path + ".decay_base", ema.decay_base());
  if (ema.enabled()) {
    v.Positive(path + ".every_n_steps", ema.every_n_steps());
    v.NonNegative(path + ".start_epoch", ema.start_epoch());
  }
}

std::string EnumValueNames(const EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (!type->value(i)->options().deprecated()) names.push_back(type->value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

void CheckValuesGeneric(const Message& message, const std::string& prefix, Validator* v) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = absl::StrCat(prefix, prefix.empty() ? "" : ".", field->name());
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const std::string element = field->is_repeated() ? absl::StrCat(path, "[", i, "]") : path;
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          CheckValuesGeneric(field->is_repeated()
                                 ? reflection->GetRepeatedMessage(message, field, i)
                                 : reflection->GetMessage(message, field),
                             element, v);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const int number = field->is_repeated()
                                 ? reflection->GetRepeatedEnumValue(message, field, i)
                                 : reflection->GetEnumValue(message, field);
          if (field->enum_type()->FindValueByNumber(number) == nullptr) {
            v->ErrorText(element,
                         absl::StrCat(element, " has no value numbered ", number, " in ",
                                      field->enum_type()->full_name(),
                                      " (values: ", EnumValueNames(field->enum_type()), ")"));
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_DOUBLE: {
          const double value = field->is_repeated()
                                   ? reflection->GetRepeatedDouble(message, field, i)
                                   : reflection->GetDouble(message, field);
          if (!std::isfinite(value)) {
            v->ErrorText(element, absl::StrCat(element, " must be finite, got ", value));
          }
          break;
        }
        default:
          break;
      }
    }
  }
}

}  // namespace cifarbench

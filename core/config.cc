#include "core/config.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace cifarbench {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::google::protobuf::TextFormat;

// Debian's abseil 20220623 has its own absl::string_view (not an alias of std::string_view).
absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// ---------------------------------------------------------------------------------------------
// Field paths: "optimizer.param_groups[1].lr".

struct PathComponent {
  std::string name;
  int index = -1;  // -1: no [i]
};

absl::StatusOr<std::vector<PathComponent>> ParseFieldPath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  std::vector<PathComponent> components;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    PathComponent component;
    absl::string_view name = part;
    const size_t bracket = part.find('[');
    if (bracket != absl::string_view::npos) {
      name = part.substr(0, bracket);
      absl::string_view rest = part.substr(bracket + 1);
      const size_t close = rest.find(']');
      if (close == absl::string_view::npos || close + 1 != rest.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad index in '", part, "' (expected name[i])"));
      }
      const absl::string_view digits = rest.substr(0, close);
      int index = -1;
      if (digits.empty() || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
          !absl::SimpleAtoi(digits, &index)) {
        return absl::InvalidArgumentError(
            absl::StrCat("bad index '", digits, "' in '", part, "' (expected name[i], i >= 0)"));
      }
      component.index = index;
    }
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty field name in '", path, "'"));
    }
    for (char c : name) {
      if (!absl::ascii_isalnum(c) && c != '_') {
        return absl::InvalidArgumentError(absl::StrCat("bad field name '", name, "'"));
      }
    }
    component.name = std::string(name);
    components.push_back(std::move(component));
  }
  return components;
}

std::string RenderPath(const std::vector<PathComponent>& components, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < components.size(); ++i) {
    if (i > 0) out += '.';
    out += components[i].name;
    if (components[i].index >= 0) absl::StrAppend(&out, "[", components[i].index, "]");
  }
  return out;
}

std::string RenderPath(const std::vector<PathComponent>& components) {
  return RenderPath(components, components.size());
}

std::string FieldNames(const Descriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    names.push_back(descriptor->field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

std::string EnumValueNames(const EnumDescriptor* descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    names.push_back(descriptor->value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

// ---------------------------------------------------------------------------------------------
// Overrides.

bool LooksLikeInteger(absl::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

template <typename Int>
absl::StatusOr<Int> ParseInteger(absl::string_view text, absl::string_view display,
                                 absl::string_view type_name) {
  if (!LooksLikeInteger(text)) {
    return absl::InvalidArgumentError(absl::StrCat(display, ": not an integer: '", text, "'"));
  }
  Int value;
  // SimpleAtoi rejects "-0" for unsigned types and anything out of range for Int.
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat(display, ": ", text, " is out of range for ",
                                                   type_name, " [", std::numeric_limits<Int>::min(),
                                                   ", ", std::numeric_limits<Int>::max(), "]"));
  }
  return value;
}

// Sets `field` of `message` from `text`: the singular field when index == -1, element `index`
// of a repeated field when index >= 0, and appends to a repeated field when index == kAppend.
constexpr int kAppend = -2;

absl::Status SetScalar(Message* message, const FieldDescriptor* field, int index,
                       absl::string_view raw_text, absl::string_view display) {
  const Reflection* reflection = message->GetReflection();
  const absl::string_view text = field->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                                     ? raw_text
                                     : absl::StripAsciiWhitespace(raw_text);
#define CB_SET_FIELD_(Type, value)                                 \
  do {                                                             \
    if (index == -1) {                                             \
      reflection->Set##Type(message, field, value);                \
    } else if (index == kAppend) {                                 \
      reflection->Add##Type(message, field, value);                \
    } else {                                                       \
      reflection->SetRepeated##Type(message, field, index, value); \
    }                                                              \
  } while (0)

  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      CB_ASSIGN_OR_RETURN(const int32_t value, ParseInteger<int32_t>(text, display, "int32"));
      CB_SET_FIELD_(Int32, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      CB_ASSIGN_OR_RETURN(const int64_t value, ParseInteger<int64_t>(text, display, "int64"));
      CB_SET_FIELD_(Int64, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      CB_ASSIGN_OR_RETURN(const uint32_t value, ParseInteger<uint32_t>(text, display, "uint32"));
      CB_SET_FIELD_(UInt32, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      CB_ASSIGN_OR_RETURN(const uint64_t value, ParseInteger<uint64_t>(text, display, "uint64"));
      CB_SET_FIELD_(UInt64, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double value = 0;
      if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
        return absl::InvalidArgumentError(
            absl::StrCat(display, ": not a finite number: '", text, "'"));
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        CB_SET_FIELD_(Double, value);
      } else {
        CB_SET_FIELD_(Float, static_cast<float>(value));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool value;
      if (text == "true" || text == "1") {
        value = true;
      } else if (text == "false" || text == "0") {
        value = false;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(display, ": not a bool (true, false, 1 or 0): '", text, "'"));
      }
      CB_SET_FIELD_(Bool, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumDescriptor* type = field->enum_type();
      const EnumValueDescriptor* value = type->FindValueByName(std::string(text));
      int number = 0;
      if (value == nullptr && LooksLikeInteger(text) && absl::SimpleAtoi(text, &number)) {
        value = type->FindValueByNumber(number);
      }
      if (value == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(display, ": '", text, "' is not a value of ",
                                                       type->full_name(),
                                                       " (values: ", EnumValueNames(type), ")"));
      }
      CB_SET_FIELD_(EnumValue, value->number());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      CB_SET_FIELD_(String, std::string(text));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
#undef CB_SET_FIELD_
  return absl::InternalError(absl::StrCat(display, ": not a scalar field"));
}

absl::Status ApplyOverrideImpl(Message* root, absl::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError("missing '=' (expected field.path=value)");
  }
  const absl::string_view key = absl::StripAsciiWhitespace(assignment.substr(0, eq));
  const absl::string_view value = assignment.substr(eq + 1);
  absl::StatusOr<std::vector<PathComponent>> components = ParseFieldPath(key);
  if (!components.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad field path '", key, "': ", components.status().message()));
  }
  Message* message = root;
  for (size_t i = 0; i < components->size(); ++i) {
    const PathComponent& component = (*components)[i];
    const Descriptor* descriptor = message->GetDescriptor();
    const Reflection* reflection = message->GetReflection();
    const FieldDescriptor* field = descriptor->FindFieldByName(component.name);
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("no field '", component.name, "' in ",
                                                     descriptor->full_name(),
                                                     " (fields: ", FieldNames(descriptor), ")"));
    }
    // The path up to and including this field, without its index.
    std::string field_path = RenderPath(*components, i);
    absl::StrAppend(&field_path, i > 0 ? "." : "", component.name);
    const bool last = i + 1 == components->size();
    const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;

    if (component.index >= 0) {
      if (!field->is_repeated()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field_path, " is not a repeated field; it cannot be indexed"));
      }
      const int size = reflection->FieldSize(*message, field);
      if (component.index >= size) {
        return absl::InvalidArgumentError(absl::StrCat(
            "index ", component.index, " out of range for ", field_path, " (size ", size, ")"));
      }
    }

    if (!last) {
      if (!is_message) {
        return absl::InvalidArgumentError(absl::StrCat(
            field_path, " is not a message; it has no field '", (*components)[i + 1].name, "'"));
      }
      if (field->is_repeated()) {
        if (component.index < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              field_path, " is a repeated field; name an element: ", field_path, "[i]"));
        }
        message = reflection->MutableRepeatedMessage(message, field, component.index);
      } else {
        message = reflection->MutableMessage(message, field);
      }
      continue;
    }

    const std::string display = RenderPath(*components);
    if (is_message) {
      return absl::InvalidArgumentError(
          absl::StrCat(display, " is a message; set one of its fields (fields: ",
                       FieldNames(field->message_type()), ")"));
    }
    if (!field->is_repeated() || component.index >= 0) {
      return SetScalar(message, field, component.index, value, display);
    }
    // A whole repeated scalar field: comma separated, empty clears it. Parsed into a scratch
    // message first so that a bad element leaves the config unchanged.
    std::unique_ptr<Message> scratch(message->New());
    if (!absl::StripAsciiWhitespace(value).empty()) {
      int element = 0;
      for (absl::string_view item : absl::StrSplit(value, ',')) {
        CB_RETURN_IF_ERROR(SetScalar(scratch.get(), field, kAppend, item,
                                     absl::StrCat(display, "[", element++, "]")));
      }
    }
    reflection->SwapFields(message, scratch.get(), {field});
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Validation.

class Validator {
 public:
  explicit Validator(std::vector<ValidationError>* errors) : errors_(errors) {}

  void Error(std::string path, std::string message) {
    errors_->push_back({std::move(path), std::move(message)});
  }

  // The "x must be ..., got v" checks. NaN and infinities are left to the one "must be
  // finite" message that CheckValuesGeneric gives every floating-point field (one message per
  // mistake, not a range message that reads "got nan" as well).
  void Positive(const std::string& path, double value) {
    if (std::isfinite(value) && !(value > 0)) Error(path, absl::StrCat(path, " must be > 0, got ", value));
  }
  void NonNegative(const std::string& path, double value) {
    if (std::isfinite(value) && !(value >= 0)) Error(path, absl::StrCat(path, " must be >= 0, got ", value));
  }
  void AtLeast(const std::string& path, double value, double min) {
    if (std::isfinite(value) && !(value >= min)) Error(path, absl::StrCat(path, " must be >= ", min, ", got ", value));
  }
  void AtMost(const std::string& path, double value, double max) {
    if (std::isfinite(value) && !(value <= max)) Error(path, absl::StrCat(path, " must be <= ", max, ", got ", value));
  }
  void Probability(const std::string& path, double value) {
    if (std::isfinite(value) && !(value >= 0 && value <= 1)) {
      Error(path, absl::StrCat(path, " must be in [0, 1], got ", value));
    }
  }
  void NonEmpty(const std::string& path, const std::string& value) {
    if (value.empty()) Error(path, absl::StrCat(path, " must not be empty"));
  }
  // The zero value of every enum is FOO_UNSPECIFIED, meaning "not set".
  template <typename Enum>
  void EnumSet(const std::string& path, Enum value, const EnumDescriptor* type) {
    if (static_cast<int>(value) == 0) {
      Error(path, absl::StrCat(path, " must be set (one of: ", SetValues(type), "), got ",
                               type->value(0)->name()));
    }
  }

 private:
  static std::string SetValues(const EnumDescriptor* type) {
    std::vector<std::string> names;
    for (int i = 0; i < type->value_count(); ++i) {
      if (type->value(i)->number() != 0) names.push_back(type->value(i)->name());
    }
    return absl::StrJoin(names, ", ");
  }

  std::vector<ValidationError>* errors_;
};

// Enum fields holding numbers their enum does not define (proto3 text accepts `precision: 7`)
// and doubles that are not finite (text accepts `inf` and `nan`), anywhere in the message.
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
            v->Error(element, absl::StrCat(element, " has no value numbered ", number, " in ",
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
            v->Error(element, absl::StrCat(element, " must be finite, got ", value));
          }
          break;
        }
        default:
          break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Locations.

// Positions are protobuf tokenizer positions: zero-based lines, and columns in bytes with a
// tab advancing to the next multiple of 8 (as GCC's diagnostics count them). Printed 1-based.

bool IsIdentifierChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// Byte offset of the start of zero-based `line` in `text`, or npos.
size_t LineStart(absl::string_view text, int line) {
  size_t offset = 0;
  for (int i = 0; i < line; ++i) {
    offset = text.find('\n', offset);
    if (offset == absl::string_view::npos) return offset;
    ++offset;
  }
  return offset;
}

int ByteToColumn(absl::string_view line_text, size_t byte) {
  int column = 0;
  for (size_t i = 0; i < byte && i < line_text.size(); ++i) {
    column += line_text[i] == '\t' ? 8 - column % 8 : 1;
  }
  return column;
}

size_t ColumnToByte(absl::string_view line_text, int column) {
  int at = 0;
  size_t i = 0;
  for (; i < line_text.size() && line_text[i] != '\n' && at < column; ++i) {
    at += line_text[i] == '\t' ? 8 - at % 8 : 1;
  }
  return i;
}

// Collects the parser's errors as "path:line:column: message". For errors the parser reports
// only after consuming the offending token (an unknown field name, an unknown enum value, a
// field given twice), it reports the position of the *next* token, which for an enum value at
// the end of a line is the next line; those are moved back to the named token when it is the
// one just before (with only blanks and # comments in between).
class PrefixedErrorCollector : public ::google::protobuf::io::ErrorCollector {
 public:
  PrefixedErrorCollector(absl::string_view path, absl::string_view text)
      : path_(path), text_(text) {}

  void AddError(int line, ::google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (line < 0) {
      errors_.push_back(absl::StrCat(path_, ": ", message));
      return;
    }
    MoveToNamedToken(message, &line, &column);
    errors_.push_back(absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message));
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void MoveToNamedToken(absl::string_view message, int* line, int* column) const {
    static constexpr absl::string_view kQuotedAfter[] = {
        "has no field named \"", "Unknown enumeration value of \"", "Non-repeated field \""};
    absl::string_view token;
    for (absl::string_view prefix : kQuotedAfter) {
      const size_t at = message.find(prefix);
      if (at == absl::string_view::npos) continue;
      token = message.substr(at + prefix.size());
      token = token.substr(0, token.find('"'));
      break;
    }
    if (token.empty()) return;
    const size_t line_start = LineStart(text_, *line);
    if (line_start == absl::string_view::npos) return;
    const size_t reported = line_start + ColumnToByte(text_.substr(line_start), *column);
    const size_t found = text_.substr(0, reported).rfind(token);
    if (found == absl::string_view::npos) return;
    if (found > 0 && IsIdentifierChar(text_[found - 1])) return;
    for (size_t i = found + token.size(); i < reported; ++i) {
      if (text_[i] == '#') {
        while (i < reported && text_[i] != '\n') ++i;
      } else if (!absl::ascii_isspace(static_cast<unsigned char>(text_[i]))) {
        return;
      }
    }
    const size_t token_line_start = text_.substr(0, found).rfind('\n');
    const size_t start = token_line_start == absl::string_view::npos ? 0 : token_line_start + 1;
    *line = static_cast<int>(std::count(text_.begin(), text_.begin() + start, '\n'));
    *column = ByteToColumn(text_.substr(start), found - start);
  }

  std::string path_;
  absl::string_view text_;
  std::vector<std::string> errors_;
};

// "path:line:column: message" for a validation error, from the field's location in the parsed
// text. A field absent from the text points at its closest enclosing message that is present
// (or 1:1) and says so.
std::string LocateError(const TextFormat::ParseInfoTree& root, absl::string_view file_path,
                        const ValidationError& error) {
  TextFormat::ParseLocation where(0, 0);  // zero-based; 0:0 prints as 1:1
  bool missing = false;
  absl::StatusOr<std::vector<PathComponent>> components = ParseFieldPath(error.field_path);
  if (components.ok()) {
    const TextFormat::ParseInfoTree* tree = &root;
    const Descriptor* descriptor = v1::RecipeConfig::descriptor();
    for (size_t i = 0; i < components->size(); ++i) {
      const PathComponent& component = (*components)[i];
      const FieldDescriptor* field =
          descriptor == nullptr ? nullptr : descriptor->FindFieldByName(component.name);
      if (field == nullptr || tree == nullptr) {
        missing = true;
        break;
      }
      const int index = field->is_repeated() ? std::max(component.index, 0) : -1;
      TextFormat::ParseLocation location = tree->GetLocation(field, index);
      if (location.line < 0 && field->is_repeated() && index > 0) {
        // `widths: [1, 2, 3]` records one location for the whole list.
        location = tree->GetLocation(field, 0);
      }
      if (location.line < 0) {
        missing = true;
        break;
      }
      where = location;
      if (i + 1 < components->size()) {
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) break;
        tree = tree->GetTreeForNested(field, index);
        descriptor = field->message_type();
      }
    }
  }
  std::string out =
      absl::StrCat(file_path, ":", where.line + 1, ":", where.column + 1, ": ", error.message);
  if (missing) absl::StrAppend(&out, " (", error.field_path, " is missing)");
  return out;
}

// True when the override that set `set_path` (rendered) wrote `error_path` or a field inside
// or around it: equal, or one is a prefix of the other at a '.' or '[' boundary.
bool OverrideCovers(absl::string_view set_path, absl::string_view error_path) {
  auto prefix_of = [](absl::string_view a, absl::string_view b) {
    return b.size() > a.size() && b.substr(0, a.size()) == a &&
           (b[a.size()] == '.' || b[a.size()] == '[');
  };
  return set_path == error_path || prefix_of(set_path, error_path) ||
         prefix_of(error_path, set_path);
}

}  // namespace

absl::Status ApplyOverride(v1::RecipeConfig* config, std::string_view assignment_std) {
  const absl::string_view assignment = ToAbsl(assignment_std);
  // On a copy, so that a failed override (which may have created parent messages on its way)
  // leaves the config unchanged.
  v1::RecipeConfig updated = *config;
  absl::Status status = ApplyOverrideImpl(&updated, assignment);
  if (status.ok()) {
    *config = std::move(updated);
    return status;
  }
  return absl::Status(status.code(), absl::StrCat("--set '", assignment, "': ", status.message()));
}

std::vector<ValidationError> ValidateRecipe(const v1::RecipeConfig& config,
                                            const std::vector<std::string>& known_plugins) {
  std::vector<ValidationError> errors;
  Validator v(&errors);

  v.NonEmpty("name", config.name());
  if (config.plugin().empty()) {
    v.NonEmpty("plugin", config.plugin());
  } else if (!known_plugins.empty() && std::find(known_plugins.begin(), known_plugins.end(),
                                                 config.plugin()) == known_plugins.end()) {
    v.Error("plugin",
            absl::StrCat("plugin '", config.plugin(), "' is not a known plugin (known plugins: ",
                         absl::StrJoin(known_plugins, ", "), ")"));
  }

  const v1::DataConfig& data = config.data();
  v.NonNegative("data.train_subset", data.train_subset());
  v.NonNegative("data.test_subset", data.test_subset());

  const v1::ModelConfig& model = config.model();
  if (model.widths().empty()) {
    v.Error("model.widths", "model.widths must not be empty");
  }
  for (int i = 0; i < model.widths_size(); ++i) {
    v.Positive(absl::StrCat("model.widths[", i, "]"), model.widths(i));
  }

  const v1::OptimizerConfig& optimizer = config.optimizer();
  v.EnumSet("optimizer.kind", optimizer.kind(), v1::OptimizerKind_descriptor());
  if (!(optimizer.momentum() >= 0 && optimizer.momentum() < 1)) {
    v.Error("optimizer.momentum",
            absl::StrCat("optimizer.momentum must be in [0, 1), got ", optimizer.momentum()));
  }
  if (optimizer.param_groups().empty()) {
    v.Error("optimizer.param_groups", "optimizer.param_groups must not be empty");
  }
  for (int i = 0; i < optimizer.param_groups_size(); ++i) {
    const v1::ParamGroup& group = optimizer.param_groups(i);
    const std::string prefix = absl::StrCat("optimizer.param_groups[", i, "]");
    v.NonNegative(prefix + ".lr", group.lr());
    v.NonNegative(prefix + ".weight_decay", group.weight_decay());
  }

  const v1::TrainConfig& train = config.train();
  v.Positive("train.batch_size", train.batch_size());
  v.Positive("train.epochs", train.epochs());
  v.Probability("train.label_smoothing", train.label_smoothing());

  const v1::ScheduleConfig& schedule = config.schedule();
  v.EnumSet("schedule.kind", schedule.kind(), v1::ScheduleKind_descriptor());
  if (schedule.kind() == v1::ONE_CYCLE_LINEAR) {
    if (!(schedule.pct_start() > 0 && schedule.pct_start() < 1)) {
      v.Error("schedule.pct_start",
              absl::StrCat("schedule.pct_start must be in (0, 1) for ONE_CYCLE_LINEAR, got ",
                           schedule.pct_start()));
    }
    v.Positive("schedule.div_factor", schedule.div_factor());
    v.NonNegative("schedule.final_lr_ratio", schedule.final_lr_ratio());
  } else {
    v.Probability("schedule.pct_start", schedule.pct_start());
  }
  if (schedule.kind() == v1::PIECEWISE_LINEAR) {
    if (schedule.knot_epochs_size() < 2) {
      v.Error("schedule.knot_epochs",
              absl::StrCat("schedule.knot_epochs needs at least 2 knots for PIECEWISE_LINEAR, got ",
                           schedule.knot_epochs_size()));
    }
    if (schedule.knot_values_size() != schedule.knot_epochs_size()) {
      v.Error("schedule.knot_values",
              absl::StrCat("schedule.knot_values must have as many entries as "
                           "schedule.knot_epochs (",
                           schedule.knot_epochs_size(), "), got ", schedule.knot_values_size()));
    }
    for (int i = 1; i < schedule.knot_epochs_size(); ++i) {
      if (!(schedule.knot_epochs(i) >= schedule.knot_epochs(i - 1))) {
        v.Error(absl::StrCat("schedule.knot_epochs[", i, "]"),
                absl::StrCat("schedule.knot_epochs must be non-decreasing, got knot_epochs[", i,
                             "] = ", schedule.knot_epochs(i), " after knot_epochs[", i - 1,
                             "] = ", schedule.knot_epochs(i - 1)));
      }
    }
  }

  const v1::AugmentConfig& augment = config.augment();
  v.NonNegative("augment.pad", augment.pad());
  v.Probability("augment.flip_probability", augment.flip_probability());
  v.NonNegative("augment.cutout_size", augment.cutout_size());
  v.AtMost("augment.cutout_size", augment.cutout_size(), 32);
  v.NonNegative("augment.cutmix_size", augment.cutmix_size());
  v.AtMost("augment.cutmix_size", augment.cutmix_size(), 32);
  v.NonNegative("augment.cutmix_epochs", augment.cutmix_epochs());

  const v1::EmaConfig& ema = config.ema();
  v.Probability("ema.decay_base", ema.decay_base());
  if (ema.enabled()) {
    v.Positive("ema.every_n_steps", ema.every_n_steps());
    v.NonNegative("ema.start_epoch", ema.start_epoch());
  }

  const v1::EvalConfig& eval = config.eval();
  v.EnumSet("eval.headline_network", eval.headline_network(), v1::EvalNetwork_descriptor());
  v.EnumSet("eval.headline_tta", eval.headline_tta(), v1::TtaKind_descriptor());
  v.Positive("eval.batch_size", eval.batch_size());

  v.EnumSet("precision", config.precision(), v1::Precision_descriptor());
  v.AtLeast("runs", config.runs(), 1);
  v.Probability("target_accuracy", config.target_accuracy());

  CheckValuesGeneric(config, "", &v);
  return errors;
}

absl::StatusOr<v1::RecipeConfig> LoadRecipeText(std::string_view text, std::string_view path_std,
                                                const std::vector<std::string>& overrides,
                                                const std::vector<std::string>& known_plugins) {
  const absl::string_view path = ToAbsl(path_std);
  v1::RecipeConfig config;
  TextFormat::ParseInfoTree locations;
  const std::string text_copy(text);
  PrefixedErrorCollector collector(path, text_copy);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&locations);
  parser.AllowUnknownField(false);
  parser.AllowUnknownExtension(false);
  if (!parser.ParseFromString(text_copy, &config)) {
    if (collector.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot parse the recipe"));
    }
    // The parser stops at its first error; anything after it is noise.
    return absl::InvalidArgumentError(collector.errors().front());
  }

  // Which field path each override set, to blame semantic errors on the last one that did.
  std::vector<std::string> set_paths;
  for (const std::string& assignment : overrides) {
    CB_RETURN_IF_ERROR(ApplyOverride(&config, assignment));
    const absl::string_view key =
        absl::StripAsciiWhitespace(absl::string_view(assignment).substr(0, assignment.find('=')));
    absl::StatusOr<std::vector<PathComponent>> components = ParseFieldPath(key);
    set_paths.push_back(components.ok() ? RenderPath(*components) : std::string(key));
  }

  const std::vector<ValidationError> errors = ValidateRecipe(config, known_plugins);
  if (errors.empty()) return config;
  std::vector<std::string> lines;
  for (const ValidationError& error : errors) {
    int blamed = -1;
    for (int i = static_cast<int>(set_paths.size()) - 1; i >= 0 && blamed < 0; --i) {
      if (OverrideCovers(set_paths[i], error.field_path)) blamed = i;
    }
    if (blamed >= 0) {
      lines.push_back(absl::StrCat("--set '", overrides[blamed], "': ", error.message));
    } else {
      lines.push_back(LocateError(locations, path, error));
    }
  }
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

absl::StatusOr<v1::RecipeConfig> LoadRecipeFile(const std::string& path,
                                                const std::vector<std::string>& overrides,
                                                const std::vector<std::string>& known_plugins) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot read recipe file '", path, "': ", std::strerror(errno)));
  }
  std::string text;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  const bool failed = std::ferror(file) != 0;
  const int read_errno = errno;
  std::fclose(file);
  if (failed) {
    return absl::NotFoundError(
        absl::StrCat("cannot read recipe file '", path, "': ", std::strerror(read_errno)));
  }
  return LoadRecipeText(text, path, overrides, known_plugins);
}

std::string RecipeToText(const v1::RecipeConfig& config) {
  std::string text;
  TextFormat::PrintToString(config, &text);
  return text;
}

std::string Sha256Hex(std::string_view data) { return Sha256HexDigest(data); }

}  // namespace cifarbench

#include "core/config.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <limits>
#include <memory>
#include <mutex>
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
#include "core/registry.h"
#include "core/sha256.h"
#include "core/status_macros.h"
#include "core/validation.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace cifarbench {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::DescriptorProto;
using ::google::protobuf::DynamicMessageFactory;
using ::google::protobuf::FieldDescriptorProto;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::FileDescriptorProto;
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

// The field of `descriptor` nearest to `name` by edit distance, "" when none is close (more
// than 2 edits and more than a third of the name).
std::string NearestFieldName(const Descriptor* descriptor, absl::string_view name) {
  auto distance = [](absl::string_view a, absl::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string& candidate = descriptor->field(i)->name();
    const size_t d = distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (best_distance > 2 && best_distance * 3 > name.size()) return "";
  return best;
}

// "; did you mean 'x'?" or "".
std::string DidYouMean(const Descriptor* descriptor, absl::string_view name) {
  const std::string nearest = NearestFieldName(descriptor, name);
  return nearest.empty() ? "" : absl::StrCat(" Did you mean \"", nearest, "\"?");
}

// ---------------------------------------------------------------------------------------------
// The recipe schema: RecipeConfig as a recipe's text writes it. Its own descriptor pool holds
// copies of proto/recipe.proto and of every registered plugin's settings file, with one message
// field added to RecipeConfig per plugin that registered settings: `hlb` of type
// cifarbench.hlb.HlbSettings, and so on. The text is parsed into a DynamicMessage of that
// type (so the parser records every location, the plugin's block included, and reports the
// plugin's own unknown fields), overrides are applied to it, and it is then split into the
// generated RecipeConfig and its plugin's block, packed into RecipeConfig.settings.
//
// Schema-1 fields (reserved in RecipeConfig and TrainConfig) are dropped from the copy's
// reserved names: the text parser would otherwise skip them silently.

constexpr int kFirstBlockNumber = 1000;

class RecipeSchema {
 public:
  static absl::StatusOr<std::shared_ptr<const RecipeSchema>> ForRegistry();

  const Descriptor* root() const { return root_; }
  // The block of `plugin`'s settings, nullptr when it registered none.
  const FieldDescriptor* Block(const std::string& plugin) const {
    auto it = blocks_.find(plugin);
    return it == blocks_.end() ? nullptr : it->second;
  }
  const std::map<std::string, const FieldDescriptor*>& blocks() const { return blocks_; }
  const DescriptorPool* pool() const { return &pool_; }

  std::unique_ptr<Message> NewRoot() const {
    return std::unique_ptr<Message>(factory_.GetPrototype(root_)->New());
  }

  // RecipeConfig (its settings in their block) -> the text's message.
  absl::StatusOr<std::unique_ptr<Message>> FromConfig(const v1::RecipeConfig& config) const {
    v1::RecipeConfig shared = config;
    shared.clear_settings();
    std::unique_ptr<Message> root = NewRoot();
    if (!root->ParseFromString(shared.SerializeAsString())) {
      return absl::InternalError("cannot copy RecipeConfig into the recipe schema");
    }
    if (config.has_settings()) {
      const std::string& url = config.settings().type_url();
      const std::string type = url.substr(url.rfind('/') + 1);
      const FieldDescriptor* block = nullptr;
      for (const auto& [plugin, field] : blocks_) {
        if (field->message_type()->full_name() == type) block = field;
      }
      if (block == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            "recipe '", config.name(), "' holds settings of type ", type,
            ", which no registered plugin declares"));
      }
      if (!root->GetReflection()->MutableMessage(root.get(), block)->ParseFromString(
              config.settings().value())) {
        return absl::InvalidArgumentError(
            absl::StrCat("recipe '", config.name(), "': its ", type, " settings do not parse"));
      }
    }
    return root;
  }

  // The text's message -> RecipeConfig, with the block of the recipe's own plugin (if present)
  // packed into settings. Blocks of other plugins are dropped (LoadRecipeText refuses them).
  v1::RecipeConfig ToConfig(const Message& root) const {
    v1::RecipeConfig config;
    config.ParseFromString(root.SerializeAsString());
    config.DiscardUnknownFields();  // the blocks (fields >= kFirstBlockNumber)
    const FieldDescriptor* block = Block(config.plugin());
    if (block != nullptr && root.GetReflection()->HasField(root, block)) {
      const Message& settings = root.GetReflection()->GetMessage(root, block);
      config.mutable_settings()->set_type_url(
          absl::StrCat("type.googleapis.com/", settings.GetDescriptor()->full_name()));
      config.mutable_settings()->set_value(settings.SerializeAsString());
    }
    return config;
  }

 private:
  RecipeSchema() = default;
  absl::Status Init(const std::vector<SettingsInfo>& settings);

  DescriptorPool pool_;
  mutable DynamicMessageFactory factory_{&pool_};
  const Descriptor* root_ = nullptr;
  std::map<std::string, const FieldDescriptor*> blocks_;
};

absl::Status RecipeSchema::Init(const std::vector<SettingsInfo>& settings) {
  const FileDescriptor* recipe_file = v1::RecipeConfig::descriptor()->file();
  std::map<std::string, bool> added;
  std::vector<FileDescriptorProto> files;
  std::string cycle;
  std::function<void(const FileDescriptor*, const std::string&)> add =
      [&](const FileDescriptor* file, const std::string& plugin) {
        if (added.count(file->name())) return;
        if (file == recipe_file && !plugin.empty()) {
          cycle = plugin;
          return;
        }
        added[file->name()] = true;
        for (int i = 0; i < file->dependency_count(); ++i) add(file->dependency(i), plugin);
        files.emplace_back();
        file->CopyTo(&files.back());
      };
  for (const SettingsInfo& info : settings) {
    add(info.prototype->GetDescriptor()->file(), info.plugin);
    if (!cycle.empty()) {
      return absl::InternalError(absl::StrCat(
          "the settings of plugin '", cycle, "' (", info.prototype->GetDescriptor()->file()->name(),
          ") import proto/recipe.proto; a plugin's settings may import proto/blocks.proto, "
          "not RecipeConfig's file"));
    }
  }
  add(recipe_file, "");
  FileDescriptorProto& recipe = files.back();  // added last: everything else is in
  for (const SettingsInfo& info : settings) {
    const std::string& dependency = info.prototype->GetDescriptor()->file()->name();
    bool present = false;
    for (const std::string& d : recipe.dependency()) present = present || d == dependency;
    if (!present) recipe.add_dependency(dependency);
  }
  for (DescriptorProto& message : *recipe.mutable_message_type()) {
    message.clear_reserved_name();
    message.clear_reserved_range();
    if (message.name() != "RecipeConfig") continue;
    // `settings` is what the blocks become; a text cannot write it directly.
    auto* fields = message.mutable_field();
    for (int i = 0; i < fields->size(); ++i) {
      if (fields->Get(i).name() == "settings") {
        fields->DeleteSubrange(i, 1);
        break;
      }
    }
    int number = kFirstBlockNumber;
    for (const SettingsInfo& info : settings) {
      const std::string& name = info.plugin;
      const bool identifier =
          !name.empty() && !absl::ascii_isdigit(name[0]) &&
          std::all_of(name.begin(), name.end(), [](char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_'; });
      if (!identifier || v1::RecipeConfig::descriptor()->FindFieldByName(name) != nullptr ||
          v1::RecipeConfig::descriptor()->IsReservedName(name)) {
        return absl::InternalError(absl::StrCat(
            "plugin '", name, "' registered settings, but its name cannot be a recipe block: "
            "it must be a lower-case identifier and not a field of RecipeConfig"));
      }
      FieldDescriptorProto* field = message.add_field();
      field->set_name(name);
      field->set_number(number++);
      field->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
      field->set_type(FieldDescriptorProto::TYPE_MESSAGE);
      field->set_type_name(absl::StrCat(".", info.prototype->GetDescriptor()->full_name()));
    }
  }
  for (const FileDescriptorProto& file : files) {
    if (pool_.BuildFile(file) == nullptr) {
      return absl::InternalError(absl::StrCat("cannot build the recipe schema (", file.name(),
                                              "): a plugin's settings clash with RecipeConfig"));
    }
  }
  root_ = pool_.FindMessageTypeByName(v1::RecipeConfig::descriptor()->full_name());
  for (const SettingsInfo& info : settings) blocks_[info.plugin] = root_->FindFieldByName(info.plugin);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const RecipeSchema>> RecipeSchema::ForRegistry() {
  // Rebuilt only when a plugin library registered more settings since the last call.
  static std::mutex mu;
  static std::shared_ptr<const RecipeSchema>* cached = new std::shared_ptr<const RecipeSchema>();
  static size_t cached_count = 0;
  const std::vector<SettingsInfo> settings = Registry::Get().Settings();
  std::lock_guard<std::mutex> lock(mu);
  if (*cached != nullptr && cached_count == settings.size()) return *cached;
  std::shared_ptr<RecipeSchema> schema(new RecipeSchema());
  CB_RETURN_IF_ERROR(schema->Init(settings));
  *cached = schema;
  cached_count = settings.size();
  return *cached;
}

// A schema-1 field name (reserved since schema 2) in `type`: what to say about it.
std::string Schema1Hint(absl::string_view type, absl::string_view name) {
  const Descriptor* generated =
      DescriptorPool::generated_pool()->FindMessageTypeByName(std::string(type));
  if (generated == nullptr || !generated->IsReservedName(std::string(name))) return "";
  return absl::StrCat(" (a schema-1 field: since schema 2 it is in the plugin's block, e.g. "
                      "hlb { ", type == "cifarbench.v1.TrainConfig" ? "loss" : std::string(name),
                      " { ... } }; bench --describe=PLUGIN lists a plugin's settings)");
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
      const std::string hint = Schema1Hint(descriptor->full_name(), component.name);
      if (!hint.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("no field '", component.name, "' in ",
                                                       descriptor->full_name(), hint));
      }
      const std::string nearest = NearestFieldName(descriptor, component.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "no field '", component.name, "' in ", descriptor->full_name(),
          nearest.empty() ? "" : absl::StrCat(" (did you mean '", nearest, "'?)"),
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
  PrefixedErrorCollector(absl::string_view path, absl::string_view text,
                         const DescriptorPool* pool)
      : path_(path), text_(text), pool_(pool) {}

  void AddError(int line, ::google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (line < 0) {
      errors_.push_back(absl::StrCat(path_, ": ", message));
      return;
    }
    MoveToNamedToken(message, &line, &column);
    errors_.push_back(
        absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message, Suggestion(message)));
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

  // For 'Message type "T" has no field named "x".': the nearest field of T, or what became of
  // a schema-1 field.
  std::string Suggestion(absl::string_view message) const {
    static constexpr absl::string_view kType = "Message type \"";
    static constexpr absl::string_view kField = "\" has no field named \"";
    const size_t type_at = message.find(kType);
    const size_t field_at = message.find(kField);
    if (type_at == absl::string_view::npos || field_at == absl::string_view::npos) return "";
    const absl::string_view type =
        message.substr(type_at + kType.size(), field_at - type_at - kType.size());
    absl::string_view name = message.substr(field_at + kField.size());
    name = name.substr(0, name.find('"'));
    const std::string hint = Schema1Hint(type, name);
    if (!hint.empty()) return hint;
    const Descriptor* descriptor = pool_->FindMessageTypeByName(std::string(type));
    return descriptor == nullptr ? "" : DidYouMean(descriptor, name);
  }

  std::string path_;
  absl::string_view text_;
  const DescriptorPool* pool_;
  std::vector<std::string> errors_;
};

// "path:line:column: message" for a validation error, from the field's location in the parsed
// text. A field absent from the text points at its closest enclosing message that is present
// (or 1:1) and says so.
std::string LocateError(const TextFormat::ParseInfoTree& root, const Descriptor* root_type,
                        absl::string_view file_path, const ValidationError& error) {
  TextFormat::ParseLocation where(0, 0);  // zero-based; 0:0 prints as 1:1
  bool missing = false;
  absl::StatusOr<std::vector<PathComponent>> components = ParseFieldPath(error.field_path);
  if (components.ok()) {
    const TextFormat::ParseInfoTree* tree = &root;
    const Descriptor* descriptor = root_type;
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
  CB_ASSIGN_OR_RETURN(std::shared_ptr<const RecipeSchema> schema, RecipeSchema::ForRegistry());
  // On a copy, so that a failed override (which may have created parent messages on its way)
  // leaves the config unchanged.
  CB_ASSIGN_OR_RETURN(std::unique_ptr<Message> root, schema->FromConfig(*config));
  absl::Status status = ApplyOverrideImpl(root.get(), assignment);
  if (status.ok()) {
    *config = schema->ToConfig(*root);
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
    v.ErrorText("plugin",
                absl::StrCat("plugin '", config.plugin(), "' is not a known plugin (known plugins: ",
                             absl::StrJoin(known_plugins, ", "), ")"));
  }

  const v1::DataConfig& data = config.data();
  v.NonNegative("data.train_subset", data.train_subset());
  v.NonNegative("data.test_subset", data.test_subset());

  const v1::TrainConfig& train = config.train();
  v.Positive("train.batch_size", train.batch_size());
  v.Positive("train.epochs", train.epochs());

  const v1::EvalConfig& eval = config.eval();
  v.EnumSet("eval.headline_network", eval.headline_network(), v1::EvalNetwork_descriptor());
  v.EnumSet("eval.headline_tta", eval.headline_tta(), v1::TtaKind_descriptor());
  v.Positive("eval.batch_size", eval.batch_size());
  if (eval.headline_tta() == v1::TTA_SELECTIVE) {
    if (!(eval.selective_fraction() > 0 && eval.selective_fraction() <= 1)) {
      v.Error("eval.selective_fraction",
              absl::StrCat("must be in (0, 1] with TTA_SELECTIVE (the share of the test set that "
                           "gets the six views), got ", eval.selective_fraction()));
    }
  } else if (eval.has_selective_fraction()) {
    v.Error("eval.selective_fraction", "is read only with eval.headline_tta: TTA_SELECTIVE");
  }

  v.EnumSet("precision", config.precision(), v1::Precision_descriptor());
  if (config.has_memory_format() && config.memory_format() == v1::MEMORY_FORMAT_UNSPECIFIED) {
    v.ErrorText("memory_format",
                "memory_format must not be MEMORY_FORMAT_UNSPECIFIED: leave it unset for "
                "channels_last, or set "
                "MEMORY_FORMAT_CHANNELS_LAST or MEMORY_FORMAT_CONTIGUOUS");
  }
  v.AtLeast("runs", config.runs(), 1);
  v.Probability("target_accuracy", config.target_accuracy());

  CheckValuesGeneric(config, "", &v);

  // The plugin's own settings, by its registered check (paths "<plugin>.…").
  absl::StatusOr<SettingsInfo> info = Registry::Get().FindSettings(config.plugin());
  if (info.ok()) {
    const std::string block = config.plugin();
    std::unique_ptr<Message> settings(info->prototype->New());
    const std::string& url = config.settings().type_url();
    const std::string type = url.substr(url.rfind('/') + 1);
    if (!config.has_settings()) {
      v.ErrorText(block, absl::StrCat("the ", block, " plugin's settings go in a block '", block,
                                      " { ... }' (bench --describe=", block, " lists them)"));
    } else if (type != settings->GetDescriptor()->full_name() ||
               !settings->ParseFromString(config.settings().value())) {
      v.ErrorText(block, absl::StrCat("the ", block, " plugin's settings must be a ",
                                      settings->GetDescriptor()->full_name(), ", got ", type));
    } else {
      Validator plugin_v(&errors, block + ".");
      info->check(config, *settings, plugin_v);
      CheckValuesGeneric(*settings, block, &v);
    }
  }
  return errors;
}

absl::StatusOr<v1::RecipeConfig> LoadRecipeText(std::string_view text, std::string_view path_std,
                                                const std::vector<std::string>& overrides,
                                                const std::vector<std::string>& known_plugins) {
  const absl::string_view path = ToAbsl(path_std);
  CB_ASSIGN_OR_RETURN(std::shared_ptr<const RecipeSchema> schema, RecipeSchema::ForRegistry());
  std::unique_ptr<Message> root = schema->NewRoot();
  TextFormat::ParseInfoTree locations;
  const std::string text_copy(text);
  PrefixedErrorCollector collector(path, text_copy, schema->pool());
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&locations);
  parser.AllowUnknownField(false);
  parser.AllowUnknownExtension(false);
  if (!parser.ParseFromString(text_copy, root.get())) {
    if (collector.errors().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot parse the recipe"));
    }
    // The parser stops at its first error; anything after it is noise.
    return absl::InvalidArgumentError(collector.errors().front());
  }

  // Which field path each override set, to blame semantic errors on the last one that did.
  std::vector<std::string> set_paths;
  for (const std::string& assignment : overrides) {
    absl::Status status = ApplyOverrideImpl(root.get(), assignment);
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("--set '", assignment, "': ", status.message()));
    }
    const absl::string_view key =
        absl::StripAsciiWhitespace(absl::string_view(assignment).substr(0, assignment.find('=')));
    absl::StatusOr<std::vector<PathComponent>> components = ParseFieldPath(key);
    set_paths.push_back(components.ok() ? RenderPath(*components) : std::string(key));
  }

  const v1::RecipeConfig config = schema->ToConfig(*root);
  std::vector<ValidationError> errors;
  // A block that is not the recipe's plugin's: refused, not silently dropped.
  const bool plugin_known =
      schema->Block(config.plugin()) != nullptr ||
      std::find(known_plugins.begin(), known_plugins.end(), config.plugin()) != known_plugins.end();
  for (const auto& [plugin, field] : schema->blocks()) {
    if (plugin == config.plugin() || !root->GetReflection()->HasField(*root, field)) continue;
    if (!plugin_known) continue;  // the unknown plugin is the error to report
    errors.push_back(
        {plugin, absl::StrCat("'", plugin, " { ... }' holds the settings of the ", plugin,
                              " plugin, but this recipe's plugin is '", config.plugin(), "'",
                              schema->Block(config.plugin()) != nullptr
                                  ? absl::StrCat(" (its block is '", config.plugin(), " { ... }')")
                                  : std::string())});
  }
  for (ValidationError& error : ValidateRecipe(config, known_plugins)) {
    errors.push_back(std::move(error));
  }
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
      lines.push_back(LocateError(locations, schema->root(), path, error));
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
  absl::StatusOr<std::shared_ptr<const RecipeSchema>> schema = RecipeSchema::ForRegistry();
  absl::StatusOr<std::unique_ptr<Message>> root =
      schema.ok() ? (*schema)->FromConfig(config)
                  : absl::StatusOr<std::unique_ptr<Message>>(schema.status());
  if (root.ok()) {
    TextFormat::PrintToString(**root, &text);
    return text;
  }
  // Settings no registered plugin declares: the shared part, and why the rest is absent.
  v1::RecipeConfig shared = config;
  shared.clear_settings();
  TextFormat::PrintToString(shared, &text);
  absl::StrAppend(&text, "# settings not shown: ", root.status().message(), "\n");
  return text;
}

namespace {

void CollectUnsetFields(const Message& m, const std::string& prefix,
                        std::vector<std::string>* lines) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) continue;
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (r->HasField(m, f)) CollectUnsetFields(r->GetMessage(m, f), path, lines);
      continue;
    }
    if (r->HasField(m, f)) continue;
    const google::protobuf::OneofDescriptor* oneof = f->containing_oneof();
    if (oneof != nullptr && r->HasOneof(m, oneof)) continue;  // a sibling is the setting
    std::string value;
    TextFormat::PrintFieldValueToString(m, f, -1, &value);
    lines->push_back(absl::StrCat(path, ": ", value));
  }
}

}  // namespace

std::string RecipeUnsetFieldsText(const v1::RecipeConfig& config) {
  absl::StatusOr<std::shared_ptr<const RecipeSchema>> schema = RecipeSchema::ForRegistry();
  if (!schema.ok()) return "";
  absl::StatusOr<std::unique_ptr<Message>> root = (*schema)->FromConfig(config);
  if (!root.ok()) return "";
  std::vector<std::string> lines;
  CollectUnsetFields(**root, "", &lines);
  if (lines.empty()) return "";
  std::string text =
      "# Unset above, so each takes the value below (its field's default; what an unset value "
      "means\n# for the plugin: bench --describe=PLUGIN):\n";
  for (const std::string& line : lines) absl::StrAppend(&text, "#   ", line, "\n");
  return text;
}

std::string DescribeSettings(const std::string& plugin) {
  absl::StatusOr<SettingsInfo> info = Registry::Get().FindSettings(plugin);
  if (!info.ok()) return "";
  std::string out;
  std::function<void(const Descriptor*, const std::string&)> describe =
      [&](const Descriptor* type, const std::string& indent) {
        for (int i = 0; i < type->field_count(); ++i) {
          const FieldDescriptor* field = type->field(i);
          std::string kind;
          if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            kind = absl::StrCat(field->message_type()->full_name(), " { ... }");
          } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
            kind = absl::StrCat(field->enum_type()->name(), " (", EnumValueNames(field->enum_type()), ")");
          } else {
            kind = field->type_name();
          }
          absl::StrAppend(&out, indent, field->name(), field->is_repeated() ? "[]" : "", ": ",
                          kind, "\n");
          if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            describe(field->message_type(), indent + "  ");
          }
        }
      };
  absl::StrAppend(&out, plugin, " { ... }: ", info->prototype->GetDescriptor()->full_name(), "\n");
  describe(info->prototype->GetDescriptor(), "  ");
  return out;
}

}  // namespace cifarbench

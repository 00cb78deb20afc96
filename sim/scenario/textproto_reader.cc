#include "sim/scenario/textproto_reader.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/scenario/yaml_to_proto.h"

namespace burnrate {
namespace scenario_internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::TextFormat;

// The parser's errors as reported: `line` and `column` are 0-based, -1 when unknown.
struct ParseError {
  int line = -1;
  int column = -1;
  std::string message;
};

class CollectingErrors final : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrors(std::vector<ParseError>* out) : out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    out_->push_back({line, static_cast<int>(column), message});
  }

 private:
  std::vector<ParseError>* out_;
};

// Where the parser stopped: the message being read (its path as in every other scenario error,
// e.g. "cluster.pools[1]", and its type) and the last field name read in it.
struct TextLocation {
  std::string path;
  const Descriptor* type = nullptr;
  std::string field;
};

// Re-reads the tokens before (line, column) (0-based, as the parser reports them), keeping the
// nesting of messages and how many elements of each repeated field came before, so that an
// error can name its field path. The parser has already refused the text, so this only has to
// follow well-formed prefixes.
TextLocation LocateInText(const std::string& text, const Descriptor* root, int line, int column) {
  struct Frame {
    std::string path;
    const Descriptor* type;
    std::map<std::string, int> seen;  // elements of each repeated field so far
    std::string field;                // the last field name read
    bool in_list = false;             // inside `field: [ ... ]`
  };
  std::vector<Frame> stack{{"", root, {}, "", false}};
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  struct Silent final : google::protobuf::io::ErrorCollector {
    void AddError(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  } silent;
  google::protobuf::io::Tokenizer tokens(&input, &silent);
  using Token = google::protobuf::io::Tokenizer;
  // As TextFormat's parser reads: # comments, 1.5f, 1e5 and 10x.
  tokens.set_comment_style(Token::SH_COMMENT_STYLE);
  tokens.set_allow_f_after_float(true);
  tokens.set_require_space_after_number(false);
  bool value_next = false;  // after "field:", the next token is its value
  while (tokens.Next()) {
    const auto& t = tokens.current();
    if (t.line > line || (t.line == line && t.column >= column)) break;
    Frame& top = stack.back();
    if (t.type == Token::TYPE_IDENTIFIER && !value_next && !top.in_list) {
      top.field = t.text;
      continue;
    }
    if (t.text == ":") {
      value_next = true;
      continue;
    }
    if (t.text == "[" && value_next) {
      top.in_list = true;
      value_next = false;
      continue;
    }
    if (t.text == "]") {
      top.in_list = false;
      continue;
    }
    if (t.text == "{" || t.text == "<") {
      const FieldDescriptor* f =
          top.type == nullptr ? nullptr : top.type->FindFieldByName(top.field);
      std::string path = top.path.empty() ? top.field : top.path + "." + top.field;
      if (f != nullptr && f->is_repeated()) path += fmt::format("[{}]", top.seen[top.field]++);
      const Descriptor* type = f != nullptr ? f->message_type() : nullptr;
      stack.push_back({std::move(path), type, {}, "", false});
      value_next = false;
      continue;
    }
    if (t.text == "}" || t.text == ">") {
      if (stack.size() > 1) stack.pop_back();
      if (!stack.back().in_list) stack.back().field.clear();  // a list's next element follows
      value_next = false;
      continue;
    }
    if (t.text == "-") continue;           // the sign of a number (or of -inf, -nan) to come
    if (!top.in_list) value_next = false;  // a scalar value (or a separator) was read
  }
  const Frame& top = stack.back();
  return {top.path, top.type, top.field};
}

std::string Join(const std::string& path, const std::string& field) {
  if (field.empty()) return path;
  return path.empty() ? field : path + "." + field;
}

// The parser's message with the field path in front, in the shape of every scenario error:
// "FILE:LINE:COL: FIELD.PATH: PROBLEM; WHAT IS ALLOWED".
std::string Describe(const ParseError& e, const std::string& text, const std::string& file,
                     const Descriptor* root) {
  if (e.line < 0) return fmt::format("{}: {}", file, e.message);
  const std::string where = fmt::format("{}:{}:{}", file, e.line + 1, e.column + 1);
  const TextLocation at = LocateInText(text, root, e.line, e.column);
  // Message type "burnrate.v1.Pool" has no field named "nodez".
  static constexpr std::string_view kNoField = "\" has no field named \"";
  if (const size_t k = e.message.find(kNoField); k != std::string::npos && at.type != nullptr) {
    const size_t start = k + kNoField.size();
    const size_t end = e.message.find('"', start);
    const std::string name = e.message.substr(start, end == std::string::npos ? std::string::npos
                                                                              : end - start);
    return fmt::format("{}: {}: unknown field \"{}\"{}; allowed fields of {}: {}", where,
                       Join(at.path, name), name, FieldSuggestion(at.type, name),
                       at.type->name(), FieldNameList(at.type));
  }
  const std::string path = Join(at.path, at.field);
  if (path.empty()) return fmt::format("{}: {}", where, e.message);
  return fmt::format("{}: {}: {}", where, path, e.message);
}

// Walks the descriptor (not ListFields: proto3 hides fields set to their default value) and
// records every location the parser saw.
void RecordLines(const Message& message, const TextFormat::ParseInfoTree* tree,
                 const std::string& path, std::map<std::string, int>* lines) {
  if (tree == nullptr) return;
  const Descriptor* d = message.GetDescriptor();
  const auto* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string field_path = path.empty() ? f->name() : path + "." + f->name();
    const bool is_message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (f->is_repeated()) {
      const int n = r->FieldSize(message, f);
      for (int k = 0; k < n; ++k) {
        const auto loc = tree->GetLocation(f, k);
        if (loc.line < 0) continue;
        const std::string element_path = fmt::format("{}[{}]", field_path, k);
        if (k == 0) (*lines)[field_path] = loc.line + 1;
        (*lines)[element_path] = loc.line + 1;
        if (is_message) {
          RecordLines(r->GetRepeatedMessage(message, f, k), tree->GetTreeForNested(f, k),
                      element_path, lines);
        }
      }
      continue;
    }
    const auto loc = tree->GetLocation(f, -1);
    if (loc.line < 0) continue;
    (*lines)[field_path] = loc.line + 1;
    if (is_message) {
      RecordLines(r->GetMessage(message, f), tree->GetTreeForNested(f, -1), field_path, lines);
    }
  }
}

}  // namespace

bool ReadTextproto(const std::string& text, const std::string& file, Message* message,
                   std::map<std::string, int>* lines, std::vector<std::string>* errors) {
  std::vector<ParseError> parse_errors;
  CollectingErrors collector(&parse_errors);
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  parser.AllowPartialMessage(true);
  if (!parser.ParseFromString(text, message)) {
    for (const ParseError& e : parse_errors) {
      errors->push_back(Describe(e, text, file, message->GetDescriptor()));
    }
    if (errors->empty()) errors->push_back(fmt::format("{}: not valid protobuf text format", file));
    return false;
  }
  RecordLines(*message, &tree, "", lines);
  return true;
}

}  // namespace scenario_internal
}  // namespace burnrate

#include "sim/scenario/textproto_reader.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <map>
#include <string>
#include <vector>

namespace burnrate {
namespace scenario_internal {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::TextFormat;

class CollectingErrors final : public google::protobuf::io::ErrorCollector {
 public:
  CollectingErrors(const std::string& file, std::vector<std::string>* out)
      : file_(file), out_(out) {}
  // `line` and `column` are 0-based.
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (line < 0) {
      out_->push_back(fmt::format("{}: {}", file_, message));
    } else {
      out_->push_back(fmt::format("{}:{}:{}: {}", file_, line + 1, column + 1, message));
    }
  }

 private:
  const std::string& file_;
  std::vector<std::string>* out_;
};

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
  CollectingErrors collector(file, errors);
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  parser.AllowPartialMessage(true);
  if (!parser.ParseFromString(text, message)) {
    if (errors->empty()) errors->push_back(fmt::format("{}: not valid protobuf text format", file));
    return false;
  }
  RecordLines(*message, &tree, "", lines);
  return true;
}

}  // namespace scenario_internal
}  // namespace burnrate

#include "sim/trace/csv_trace_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace burnrate {

absl::Status CsvTraceReader::Start() {
  if (!layout_.header) {
    for (size_t i = 0; i < layout_.columns.size(); ++i) {
      index_[layout_.columns[i]] = static_cast<int>(i);
    }
    return absl::OkStatus();
  }
  std::string_view line;
  while (true) {
    absl::StatusOr<bool> got = lines_->Next(&line);
    if (!got.ok()) return got.status();
    if (!*got) {
      return absl::InvalidArgumentError(
          absl::StrCat(path(), ": empty file; expected a header with the columns ",
                       absl::StrJoin(layout_.columns, ", ")));
    }
    if (!layout_.comment_prefix.empty() && line.starts_with(layout_.comment_prefix)) continue;
    if (Trim(line).empty()) continue;
    break;
  }
  if (!row_.Parse(line, layout_.separator)) {
    return absl::InvalidArgumentError(absl::StrCat(path(), ":", lines_->line_number(), ": ",
                                                   row_.error()));
  }
  header_fields_ = row_.size();
  for (size_t i = 0; i < row_.size(); ++i) {
    std::string name(Trim(row_[i]));
    if (i == 0 && name.starts_with("\xEF\xBB\xBF")) name.erase(0, 3);  // UTF-8 byte-order mark
    if (!index_.emplace(name, static_cast<int>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ":", lines_->line_number(),
                                                     ": column ", name, " appears twice"));
    }
  }
  std::vector<std::string> missing;
  for (const std::string& c : layout_.columns) {
    if (!index_.contains(c)) missing.push_back(c);
  }
  if (!missing.empty()) {
    std::vector<std::string> have;
    for (size_t i = 0; i < row_.size(); ++i) have.emplace_back(Trim(row_[i]));
    return absl::InvalidArgumentError(absl::StrCat(
        path(), ":", lines_->line_number(), ": header lacks column(s) ",
        absl::StrJoin(missing, ", "), "; it has ", absl::StrJoin(have, ", ")));
  }
  return absl::OkStatus();
}

std::vector<std::string> CsvTraceReader::UnknownColumns(
    const std::vector<std::string>& known) const {
  std::vector<std::string> unknown;
  for (const auto& [name, index] : index_) {
    if (std::find(known.begin(), known.end(), name) == known.end()) unknown.push_back(name);
  }
  return unknown;
}

int CsvTraceReader::Column(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

absl::StatusOr<bool> CsvTraceReader::Next(TraceJob* job) {
  std::string_view text;
  while (true) {
    absl::StatusOr<bool> got = lines_->Next(&text);
    if (!got.ok()) return got.status();
    if (!*got) return false;
    if (!layout_.comment_prefix.empty() && Trim(text).starts_with(layout_.comment_prefix)) {
      continue;
    }
    if (Trim(text).empty()) continue;
    break;
  }
  if (layout_.whitespace_separated) {
    ws_line_.clear();
    ws_columns_.clear();
    bool in_space = true;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      const bool space = c == ' ' || c == '\t';
      if (space) {
        if (!in_space) {
          ws_line_.push_back(' ');
          ws_columns_.push_back(i + 1);
        }
        in_space = true;
      } else {
        ws_line_.push_back(c);
        ws_columns_.push_back(i + 1);  // the original column, for error messages
        in_space = false;
      }
    }
    if (!ws_line_.empty() && ws_line_.back() == ' ') {
      ws_line_.pop_back();
      ws_columns_.pop_back();
    }
    row_.Parse(ws_line_, ' ');
  } else if (!row_.Parse(text, layout_.separator)) {
    return absl::DataLossError(absl::StrCat(path(), ":", line(), ": ", row_.error()));
  }
  // A row with more fields than the header has an unquoted separator somewhere: its values
  // would land in the wrong columns.
  if (layout_.header && row_.size() > header_fields_) {
    return absl::DataLossError(absl::StrCat(path(), ":", line(), ": row has ", row_.size(),
                                            " fields but the header has ", header_fields_,
                                            " (an unquoted separator in a value?)"));
  }
  *job = TraceJob{};
  job->line = line();
  if (absl::Status s = ParseRow(job); !s.ok()) return s;
  return true;
}

absl::Status CsvTraceReader::Bad(int col, const std::string& name,
                                 const std::string& problem) const {
  size_t column = Has(col) ? row_.column(static_cast<size_t>(col)) : 1;
  // Whitespace-separated rows were squeezed: report the column in the file as written.
  if (layout_.whitespace_separated && column >= 1 && column <= ws_columns_.size()) {
    column = ws_columns_[column - 1];
  }
  return BadRow(path(), line(), column, name, problem);
}

absl::Status CsvTraceReader::Text(int col, const std::string& name, std::string* out) const {
  if (!Has(col)) {
    return Bad(col, name, absl::StrCat("missing (the row has ", row_.size(), " fields)"));
  }
  *out = std::string(Trim(row_[static_cast<size_t>(col)]));
  return absl::OkStatus();
}

absl::Status CsvTraceReader::Number(int col, const std::string& name, double* out) const {
  if (!Has(col)) {
    return Bad(col, name, absl::StrCat("missing (the row has ", row_.size(), " fields)"));
  }
  const std::string_view v = row_[static_cast<size_t>(col)];
  if (!ParseDouble(v, out) || !std::isfinite(*out)) {
    return Bad(col, name, absl::StrCat("\"", std::string(v), "\" is not a number"));
  }
  return absl::OkStatus();
}

absl::Status CsvTraceReader::DateTime(int col, const std::string& name, double* seconds) const {
  if (!Has(col)) {
    return Bad(col, name, absl::StrCat("missing (the row has ", row_.size(), " fields)"));
  }
  const std::string_view v = row_[static_cast<size_t>(col)];
  if (!ParseTraceDateTime(v, seconds)) {
    return Bad(col, name, absl::StrCat("\"", std::string(v),
                                       "\" is not a date-time; expected YYYY-MM-DD HH:MM:SS"));
  }
  return absl::OkStatus();
}

}  // namespace burnrate

#include "sim/trace/csv.h"

#include <charconv>

namespace burnrate {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool CsvRow::Parse(std::string_view line, char sep) {
  fields_.clear();
  columns_.clear();
  unquoted_.clear();
  error_.clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    columns_.push_back(i + 1);
    if (i < n && line[i] == '"') {
      std::string value;
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        if (line[j] == '"') {
          if (j + 1 < n && line[j + 1] == '"') {
            value.push_back('"');
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        value.push_back(line[j++]);
      }
      if (!closed) {
        error_ = "unterminated quoted field starting at column " + std::to_string(i + 1);
        return false;
      }
      unquoted_.push_back(std::move(value));
      fields_.push_back(unquoted_.back());
      // Skip to the separator.
      while (j < n && line[j] != sep) ++j;
      if (j >= n) return true;
      i = j + 1;
      continue;
    }
    const size_t end = line.find(sep, i);
    if (end == std::string_view::npos) {
      fields_.push_back(line.substr(i));
      return true;
    }
    fields_.push_back(line.substr(i, end - i));
    i = end + 1;
  }
}

bool ParseDouble(std::string_view text, double* out) {
  text = Trim(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseInt64(std::string_view text, int64_t* out) {
  text = Trim(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace burnrate

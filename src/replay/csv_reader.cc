#include "segd/replay/csv_reader.h"

namespace segd {

bool CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  int c = in_.get();
  if (at_start_) {  // skip a UTF-8 byte order mark
    at_start_ = false;
    if (c == 0xEF && in_.peek() == 0xBB) {
      in_.get();
      in_.get();
      c = in_.get();
    }
  }
  if (c == EOF) return false;
  record_line_ = line_;
  std::string field;
  bool quoted = false;
  for (;; c = in_.get()) {
    if (quoted) {
      if (c == EOF) {
        status_ = InvalidArgument("line " + std::to_string(record_line_) + ": unclosed quote");
        return false;
      }
      if (c == '"') {
        if (in_.peek() == '"') {
          in_.get();
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == EOF) {
      if (c == '\n') ++line_;
      if (!field.empty() && field.back() == '\r') field.pop_back();
      fields->push_back(std::move(field));
      return true;
    } else {
      field.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace segd

// Reads RFC 4180 CSV: comma-separated, fields optionally quoted, "" for a quote inside quotes,
// commas and line breaks allowed inside quotes, CRLF or LF line ends. One reader per stream;
// not thread-safe.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "segd/common/status.h"

namespace segd {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // Reads the next record into *fields. Returns false at end of input or on an error (then
  // status() says which line).
  bool Next(std::vector<std::string>* fields);

  const Status& status() const { return status_; }
  // 1-based line on which the last record returned started.
  int64_t record_line() const { return record_line_; }

 private:
  std::istream& in_;
  Status status_;
  int64_t line_ = 1;
  int64_t record_line_ = 0;
  bool at_start_ = true;
};

}  // namespace segd

// Writes customers as `segd export` prints them: each one the JSON of a lookup (GET
// /v1/customers/{id}), as one line of JSON (jsonl) or one CSV row (RFC 4180 quoting) under a
// header. Streams: nothing is kept between rows. Owned by one thread.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace segd {

enum class ExportFormat { kCsv, kJsonl };

class AudienceWriter {
 public:
  // Writes to `out` (not owned). `features`: the feature names, in the model's order (the CSV
  // columns after the segments).
  AudienceWriter(ExportFormat format, std::FILE* out, std::vector<std::string> features);

  // Writes the CSV header (nothing for jsonl). Call once, before the first Write.
  void Begin();
  // Writes one customer (the JSON of a lookup).
  void Write(const nlohmann::json& customer);
  // Whether every write so far succeeded (after a flush).
  bool Finish();

 private:
  void Cell(const nlohmann::json& value, bool first = false);

  ExportFormat format_;
  std::FILE* out_;
  std::vector<std::string> features_;
  std::string line_;  // the row being built
};

// `field` as one CSV field: quoted (quotes doubled) when it holds a comma, a quote, a line
// break or leading/trailing space.
std::string CsvField(const std::string& field);

}  // namespace segd

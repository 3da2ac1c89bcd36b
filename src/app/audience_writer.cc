#include "app/audience_writer.h"

namespace segd {
namespace {

using nlohmann::json;

// The state fields a row carries, in column order (keys of the lookup's "state").
constexpr const char* kStateColumns[] = {"order_count",  "total_amount", "items",
                                         "installments", "review_count", "first_order",
                                         "last_order",   "region"};

const json& At(const json& j, const char* key) {
  static const json kNull;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

}  // namespace

std::string CsvField(const std::string& field) {
  const bool quote = field.find_first_of(",\"\r\n") != std::string::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

AudienceWriter::AudienceWriter(ExportFormat format, std::FILE* out,
                               std::vector<std::string> features)
    : format_(format), out_(out), features_(std::move(features)) {}

void AudienceWriter::Begin() {
  if (format_ != ExportFormat::kCsv) return;
  line_ = "customer_id,segment_id,segment_name,baseline_segment_id,baseline_segment_name";
  for (const std::string& f : features_) line_ += "," + CsvField(f);
  for (const char* s : kStateColumns) line_ += std::string(",") + s;
  line_ += ",updated_at,as_of,baseline_version\r\n";
  std::fwrite(line_.data(), 1, line_.size(), out_);
}

// Null is an empty field, a string its text, anything else its JSON (numbers round-trip).
void AudienceWriter::Cell(const json& value, bool first) {
  if (!first) line_ += ',';
  if (value.is_null()) return;
  line_ += CsvField(value.is_string() ? value.get<std::string>()
                                      : value.dump(-1, ' ', false, json::error_handler_t::replace));
}

void AudienceWriter::Write(const json& c) {
  line_.clear();
  if (format_ == ExportFormat::kJsonl) {
    line_ = c.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  } else {
    Cell(At(c, "customer_id"), true);
    for (const char* model : {"segment", "baseline_segment"}) {
      Cell(At(At(c, model), "id"));
      Cell(At(At(c, model), "name"));
    }
    for (const std::string& f : features_) Cell(At(At(c, "features"), f.c_str()));
    for (const char* s : kStateColumns) Cell(At(At(c, "state"), s));
    Cell(At(c, "updated_at"));
    Cell(At(c, "as_of"));
    Cell(At(At(c, "model"), "baseline_version"));
    line_ += "\r\n";
  }
  std::fwrite(line_.data(), 1, line_.size(), out_);
}

bool AudienceWriter::Finish() { return std::fflush(out_) == 0 && !std::ferror(out_); }

}  // namespace segd

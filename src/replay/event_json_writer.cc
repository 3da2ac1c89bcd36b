#include "segd/replay/event_json_writer.h"

#include <charconv>
#include <cstdio>

#include "segd/event/event_time.h"

namespace segd {
namespace {

void AppendField(std::string_view name, std::string_view value, std::string* out) {
  out->push_back(',');
  AppendJsonString(name, out);
  out->push_back(':');
  AppendJsonString(value, out);
}

// `,"name":value`; doubles in their shortest round-trip form.
template <typename T>
void AppendNumber(std::string_view name, T value, std::string* out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out->push_back(',');
  AppendJsonString(name, out);
  out->push_back(':');
  out->append(buf, end);
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned char>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendEventJson(const Event& e, std::string* out, int offset_minutes) {
  out->append(R"({"specversion":"1.0")");
  AppendField("id", e.id, out);
  AppendField("source", e.source.empty() ? std::string_view("/segd/replay") : e.source, out);
  AppendField("type", EventTypeName(e.type), out);
  AppendField("subject", e.subject, out);
  AppendField("time", FormatRfc3339(e.time_ms, offset_minutes), out);
  AppendField("datacontenttype", "application/json", out);
  out->append(R"(,"data":{"order_id":)");
  AppendJsonString(e.order_id, out);
  switch (e.type) {
    case EventType::kOrderPlaced:
      AppendNumber("amount", e.amount, out);
      AppendNumber("items", e.items, out);
      AppendNumber("installments", e.installments, out);
      if (!e.payment_type.empty()) AppendField("payment_type", e.payment_type, out);
      if (!e.region.empty()) AppendField("state", e.region, out);
      break;
    case EventType::kOrderCanceled:
      break;
    case EventType::kReviewSubmitted:
      AppendNumber("score", e.score, out);
      break;
  }
  out->append("}}");
}

}  // namespace segd

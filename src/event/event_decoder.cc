// Validation follows the contract's order: size, UTF-8, JSON, envelope, key, data. The DOM parser
// validates the whole document (an ignored field that is broken still makes it bad_json), and
// both the parser and its padded input buffer are reused, so steady state allocates only when an
// Event's strings outgrow their capacity.
#include "segd/event/event_decoder.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "segd/event/event_time.h"

namespace segd {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

Rejection Reject(RejectReason reason, std::string detail) { return {reason, std::move(detail)}; }

// Looks up `name`; nullopt (with *rejection set) if it is missing/null and required.
std::optional<element> Field(const object& obj, std::string_view name, std::string_view path,
                             bool required, std::optional<Rejection>* rejection) {
  auto r = obj[name];
  if (r.error() == simdjson::SUCCESS && !r.value_unsafe().is_null()) return r.value_unsafe();
  if (required) *rejection = Reject(RejectReason::kMissingField, std::string(path) + " is missing");
  return std::nullopt;
}

// Reads a required/optional string of max_len bytes (min 1 when required).
std::optional<Rejection> ReadString(const object& obj, std::string_view name, std::string_view path,
                                    bool required, size_t max_len, std::string* out) {
  std::optional<Rejection> rejection;
  out->clear();
  auto f = Field(obj, name, path, required, &rejection);
  if (!f) return rejection;
  if (f->type() != element_type::STRING) {
    return Reject(RejectReason::kWrongType, std::string(path) + " must be a string");
  }
  std::string_view s = f->get_string().value_unsafe();
  if ((required && s.empty()) || s.size() > max_len) {
    return Reject(RejectReason::kBadLength, std::string(path) + " has " + std::to_string(s.size()) +
                                                " bytes, allowed " + (required ? "1" : "0") + ".." +
                                                std::to_string(max_len));
  }
  out->assign(s);
  return std::nullopt;
}

// An optional integer >= 1 (items, installments); default 1.
std::optional<Rejection> ReadCount(const object& obj, std::string_view name, std::string_view path,
                                   int32_t* out) {
  std::optional<Rejection> rejection;
  *out = 1;
  auto f = Field(obj, name, path, false, &rejection);
  if (!f) return std::nullopt;
  const element_type t = f->type();
  if (t == element_type::INT64 || t == element_type::UINT64) {
    const int64_t v = t == element_type::INT64 ? f->get_int64().value_unsafe()
                                               : static_cast<int64_t>(INT32_MAX) + 1;
    if (v < 1 || v > INT32_MAX) {
      return Reject(RejectReason::kBadCount, std::string(path) + " must be an integer >= 1");
    }
    *out = static_cast<int32_t>(v);
    return std::nullopt;
  }
  if (t == element_type::DOUBLE) {
    return Reject(RejectReason::kBadCount, std::string(path) + " must be an integer >= 1");
  }
  return Reject(RejectReason::kWrongType, std::string(path) + " must be a number");
}

std::optional<Rejection> ReadAmount(const object& data, Event* e) {
  std::optional<Rejection> rejection;
  auto f = Field(data, "amount", "data.amount", true, &rejection);
  if (!f) return rejection;
  double v = 0;
  switch (f->type()) {
    case element_type::DOUBLE:
      v = f->get_double().value_unsafe();
      break;
    case element_type::INT64:
      v = static_cast<double>(f->get_int64().value_unsafe());
      break;
    case element_type::UINT64:
      v = static_cast<double>(f->get_uint64().value_unsafe());
      break;
    default:
      return Reject(RejectReason::kWrongType, "data.amount must be a number");
  }
  if (!std::isfinite(v) || v < 0) {
    return Reject(RejectReason::kBadAmount, "data.amount is " + std::to_string(v));
  }
  e->amount = v;
  return std::nullopt;
}

std::optional<Rejection> ReadScore(const object& data, Event* e) {
  std::optional<Rejection> rejection;
  auto f = Field(data, "score", "data.score", true, &rejection);
  if (!f) return rejection;
  const element_type t = f->type();
  if (t != element_type::INT64 && t != element_type::UINT64 && t != element_type::DOUBLE) {
    return Reject(RejectReason::kWrongType, "data.score must be a number");
  }
  if (t != element_type::INT64 || f->get_int64().value_unsafe() < 1 ||
      f->get_int64().value_unsafe() > 5) {
    return Reject(RejectReason::kBadScore, "data.score must be an integer 1..5");
  }
  e->score = static_cast<int32_t>(f->get_int64().value_unsafe());
  return std::nullopt;
}

std::optional<Rejection> ReadData(const object& data, Event* e) {
  if (auto r = ReadString(data, "order_id", "data.order_id", true, 128, &e->order_id)) return r;
  switch (e->type) {
    case EventType::kOrderPlaced:
      if (auto r = ReadAmount(data, e)) return r;
      if (auto r = ReadCount(data, "items", "data.items", &e->items)) return r;
      if (auto r = ReadCount(data, "installments", "data.installments", &e->installments)) {
        return r;
      }
      if (auto r =
              ReadString(data, "payment_type", "data.payment_type", false, 128, &e->payment_type)) {
        return r;
      }
      return ReadString(data, "state", "data.state", false, 128, &e->region);
    case EventType::kOrderCanceled:
      return std::nullopt;
    case EventType::kReviewSubmitted:
      return ReadScore(data, e);
  }
  return std::nullopt;
}

std::optional<Rejection> ReadType(const object& obj, Event* e) {
  std::string type;
  if (auto r = ReadString(obj, "type", "type", true, 64, &type)) {
    if (r->reason == RejectReason::kBadLength) {
      return Reject(RejectReason::kUnknownType, "type '" + type + "' is not supported");
    }
    return r;
  }
  if (type == "order.placed.v1") {
    e->type = EventType::kOrderPlaced;
  } else if (type == "order.canceled.v1") {
    e->type = EventType::kOrderCanceled;
  } else if (type == "review.submitted.v1") {
    e->type = EventType::kReviewSubmitted;
  } else {
    return Reject(RejectReason::kUnknownType, "type '" + type + "' is not supported");
  }
  return std::nullopt;
}

}  // namespace

struct EventDecoder::Impl {
  simdjson::dom::parser parser;
  std::vector<char> padded;  // input copy with SIMDJSON_PADDING zero bytes after it
  std::string scratch;
};

EventDecoder::EventDecoder(DecoderOptions options)
    : impl_(std::make_unique<Impl>()), options_(options) {
  // Sized once for the largest accepted event; failure here means no memory at start-up.
  if (impl_->parser.allocate(options_.max_event_bytes, options_.max_depth) != simdjson::SUCCESS) {
    std::abort();
  }
}

EventDecoder::~EventDecoder() = default;

std::optional<Rejection> EventDecoder::Decode(const std::string_view* key, std::string_view value,
                                              int64_t now_ms, Event* e) {
  if (value.size() > options_.max_event_bytes) {
    return Reject(RejectReason::kValueTooLarge, "value has " + std::to_string(value.size()) +
                                                    " bytes, limit " +
                                                    std::to_string(options_.max_event_bytes));
  }
  if (!simdjson::validate_utf8(value.data(), value.size())) {
    return Reject(RejectReason::kBadUtf8, "value is not valid UTF-8");
  }
  if (key != nullptr && !simdjson::validate_utf8(key->data(), key->size())) {
    return Reject(RejectReason::kBadUtf8, "key is not valid UTF-8");
  }
  Impl& im = *impl_;
  if (im.padded.size() < value.size() + simdjson::SIMDJSON_PADDING) {
    im.padded.resize(value.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(im.padded.data(), value.data(), value.size());
  std::memset(im.padded.data() + value.size(), 0, simdjson::SIMDJSON_PADDING);
  auto doc =
      im.parser.parse(reinterpret_cast<const uint8_t*>(im.padded.data()), value.size(), false);
  if (doc.error() != simdjson::SUCCESS) {
    return Reject(RejectReason::kBadJson, simdjson::error_message(doc.error()));
  }
  auto root = doc.value_unsafe().get_object();
  if (root.error() != simdjson::SUCCESS) {
    return Reject(RejectReason::kBadJson, "the event is not a JSON object");
  }
  const object obj = root.value_unsafe();

  if (auto r = ReadString(obj, "specversion", "specversion", true, 16, &im.scratch)) {
    return r->reason == RejectReason::kBadLength
               ? Reject(RejectReason::kBadSpecVersion, "specversion must be \"1.0\"")
               : *r;
  }
  if (im.scratch != "1.0") {
    return Reject(RejectReason::kBadSpecVersion, "specversion is '" + im.scratch + "', not 1.0");
  }
  if (auto r = ReadString(obj, "id", "id", true, 128, &e->id)) return r;
  if (auto r = ReadString(obj, "source", "source", true, 256, &e->source)) return r;
  if (auto r = ReadType(obj, e)) return r;
  if (auto r = ReadString(obj, "subject", "subject", true, 128, &e->subject)) return r;
  if (auto r = ReadString(obj, "time", "time", true, 64, &im.scratch)) {
    return r->reason == RejectReason::kBadLength
               ? Reject(RejectReason::kBadTime, "time is not an RFC 3339 timestamp")
               : *r;
  }
  const std::optional<int64_t> time = ParseRfc3339Ms(im.scratch);
  if (!time) return Reject(RejectReason::kBadTime, "time '" + im.scratch + "' is not RFC 3339");
  if (*time < options_.min_event_time_ms) {
    return Reject(RejectReason::kBadTime, "time " + im.scratch + " is before the minimum " +
                                              FormatRfc3339(options_.min_event_time_ms));
  }
  if (*time > now_ms + options_.max_future_skew_ms) {
    return Reject(RejectReason::kFutureTime,
                  "time " + im.scratch + " is later than now plus the allowed skew");
  }
  e->time_ms = *time;
  if (auto r = ReadString(obj, "datacontenttype", "datacontenttype", false, 256, &im.scratch)) {
    return r;
  }
  if (!im.scratch.empty() && im.scratch != "application/json") {
    return Reject(RejectReason::kBadContentType,
                  "datacontenttype is '" + im.scratch + "', not application/json");
  }
  std::optional<Rejection> rejection;
  auto data = Field(obj, "data", "data", true, &rejection);
  if (!data) return rejection;
  if (data->type() != element_type::OBJECT) {
    return Reject(RejectReason::kWrongType, "data must be an object");
  }
  if (key == nullptr || *key != e->subject) {
    return Reject(RejectReason::kKeyMismatch, key == nullptr
                                                  ? "the message has no key"
                                                  : "the message key differs from subject");
  }
  e->amount = 0.0;
  e->score = 0;
  e->items = 1;
  e->installments = 1;
  e->payment_type.clear();
  e->region.clear();
  return ReadData(data->get_object().value_unsafe(), e);
}

}  // namespace segd

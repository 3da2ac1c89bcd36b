// Why an event was rejected. Value types; not synchronised.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace segd {

// Every reason an event can be rejected. The codes (RejectReasonCode) are stable: they appear in
// the dead-letter header `segd.error.reason` and the `reason` label of
// segd_events_rejected_total. Append only; never renumber.
enum class RejectReason : uint8_t {
  kValueTooLarge = 0,  // value larger than ingest.max_event_bytes
  kBadUtf8,            // value or key is not valid UTF-8
  kBadJson,            // not parseable JSON, not an object, or nested too deep
  kMissingField,       // a required field is absent (or null)
  kWrongType,          // a field has the wrong JSON type
  kBadLength,          // a string field is outside its byte-length range
  kBadSpecVersion,     // specversion is not "1.0"
  kBadContentType,     // datacontenttype present but not application/json
  kUnknownType,        // type is not one of the contract's types
  kBadTime,            // time is not an RFC 3339 timestamp, or before ingest.min_event_time
  kFutureTime,         // time later than wall clock plus ingest.max_future_skew
  kBadAmount,          // amount negative or not finite
  kBadScore,           // score outside 1..5
  kBadCount,           // items or installments < 1 (or not an integer)
  kKeyMismatch,        // Kafka key absent or different from subject
};

inline constexpr int kRejectReasonCount = 15;

// Stable snake_case code, e.g. "bad_json".
std::string_view RejectReasonCode(RejectReason reason);

struct Rejection {
  RejectReason reason = RejectReason::kBadJson;
  std::string detail;  // human text naming the field, e.g. "data.amount is -3"
};

}  // namespace segd

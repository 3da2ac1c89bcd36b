// Decoded order events (contract events-v1). Plain value types; not synchronised.
#pragma once

#include <cstdint>
#include <string>

namespace segd {

enum class EventType : uint8_t {
  kOrderPlaced = 1,     // "order.placed.v1"
  kOrderCanceled = 2,   // "order.canceled.v1"
  kReviewSubmitted = 3  // "review.submitted.v1"
};

// The contract's type string for `type`, e.g. "order.placed.v1".
const char* EventTypeName(EventType type);

// One accepted event. Fields that a type does not carry keep their defaults. A flat struct
// rather than a variant so one instance can be reused across decodes without allocating.
struct Event {
  EventType type = EventType::kOrderPlaced;
  std::string id;       // CloudEvents id, 1..128 bytes
  std::string source;   // 1..256 bytes
  std::string subject;  // customer id, 1..128 bytes; equals the Kafka key
  int64_t time_ms = 0;  // event time, Unix epoch milliseconds (UTC)
  std::string order_id;
  // order.placed.v1
  double amount = 0.0;  // finite, >= 0
  int32_t items = 1;
  int32_t installments = 1;
  std::string payment_type;
  std::string region;  // data.state
  // review.submitted.v1
  int32_t score = 0;  // 1..5
};

}  // namespace segd

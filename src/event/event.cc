#include "segd/event/event.h"

#include "segd/event/rejection.h"

namespace segd {

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kOrderPlaced:
      return "order.placed.v1";
    case EventType::kOrderCanceled:
      return "order.canceled.v1";
    case EventType::kReviewSubmitted:
      return "review.submitted.v1";
  }
  return "unknown";
}

std::string_view RejectReasonCode(RejectReason reason) {
  switch (reason) {
    case RejectReason::kValueTooLarge:
      return "value_too_large";
    case RejectReason::kBadUtf8:
      return "bad_utf8";
    case RejectReason::kBadJson:
      return "bad_json";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kBadLength:
      return "bad_length";
    case RejectReason::kBadSpecVersion:
      return "bad_specversion";
    case RejectReason::kBadContentType:
      return "bad_content_type";
    case RejectReason::kUnknownType:
      return "unknown_type";
    case RejectReason::kBadTime:
      return "bad_time";
    case RejectReason::kFutureTime:
      return "future_time";
    case RejectReason::kBadAmount:
      return "bad_amount";
    case RejectReason::kBadScore:
      return "bad_score";
    case RejectReason::kBadCount:
      return "bad_count";
    case RejectReason::kKeyMismatch:
      return "key_mismatch";
  }
  return "unknown";
}

}  // namespace segd

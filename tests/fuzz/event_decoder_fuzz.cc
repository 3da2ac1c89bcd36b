// libFuzzer target: the event decoder on arbitrary message bytes. The first byte picks the key
// (none, the subject-looking prefix, or arbitrary bytes); the rest is the value. Every input must
// either be rejected with a known reason or decode into an event that keeps the contract.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "segd/event/event_decoder.h"

namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // 2023-11-14

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static segd::EventDecoder decoder({.max_event_bytes = 4096});
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string key;
  const std::string_view* key_ptr = nullptr;
  std::string_view k;
  if (data[0] % 3 == 1) {  // the value's "subject", when it has one: the common case
    const size_t at = input.find("\"subject\":\"");
    if (at != std::string_view::npos) {
      const size_t end = input.find('"', at + 11);
      key = std::string(input.substr(at + 11, end == std::string_view::npos ? 0 : end - at - 11));
    }
    k = key;
    key_ptr = &k;
  } else if (data[0] % 3 == 2) {
    k = input.substr(0, std::min<size_t>(input.size(), data[0] / 3));
    key_ptr = &k;
  }
  segd::Event event;
  auto rejection = decoder.Decode(key_ptr, input, kNow, &event);
  if (rejection) {
    Check(!segd::RejectReasonCode(rejection->reason).empty());
    return 0;
  }
  // Accepted: the contract holds.
  Check(input.size() <= 4096);
  Check(!event.id.empty() && event.id.size() <= 128);
  Check(!event.subject.empty() && event.subject.size() <= 128);
  Check(!event.order_id.empty());
  Check(key_ptr != nullptr && *key_ptr == event.subject);
  Check(event.time_ms <= kNow + 86'400'000);
  if (event.type == segd::EventType::kOrderPlaced) {
    Check(event.amount >= 0 && event.amount < 1e300);
    Check(event.items >= 1 && event.installments >= 1);
  }
  if (event.type == segd::EventType::kReviewSubmitted) Check(event.score >= 1 && event.score <= 5);
  return 0;
}

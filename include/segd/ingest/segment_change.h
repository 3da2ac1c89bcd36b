// A customer's segment changed: the content of one customer.segment.changed.v1 event
// (docs/contracts/segment-changes-v1.md), its encoding, and the per-partition lists of encoded
// events ("announcements") that the store and the changelog keep until they are produced.
// Value types and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "segd/common/status.h"

namespace segd {

enum class SegmentChangeCause : uint8_t {
  kEvent,    // an applied event moved the customer under the live model
  kRelabel,  // a new baseline put the customer in another segment
};

struct CustomerSegmentChange {
  std::string customer_id;
  int32_t previous = -1;  // -1: no segment announced before (the customer's first)
  std::string previous_name;
  int32_t segment = 0;
  std::string segment_name;
  SegmentChangeCause cause = SegmentChangeCause::kEvent;
  uint64_t baseline_version = 0;
  uint64_t live_updates = 0;  // mini-batch updates of the live model (kEvent)
  std::vector<std::pair<std::string, double>> features;  // name, value in original units
  int64_t event_time_ms = 0;   // the event that caused it; kRelabel: the watermark then
  int64_t as_of_ms = 0;        // the watermark the features were computed at
  std::string cause_event_id;  // the id of the event that caused it (kEvent)
};

// One encoded event, ready to produce: key = customer id, value = CloudEvents JSON.
struct Announcement {
  std::string key;
  std::string value;

  bool operator==(const Announcement&) const = default;
};

// The event's id: the same for the same customer, cause and outcome, so a re-sent event is
// recognisably the same one; different for anything else.
std::string SegmentChangeId(const CustomerSegmentChange& change);

// The event for `change`, with CloudEvents `source` = `source` (e.g. "/segd/<group id>").
Announcement EncodeSegmentChange(const CustomerSegmentChange& change, std::string_view source);

// Several announcements as one blob (store meta, changelog value) and back.
std::string EncodeAnnouncements(std::span<const Announcement> announcements);
[[nodiscard]] Status DecodeAnnouncements(std::string_view blob, std::vector<Announcement>* out);

}  // namespace segd

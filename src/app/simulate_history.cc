#include "app/simulate_history.h"

#include <cstdint>
#include <fstream>

#include "segd/event/event_decoder.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_csv_reader.h"

namespace segd {
namespace {

void Append(const Event& e, int offset_minutes, std::vector<TimedEvent>* out) {
  TimedEvent& t = out->emplace_back();
  t.time_ms = e.time_ms;
  t.key = e.subject;
  AppendEventJson(e, &t.json, offset_minutes);
}

// The subject and time of a contract line, or nullopt if its envelope is rejected. Decoded
// without a key, the decoder stops at the key check (the key is the subject, not known yet):
// what the pipeline rejects in the data later, it rejects with the real reason.
std::optional<Event> DecodeLine(EventDecoder& decoder, std::string_view line) {
  constexpr int64_t kNoFutureGuard = INT64_MAX / 2;
  Event e;
  auto rejected = decoder.Decode(nullptr, line, kNoFutureGuard, &e);
  if (rejected && rejected->reason != RejectReason::kKeyMismatch) return std::nullopt;
  return e;
}

StatusOr<std::vector<TimedEvent>> ReadJsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  std::vector<TimedEvent> out;
  EventDecoder decoder;
  std::string line;
  int64_t previous = 0;
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::optional<Event> e = DecodeLine(decoder, line);
    TimedEvent& t = out.emplace_back();
    t.time_ms = e ? e->time_ms : previous;
    t.key = e ? e->subject : std::string();
    t.json = std::move(line);
    if (t.time_ms < previous) {
      return InvalidArgument(path + ": line " + std::to_string(line_number) +
                             " goes back in time: the history must be in event-time order");
    }
    previous = t.time_ms;
  }
  return out;
}

}  // namespace

StatusOr<std::vector<TimedEvent>> LoadHistory(const HistorySource& source) {
  const int given = int(!source.jsonl_path.empty()) + int(!source.olist_dir.empty()) +
                    int(source.generator.has_value());
  if (given != 1) {
    return InvalidArgument("give exactly one history: a JSONL file, the Olist CSVs or generate");
  }
  if (!source.jsonl_path.empty()) return ReadJsonl(source.jsonl_path);
  std::vector<TimedEvent> out;
  if (source.generator) {
    SEGD_RETURN_IF_ERROR(OlistGenerator(*source.generator).Generate([&](const Event& e) {
      Append(e, 0, &out);
      return Status::Ok();
    }));
    return out;
  }
  OlistReport report;
  auto events = ReadOlistEvents(source.olist_dir, &report);
  if (!events.ok()) return events.status();
  out.reserve(events->size());
  for (const Event& e : *events) Append(e, kOlistUtcOffsetMinutes, &out);
  return out;
}

}  // namespace segd

#include "segd/ingest/segment_change.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "segd/event/event_time.h"
#include "segd/replay/event_json_writer.h"

namespace segd {
namespace {

// FNV-1a over the fields, 64 bits at a time with two seeds: 128 bits of id, collision-free in
// practice for the changes of one topic.
uint64_t Fnv(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h ^ 0xff;  // a separator, so that ("ab","c") and ("a","bc") differ
}

void AppendNumber(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  out->append(buf);
}

void AppendSegment(int32_t id, std::string_view name, std::string* out) {
  out->append("{\"id\":");
  out->append(std::to_string(id));
  out->append(",\"name\":");
  AppendJsonString(name, out);
  out->push_back('}');
}

void PutLength(std::string* out, uint32_t n) {
  char b[4];
  std::memcpy(b, &n, 4);
  out->append(b, 4);
}

}  // namespace

std::string SegmentChangeId(const CustomerSegmentChange& c) {
  const std::string outcome = std::to_string(c.previous) + ">" + std::to_string(c.segment) + "@" +
                              std::to_string(c.baseline_version);
  const std::string_view cause =
      c.cause == SegmentChangeCause::kEvent ? std::string_view(c.cause_event_id) : "relabel";
  uint64_t a = 14695981039346656037ULL, b = 0x9e3779b97f4a7c15ULL;
  for (std::string_view part :
       {std::string_view(c.customer_id), cause, std::string_view(outcome)}) {
    a = Fnv(a, part);
    b = Fnv(b, part);
  }
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

Announcement EncodeSegmentChange(const CustomerSegmentChange& c, std::string_view source) {
  Announcement a{.key = c.customer_id, .value = {}};
  std::string& v = a.value;
  v.reserve(512);
  v.append(R"({"specversion":"1.0","type":"customer.segment.changed.v1","source":)");
  AppendJsonString(source, &v);
  v.append(R"(,"id":")");
  v.append(SegmentChangeId(c));
  v.append(R"(","subject":)");
  AppendJsonString(c.customer_id, &v);
  v.append(R"(,"time":")");
  v.append(FormatRfc3339(c.event_time_ms));
  v.append(R"(","datacontenttype":"application/json","data":{"customer_id":)");
  AppendJsonString(c.customer_id, &v);
  v.append(R"(,"previous":)");
  if (c.previous < 0) {
    v.append("null");
  } else {
    AppendSegment(c.previous, c.previous_name, &v);
  }
  v.append(R"(,"segment":)");
  AppendSegment(c.segment, c.segment_name, &v);
  v.append(R"(,"cause":")");
  v.append(c.cause == SegmentChangeCause::kEvent ? "event" : "relabel");
  v.append(R"(","caused_by":)");
  if (c.cause == SegmentChangeCause::kEvent) {
    AppendJsonString(c.cause_event_id, &v);
  } else {
    v.append("null");
  }
  v.append(R"(,"model":{"kind":")");
  v.append(c.cause == SegmentChangeCause::kEvent ? "live" : "baseline");
  v.append(R"(","baseline_version":)");
  v.append(std::to_string(c.baseline_version));
  v.append(R"(,"live_updates":)");
  v.append(std::to_string(c.live_updates));
  v.append(R"(},"features":{)");
  for (size_t i = 0; i < c.features.size(); ++i) {
    if (i > 0) v.push_back(',');
    AppendJsonString(c.features[i].first, &v);
    v.push_back(':');
    AppendNumber(c.features[i].second, &v);
  }
  v.append(R"(},"event_time":")");
  v.append(FormatRfc3339(c.event_time_ms));
  v.append(R"(","as_of":")");
  v.append(FormatRfc3339(c.as_of_ms));
  v.append("\"}}");
  return a;
}

std::string EncodeAnnouncements(std::span<const Announcement> announcements) {
  std::string out;
  PutLength(&out, static_cast<uint32_t>(announcements.size()));
  for (const Announcement& a : announcements) {
    PutLength(&out, static_cast<uint32_t>(a.key.size()));
    out.append(a.key);
    PutLength(&out, static_cast<uint32_t>(a.value.size()));
    out.append(a.value);
  }
  return out;
}

Status DecodeAnnouncements(std::string_view blob, std::vector<Announcement>* out) {
  out->clear();
  if (blob.empty()) return Status::Ok();
  size_t pos = 0;
  // Reads a length, and checks that that many bytes follow it.
  auto length = [&](uint32_t* n) {
    if (blob.size() - pos < 4) return false;
    std::memcpy(n, blob.data() + pos, 4);
    pos += 4;
    return blob.size() - pos >= *n;
  };
  uint32_t count = 0;
  if (blob.size() < 4) return DataLoss("announcements: truncated");
  std::memcpy(&count, blob.data(), 4);
  pos = 4;
  if (count > blob.size()) return DataLoss("announcements: bad count");
  out->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Announcement a;
    uint32_t n = 0;
    if (!length(&n)) return DataLoss("announcements: truncated");
    a.key.assign(blob.substr(pos, n));
    pos += n;
    if (!length(&n)) return DataLoss("announcements: truncated");
    a.value.assign(blob.substr(pos, n));
    pos += n;
    out->push_back(std::move(a));
  }
  if (pos != blob.size()) return DataLoss("announcements: trailing bytes");
  return Status::Ok();
}

}  // namespace segd

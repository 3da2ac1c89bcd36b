#include "segd/cluster/member_record.h"

#include <charconv>

#include "segd/cluster/control_log.h"

namespace segd {
namespace {

constexpr std::string_view kMagic = kMemberRecordKind;

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// "topic/3": the partition after the last '/' (topic names have no '/').
bool ParsePartition(std::string_view s, TopicPartition* out) {
  const size_t slash = s.rfind('/');
  int64_t p = 0;
  if (slash == std::string_view::npos || slash == 0 || !ParseInt(s.substr(slash + 1), &p) ||
      p < 0 || p > INT32_MAX) {
    return false;
  }
  out->topic = std::string(s.substr(0, slash));
  out->partition = static_cast<int32_t>(p);
  return true;
}

}  // namespace

std::string EncodeMemberRecord(const MemberRecord& r) {
  std::string out(kMagic);
  out += "\nid=" + r.member_id + "\nurl=" + r.url;
  out += "\nassigned_ms=" + std::to_string(r.assigned_ms);
  out += "\nsent_ms=" + std::to_string(r.sent_ms);
  out += std::string("\nleaving=") + (r.leaving ? "1" : "0");
  out += "\ncustomers=" + std::to_string(r.customers);
  out += "\nwatermark_ms=" + std::to_string(r.watermark_ms);
  for (const TopicPartition& tp : r.partitions) {
    out += "\npartition=" + tp.topic + "/" + std::to_string(tp.partition);
  }
  out += '\n';
  return out;
}

StatusOr<MemberRecord> DecodeMemberRecord(std::string_view text) {
  if (!text.starts_with(kMagic)) return InvalidArgument("not a segd member record");
  MemberRecord r;
  size_t pos = kMagic.size();
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return InvalidArgument("member record: bad line");
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool ok = true;
    if (key == "id") {
      r.member_id = value;
    } else if (key == "url") {
      r.url = value;
    } else if (key == "assigned_ms") {
      ok = ParseInt(value, &r.assigned_ms);
    } else if (key == "sent_ms") {
      ok = ParseInt(value, &r.sent_ms);
    } else if (key == "leaving") {
      r.leaving = value == "1";
    } else if (key == "customers") {
      int64_t n = 0;
      ok = ParseInt(value, &n) && n >= 0;
      r.customers = uint64_t(n);
    } else if (key == "watermark_ms") {
      ok = ParseInt(value, &r.watermark_ms);
    } else if (key == "partition") {
      ok = ParsePartition(value, &r.partitions.emplace_back());
    }  // unknown keys: from a newer version, ignored
    if (!ok) return InvalidArgument("member record: bad " + std::string(key));
  }
  if (r.member_id.empty()) return InvalidArgument("member record: no id");
  return r;
}

std::string_view ControlKind(std::string_view value) {
  const size_t end = value.find('\n');
  return value.substr(0, end == std::string_view::npos ? value.size() : end);
}

}  // namespace segd

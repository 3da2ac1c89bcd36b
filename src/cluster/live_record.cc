#include "segd/cluster/live_record.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "segd/cluster/control_log.h"

namespace segd {
namespace {

void AppendDouble(double v, std::string* out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::hex);
  out->append(buf, end);
}

void AppendValues(std::string_view key, const double* v, size_t n, std::string* out) {
  *out += '\n';
  *out += key;
  *out += '=';
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) *out += ' ';
    AppendDouble(v[i], out);
  }
}

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Exactly `n` finite doubles separated by single spaces.
bool ParseValues(std::string_view s, size_t n, double* out) {
  const char* p = s.data();
  const char* end = s.data() + s.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (p == end || *p++ != ' ')) return false;
    auto [next, ec] = std::from_chars(p, end, out[i], std::chars_format::hex);
    if (ec != std::errc() || !std::isfinite(out[i])) return false;
    p = next;
  }
  return p == end;
}

// "topic/3": the partition after the last '/'.
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

// Which fields of the current partition block were seen.
enum Field : unsigned { kTime = 1, kWeights = 2, kSums = 4, kAll = 7 };

}  // namespace

std::string EncodeLiveRecord(const LiveRecord& r) {
  std::string out(kLiveRecordKind);
  out += "\nbaseline=" + std::to_string(r.baseline_version);
  char fingerprint[17];
  std::snprintf(fingerprint, sizeof(fingerprint), "%016llx",
                static_cast<unsigned long long>(r.baseline_fingerprint));
  out += "\nfingerprint=";
  out += fingerprint;
  out += "\nsent_ms=" + std::to_string(r.sent_ms);
  out += "\nk=" + std::to_string(r.k) + "\nd=" + std::to_string(r.d);
  for (const LiveContribution& c : r.contributions) {
    out += "\npartition=" + c.partition.topic + "/" + std::to_string(c.partition.partition);
    out += "\nsince_ms=" + std::to_string(c.since_ms);
    out += "\ntime_ms=" + std::to_string(c.time_ms);
    AppendValues("weights", c.weights.data(), c.weights.size(), &out);
    AppendValues("sums", c.sums.data(), size_t(c.sums.size()), &out);
  }
  out += '\n';
  return out;
}

StatusOr<LiveRecord> DecodeLiveRecord(std::string_view text) {
  if (ControlKind(text) != kLiveRecordKind) return InvalidArgument("not a segd live record");
  LiveRecord r;
  int64_t version = -1, k = 0, d = 0;
  bool sent = false, fingerprint = false;
  unsigned seen = kAll;  // of the current block; "complete" before the first one
  std::set<TopicPartition> partitions;
  size_t pos = kLiveRecordKind.size();
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return InvalidArgument("live record: bad line");
    const std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    const bool shaped = k >= 1 && k <= 1024 && d >= 1 && d <= 1024;
    LiveContribution* c = r.contributions.empty() ? nullptr : &r.contributions.back();
    bool ok = true;
    if (key == "baseline") {
      ok = ParseInt(value, &version) && version >= 0;
    } else if (key == "fingerprint") {
      auto [end, ec] =
          std::from_chars(value.data(), value.data() + value.size(), r.baseline_fingerprint, 16);
      ok = fingerprint = value.size() == 16 && ec == std::errc() && end == value.data() + 16;
    } else if (key == "sent_ms") {
      ok = sent = ParseInt(value, &r.sent_ms);
    } else if (key == "k") {
      ok = r.contributions.empty() && ParseInt(value, &k) && k >= 1 && k <= 1024;
    } else if (key == "d") {
      ok = r.contributions.empty() && ParseInt(value, &d) && d >= 1 && d <= 1024;
    } else if (key == "partition") {
      ok = shaped && version >= 0 && seen == kAll;
      c = &r.contributions.emplace_back();
      ok = ok && ParsePartition(value, &c->partition) && partitions.insert(c->partition).second;
      c->baseline_version = uint64_t(version);
      seen = 0;
    } else if (key == "since_ms") {
      ok = c && ParseInt(value, &c->since_ms);
    } else if (key == "time_ms") {
      ok = c && ParseInt(value, &c->time_ms);
      seen |= kTime;
    } else if (key == "weights") {
      if (c) c->weights.resize(size_t(k));
      ok = c && ParseValues(value, size_t(k), c->weights.data());
      for (size_t i = 0; ok && i < c->weights.size(); ++i) ok = c->weights[i] >= 0;
      seen |= kWeights;
    } else if (key == "sums") {
      if (c) c->sums.resize(k, d);
      ok = c && ParseValues(value, size_t(k * d), c->sums.data());
      seen |= kSums;
    }  // unknown keys: from a newer version, ignored
    if (!ok) return InvalidArgument("live record: bad " + std::string(key));
  }
  if (version < 0 || !fingerprint || !sent || k == 0 || d == 0)
    return InvalidArgument("live record: incomplete");
  if (seen != kAll) return InvalidArgument("live record: incomplete partition");
  r.baseline_version = uint64_t(version);
  r.k = int(k);
  r.d = int(d);
  return r;
}

}  // namespace segd

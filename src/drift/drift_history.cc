#include "drift/drift_history.h"

#include <cinttypes>
#include <cstdio>

#include "drift/drift_record_json.h"

namespace segd {
namespace {

constexpr std::string_view kPrefix = "drift/";
constexpr size_t kKeySize = 6 + 16 + 1 + 16;  // drift/<as_of>/<evaluated_at>

std::string Hex16(int64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, static_cast<uint64_t>(v));
  return buf;
}

// as_of of a stored key (keys are always well formed: only Key() writes them).
int64_t AsOfOf(std::string_view key) {
  return static_cast<int64_t>(
      std::stoull(std::string(key.substr(kPrefix.size(), 16)), nullptr, 16));
}

bool IsEventTimeKey(std::string_view key) { return key.ends_with("/0000000000000000"); }

bool ValidToken(const std::string& token) {
  if (token.size() != kKeySize - kPrefix.size() || token[16] != '/') return false;
  for (size_t i = 0; i < token.size(); ++i) {
    if (i != 16 && !std::isxdigit(static_cast<unsigned char>(token[i]))) return false;
  }
  return true;
}

}  // namespace

DriftHistory::DriftHistory(StateStore* store, DriftHistoryOptions options)
    : store_(store), options_(options) {}

std::string DriftHistory::Key(const DriftRecord& r) {
  const int64_t wall = r.schedule == DriftSchedule::kEventTime ? 0 : r.evaluated_unix_ms;
  return std::string(kPrefix) + Hex16(r.as_of_ms) + "/" + Hex16(wall);
}

Status DriftHistory::Append(const DriftRecord& r) {
  std::lock_guard<std::mutex> lock(mu_);
  StateDelta delta;
  delta.meta.emplace_back(Key(r), DriftRecordJson(r).dump());
  SEGD_RETURN_IF_ERROR(store_->Commit(delta));
  return Trim(r.as_of_ms);
}

Status DriftHistory::Trim(int64_t newest_as_of_ms) {
  std::vector<std::string> keys;
  SEGD_RETURN_IF_ERROR(
      store_->ScanMeta(kPrefix, kPrefix, [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      }));
  const int64_t min_as_of = options_.keep_days > 0
                                ? newest_as_of_ms - int64_t(options_.keep_days * 86'400'000.0)
                                : INT64_MIN;
  const size_t over = options_.keep > 0 && keys.size() > size_t(options_.keep)
                          ? keys.size() - size_t(options_.keep)
                          : 0;
  StateDelta delta;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i < over || AsOfOf(keys[i]) < min_as_of) delta.meta_deletes.push_back(keys[i]);
  }
  if (delta.meta_deletes.empty()) return Status::Ok();
  return store_->Commit(delta);
}

StatusOr<DriftHistoryPage> DriftHistory::Read(int64_t from_ms, int64_t to_ms, size_t limit,
                                              const std::string& page_token) const {
  if (!page_token.empty() && !ValidToken(page_token)) {
    return InvalidArgument("page_token is not one this server gave");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const std::string start = page_token.empty()
                                ? std::string(kPrefix) + Hex16(std::max<int64_t>(0, from_ms))
                                : std::string(kPrefix) + page_token;
  DriftHistoryPage page;
  Status failed;
  SEGD_RETURN_IF_ERROR(
      store_->ScanMeta(kPrefix, start, [&](std::string_view k, std::string_view v) {
        const int64_t as_of = AsOfOf(k);
        if (as_of >= to_ms) return false;
        if (as_of < from_ms) return true;
        if (page.records.size() == limit) {
          page.next_page_token = std::string(k.substr(kPrefix.size()));
          return false;
        }
        auto r = ParseDriftRecord(v);
        if (!r.ok()) {
          failed = r.status();
          return false;
        }
        page.records.push_back(std::move(*r));
        return true;
      }));
  if (!failed.ok()) return failed;
  return page;
}

StatusOr<std::optional<DriftRecord>> DriftHistory::LastEventTimeBefore(int64_t before_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string last_key, last_value;
  SEGD_RETURN_IF_ERROR(
      store_->ScanMeta(kPrefix, kPrefix, [&](std::string_view k, std::string_view v) {
        if (AsOfOf(k) >= before_ms) return false;
        if (IsEventTimeKey(k)) {
          last_key = k;
          last_value = v;
        }
        return true;
      }));
  if (last_key.empty()) return std::optional<DriftRecord>();
  auto r = ParseDriftRecord(last_value);
  if (!r.ok()) return r.status();
  return std::optional<DriftRecord>(std::move(*r));
}

}  // namespace segd

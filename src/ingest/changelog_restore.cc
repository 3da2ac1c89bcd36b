// IngestPipeline's restore from the changelog (declared in ingest_pipeline.h). Invariant: the
// store only ever receives the records of complete batches, together with the markers that end
// them and the changelog position after the last of those markers, in one commit; so the store
// is at every moment the state as of some marker, and a restore resumes from its position.
#include <spdlog/spdlog.h>

#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>

#include "ingest/pipeline_meta.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/state_codec.h"

namespace segd {

StatusOr<std::optional<int64_t>> IngestPipeline::ChangelogPosition(int32_t partition) const {
  auto blob = store_->GetMeta(ChangelogPositionKey(partition));
  if (!blob.ok()) return blob.status();
  if (!*blob) return std::optional<int64_t>();
  if ((*blob)->size() != 8)
    return DataLoss("bad changelog position of partition " + std::to_string(partition));
  int64_t position = 0;
  std::memcpy(&position, (*blob)->data(), 8);
  return std::optional<int64_t>(position);
}

StatusOr<IngestPipeline::RestoreReport> IngestPipeline::Restore(
    Changelog* changelog, int32_t partition, int64_t from, int64_t to, size_t chunk_records,
    const std::function<void(const RestoreReport&)>& on_chunk) {
  RestoreReport report;
  // Records since the last marker, and complete ones (up to it) not yet committed.
  std::unordered_map<std::string, std::string> pending;
  std::map<std::string, CustomerRecord> complete;
  std::map<TopicPartition, PartitionProgress> markers;
  // The partition's segment-change events: of the batch being read, and of the last complete one.
  std::optional<std::string> pending_announcements, complete_announcements;
  int64_t complete_position = -1;
  const auto flush = [&]() -> Status {
    if (complete_position < 0 || (complete.empty() && markers.empty())) return Status::Ok();
    std::vector<std::string_view> ids;
    ids.reserve(complete.size());
    for (const auto& [id, record] : complete) ids.push_back(id);
    std::vector<std::optional<CustomerState>> existing;
    SEGD_RETURN_IF_ERROR(store_->GetCustomers(ids, &existing));
    uint64_t added = 0;
    for (const auto& e : existing) added += e ? 0 : 1;
    StateDelta delta;
    delta.customers.reserve(complete.size());
    for (const auto& [id, record] : complete) delta.customers.emplace_back(id, &record);
    delta.progress.assign(markers.begin(), markers.end());
    delta.meta.emplace_back(ChangelogPositionKey(partition),
                            EncodeCount(uint64_t(complete_position)));
    delta.meta.emplace_back(kCustomersKey, EncodeCount(customers_ + added));
    // Stored like the writer's, so that the assignment sends them again (they may never have
    // been delivered: the writer stopped after committing them).
    if (complete_announcements) {
      delta.meta.emplace_back(AnnouncementsKey(partition), std::move(*complete_announcements));
      complete_announcements.reset();
    }
    SEGD_RETURN_IF_ERROR(store_->Commit(delta));
    customers_ += added;
    for (const auto& [tp, p] : markers) progress_[tp] = p;
    report.customers += complete.size();
    report.new_customers += added;
    report.position = complete_position;
    stats_->customers.store(customers_, std::memory_order_relaxed);
    stats_->watermark_ms.store(watermark_ms(), std::memory_order_relaxed);
    complete.clear();
    markers.clear();
    if (on_chunk) on_chunk(report);
    return Status::Ok();
  };
  Status read =
      changelog->Read(partition, from, to, [&](int64_t offset, ChangelogEntry&& entry) -> Status {
        ++report.records;
        stats_->restore_remaining.store(std::max<int64_t>(0, to - offset - 1),
                                        std::memory_order_relaxed);
        if (entry.announcements) {
          pending_announcements = std::move(entry.value);
          return Status::Ok();
        }
        if (!entry.marker) {
          pending[std::move(entry.key)] = std::move(entry.value);
          return Status::Ok();
        }
        TopicPartition tp;
        PartitionProgress progress;
        SEGD_RETURN_IF_ERROR(DecodeChangelogMarker(entry.value, &tp, &progress));
        if (tp.partition != partition) {
          return DataLoss("changelog partition " + std::to_string(partition) + " offset " +
                          std::to_string(offset) + " holds a marker of source partition " +
                          tp.topic + "/" + std::to_string(tp.partition));
        }
        for (auto& [id, value] : pending) {
          CustomerRecord record;
          Status s = DecodeCustomerRecord(value, &record);
          if (!s.ok()) {
            return DataLoss("changelog partition " + std::to_string(partition) +
                            ": a record before offset " + std::to_string(offset) + ": " +
                            s.message());
          }
          complete.insert_or_assign(id, std::move(record));
        }
        pending.clear();
        if (pending_announcements)
          complete_announcements = std::exchange(pending_announcements, {});
        markers[tp] = progress;
        complete_position = offset + 1;
        if (complete.size() >= chunk_records) return flush();
        return Status::Ok();
      });
  SEGD_RETURN_IF_ERROR(read);
  SEGD_RETURN_IF_ERROR(flush());
  report.ignored = pending.size();
  return report;
}

}  // namespace segd

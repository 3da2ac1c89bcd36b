// IngestPipeline's segment-change events (declared in ingest_pipeline.h). Invariants: a batch's
// events are stored with it (meta AnnouncementsKey(p), replacing the partition's previous ones)
// and sent only after it is committed; every committed change of a partition's customers comes
// after the stored ones of that partition, so sending the stored ones again (at an assignment)
// repeats the partition's last block of events, in order: each customer's last event stays its
// announced segment.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "ingest/pipeline_meta.h"
#include "segd/common/binary_codec.h"
#include "segd/ingest/ingest_pipeline.h"

namespace segd {

void IngestPipeline::SetAnnouncements(AnnounceOptions options) {
  announce_ = std::move(options);
  announce_.relabel_chunk_customers = std::max<size_t>(1, announce_.relabel_chunk_customers);
  if (announce_.sink != nullptr) announcer_.emplace(announce_.source);
}

void IngestPipeline::SetAnnouncedPartitions(const std::set<int32_t>& partitions) {
  if (!announcer_) return;
  const bool joined = std::any_of(partitions.begin(), partitions.end(), [&](int32_t p) {
    return !announced_partitions_.contains(p) && !relabel_.partitions.contains(p);
  });
  announced_partitions_ = partitions;
  if (!joined || !live_.has_baseline()) return;
  // Partitions new here may hold customers nobody relabelled under this baseline yet (they were
  // another instance's, or this one's before it started): scan again. Customers announced
  // under this baseline are passed over quickly.
  relabel_.version = live_.baseline()->version;
  relabel_.cursor.clear();
  relabel_.partitions.insert(partitions.begin(), partitions.end());
  relabel_.done = false;
  stats_->relabel_version.store(int64_t(relabel_.version), std::memory_order_relaxed);
}

IngestPipeline::Outbox IngestPipeline::TakeOutbox(MicroBatch* batch) {
  if (!announcer_) return {};
  Outbox outbox = announcer_->Take();
  for (const auto& [partition, announcements] : outbox) {
    batch->PutMeta(AnnouncementsKey(partition), EncodeAnnouncements(announcements));
  }
  working_.changes = announcer_->TakeCounts();
  return outbox;
}

Status IngestPipeline::SendOutbox(const Outbox& outbox) {
  if (outbox.empty() || announce_.sink == nullptr) return Status::Ok();
  const auto start = std::chrono::steady_clock::now();
  // Every partition's list queued, then one wait for acknowledgements: each customer's events
  // are in one list, in order.
  size_t n = 0;
  Status sent;
  for (const auto& [partition, announcements] : outbox) {
    if (sent.ok()) sent = announce_.sink->Send(announcements);
    n += announcements.size();
  }
  if (sent.ok()) sent = announce_.sink->Flush();
  // Fatal (never Unavailable): the events are stored and sent again at the next assignment;
  // going on would let the next batch replace them before they are delivered.
  if (!sent.ok()) return Internal(sent.message());
  stats_->announcements_sent.fetch_add(n, std::memory_order_relaxed);
  stats_->announce_nanos_total.fetch_add(
      uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()),
      std::memory_order_relaxed);
  return Status::Ok();
}

Status IngestPipeline::ResendAnnouncements(int32_t partition) {
  if (!announcer_) return Status::Ok();
  auto blob = store_->GetMeta(AnnouncementsKey(partition));
  if (!blob.ok()) return blob.status();
  if (!*blob) return Status::Ok();
  Outbox outbox;
  SEGD_RETURN_IF_ERROR(DecodeAnnouncements(**blob, &outbox[partition]));
  if (outbox[partition].empty()) return Status::Ok();
  spdlog::info("partition {}: sending its last {} segment-change event(s) again", partition,
               outbox[partition].size());
  return SendOutbox(outbox);
}

Status IngestPipeline::RelabelStep() {
  // Only once partitions are assigned: before that, the stored events of a partition may still
  // wait to be sent again (ResendAnnouncements), and a chunk would replace them.
  if (!relabel_pending() || announced_partitions_.empty()) return Status::Ok();
  const BaselineModel* baseline = live_.baseline();
  if (baseline == nullptr || baseline->version != relabel_.version) {
    relabel_.done = true;  // superseded: the newer baseline's relabel starts with it
    return Status::Ok();
  }
  const int64_t watermark = watermark_ms();
  std::vector<std::pair<std::string, CustomerRecord>> changed;
  std::vector<int32_t> partitions;
  size_t seen = 0;
  std::string next;
  Status scanned =
      store_->ScanRecords(relabel_.cursor, [&](std::string_view id, const CustomerRecord& record) {
        if (seen == announce_.relabel_chunk_customers) {
          next.assign(id);
          return false;
        }
        ++seen;
        // Unknown partitioning (a pattern subscription without the changelog): one instance,
        // every stored customer is its own.
        const std::optional<int32_t> p =
            announce_.partition_of ? announce_.partition_of(id) : std::nullopt;
        if (p && (!relabel_.partitions.contains(*p) || !announced_partitions_.contains(*p))) {
          return true;
        }
        // Copied only when it changes: most customers keep their segment.
        const int segment = announcer_->RelabelSegment(record, *baseline, watermark);
        if (segment < 0) return true;
        CustomerRecord copy = record;
        announcer_->OnRelabel(id, &copy, segment, *baseline, watermark, p.value_or(0));
        changed.emplace_back(std::string(id), std::move(copy));
        partitions.push_back(p.value_or(0));
        return true;
      });
  SEGD_RETURN_IF_ERROR(scanned);
  relabel_.cursor = next;
  relabel_.done = next.empty();
  StateDelta delta;
  for (size_t i = 0; i < changed.size(); ++i) {
    delta.customers.emplace_back(changed[i].first, &changed[i].second);
  }
  delta.customer_partitions = partitions;
  Outbox outbox = announcer_->Take();
  const auto counts = announcer_->TakeCounts();
  for (const auto& [partition, announcements] : outbox) {
    delta.meta.emplace_back(AnnouncementsKey(partition), EncodeAnnouncements(announcements));
    // A marker (progress unchanged) ends the chunk in the changelog, so a restore keeps it.
    for (const auto& [tp, progress] : progress_) {
      if (tp.partition == partition) delta.progress.emplace_back(tp, progress);
    }
  }
  delta.meta.emplace_back(kRelabelKey, EncodeRelabel());
  SEGD_RETURN_IF_ERROR(CommitDelta(delta, outbox));
  stats_->segment_changes[1].fetch_add(counts[1], std::memory_order_relaxed);
  stats_->relabel_scanned.fetch_add(seen, std::memory_order_relaxed);
  stats_->relabel_version.store(relabel_.done ? 0 : int64_t(relabel_.version),
                                std::memory_order_relaxed);
  if (relabel_.done) spdlog::info("relabel under baseline v{} done", relabel_.version);
  return Status::Ok();
}

// u8 1 | u64 version | u8 done | u32 cursor length | cursor | u32 n | n x i32 partition
std::string IngestPipeline::EncodeRelabel() const {
  std::string out;
  Put<uint8_t>(&out, 1);
  Put<uint64_t>(&out, relabel_.version);
  Put<uint8_t>(&out, relabel_.done ? 1 : 0);
  Put<uint32_t>(&out, uint32_t(relabel_.cursor.size()));
  out.append(relabel_.cursor);
  Put<uint32_t>(&out, uint32_t(relabel_.partitions.size()));
  for (int32_t p : relabel_.partitions) Put<int32_t>(&out, p);
  return out;
}

Status IngestPipeline::LoadRelabel() {
  relabel_ = Relabel{};
  if (!announcer_) return Status::Ok();
  auto blob = store_->GetMeta(kRelabelKey);
  if (!blob.ok()) return blob.status();
  if (*blob) SEGD_RETURN_IF_ERROR(DecodeRelabel(**blob));
  const BaselineModel* baseline = live_.baseline();
  if (baseline != nullptr && relabel_.version < baseline->version) {
    // A baseline no relabel started for: fitted by `segd train` while segd was stopped, or
    // announcements just turned on. Its relabel starts with the first assignment.
    relabel_ = {.version = baseline->version, .cursor = {}, .partitions = {}, .done = false};
  }
  stats_->relabel_version.store(relabel_.done ? 0 : int64_t(relabel_.version),
                                std::memory_order_relaxed);
  return Status::Ok();
}

Status IngestPipeline::DecodeRelabel(std::string_view in) {
  uint8_t layout = 0, done = 0;
  uint32_t cursor = 0, n = 0;
  bool ok = Get(&in, &layout) && layout == 1 && Get(&in, &relabel_.version) && Get(&in, &done) &&
            Get(&in, &cursor) && in.size() >= cursor;
  if (ok) {
    relabel_.cursor.assign(in.substr(0, cursor));
    in.remove_prefix(cursor);
    ok = Get(&in, &n);
  }
  for (uint32_t i = 0; ok && i < n; ++i) {
    int32_t p = 0;
    ok = Get(&in, &p);
    relabel_.partitions.insert(p);
  }
  if (!ok || !in.empty()) return DataLoss("relabel state: bad blob");
  relabel_.done = done != 0;
  return Status::Ok();
}

}  // namespace segd

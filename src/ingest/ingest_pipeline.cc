#include "segd/ingest/ingest_pipeline.h"

#include <algorithm>
#include <chrono>

#include "segd/model/baseline_trainer.h"

namespace segd {
namespace {
constexpr uint8_t kStale = 0, kGood = 1, kRejected = 2;
}  // namespace

IngestPipeline::IngestPipeline(const DecoderOptions& decoder_options, StateStore* store,
                               DeadLetterSink* dlq, IngestStats* stats, WallClock clock)
    : decoder_(decoder_options),
      store_(store),
      dlq_(dlq),
      stats_(stats),
      clock_(std::move(clock)),
      batch_(store) {}

namespace {
constexpr const char* kLiveModelKey = "model/live";
}  // namespace

Status IngestPipeline::Load(LiveOptions live_options) {
  live_ = LiveSegmentation(live_options);
  auto baseline = LoadCurrentBaseline(*store_);
  if (!baseline.ok()) return baseline.status();
  if (baseline->has_value()) {
    auto shared = std::make_shared<const BaselineModel>(std::move(**baseline));
    auto blob = store_->GetMeta(kLiveModelKey);
    if (!blob.ok()) return blob.status();
    Status decoded = *blob ? live_.Decode(**blob, shared) : FailedPrecondition("no live model");
    if (decoded.code() == StatusCode::kDataLoss) return decoded;
    if (!decoded.ok()) live_.ResetTo(shared);  // first start, or a new baseline: start from it
  }
  PublishLiveSnapshot();
  std::vector<std::pair<TopicPartition, PartitionProgress>> stored;
  SEGD_RETURN_IF_ERROR(store_->ReadProgress(&stored));
  progress_.clear();
  progress_.insert(stored.begin(), stored.end());
  stats_->watermark_ms.store(watermark_ms(), std::memory_order_relaxed);
  return Status::Ok();
}

int64_t IngestPipeline::ResumeOffset(const TopicPartition& tp) const {
  auto it = progress_.find(tp);
  return it == progress_.end() ? 0 : it->second.next_offset;
}

int64_t IngestPipeline::watermark_ms() const {
  int64_t w = 0;
  for (const auto& [tp, p] : progress_) w = std::max(w, p.watermark_ms);
  return w;
}

PartitionProgress& IngestPipeline::Working(const RawMessage& m) {
  // Messages of one partition arrive together, so this map stays tiny.
  TopicPartition tp{m.topic, m.partition};
  auto it = working_.find(tp);
  if (it != working_.end()) return it->second;
  auto committed = progress_.find(tp);
  return working_
      .emplace(std::move(tp),
               committed == progress_.end() ? PartitionProgress{} : committed->second)
      .first->second;
}

Status IngestPipeline::DecodeAll(std::span<const RawMessage> messages) {
  const int64_t now_ms = clock_();
  event_count_ = 0;
  kind_.assign(messages.size(), kStale);
  rejections_.clear();
  for (size_t i = 0; i < messages.size(); ++i) {
    const RawMessage& m = messages[i];
    PartitionProgress& p = Working(m);
    if (m.offset < p.next_offset) continue;  // applied by an earlier batch
    const std::string_view key(m.key);
    // Decode straight into a reused slot: no per-event allocation once the slots have grown.
    if (event_count_ == events_.size()) events_.emplace_back();
    Event& event = events_[event_count_];
    auto rejection = decoder_.Decode(m.has_key ? &key : nullptr, m.value, now_ms, &event);
    if (rejection) {
      kind_[i] = kRejected;
      SEGD_RETURN_IF_ERROR(dlq_->Send(m, *rejection));
      rejections_.push_back(std::move(*rejection));
    } else {
      kind_[i] = kGood;
      ++event_count_;
    }
    p.next_offset = m.offset + 1;
  }
  return Status::Ok();
}

Status IngestPipeline::ApplyAll(std::span<const RawMessage> messages) {
  SEGD_RETURN_IF_ERROR(batch_.Prefetch(std::span<const Event>(events_.data(), event_count_)));
  size_t next_event = 0, next_rejection = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    PartitionProgress& p = Working(messages[i]);
    if (kind_[i] == kStale) {
      ++stale_count_;
    } else if (kind_[i] == kRejected) {
      ++p.rejected;
      ++reject_counts_[static_cast<size_t>(rejections_[next_rejection++].reason)];
    } else {
      const Event& e = events_[next_event++];
      auto outcome = EventApplier::Apply(e, &batch_);
      if (!outcome.ok()) return outcome.status();
      ++outcome_counts_[static_cast<size_t>(*outcome)];
      // The watermark moves with every accepted event, duplicates included: they are valid
      // evidence that time has reached this point, and it only ever moves forward.
      p.watermark_ms = std::max(p.watermark_ms, e.time_ms);
      if (*outcome != ApplyOutcome::kApplied) {
        ++p.duplicates;
        continue;
      }
      ++p.applied;
      if (working_live_.has_baseline()) {
        auto customer = batch_.FindCustomer(e.subject);
        if (!customer.ok()) return customer.status();
        working_live_.Observe(**customer, p.watermark_ms);
      }
    }
  }
  return Status::Ok();
}

Status IngestPipeline::Process(std::span<const RawMessage> messages) {
  batch_.Reset();
  working_.clear();
  working_live_ = live_;
  outcome_counts_.fill(0);
  reject_counts_.fill(0);
  stale_count_ = 0;
  SEGD_RETURN_IF_ERROR(DecodeAll(messages));
  SEGD_RETURN_IF_ERROR(ApplyAll(messages));
  // Offsets of rejected events may only move once their dead-letter copies are acknowledged.
  if (!rejections_.empty()) SEGD_RETURN_IF_ERROR(dlq_->Flush());
  for (const auto& [tp, p] : working_) batch_.SetProgress(tp, p);
  if (working_live_.has_baseline()) batch_.PutMeta(kLiveModelKey, working_live_.Encode());
  const auto start = std::chrono::steady_clock::now();
  Status committed = store_->Commit(batch_.Delta());
  if (!committed.ok()) {
    // Never Unavailable: the caller treats a store failure as fatal, not as retryable.
    return committed.code() == StatusCode::kUnavailable ? Internal(committed.message()) : committed;
  }
  stats_->commit_nanos_total.fetch_add(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count(),
      std::memory_order_relaxed);
  Publish(messages);
  return Status::Ok();
}

void IngestPipeline::Publish(std::span<const RawMessage> messages) {
  for (auto& [tp, p] : working_) progress_[tp] = p;
  live_ = std::move(working_live_);
  PublishLiveSnapshot();
  constexpr auto r = std::memory_order_relaxed;
  stats_->messages.fetch_add(messages.size(), r);
  for (size_t i = 0; i < outcome_counts_.size(); ++i)
    stats_->outcomes[i].fetch_add(outcome_counts_[i], r);
  for (size_t i = 0; i < reject_counts_.size(); ++i)
    stats_->rejected[i].fetch_add(reject_counts_[i], r);
  stats_->stale_messages.fetch_add(stale_count_, r);
  if (stats_->batches.fetch_add(1, r) == 0) {
    stats_->first_commit_steady_ns.store(
        std::chrono::steady_clock::now().time_since_epoch().count(), r);
  }
  stats_->watermark_ms.store(watermark_ms(), r);
}

void IngestPipeline::PublishLiveSnapshot() {
  auto snapshot = std::make_shared<LiveSnapshot>();
  if (live_.has_baseline()) {
    snapshot->baseline = live_.shared_baseline();
    snapshot->centroids = live_.model().centroids();
    snapshot->updates = live_.model().updates();
  }
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  snapshot_ = std::move(snapshot);
}

std::shared_ptr<const IngestPipeline::LiveSnapshot> IngestPipeline::live_snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

}  // namespace segd

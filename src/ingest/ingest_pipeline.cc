#include "segd/ingest/ingest_pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <system_error>
#include <utility>

#include "ingest/pipeline_meta.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/state/state_codec.h"

namespace segd {
namespace {

constexpr uint8_t kStale = 0, kGood = 1, kRejected = 2, kHeld = 3;

}  // namespace

IngestPipeline::IngestPipeline(const DecoderOptions& decoder_options, StateStore* store,
                               DeadLetterSink* dlq, IngestStats* stats, WallClock clock)
    : decoder_(decoder_options),
      store_(store),
      dlq_(dlq),
      stats_(stats),
      clock_(std::move(clock)),
      batches_{MicroBatch(store), MicroBatch(store)},
      batch_(&batches_[0]) {}

IngestPipeline::~IngestPipeline() {
  // Process always finishes its commits; be sure no thread still writes.
  if (in_flight_ && in_flight_->done.valid()) in_flight_->done.wait();
  std::lock_guard<std::mutex> lock(requests_mu_);
  for (RetrainRequest& r : requests_) r.done.set_value(Unavailable("segd is stopping"));
}

void IngestPipeline::SetBoundaryListener(int64_t every_ms, EventTimeBoundaryListener* listener) {
  boundary_every_ms_ = listener ? std::max<int64_t>(0, every_ms) : 0;
  boundary_listener_ = listener;
  StartSchedule();
}

// The next boundary follows from the committed watermark (0: no event yet, the first one sets
// it); from here on only crossings move it.
void IngestPipeline::StartSchedule() {
  const int64_t watermark = watermark_ms();
  next_boundary_ms_ =
      watermark > 0 && boundary_every_ms_ > 0 ? BoundaryAfter(watermark, boundary_every_ms_) : 0;
  crossing_ms_ = 0;
  held_.clear();
}

Status IngestPipeline::Load(ModelLifecycleOptions options) {
  options_ = std::move(options);
  live_ = LiveSegmentation(options_.live);
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
  StartSchedule();
  auto count = store_->GetMeta(kCustomersKey);
  if (!count.ok()) return count.status();
  customers_ = 0;
  if (*count && (*count)->size() == 8) {
    std::memcpy(&customers_, (*count)->data(), 8);
  } else {  // a store written before the count was kept: count once
    SEGD_RETURN_IF_ERROR(store_->ScanCustomers([this](std::string_view, const CustomerState&) {
      ++customers_;
      return true;
    }));
  }
  stats_->customers.store(customers_, std::memory_order_relaxed);
  SEGD_RETURN_IF_ERROR(LoadRelabel());
  bootstrap_at_ = options_.bootstrap_min_customers;
  // The batch that made the bootstrap due was committed but the fit was not: fit it now, on the
  // same committed state, before anything else is applied.
  if (BootstrapDue(customers_)) return Bootstrap(watermark_ms());
  return Status::Ok();
}

bool IngestPipeline::BootstrapDue(uint64_t customers) const {
  return boundary_every_ms_ == 0 && BootstrapDueAtBoundary(customers);
}

bool IngestPipeline::BootstrapDueAtBoundary(uint64_t customers) const {
  return bootstrap_at_ > 0 && !live_.has_baseline() && customers >= bootstrap_at_ && LocalFits();
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
  auto it = working_.progress.find(tp);
  if (it != working_.progress.end()) return it->second;
  auto applied = applied_.find(tp);
  return working_.progress
      .emplace(std::move(tp), applied == applied_.end() ? PartitionProgress{} : applied->second)
      .first->second;
}

Status IngestPipeline::DecodeAll(std::span<const RawMessage> messages) {
  const int64_t now_ms = clock_();
  event_count_ = 0;
  kind_.assign(messages.size(), kStale);
  rejections_.clear();
  held_indices_.clear();
  working_.progress.clear();  // here only a cursor per partition, to tell stale messages
  for (size_t i = 0; i < messages.size(); ++i) {
    const RawMessage& m = messages[i];
    PartitionProgress& p = Working(m);
    if (m.offset < p.next_offset) continue;  // applied by an earlier batch
    p.next_offset = m.offset + 1;
    if (aligned_ && !held_.empty() && held_.contains(TopicPartition{m.topic, m.partition})) {
      kind_[i] = kHeld;  // behind a held event: keeps its place, decoded once released
      held_indices_.push_back(i);
      continue;
    }
    const std::string_view key(m.key);
    // Decode straight into a reused slot: no per-event allocation once the slots have grown.
    if (event_count_ == events_.size()) events_.emplace_back();
    Event& event = events_[event_count_];
    auto rejection = decoder_.Decode(m.has_key ? &key : nullptr, m.value, now_ms, &event);
    if (rejection) {
      kind_[i] = kRejected;
      SEGD_RETURN_IF_ERROR(dlq_->Send(m, *rejection));
      rejections_.push_back(std::move(*rejection));
    } else if (aligned_ && CrossesBoundary(event.time_ms)) {
      kind_[i] = kHeld;  // this partition waits at the boundary for the others
      held_indices_.push_back(i);
      held_.emplace(TopicPartition{m.topic, m.partition}, event.time_ms);
    } else {
      kind_[i] = kGood;
      ++event_count_;
    }
  }
  return Status::Ok();
}

StatusOr<size_t> IngestPipeline::ApplyRange(std::span<const RawMessage> messages, size_t begin,
                                            size_t good_events) {
  SEGD_RETURN_IF_ERROR(
      batch_->Prefetch(std::span<const Event>(events_.data() + next_event_, good_events)));
  for (size_t i = begin; i < messages.size(); ++i) {
    if (kind_[i] == kStale) {
      ++working_.stale;
      continue;
    }
    if (kind_[i] == kHeld) {
      ++working_.held;
      continue;
    }
    if (kind_[i] == kRejected) {
      PartitionProgress& p = Working(messages[i]);
      p.next_offset = messages[i].offset + 1;
      ++p.rejected;
      ++working_.rejects[static_cast<size_t>(rejections_[next_rejection_++].reason)];
      continue;
    }
    if (!aligned_ && CrossesBoundary(events_[next_event_].time_ms)) {
      // Cut before it: the listener sees the state as of the boundary. The message is applied
      // by the next micro-batch, once the boundary is behind.
      crossing_ms_ = events_[next_event_].time_ms;
      return i;
    }
    PartitionProgress& p = Working(messages[i]);
    p.next_offset = messages[i].offset + 1;
    const Event& e = events_[next_event_++];
    auto before = batch_->FindCustomer(e.subject);
    if (!before.ok()) return before.status();
    const bool new_customer = *before == nullptr;
    batch_->SetPartition(messages[i].partition);
    auto outcome = EventApplier::Apply(e, batch_, fold_);
    if (!outcome.ok()) return outcome.status();
    ++working_.outcomes[static_cast<size_t>(*outcome)];
    // The watermark moves with every accepted event, duplicates included: they are valid
    // evidence that time has reached this point, and it only ever moves forward.
    p.watermark_ms = std::max(p.watermark_ms, e.time_ms);
    if (*outcome != ApplyOutcome::kApplied) {
      ++p.duplicates;
      continue;
    }
    ++p.applied;
    auto customer = batch_->FindCustomer(e.subject);
    if (!customer.ok()) return customer.status();
    if (new_customer && *customer != nullptr) ++working_.customers;
    if (working_.live.has_baseline()) {
      working_.live.Observe((*customer)->state, p.watermark_ms, messages[i].topic,
                            messages[i].partition);
      if (announcer_) {
        auto record = batch_->MutableCustomer(e.subject);
        if (!record.ok()) return record.status();
        announcer_->OnEvent(e.subject, *record, working_.live, p.watermark_ms, e.time_ms, e.id,
                            messages[i].partition);
      }
    } else if (BootstrapDue(working_.customers)) {
      return i + 1;  // cut here: the baseline is fitted on exactly this state
    }
  }
  return messages.size();
}

bool IngestPipeline::CrossesBoundary(int64_t event_time_ms) {
  if (boundary_every_ms_ == 0) return false;
  if (next_boundary_ms_ == 0) {
    // The first event ever starts the schedule. Aligned, each partition's first event is held
    // until all have one (or none can come): the earliest of them starts it, whichever
    // partition the broker delivers first.
    if (aligned_) return true;
    next_boundary_ms_ = BoundaryAfter(event_time_ms, boundary_every_ms_);
    return false;
  }
  return event_time_ms >= next_boundary_ms_;
}

StatusOr<std::vector<TopicPartition>> IngestPipeline::CrossHeldBoundaries() {
  std::vector<TopicPartition> released;
  if (held_.empty()) return released;
  crossing_ms_ = INT64_MAX;
  for (const auto& [tp, time_ms] : held_) crossing_ms_ = std::min(crossing_ms_, time_ms);
  if (next_boundary_ms_ == 0) next_boundary_ms_ = BoundaryAfter(crossing_ms_, boundary_every_ms_);
  SEGD_RETURN_IF_ERROR(CrossBoundaries());
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second >= next_boundary_ms_) {
      ++it;
      continue;
    }
    released.push_back(it->first);
    it = held_.erase(it);
  }
  return released;
}

void IngestPipeline::Unhold(const std::vector<TopicPartition>& partitions) {
  for (const TopicPartition& tp : partitions) held_.erase(tp);
}

Status IngestPipeline::CrossBoundaries() {
  const int64_t crossing = std::exchange(crossing_ms_, 0);
  for (int64_t b = next_boundary_ms_; b <= crossing; b += boundary_every_ms_) {
    // With an event-time schedule the bootstrap waits for a boundary: the one moment every
    // partition has reached the same event time.
    if (BootstrapDueAtBoundary(customers_)) SEGD_RETURN_IF_ERROR(Bootstrap(b));
    auto retrain = boundary_listener_->OnBoundary(b);
    if (!retrain.ok()) return retrain.status();
    if (!*retrain) continue;
    if (!LocalFits()) {
      if (fit_elsewhere_) fit_elsewhere_(RetrainTrigger::kAuto, {});
      continue;
    }
    auto version = Retrain(RetrainTrigger::kAuto, b);
    if (!version.ok() && version.status().code() != StatusCode::kFailedPrecondition) {
      return version.status();
    }
    if (!version.ok()) spdlog::warn("automatic retrain failed: {}", version.status().ToString());
  }
  next_boundary_ms_ = BoundaryAfter(crossing, boundary_every_ms_);
  return Status::Ok();
}

void IngestPipeline::StartCommit(bool overlap) {
  for (const auto& [tp, p] : working_.progress) {
    batch_->SetProgress(tp, p);
    applied_[tp] = p;
  }
  if (working_.live.has_baseline()) batch_->PutMeta(kLiveModelKey, working_.live.Encode());
  if (working_.customers != applied_customers_) {
    batch_->PutMeta(kCustomersKey, EncodeCount(working_.customers));
  }
  Outbox outbox = TakeOutbox(batch_);
  // The future exists before anything is recorded as in flight: if no thread can be started,
  // the commit runs on this thread when FinishCommit waits for it.
  const auto commit = [this, delta = batch_->Delta(), outbox = std::move(outbox)] {
    return CommitDelta(delta, outbox);
  };
  std::future<Status> done;
  if (overlap) {
    try {
      done = std::async(std::launch::async, commit);
    } catch (const std::system_error& e) {
      spdlog::warn("commit on the calling thread: no thread for it ({})", e.what());
    }
  }
  if (!done.valid()) done = std::async(std::launch::deferred, commit);
  applied_live_ = working_.live;
  applied_customers_ = working_.customers;
  in_flight_.emplace(InFlight{.effects = std::move(working_), .done = std::move(done)});
}

Status IngestPipeline::CommitDelta(const StateDelta& delta, const Outbox& outbox) {
  const auto start = std::chrono::steady_clock::now();
  // The changelog first, then the store (README, "Changelog"): a crash between them leaves the
  // changelog ahead of the store, and the next assignment restores that tail from it.
  StateDelta logged;
  if (changelog_ != nullptr) {
    logged = delta;
    SEGD_RETURN_IF_ERROR(AppendToChangelog(&logged, outbox));
  }
  Status committed = store_->Commit(changelog_ != nullptr ? logged : delta);
  if (!committed.ok()) {
    // Never Unavailable: the caller treats a store failure as fatal, not as retryable.
    return committed.code() == StatusCode::kUnavailable ? Internal(committed.message()) : committed;
  }
  // Sent only once stored: an event never announces a change the store does not hold. A crash
  // before they are all delivered leaves them stored, and the next assignment sends them again.
  SEGD_RETURN_IF_ERROR(SendOutbox(outbox));
  const int64_t nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  stats_->commit_nanos_total.fetch_add(uint64_t(nanos), std::memory_order_relaxed);
  stats_->commit_duration.Observe(nanos);
  return Status::Ok();
}

Status IngestPipeline::AppendToChangelog(StateDelta* delta, const Outbox& outbox) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<ChangelogEntry>& entries = changelog_entries_;
  entries.resize(delta->customers.size() + outbox.size() + delta->progress.size());
  size_t n = 0;
  for (size_t i = 0; i < delta->customers.size(); ++i) {
    ChangelogEntry& e = entries[n++];
    e.partition = delta->customer_partitions.empty() ? 0 : delta->customer_partitions[i];
    e.key.assign(delta->customers[i].first);
    e.value.clear();
    EncodeCustomerRecord(*delta->customers[i].second, &e.value);
    e.marker = false;
    e.announcements = false;
  }
  // A partition's announcements come before its marker: a restore keeps them with the batch.
  for (const auto& [partition, announcements] : outbox) {
    ChangelogEntry& e = entries[n++];
    e.partition = partition;
    e.key.assign(kChangelogAnnouncementsKey);
    e.value = EncodeAnnouncements(announcements);
    e.marker = false;
    e.announcements = true;
  }
  for (const auto& [tp, progress] : delta->progress) {
    ChangelogEntry& e = entries[n++];
    e.partition = tp.partition;
    e.key.assign(kChangelogMarkerPrefix);
    e.key.append(tp.topic);
    e.value = EncodeChangelogMarker(tp, progress);
    e.marker = true;
    e.announcements = false;
  }
  auto positions = changelog_->Append(entries);
  if (!positions.ok()) {
    // Fatal (never Unavailable): the changelog may hold part of the batch; a restart restores
    // or re-consumes from the store's position, either way exactly once.
    return Internal("changelog: " + positions.status().message());
  }
  for (const auto& [partition, position] : *positions) {
    delta->meta.emplace_back(ChangelogPositionKey(partition), EncodeCount(uint64_t(position)));
  }
  stats_->changelog_records.fetch_add(delta->customers.size(), std::memory_order_relaxed);
  stats_->changelog_nanos_total.fetch_add(
      uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()),
      std::memory_order_relaxed);
  return Status::Ok();
}

Status IngestPipeline::FinishCommit() {
  if (!in_flight_) return Status::Ok();
  Status committed = in_flight_->done.get();
  BatchEffects effects = std::move(in_flight_->effects);
  in_flight_.reset();
  if (!committed.ok()) return committed;
  Publish(std::move(effects));
  return Status::Ok();
}

Status IngestPipeline::Process(std::span<const RawMessage> messages, size_t max_batch_messages) {
  // Nothing is in flight between calls: what is applied so far is what is committed.
  applied_ = progress_;
  applied_live_ = live_;
  applied_customers_ = customers_;
  SEGD_RETURN_IF_ERROR(DecodeAll(messages));
  // Offsets of rejected events may only move once their dead-letter copies are acknowledged.
  if (!rejections_.empty()) SEGD_RETURN_IF_ERROR(dlq_->Flush());
  next_event_ = next_rejection_ = 0;
  max_batch_messages = std::max<size_t>(1, max_batch_messages);
  Status result;
  for (size_t begin = 0; begin < messages.size();) {
    // The other batch is the one in flight (or already committed): this one reads through it.
    MicroBatch* previous = batch_;
    batch_ = batch_ == &batches_[0] ? &batches_[1] : &batches_[0];
    batch_->Reset();
    batch_->SetPrevious(in_flight_ ? previous : nullptr);
    working_ = {.live = applied_live_, .customers = applied_customers_};
    const size_t limit = begin + std::min(messages.size() - begin, max_batch_messages);
    const size_t good = size_t(std::count(kind_.begin() + begin, kind_.begin() + limit, kGood));
    auto end = ApplyRange(messages.first(limit), begin, good);
    if (!end.ok()) {
      result = end.status();
      break;
    }
    // One commit at a time, in order: the previous one must be done before this one starts.
    result = FinishCommit();
    if (!result.ok()) break;
    batch_->SetPrevious(nullptr);  // nothing reads through it from here on
    // Overlap only when another micro-batch follows at once (not before a bootstrap fit or a
    // boundary, which need the state committed).
    working_.messages = *end - begin - working_.held;
    const bool boundary = crossing_ms_ != 0;
    StartCommit(*end < messages.size() && !BootstrapDue(working_.customers) && !boundary);
    begin = *end;
    if (BootstrapDue(applied_customers_)) {
      result = FinishCommit();
      if (result.ok()) result = Bootstrap(watermark_ms());
      if (!result.ok()) break;
      applied_live_ = live_;
    }
    if (boundary) {
      result = FinishCommit();
      if (result.ok()) result = CrossBoundaries();
      if (!result.ok()) break;
      applied_live_ = live_;
    }
  }
  Status last = FinishCommit();  // never return with a commit running
  if (!result.ok() && !last.ok()) {
    spdlog::error("the commit in flight failed too: {}", last.ToString());
  }
  return result.ok() ? last : result;
}

Status IngestPipeline::Bootstrap(int64_t as_of_ms) {
  auto version = Retrain(RetrainTrigger::kBootstrap, as_of_ms);
  if (version.ok() || version.status().code() != StatusCode::kFailedPrecondition) {
    return version.status();
  }
  // Too few customers with live orders (the rest only canceled or reviewed): try again later.
  bootstrap_at_ = customers_ + std::max<uint64_t>(1, options_.bootstrap_min_customers / 10);
  spdlog::warn("bootstrap baseline postponed to {} customers: {}", bootstrap_at_,
               version.status().ToString());
  return Status::Ok();
}

StatusOr<uint64_t> IngestPipeline::Retrain(RetrainTrigger trigger, int64_t as_of_ms) {
  const int64_t watermark = as_of_ms;
  const auto started = std::chrono::steady_clock::now();
  auto model = TrainBaseline(*store_, watermark, options_.spec, options_.train, live_.baseline());
  if (!model.ok()) return model.status();
  return Install(std::make_shared<const BaselineModel>(std::move(*model)), trigger, started);
}

StatusOr<uint64_t> IngestPipeline::Install(std::shared_ptr<const BaselineModel> baseline,
                                           RetrainTrigger trigger,
                                           std::chrono::steady_clock::time_point started) {
  StateDelta delta;
  SEGD_RETURN_IF_ERROR(AddBaselineWrites(*store_, *baseline, options_.keep_versions, &delta));
  LiveSegmentation next(options_.live);
  next.ResetTo(baseline);
  delta.meta.emplace_back(kLiveModelKey, next.Encode());
  if (announcer_) {
    // Every announced customer is looked at again under the new baseline (RelabelStep).
    relabel_ = {.version = baseline->version,
                .cursor = {},
                .partitions = announced_partitions_,
                .done = false};
    delta.meta.emplace_back(kRelabelKey, EncodeRelabel());
  }
  if (Status s = store_->Commit(delta); !s.ok()) return Internal(s.message());
  live_ = std::move(next);
  PublishLiveSnapshot();
  stats_->retrains[static_cast<size_t>(trigger)].fetch_add(1, std::memory_order_relaxed);
  spdlog::info("baseline v{} {} trigger={} customers={} k={} watermark={} seconds={:.3f}",
               baseline->version, trigger == RetrainTrigger::kLeader ? "adopted" : "fitted",
               RetrainTriggerName(trigger), baseline->population, baseline->k(),
               FormatRfc3339(baseline->watermark_ms),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return baseline->version;
}

std::future<StatusOr<uint64_t>> IngestPipeline::RequestRetrain(RetrainTrigger trigger) {
  std::lock_guard<std::mutex> lock(requests_mu_);
  requests_.push_back({trigger, {}, nullptr});
  has_requests_.store(true, std::memory_order_release);
  return requests_.back().done.get_future();
}

std::future<StatusOr<uint64_t>> IngestPipeline::RequestAdopt(
    std::shared_ptr<const BaselineModel> model) {
  std::lock_guard<std::mutex> lock(requests_mu_);
  requests_.push_back({RetrainTrigger::kLeader, {}, std::move(model)});
  has_requests_.store(true, std::memory_order_release);
  return requests_.back().done.get_future();
}

void IngestPipeline::SetFitGate(std::function<bool()> local, FitElsewhere elsewhere) {
  fit_gate_ = std::move(local);
  fit_elsewhere_ = std::move(elsewhere);
}

void IngestPipeline::SetPeerStatistics(PeerStatistics peers) {
  std::lock_guard<std::mutex> lock(requests_mu_);
  peers_ = std::move(peers);
  has_requests_.store(true, std::memory_order_release);
}

Status IngestPipeline::RunRequestedWork() {
  if (!has_requests_.load(std::memory_order_acquire)) return Status::Ok();
  std::deque<RetrainRequest> requests;
  std::optional<PeerStatistics> peers;
  {
    std::lock_guard<std::mutex> lock(requests_mu_);
    requests.swap(requests_);
    peers.swap(peers_);
    has_requests_.store(false, std::memory_order_release);
  }
  // Adoptions first, in order (the last one wins); then the fits.
  std::deque<RetrainRequest> fits;
  for (RetrainRequest& r : requests) {
    if (!r.adopt) {
      fits.push_back(std::move(r));
      continue;
    }
    auto version = Install(r.adopt, RetrainTrigger::kLeader, std::chrono::steady_clock::now());
    r.done.set_value(version);
    if (!version.ok()) return version.status();
  }
  requests.swap(fits);
  if (peers) MergePeers(std::move(*peers));
  if (requests.empty()) return Status::Ok();
  if (!LocalFits()) {
    for (RetrainRequest& r : requests) {
      if (fit_elsewhere_) {
        fit_elsewhere_(r.trigger, std::move(r.done));
      } else {
        r.done.set_value(FailedPrecondition("baselines are fitted by the group's leader"));
      }
    }
    return Status::Ok();
  }
  // One fit answers every request that waited for it.
  auto version = Retrain(requests.front().trigger, watermark_ms());
  for (RetrainRequest& r : requests) r.done.set_value(version);
  if (version.ok()) return Status::Ok();
  spdlog::warn("retrain ({}) failed: {}", RetrainTriggerName(requests.front().trigger),
               version.status().ToString());
  // Too few customers is the requester's answer; anything else came from the store.
  return version.status().code() == StatusCode::kFailedPrecondition ? Status::Ok()
                                                                    : version.status();
}

void IngestPipeline::Publish(BatchEffects effects) {
  for (auto& [tp, p] : effects.progress) progress_[tp] = p;
  live_ = std::move(effects.live);
  customers_ = effects.customers;
  PublishLiveSnapshot();
  constexpr auto r = std::memory_order_relaxed;
  stats_->messages.fetch_add(effects.messages, r);
  for (size_t i = 0; i < effects.outcomes.size(); ++i)
    stats_->outcomes[i].fetch_add(effects.outcomes[i], r);
  for (size_t i = 0; i < effects.rejects.size(); ++i)
    stats_->rejected[i].fetch_add(effects.rejects[i], r);
  stats_->stale_messages.fetch_add(effects.stale, r);
  stats_->segment_changes[0].fetch_add(effects.changes[0], r);
  if (stats_->batches.fetch_add(1, r) == 0) {
    stats_->first_commit_steady_ns.store(
        std::chrono::steady_clock::now().time_since_epoch().count(), r);
  }
  stats_->watermark_ms.store(watermark_ms(), r);
  stats_->customers.store(customers_, r);
}

// Nothing is in flight between batches: the merge goes into the committed model, which the next
// micro-batch starts from and stores (with the peers' statistics it includes).
void IngestPipeline::MergePeers(PeerStatistics peers) {
  const bool had_peers = !live_.peers().empty();
  live_.MergePeers(std::move(peers));
  if (had_peers || !live_.peers().empty()) PublishLiveSnapshot();
}

void IngestPipeline::PublishLiveSnapshot() {
  auto snapshot = std::make_shared<LiveSnapshot>();
  if (live_.has_baseline()) {
    snapshot->baseline = live_.shared_baseline();
    snapshot->centroids = live_.model().centroids();
    snapshot->updates = live_.model().updates();
    snapshot->contributions = live_.own().contributions();
  }
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  snapshot_ = std::move(snapshot);
}

std::shared_ptr<const IngestPipeline::LiveSnapshot> IngestPipeline::live_snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

}  // namespace segd

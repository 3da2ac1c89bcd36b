#include "segd/ingest/ingest_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace segd {

using Clock = std::chrono::steady_clock;

IngestLoop::IngestLoop(IngestLoopOptions options, IngestPipeline* pipeline)
    : options_(options), pipeline_(pipeline) {}

std::string IngestLoop::not_ready_reason() const {
  if (failed_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(lag_mu_);
    return "stopped: " + failure_;
  }
  {
    std::lock_guard<std::mutex> lock(lag_mu_);
    if (!serving_.restoring.empty()) {
      std::string which;
      for (int32_t p : serving_.restoring) which += (which.empty() ? "" : ",") + std::to_string(p);
      return "restoring partition(s) " + which + " from the changelog";
    }
  }
  if (!ready_.load(std::memory_order_acquire)) return "starting: waiting for partition assignment";
  if (!brokers_reachable_.load(std::memory_order_acquire)) {
    return "kafka: no broker answered in the last seconds (reconnecting)";
  }
  return "";
}

Status IngestLoop::OnAssigned(const std::vector<TopicPartition>& partitions,
                              std::vector<int64_t>* start_offsets) {
  start_offsets->clear();
  if (changelog_ != nullptr) {
    std::set<int32_t> numbers;
    for (const TopicPartition& tp : partitions) numbers.insert(tp.partition);
    {
      std::lock_guard<std::mutex> lock(lag_mu_);
      ++serving_.generation;
      serving_.assigned = partitions;
      serving_.served.clear();
      serving_.restoring.assign(numbers.begin(), numbers.end());
    }
    for (int32_t p : numbers) {
      Status restored = SourceCoversStore(partitions, p) ? Status::Ok() : RestorePartition(p);
      std::lock_guard<std::mutex> lock(lag_mu_);
      std::erase(serving_.restoring, p);
      if (!restored.ok()) {
        serving_.restoring.clear();
        return restored;  // Run records the failure
      }
    }
  }
  // Segment changes: this instance announces the assigned partitions' customers from now on;
  // the last events of each (stored with its last batch) may not have been delivered by
  // whoever wrote them: send them again before anything newer.
  std::set<int32_t> numbers;
  for (const TopicPartition& tp : partitions) numbers.insert(tp.partition);
  pipeline_->SetAnnouncedPartitions(numbers);
  for (int32_t p : numbers) SEGD_RETURN_IF_ERROR(pipeline_->ResendAnnouncements(p));
  const auto deadline = Clock::now() + std::chrono::milliseconds(options_.offset_check_timeout_ms);
  bool ask = true;
  for (const TopicPartition& tp : partitions) {
    std::optional<PartitionProgress> local;
    if (auto it = pipeline_->progress().find(tp); it != pipeline_->progress().end()) {
      local = it->second;
    }
    auto start = StartOffsetOf(tp, local, deadline, &ask);
    if (!start.ok()) return start.status();
    start_offsets->push_back(*start);
  }
  assigned_once_ = true;
  {
    std::lock_guard<std::mutex> lock(lag_mu_);
    ++serving_.generation;
    serving_.assigned = partitions;
    serving_.served.clear();
  }
  caught_up_.store(false, std::memory_order_release);
  ready_.store(true, std::memory_order_release);
  return Status::Ok();
}

bool IngestLoop::SourceCoversStore(const std::vector<TopicPartition>& assigned, int32_t partition) {
  if (pipeline_->announcing() && ChangelogAhead(partition)) {
    // Segment changes: whoever wrote past the store (another owner meanwhile, or this instance
    // before a crash) may have announced changes from those batches; consuming them again here
    // would announce them again from this store's older marks, with other ids. Restoring
    // brings the marks and the last events with the state.
    return false;
  }
  bool any = false;
  for (const TopicPartition& tp : assigned) {
    if (tp.partition != partition) continue;
    any = true;
    auto local = pipeline_->progress().find(tp);
    if (local == pipeline_->progress().end()) return false;  // nothing stored: restore
    auto log = source_->QueryLogRange(tp, options_.offset_check_timeout_ms);
    if (!log.ok() || log->low > local->second.next_offset) return false;
  }
  if (any) {
    spdlog::info(
        "partition {}: the source still holds every event after the stored offsets; "
        "consuming them (the models follow the events) instead of restoring",
        partition);
  }
  return any;
}

bool IngestLoop::ChangelogAhead(int32_t partition) {
  auto range = changelog_->Range(partition);
  auto position = pipeline_->ChangelogPosition(partition);
  if (!range.ok() || !position.ok()) return true;  // the restore reports the error
  return range->high > position->value_or(0);
}

Status IngestLoop::RestorePartition(int32_t partition) {
  IngestStats& stats = pipeline_->stats();
  auto range = changelog_->Range(partition);
  if (!range.ok()) return range.status();
  auto position = pipeline_->ChangelogPosition(partition);
  if (!position.ok()) return position.status();
  bool local = false;
  for (const auto& [tp, p] : pipeline_->progress()) local = local || tp.partition == partition;
  const int64_t from = position->value_or(0);
  if (range->high <= from) return Status::Ok();  // the store is as new as the changelog
  if (from < range->low) {
    return DataLoss("changelog partition " + std::to_string(partition) + " starts at offset " +
                    std::to_string(range->low) +
                    " (older entries deleted: is the topic "
                    "compacted, not deleted by retention?) but this instance holds " +
                    (position->has_value() ? "its state only up to offset " + std::to_string(from)
                                           : std::string("no state of it")) +
                    ": cannot restore the partition");
  }
  if (local && !position->has_value()) {
    spdlog::warn(
        "partition {}: the store holds state written without the changelog; the "
        "changelog's {} entries replace it where they overlap",
        partition, range->high);
  }
  spdlog::info("partition {}: restoring from the changelog, offsets {}..{}", partition, from,
               range->high);
  const auto start = Clock::now();
  auto last_log = start;
  stats.restores_active.fetch_add(1, std::memory_order_relaxed);
  auto report = pipeline_->Restore(
      changelog_, partition, from, range->high, restore_chunk_customers_,
      [&](const IngestPipeline::RestoreReport& r) {
        heartbeat_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        if (Clock::now() - last_log < std::chrono::seconds(5)) return;
        last_log = Clock::now();
        spdlog::info("partition {}: restore at changelog offset {} of {}, {} customers", partition,
                     r.position, range->high, r.customers);
      });
  stats.restores_active.fetch_sub(1, std::memory_order_relaxed);
  stats.restore_remaining.store(0, std::memory_order_relaxed);
  if (!report.ok()) return report.status();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stats.restores_completed.fetch_add(1, std::memory_order_relaxed);
  stats.restore_records.fetch_add(report->records, std::memory_order_relaxed);
  stats.restore_customers.fetch_add(report->customers, std::memory_order_relaxed);
  stats.restore_nanos_total.fetch_add(uint64_t(seconds * 1e9), std::memory_order_relaxed);
  std::string resume;
  for (const auto& [tp, p] : pipeline_->progress()) {
    if (tp.partition == partition) resume += " " + tp.topic + "@" + std::to_string(p.next_offset);
  }
  spdlog::info(
      "partition {}: restored {} customers ({} new) from {} changelog entries in {:.2f} s "
      "({:.0f} customers/s); {} records of an unfinished batch ignored; resuming at{}",
      partition, report->customers, report->new_customers, report->records, seconds,
      seconds > 0 ? double(report->customers) / seconds : 0.0, report->ignored, resume);
  return Status::Ok();
}

Status IngestLoop::MaybeTailStandbys() {
  if (!standbys_ || changelog_ == nullptr) return Status::Ok();
  const auto now = Clock::now();
  if (now - last_standby_round_ < std::chrono::milliseconds(options_.standby_interval_ms)) {
    return Status::Ok();
  }
  last_standby_round_ = now;
  std::set<int32_t> owned;
  for (const TopicPartition& tp : source_->Assignment()) owned.insert(tp.partition);
  IngestStats& stats = pipeline_->stats();
  int64_t count = 0, behind = 0;
  for (int32_t p : standbys_()) {
    if (owned.contains(p)) continue;  // the membership lags the assignment
    ++count;
    auto range = changelog_->Range(p);
    auto position = pipeline_->ChangelogPosition(p);
    if (!position.ok()) return position.status();
    Status failed = range.status();
    if (range.ok() && position->value_or(0) < range->low) {
      failed = DataLoss("its changelog starts at offset " + std::to_string(range->low) +
                        ": not compacted? a standby copy would be partial, none is kept");
    } else if (range.ok()) {
      const int64_t from = position->value_or(0);
      const int64_t to =
          std::min<int64_t>(range->high, from + int64_t(options_.standby_step_entries));
      if (to <= from) continue;
      auto report = pipeline_->Restore(changelog_, p, from, to, restore_chunk_customers_, {});
      stats.restore_remaining.store(0, std::memory_order_relaxed);  // a gauge of assignments
      if (report.ok()) {
        stats.standby_records.fetch_add(report->records, std::memory_order_relaxed);
        behind += range->high - std::max(from, report->position);
        continue;
      }
      if (report.status().code() != StatusCode::kUnavailable) return report.status();
      failed = report.status();
    }
    if (now - last_standby_warning_ > std::chrono::seconds(30)) {
      last_standby_warning_ = now;
      spdlog::warn("standby partition {}: cannot read the changelog now: {}", p, failed.ToString());
    }
  }
  stats.standby_partitions.store(count, std::memory_order_relaxed);
  stats.standby_behind.store(behind, std::memory_order_relaxed);
  return Status::Ok();
}

StatusOr<int64_t> IngestLoop::StartOffsetOf(const TopicPartition& tp,
                                            const std::optional<PartitionProgress>& local,
                                            Clock::time_point deadline, bool* ask) {
  const int64_t unchecked = local ? local->next_offset : kOffsetBeginning;
  if (!*ask) return unchecked;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  auto log = source_->QueryLogRange(tp, std::max<int>(1, int(left.count())));
  if (!log.ok()) {
    // The consumer thread must not wait on a broker that does not answer: the source's checks
    // on fetch still stop a position that is off the log.
    spdlog::warn("partition {}/{}: no log range from the broker ({}); starting at {} unchecked",
                 tp.topic, tp.partition, log.status().ToString(),
                 local ? std::to_string(unchecked) : "the beginning");
    *ask = false;
    return unchecked;
  }
  auto start = ChooseStartOffset(tp, local, *log, options_.start_policy);
  if (!start.ok()) return start.status();
  if (start->history_gap > 0) {
    spdlog::warn(
        "history cut by retention: partition {}/{} starts at offset {}, segd has no state "
        "before it; starting there (kafka.accept_history_gap): its customers miss those events",
        tp.topic, tp.partition, start->offset);
    pipeline_->stats().history_gaps_accepted.fetch_add(1, std::memory_order_relaxed);
  }
  return start->offset;
}

Status IngestLoop::OnRevoked(const std::vector<TopicPartition>& partitions) {
  {
    std::lock_guard<std::mutex> lock(lag_mu_);
    ++serving_.generation;
    serving_.assigned.clear();
    serving_.served.clear();
  }
  // Commit everything consumed so far: the next owner resumes from the committed offsets.
  Status s = CommitPending(stop_);
  DropHeld(partitions);                   // never committed: the next owner consumes them again
  pipeline_->SetAnnouncedPartitions({});  // their customers are the next owner's to announce
  return s;
}

void IngestLoop::DropHeld(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) return;
  std::vector<TopicPartition> resume;
  for (const TopicPartition& tp : partitions) {
    if (paused_.erase(tp) > 0) resume.push_back(tp);
    auto q = queued_.find(tp);
    if (q == queued_.end()) continue;
    queued_count_ -= q->second.size();
    queued_.erase(q);
  }
  pipeline_->Unhold(partitions);
  if (source_ != nullptr) source_->Resume(resume);  // a pause would outlive the assignment
}

void IngestLoop::KeepHeld() {
  const std::vector<size_t>& held = pipeline_->held_messages();
  if (held.empty()) return;
  if (queued_.empty()) {  // the first partition held at this boundary
    holding_since_ = Clock::now();
    last_arrival_.clear();
  }
  // A partition's held messages come before whatever is queued for it already (pending_ was
  // fed from the queue's front, and polled messages of a queued partition join its queue).
  std::map<TopicPartition, std::vector<RawMessage*>> by_partition;
  for (size_t i : held) {
    by_partition[TopicPartition{pending_[i].topic, pending_[i].partition}].push_back(&pending_[i]);
  }
  for (auto& [tp, messages] : by_partition) {
    std::deque<RawMessage>& q = queued_[tp];
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) q.push_front(std::move(**it));
    queued_count_ += messages.size();
  }
  // Queued partitions go on being fetched into memory while that is cheap (a pause costs a
  // refetch after the resume); past the cap they are paused until their queue is fed.
  if (queued_count_ <= options_.align_max_held_messages || source_ == nullptr) return;
  std::vector<TopicPartition> newly;
  for (const auto& [tp, q] : queued_) {
    if (paused_.insert(tp).second) newly.push_back(tp);
  }
  source_->Pause(newly);
}

void IngestLoop::QueueBehindHeld(size_t from) {
  if (queued_.empty()) return;
  size_t kept = from;
  for (size_t i = from; i < pending_.size(); ++i) {
    RawMessage& m = pending_[i];
    TopicPartition tp{m.topic, m.partition};
    last_arrival_[tp] = Clock::now();
    auto q = queued_.find(tp);
    if (q == queued_.end()) {
      if (kept != i) pending_[kept] = std::move(m);
      ++kept;
      continue;
    }
    q->second.push_back(std::move(m));
    ++queued_count_;
  }
  pending_.resize(kept);
}

void IngestLoop::FeedQueued() {
  std::vector<TopicPartition> resume;
  for (auto it = queued_.begin(); it != queued_.end();) {
    if (pipeline_->held().contains(it->first)) {
      ++it;
      continue;
    }
    std::deque<RawMessage>& q = it->second;
    const size_t n = std::min(q.size(), options_.batch_max_events);
    for (size_t i = 0; i < n; ++i) {
      pending_.push_back(std::move(q.front()));
      q.pop_front();
    }
    queued_count_ -= n;
    if (!q.empty()) {
      ++it;
      continue;
    }
    if (paused_.erase(it->first) > 0) resume.push_back(it->first);
    it = queued_.erase(it);
  }
  if (!resume.empty()) source_->Resume(resume);
}

bool IngestLoop::MayCrossBoundary() const {
  const auto idle = std::chrono::milliseconds(options_.align_idle_ms);
  const auto now = Clock::now();
  for (const TopicPartition& tp : source_->Assignment()) {
    if (pipeline_->held().contains(tp)) continue;
    if (queued_.contains(tp)) return false;  // released, its queue not fed yet
    const std::optional<int64_t> end = source_->ReachedEnd(tp);
    if (end && pipeline_->ResumeOffset(tp) >= *end) continue;  // nothing more to come now
    auto last = last_arrival_.find(tp);
    const auto since = last == last_arrival_.end() ? holding_since_ : last->second;
    if (now - since >= idle) continue;  // idle: nothing from it since holding began, or longer
    return false;
  }
  return true;
}

Status IngestLoop::CrossBoundary() {
  auto released = pipeline_->CrossHeldBoundaries();
  if (!released.ok()) return released.status();
  // Released partitions' queues are fed from the next iteration on, a batch at a time; the
  // partitions still held wait for the next boundary, their idleness counted from now.
  holding_since_ = Clock::now();
  last_arrival_.clear();
  return Status::Ok();
}

PartitionServing IngestLoop::serving() const {
  std::lock_guard<std::mutex> lock(lag_mu_);
  return serving_;
}

// A partition counts as served once its committed state reaches an end of partition seen since
// the assignment; it stays served until the next partition move.
void IngestLoop::UpdateServed() {
  const auto now = Clock::now();
  if (now - last_served_check_ < std::chrono::milliseconds(200)) return;
  last_served_check_ = now;
  std::lock_guard<std::mutex> lock(lag_mu_);
  for (const TopicPartition& tp : serving_.assigned) {
    if (std::find(serving_.served.begin(), serving_.served.end(), tp) != serving_.served.end()) {
      continue;
    }
    const std::optional<int64_t> end = source_->ReachedEnd(tp);
    if (end && pipeline_->ResumeOffset(tp) >= *end) serving_.served.push_back(tp);
  }
}

Status IngestLoop::CommitPending(const std::atomic<bool>* stop) {
  if (pending_.empty()) return Status::Ok();
  for (int attempt = 1;; ++attempt) {
    Status s = pipeline_->Process(pending_, options_.batch_max_events);
    if (s.ok()) {
      KeepHeld();  // messages the pipeline left for later (aligned mode)
      break;
    }
    if (s.code() != StatusCode::kUnavailable) return s;  // storage: fatal
    if (stop != nullptr && stop->load()) {
      // Not committed, so these messages will be consumed again after restart: nothing is lost.
      spdlog::warn("stopping with an uncommitted batch of {} messages: {}", pending_.size(),
                   s.ToString());
      pending_.clear();
      return Status::Ok();
    }
    spdlog::warn("batch attempt {} failed, retrying: {}", attempt, s.ToString());
    // Waiting for the broker is not being stuck: keep the watchdog fed.
    heartbeat_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_backoff_ms));
  }
  if (options_.commit_offsets && source_ != nullptr) {
    std::vector<std::pair<TopicPartition, int64_t>> offsets;
    for (const auto& [tp, p] : pipeline_->progress()) offsets.emplace_back(tp, p.next_offset);
    source_->CommitForMonitoring(offsets);
  }
  pending_.clear();
  return Status::Ok();
}

// One chunk between micro-batches, so ingest never waits for more than a chunk; when there is
// nothing to consume, chunks for up to a poll interval.
Status IngestLoop::RelabelBetweenBatches(bool idle) {
  const auto until = Clock::now() + std::chrono::milliseconds(idle ? options_.poll_timeout_ms : 0);
  do {
    SEGD_RETURN_IF_ERROR(pipeline_->RelabelStep());
  } while (pipeline_->relabel_pending() && Clock::now() < until);
  return Status::Ok();
}

bool IngestLoop::CheckCaughtUp() const {
  const std::vector<TopicPartition> assignment = source_->Assignment();
  if (assignment.empty()) return false;
  for (const TopicPartition& tp : assignment) {
    const std::optional<int64_t> end = source_->ReachedEnd(tp);
    if (!end || pipeline_->ResumeOffset(tp) < *end) return false;
  }
  return true;
}

void IngestLoop::MaybeLogProgress() {
  if (options_.progress_log_interval_ms <= 0) return;
  const auto now = Clock::now();
  if (now - last_progress_log_ < std::chrono::milliseconds(options_.progress_log_interval_ms)) {
    return;
  }
  last_progress_log_ = now;
  const IngestStats& s = pipeline_->stats();
  spdlog::info(
      "progress messages={} applied={} duplicates={} rejected={} partitions={} caught_up={}",
      s.messages.load(), s.applied(), s.duplicates(), s.rejected_total(),
      source_->Assignment().size(), caught_up_.load());
}

void IngestLoop::MaybeUpdateLag() {
  const auto now = Clock::now();
  if (now - last_lag_update_ < std::chrono::seconds(2)) return;
  last_lag_update_ = now;
  std::vector<PartitionLag> lag;
  for (const TopicPartition& tp : source_->Assignment()) {
    const std::optional<int64_t> end = source_->MeasuredEndOffset(tp);
    if (!end) continue;  // unknown, not zero
    lag.push_back(
        {tp.topic, tp.partition, std::max<int64_t>(0, *end - pipeline_->ResumeOffset(tp))});
  }
  std::lock_guard<std::mutex> lock(lag_mu_);
  lag_ = std::move(lag);
}

std::vector<PartitionLag> IngestLoop::lag() const {
  std::lock_guard<std::mutex> lock(lag_mu_);
  return lag_;
}

Status IngestLoop::Run(MessageSource* source, const std::atomic<bool>& stop) {
  source_ = source;
  stop_ = &stop;
  pipeline_->SetAligned(options_.align_partitions);
  Status result;
  while (!stop.load()) {
    heartbeat_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    const size_t before = pending_.size();
    const size_t capacity =
        options_.batch_max_events * std::max<size_t>(1, options_.batches_per_process);
    // Released held messages can fill pending_ past capacity: process those first.
    const bool full_already = before >= capacity;
    result = source->Poll(full_already ? 0 : options_.poll_timeout_ms,
                          full_already ? 0 : capacity - before, &pending_);
    if (!result.ok()) break;
    brokers_reachable_.store(source->BrokersReachable(), std::memory_order_release);
    const bool idle = pending_.size() == before && !full_already;  // (before feeding)
    QueueBehindHeld(before);  // a queued partition's new messages wait behind its queue
    FeedQueued();
    MaybeLogProgress();
    MaybeUpdateLag();
    UpdateServed();
    if (before == 0 && !idle) first_pending_at_ = Clock::now();
    // The poll takes what the consumer's queue holds, up to `capacity`: several micro-batches
    // under backlog, else fewer; one full micro-batch is enough to go (no waiting for more).
    const bool full = pending_.size() >= options_.batch_max_events;
    const bool lingered =
        !pending_.empty() &&
        Clock::now() - first_pending_at_ >= std::chrono::milliseconds(options_.batch_linger_ms);
    // While partitions wait at a boundary, no lingering: the sooner the others are committed,
    // the sooner it is crossed.
    const bool waiting = !queued_.empty() && !pending_.empty();
    if (full || lingered || waiting || (idle && !pending_.empty())) {
      result = CommitPending(&stop);
      if (!result.ok()) break;
    }
    if (!queued_.empty() && pending_.empty() && MayCrossBoundary()) {
      result = CrossBoundary();
      if (!result.ok()) break;
      continue;
    }
    result = pipeline_->RunRequestedWork();  // retrains asked for by drift or an admin
    if (!result.ok()) break;
    result = RelabelBetweenBatches(idle && pending_.empty());
    if (!result.ok()) break;
    if (pending_.empty()) {
      result = MaybeTailStandbys();
      if (!result.ok()) break;
    }
    if (idle && pending_.empty() &&
        Clock::now() - last_caught_up_check_ > std::chrono::milliseconds(200)) {
      last_caught_up_check_ = Clock::now();
      caught_up_.store(CheckCaughtUp(), std::memory_order_release);
      if (options_.exit_when_caught_up && caught_up_.load() && !pipeline_->relabel_pending()) {
        break;
      }
    }
  }
  if (result.ok()) result = CommitPending(&stop);
  if (!result.ok()) {
    {
      std::lock_guard<std::mutex> lock(lag_mu_);
      failure_ = result.ToString();
    }
    failed_.store(true, std::memory_order_release);
    pending_.clear();  // never commit past a failure
    (void)source->Close();
    return result;
  }
  return source->Close();
}

}  // namespace segd

#include "segd/ingest/ingest_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace segd {

using Clock = std::chrono::steady_clock;

IngestLoop::IngestLoop(IngestLoopOptions options, IngestPipeline* pipeline)
    : options_(options), pipeline_(pipeline) {}

std::string IngestLoop::not_ready_reason() const {
  if (failed_.load(std::memory_order_acquire)) return "stopped: fatal error (see the log)";
  if (!ready_.load(std::memory_order_acquire)) return "starting: waiting for partition assignment";
  if (!brokers_reachable_.load(std::memory_order_acquire)) {
    return "kafka: no broker answered in the last seconds (reconnecting)";
  }
  return "";
}

Status IngestLoop::OnAssigned(const std::vector<TopicPartition>& partitions,
                              std::vector<int64_t>* start_offsets) {
  start_offsets->clear();
  for (const TopicPartition& tp : partitions) {
    const bool known = pipeline_->progress().contains(tp);
    start_offsets->push_back(known ? pipeline_->ResumeOffset(tp) : kOffsetBeginning);
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

Status IngestLoop::OnRevoked(const std::vector<TopicPartition>& partitions) {
  {
    std::lock_guard<std::mutex> lock(lag_mu_);
    ++serving_.generation;
    serving_.assigned.clear();
    serving_.served.clear();
  }
  // Commit everything consumed so far: the next owner resumes from the committed offsets.
  Status s = CommitPending(stop_);
  DropHeld(partitions);  // never committed: the next owner consumes them again
  return s;
}

void IngestLoop::DropHeld(const std::vector<TopicPartition>& partitions) {
  if (held_.empty() || partitions.empty()) return;
  std::vector<TopicPartition> dropped;
  for (const TopicPartition& tp : partitions) {
    if (paused_.erase(tp) > 0) dropped.push_back(tp);
  }
  std::erase_if(held_, [&](const RawMessage& m) {
    return std::find(partitions.begin(), partitions.end(), TopicPartition{m.topic, m.partition}) !=
           partitions.end();
  });
  pipeline_->Unhold(dropped);
  if (source_ != nullptr) source_->Resume(dropped);  // a pause would outlive the assignment
}

void IngestLoop::KeepHeld() {
  const std::vector<size_t>& held = pipeline_->held_messages();
  if (held.empty()) return;
  if (paused_.empty()) {  // the first partition held at this boundary
    holding_since_ = Clock::now();
    last_arrival_.clear();
  }
  std::vector<TopicPartition> newly;
  for (size_t i : held) {
    RawMessage& m = pending_[i];
    TopicPartition tp{m.topic, m.partition};
    if (paused_.insert(tp).second) newly.push_back(tp);
    held_.push_back(std::move(m));
  }
  if (source_ != nullptr) source_->Pause(newly);
}

bool IngestLoop::MayCrossBoundary() const {
  const auto idle = std::chrono::milliseconds(options_.align_idle_ms);
  const auto now = Clock::now();
  for (const TopicPartition& tp : source_->Assignment()) {
    if (pipeline_->held().contains(tp)) continue;
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
  const std::vector<TopicPartition>& r = *released;
  const auto is_released = [&](const RawMessage& m) {
    return std::find(r.begin(), r.end(), TopicPartition{m.topic, m.partition}) != r.end();
  };
  // Released messages go first, in their order; they were consumed before anything pending.
  std::vector<RawMessage> next, still;
  for (RawMessage& m : held_) (is_released(m) ? next : still).push_back(std::move(m));
  held_ = std::move(still);
  for (RawMessage& m : pending_) next.push_back(std::move(m));
  pending_ = std::move(next);
  first_pending_at_ = Clock::now() - std::chrono::milliseconds(options_.batch_linger_ms);
  for (const TopicPartition& tp : r) paused_.erase(tp);
  // Partitions still held wait for the next boundary: their idleness counts from now.
  holding_since_ = Clock::now();
  last_arrival_.clear();
  source_->Resume(r);
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
    result = source->Poll(options_.poll_timeout_ms, capacity - before, &pending_);
    if (!result.ok()) break;
    brokers_reachable_.store(source->BrokersReachable(), std::memory_order_release);
    const bool idle = pending_.size() == before;
    if (!held_.empty()) {
      for (size_t i = before; i < pending_.size(); ++i) {
        last_arrival_[TopicPartition{pending_[i].topic, pending_[i].partition}] = Clock::now();
      }
    }
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
    if (full || lingered || (idle && !pending_.empty())) {
      result = CommitPending(&stop);
      if (!result.ok()) break;
    }
    if (!held_.empty() && pending_.empty() && MayCrossBoundary()) {
      result = CrossBoundary();
      if (!result.ok()) break;
      continue;
    }
    result = pipeline_->RunRequestedWork();  // retrains asked for by drift or an admin
    if (!result.ok()) break;
    if (idle && pending_.empty() &&
        Clock::now() - last_caught_up_check_ > std::chrono::milliseconds(200)) {
      last_caught_up_check_ = Clock::now();
      caught_up_.store(CheckCaughtUp(), std::memory_order_release);
      if (options_.exit_when_caught_up && caught_up_.load()) break;
    }
  }
  if (result.ok()) result = CommitPending(&stop);
  if (!result.ok()) {
    failed_.store(true, std::memory_order_release);
    pending_.clear();  // never commit past a failure
    (void)source->Close();
    return result;
  }
  return source->Close();
}

}  // namespace segd

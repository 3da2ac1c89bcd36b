// The consumer thread's main loop: polls a MessageSource, cuts micro-batches by event count or
// linger time, commits them through the IngestPipeline, and serves partition moves. Everything
// here runs on the consumer thread; ready() and caught_up() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/ingest/message_source.h"
#include "segd/ingest/start_offset.h"

namespace segd {

struct IngestLoopOptions {
  size_t batch_max_events = 5000;  // events per micro-batch (one atomic commit)
  // Under backlog, up to this many full micro-batches are handed to the pipeline at once, so
  // the commit of one overlaps applying the next (IngestPipeline::Process).
  size_t batches_per_process = 4;
  int batch_linger_ms = 100;
  int poll_timeout_ms = 50;
  bool commit_offsets = true;            // report positions to Kafka for lag monitoring
  bool exit_when_caught_up = false;      // return once every assigned partition is at its end
  int retry_backoff_ms = 500;            // between attempts of a batch whose dead letters failed
  int progress_log_interval_ms = 10000;  // an info line with the counters (0: never)
  // Start offsets are checked against the broker's log on assignment (ChooseStartOffset), by
  // asking it for at most this long per assignment; without an answer, partitions start at
  // their stored offset and the source's checks on fetch apply.
  StartOffsetPolicy start_policy;
  int offset_check_timeout_ms = 5000;
  // With an event-time schedule (IngestPipeline::SetBoundaryListener): consume so that event
  // time advances together on every assigned partition. A partition that reaches the next
  // boundary is held (its messages kept in memory, unprocessed) until every other one has
  // reached it too, is at its end, or has delivered nothing for align_idle_ms. Past
  // align_max_held_messages held messages, the held partitions are paused at the broker.
  bool align_partitions = true;
  int align_idle_ms = 5000;
  size_t align_max_held_messages = 200000;
  // Standby replicas (SetStandbys): how often the changelog of each standby partition is read
  // up to its end, at most standby_step_entries entries per partition and round.
  int standby_interval_ms = 500;
  size_t standby_step_entries = 20000;
};

// The partitions this instance owns, and which of them it has consumed to their end since they
// were assigned (only those answer lookups in a group of several instances).
struct PartitionServing {
  uint64_t generation = 0;  // counts assignments and revocations
  std::vector<TopicPartition> assigned;
  std::vector<TopicPartition> served;
  std::vector<int32_t> restoring;  // partitions being restored from the changelog now
};

class IngestLoop : public PartitionListener {
 public:
  IngestLoop(IngestLoopOptions options, IngestPipeline* pipeline);

  // Consumes until `stop` becomes true (or, with exit_when_caught_up, until caught up), then
  // commits what it holds and closes the source. Returns the first fatal error (storage failure,
  // lost offsets); after an error nothing past the last committed batch was committed.
  [[nodiscard]] Status Run(MessageSource* source, const std::atomic<bool>& stop);

  // Restores every assigned partition whose changelog holds more than the store (see
  // IngestPipeline::Restore) before consuming it; `changelog` must outlive the loop. Call before
  // Run; nullptr: none.
  void SetChangelog(Changelog* changelog, size_t restore_chunk_customers) {
    changelog_ = changelog;
    restore_chunk_customers_ = restore_chunk_customers;
  }

  // Keeps a warm copy of the partitions `standbys()` names (ones this instance does not own) by
  // restoring their changelog's new complete batches into the store every
  // options.standby_interval_ms, between micro-batches; a failover to this instance then
  // restores only the tail. Needs SetChangelog. Call before Run.
  void SetStandbys(std::function<std::vector<int32_t>()> standbys) {
    standbys_ = std::move(standbys);
  }

  // Starts each partition where ChooseStartOffset says, given the progress the pipeline holds
  // for it and the log range the source reports; the first partition it refuses fails the
  // assignment (and so consumption).
  Status OnAssigned(const std::vector<TopicPartition>& partitions,
                    std::vector<int64_t>* start_offsets) override;
  Status OnRevoked(const std::vector<TopicPartition>& partitions) override;

  // True after the first assignment, until a fatal error, and while the brokers are reachable.
  bool ready() const { return not_ready_reason().empty(); }
  // Why the instance is not ready ("" when it is; after a fatal error, the error). Thread-safe.
  std::string not_ready_reason() const;
  // True while every assigned partition was at its end at the last check.
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }

  // steady_clock time (ns) of the loop's latest iteration: a stuck consumer thread stops it.
  int64_t heartbeat_ns() const { return heartbeat_ns_.load(std::memory_order_relaxed); }

  // Lag of every assigned partition at the last check (every 2 s). Thread-safe.
  std::vector<PartitionLag> lag() const;

  // The assignment and its caught-up part (checked every 200 ms). Thread-safe.
  PartitionServing serving() const;

 private:
  Status CommitPending(const std::atomic<bool>* stop);
  // Brings the store's state of changelog partition `partition` up to the changelog's last
  // complete batch (nothing when the store is as new).
  Status RestorePartition(int32_t partition);
  // Whether the store holds progress for every assigned source partition numbered `partition`
  // and the source still holds every event after it: then consuming the source again is exactly
  // once and also keeps the models (which a restore of records cannot bring back: the live
  // model and drift evaluations follow events), so no restore is needed. With segment changes
  // announced, a changelog ahead of the store is restored instead (see the .cc).
  bool SourceCoversStore(const std::vector<TopicPartition>& assigned, int32_t partition);
  // Whether the changelog holds entries of `partition` past the store's position.
  bool ChangelogAhead(int32_t partition);
  // One round of standby tailing (rate-limited); only store failures are returned.
  Status MaybeTailStandbys();
  // The checked start offset of `tp`; `ask` goes false once the broker did not answer in time
  // (the partitions after it start unchecked, at `local` or the beginning).
  StatusOr<int64_t> StartOffsetOf(const TopicPartition& tp,
                                  const std::optional<PartitionProgress>& local,
                                  std::chrono::steady_clock::time_point deadline, bool* ask);
  // Relabels customers under a new baseline (IngestPipeline::RelabelStep): one chunk, or while
  // `idle`, chunks for up to a poll interval.
  Status RelabelBetweenBatches(bool idle);
  bool CheckCaughtUp() const;
  // Aligned consumption. Each partition the pipeline holds gets a queue here (its held message
  // first, then everything polled for it later, in offset order); a released partition's
  // queue is fed back a batch at a time before anything new of it. The boundary is crossed
  // once no other partition can still bring an event before it.
  void KeepHeld();                    // after Process: queue what it held
  void QueueBehindHeld(size_t from);  // after Poll: pending_[from..] of queued partitions
  void FeedQueued();                  // released queues into pending_
  bool MayCrossBoundary() const;
  Status CrossBoundary();
  void DropHeld(const std::vector<TopicPartition>& partitions);  // revoked
  void MaybeLogProgress();
  void MaybeUpdateLag();
  void UpdateServed();

  IngestLoopOptions options_;
  IngestPipeline* pipeline_;
  MessageSource* source_ = nullptr;
  const std::atomic<bool>* stop_ = nullptr;
  std::vector<RawMessage> pending_;
  std::map<TopicPartition, std::deque<RawMessage>> queued_;
  size_t queued_count_ = 0;  // messages in queued_
  std::chrono::steady_clock::time_point holding_since_;
  std::map<TopicPartition, std::chrono::steady_clock::time_point> last_arrival_;  // while held
  std::set<TopicPartition> paused_;  // queued partitions paused at the broker (past the cap)
  std::chrono::steady_clock::time_point first_pending_at_;
  std::chrono::steady_clock::time_point last_caught_up_check_;
  std::chrono::steady_clock::time_point last_progress_log_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_lag_update_;
  mutable std::mutex lag_mu_;
  std::vector<PartitionLag> lag_;  // guarded by lag_mu_
  PartitionServing serving_;       // guarded by lag_mu_
  std::string failure_;            // guarded by lag_mu_: the fatal error, once failed_
  std::chrono::steady_clock::time_point last_served_check_;
  std::atomic<int64_t> heartbeat_ns_{0};
  std::atomic<bool> ready_{false};
  std::atomic<bool> brokers_reachable_{true};
  std::atomic<bool> failed_{false};
  std::atomic<bool> caught_up_{false};
  bool assigned_once_ = false;
  Changelog* changelog_ = nullptr;
  size_t restore_chunk_customers_ = 5000;
  std::function<std::vector<int32_t>()> standbys_;
  std::chrono::steady_clock::time_point last_standby_round_;
  std::chrono::steady_clock::time_point last_standby_warning_;
};

}  // namespace segd

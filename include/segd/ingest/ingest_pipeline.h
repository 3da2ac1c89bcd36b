// Turns batches of raw messages into committed state: decode, dead-letter the bad, apply the
// good, and commit state + per-partition progress in one atomic write. Owned by the consumer
// thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "segd/common/status.h"
#include "segd/event/event_decoder.h"
#include "segd/ingest/changelog.h"
#include "segd/ingest/dead_letter_sink.h"
#include "segd/ingest/event_time_boundary_listener.h"
#include "segd/ingest/ingest_stats.h"
#include "segd/ingest/raw_message.h"
#include "segd/ingest/segment_announcer.h"
#include "segd/ingest/segment_change_sink.h"
#include "segd/model/baseline_trainer.h"
#include "segd/model/live_segmentation.h"
#include "segd/state/event_applier.h"
#include "segd/state/micro_batch.h"
#include "segd/state/state_store.h"

namespace segd {

using WallClock = std::function<int64_t()>;  // epoch milliseconds

// How the pipeline, the store's only writer, fits and replaces baselines.
struct ModelLifecycleOptions {
  LiveOptions live;
  FeatureSpec spec = FeatureSpec::Default();
  TrainOptions train;
  // The first baseline is fitted when the event that brings the number of customers to this
  // is applied (0: only on request). The batch is cut right after that event, so the baseline
  // and everything after it depend only on the event sequence, never on batch sizes. With an
  // event-time schedule (SetBoundaryListener) it is fitted at the first boundary after that,
  // on the state as of the boundary.
  uint64_t bootstrap_min_customers = 0;
  int keep_versions = 10;
};

class IngestPipeline {
 public:
  // All pointers must outlive the pipeline.
  IngestPipeline(const DecoderOptions& decoder_options, StateStore* store, DeadLetterSink* dlq,
                 IngestStats* stats, WallClock clock);

  ~IngestPipeline();

  // Reports every crossing of a boundary every `every_ms` of event time (from the Unix epoch) to
  // `listener`, which must outlive the pipeline: the micro-batch is cut before the first event
  // at or past the boundary, so the listener sees the state as of the boundary whatever the
  // batch sizes (see EventTimeBoundaryListener). Call before Load; 0 or nullptr: none.
  void SetBoundaryListener(int64_t every_ms, EventTimeBoundaryListener* listener);

  // When order records are folded into their customer's aggregates (config `ingest`). Call
  // before Process; the default is FoldPolicy's.
  void SetFoldPolicy(const FoldPolicy& fold) { fold_ = fold; }

  // Writes every committed micro-batch to `changelog` (which must outlive the pipeline) before
  // committing it locally, and records the changelog positions in the store. Call before
  // Process; nullptr: no changelog.
  void SetChangelog(Changelog* changelog) { changelog_ = changelog; }

  // Announces segment changes (customer.segment.changed.v1, docs/contracts/segment-changes-v1.md)
  // through `sink`, which must outlive the pipeline. The events of a micro-batch are stored
  // with it, per source partition (and appended to the changelog with it), and sent once it is
  // committed; a partition's last ones are sent again at each assignment (ResendAnnouncements),
  // so none is lost and a re-sent one carries the same id. A new baseline starts a relabel of
  // every customer of the announced partitions, in chunks between micro-batches (RelabelStep).
  // Call before Load.
  struct AnnounceOptions {
    SegmentChangeSink* sink = nullptr;
    std::string source;  // the events' CloudEvents source
    size_t relabel_chunk_customers = 5000;
    // The source partition of a customer id (the producers' partitioner).
    std::function<std::optional<int32_t>(std::string_view)> partition_of;
  };
  void SetAnnouncements(AnnounceOptions options);
  // The source partitions (numbers) whose customers this instance announces now: its
  // assignment. Partitions not announced before join a relabel of the current baseline.
  void SetAnnouncedPartitions(const std::set<int32_t>& partitions);
  // Sends the stored announcements of `partition` (its last batch's) again. Consumer thread,
  // between Process calls.
  [[nodiscard]] Status ResendAnnouncements(int32_t partition);
  // Relabels the next chunk of customers under a new baseline, if a relabel is under way and
  // partitions are announced (only their customers). Consumer thread, between Process calls.
  [[nodiscard]] Status RelabelStep();
  // Whether segment changes are announced (SetAnnouncements with a sink).
  bool announcing() const { return announcer_.has_value(); }
  // Whether a relabel is under way.
  bool relabel_pending() const { return announcer_ && !relabel_.done; }

  // Restores changelog partition `partition` over [from, to) into the store: every complete
  // batch (up to its last marker; records after it are ignored), committed in chunks of about
  // `chunk_records` customers, each chunk with the markers' progress and the changelog position,
  // so that a crash mid-restore resumes from the last chunk. Updates the progress, the customer
  // count and the stats as it goes; `on_chunk` is told after each chunk (may be empty). Consumer
  // thread, between Process calls.
  struct RestoreReport {
    uint64_t records = 0;        // changelog entries read
    uint64_t customers = 0;      // customer records written
    uint64_t new_customers = 0;  // of them, not in the store before
    uint64_t ignored = 0;        // records after the last marker (an unfinished batch)
    int64_t position = -1;       // the changelog offset after the last marker (-1: none read)
  };
  [[nodiscard]] StatusOr<RestoreReport> Restore(
      Changelog* changelog, int32_t partition, int64_t from, int64_t to, size_t chunk_records,
      const std::function<void(const RestoreReport&)>& on_chunk);
  // The changelog offset the store's state of `partition` corresponds to (nullopt: none).
  [[nodiscard]] StatusOr<std::optional<int64_t>> ChangelogPosition(int32_t partition) const;

  // Aligned mode, for several partitions consumed unevenly (the ingest loop turns it on): the
  // batch is not cut at a boundary; instead a partition whose next event is at or past it is
  // held (that message and every later one of the partition are left unprocessed, see
  // held_messages) while the other partitions go on, so that each boundary is crossed once
  // every partition has reached it. The caller decides when the rest have (at their end or
  // idle) and calls CrossHeldBoundaries.
  void SetAligned(bool aligned) { aligned_ = aligned; }
  // Indices, into the messages of the last Process call, of those held (in order); the caller
  // feeds them again once their partition is released.
  const std::vector<size_t>& held_messages() const { return held_indices_; }
  // Partitions held now: the time of the event each one waits with.
  const std::map<TopicPartition, int64_t>& held() const { return held_; }
  // Crosses every boundary up to the earliest held event (reporting each to the listener, on
  // the committed state, as in the unaligned mode) and releases the partitions whose held
  // event is now before the next boundary; returns them. Consumer thread, between Process calls.
  [[nodiscard]] StatusOr<std::vector<TopicPartition>> CrossHeldBoundaries();
  // Forgets that `partitions` are held (they were revoked: their messages are not committed and
  // will be consumed again by their next owner).
  void Unhold(const std::vector<TopicPartition>& partitions);

  // Loads committed progress of every partition, the current baseline and the live model from
  // the store. Call once before Process. Without a baseline the live model stays idle; if a
  // bootstrap is due (a crash came between its batch and its fit) it is fitted here.
  [[nodiscard]] Status Load(ModelLifecycleOptions options = {});

  // The offset to resume `tp` from: its committed next offset, or 0 if never seen.
  int64_t ResumeOffset(const TopicPartition& tp) const;

  // Processes `messages` (any partitions, each partition's messages in offset order) in
  // micro-batches of at most `max_batch_messages`: each one atomic commit (a bootstrap fit also
  // cuts one). The commit of a micro-batch runs on a second thread while the next one is
  // applied (reads see the batch in flight first), so storage and decoding overlap; results do
  // not depend on the split. On success everything is committed; on error the same messages
  // may be processed again: those below a partition's committed offset are skipped (counted as
  // stale), as they were applied before. A dead-letter failure is kUnavailable (worth a retry);
  // a store failure is anything else (fatal).
  [[nodiscard]] Status Process(std::span<const RawMessage> messages,
                               size_t max_batch_messages = SIZE_MAX);

  // Thread-safe: asks for a new baseline fitted on the committed population at the current
  // watermark (segment ids matched to the current baseline's). The fit runs on the consumer
  // thread at the next RunRequestedWork; requests waiting together share one fit. The future
  // gets the new version, FailedPrecondition when there are too few customers, or Unavailable
  // when the pipeline stops first.
  std::future<StatusOr<uint64_t>> RequestRetrain(RetrainTrigger trigger);
  // Thread-safe: asks to switch to `model` (a baseline fitted elsewhere: the group leader's),
  // saved as the current baseline with its own version; the live model restarts from it.
  std::future<StatusOr<uint64_t>> RequestAdopt(std::shared_ptr<const BaselineModel> model);
  // Several instances: while `local()` is false, this instance fits no baseline itself. The
  // bootstrap waits (a baseline comes from the group), and every fit it would have made (an
  // automatic retrain at a boundary, a requested one) is handed to `elsewhere` with the promise
  // its requester waits on (a boundary's automatic retrain has nobody waiting). Set before
  // consuming; both are called on the consumer thread.
  using FitElsewhere = std::function<void(RetrainTrigger, std::promise<StatusOr<uint64_t>>)>;
  void SetFitGate(std::function<bool()> local, FitElsewhere elsewhere);
  // Thread-safe: what the other instances of the group hold now (see
  // LiveSegmentation::MergePeers), merged into the live model at the next RunRequestedWork. Only
  // the latest call counts; empty means no peers.
  void SetPeerStatistics(PeerStatistics peers);
  // Consumer thread, between batches: runs what was requested. Returns only fatal (store)
  // errors.
  [[nodiscard]] Status RunRequestedWork();

  // Committed progress per partition.
  const std::map<TopicPartition, PartitionProgress>& progress() const { return progress_; }

  const IngestStats& stats() const { return *stats_; }
  IngestStats& stats() { return *stats_; }

  // The live model as of the last committed batch. Consumer thread only.
  const LiveSegmentation& live() const { return live_; }

  // What readers on other threads may see of the live model: refreshed after every commit.
  struct LiveSnapshot {
    std::shared_ptr<const BaselineModel> baseline;  // nullptr: no baseline yet
    RowMatrix centroids;                            // live centroids, baseline's scaled space
    uint64_t updates = 0;
    // This instance's contributions per partition (owned now or before), of `baseline`.
    std::vector<LiveContribution> contributions;
  };
  // Thread-safe.
  std::shared_ptr<const LiveSnapshot> live_snapshot() const;

  // Largest accepted event time over all partitions (0 before any).
  int64_t watermark_ms() const;

  // Customers in the committed state. Consumer thread only (IngestStats has a copy).
  uint64_t customers() const { return customers_; }

 private:
  // A relabel after a new baseline: which version, where the scan is, which partitions.
  struct Relabel {
    uint64_t version = 0;
    std::string cursor;            // the next customer id to look at
    std::set<int32_t> partitions;  // announced when it started (or joined since)
    bool done = true;
  };
  using Outbox = std::map<int32_t, std::vector<Announcement>>;

  struct RetrainRequest {
    RetrainTrigger trigger;
    std::promise<StatusOr<uint64_t>> done;
    std::shared_ptr<const BaselineModel> adopt;  // set: install this model, no fit
  };

  PartitionProgress& Working(const RawMessage& m);
  Status DecodeAll(std::span<const RawMessage> messages);
  // Applies messages[begin..) and returns where it stopped: the end, or just after the event
  // that makes a bootstrap due.
  StatusOr<size_t> ApplyRange(std::span<const RawMessage> messages, size_t begin,
                              size_t good_events);
  // What a micro-batch changes besides the store: built while it is applied, carried while its
  // commit runs, published once the commit is done.
  struct BatchEffects {
    std::map<TopicPartition, PartitionProgress> progress;  // partitions it touched
    LiveSegmentation live;
    uint64_t customers = 0;
    std::array<uint64_t, kApplyOutcomeCount> outcomes{};
    std::array<uint64_t, kRejectReasonCount> rejects{};
    std::array<uint64_t, 2> changes{};  // segment changes, by SegmentChangeCause
    uint64_t stale = 0;
    size_t held = 0;  // messages held (aligned mode): not part of this batch
    size_t messages = 0;
  };
  struct InFlight {
    BatchEffects effects;
    std::future<Status> done;
  };
  // Seals the working batch (progress, live model, customer count) and starts its commit: on
  // another thread when `overlap`, else when FinishCommit waits for it.
  void StartCommit(bool overlap);
  // Waits for the commit in flight, if any, and publishes it.
  Status FinishCommit();
  // Commits `delta` (after the changelog, if any), then sends `outbox`.
  Status CommitDelta(const StateDelta& delta, const Outbox& outbox);
  // Appends the batch's changed records, announcements and offset markers to the changelog;
  // adds the changelog positions to the delta's meta.
  Status AppendToChangelog(StateDelta* delta, const Outbox& outbox);
  // Stores the outbox's announcements with the batch (meta) and takes them for the commit.
  Outbox TakeOutbox(MicroBatch* batch);
  Status SendOutbox(const Outbox& outbox);
  std::string EncodeRelabel() const;
  Status DecodeRelabel(std::string_view blob);
  // The stored relabel, or a new one for a current baseline none was started for.
  Status LoadRelabel();
  void Publish(BatchEffects effects);
  void PublishLiveSnapshot();
  // Merges peers' contributions into the committed live model (between batches).
  void MergePeers(PeerStatistics peers);
  // A bootstrap fit is due now (no event-time schedule: right after the event that brings the
  // customers to model.bootstrap_min_customers) or at the next boundary (with one).
  bool BootstrapDue(uint64_t customers) const;
  bool BootstrapDueAtBoundary(uint64_t customers) const;
  // Fits, saves and switches to a new baseline, features at `as_of_ms` (consumer thread).
  StatusOr<uint64_t> Retrain(RetrainTrigger trigger, int64_t as_of_ms);
  // Saves and switches to `baseline` (consumer thread); the live model restarts from it.
  StatusOr<uint64_t> Install(std::shared_ptr<const BaselineModel> baseline, RetrainTrigger trigger,
                             std::chrono::steady_clock::time_point started);
  bool LocalFits() const { return !fit_gate_ || fit_gate_(); }
  // Whether `event_time_ms` takes the watermark across the next boundary (and, for the first
  // event ever, where that boundary is).
  bool CrossesBoundary(int64_t event_time_ms);
  // Reports every boundary up to crossing_ms_ to the listener (the state is committed).
  Status CrossBoundaries();
  void StartSchedule();
  // A bootstrap whose fit failed for lack of customers: log it, try again later.
  Status Bootstrap(int64_t as_of_ms);

  EventDecoder decoder_;
  StateStore* store_;
  DeadLetterSink* dlq_;
  IngestStats* stats_;
  WallClock clock_;
  MicroBatch batches_[2];              // applied alternately: one applies while the other commits
  MicroBatch* batch_;                  // the one being applied
  std::optional<InFlight> in_flight_;  // the other one's commit
  LiveSegmentation live_;              // committed
  LiveSegmentation applied_live_;      // as of the last applied batch (committed or in flight)
  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const LiveSnapshot> snapshot_;          // guarded by snapshot_mu_
  std::map<TopicPartition, PartitionProgress> progress_;  // committed
  std::map<TopicPartition, PartitionProgress> applied_;   // as of the last applied batch
  ModelLifecycleOptions options_;
  uint64_t customers_ = 0;          // committed
  uint64_t applied_customers_ = 0;  // as of the last applied batch
  // This batch: progress of the partitions it touches (from applied_), live model and customer
  // count (from applied_live_ / applied_customers_), its counters.
  BatchEffects working_;
  uint64_t bootstrap_at_ = 0;  // customers that make a bootstrap due (0: never)
  EventTimeBoundaryListener* boundary_listener_ = nullptr;
  int64_t boundary_every_ms_ = 0;  // 0: no event-time schedule
  // The next boundary the watermark has not crossed (0: no event yet); the time of the event
  // that crosses it, where the batch was cut (0: none).
  int64_t next_boundary_ms_ = 0, crossing_ms_ = 0;
  bool aligned_ = false;
  FoldPolicy fold_;
  Changelog* changelog_ = nullptr;
  AnnounceOptions announce_;
  std::optional<SegmentAnnouncer> announcer_;  // set: segment changes are announced
  std::set<int32_t> announced_partitions_;
  Relabel relabel_;
  std::vector<ChangelogEntry> changelog_entries_;  // reused by the commit thread
  std::map<TopicPartition, int64_t> held_;  // aligned mode: held partitions, their event's time
  std::vector<size_t> held_indices_;        // of the last Process call
  std::function<bool()> fit_gate_;
  FitElsewhere fit_elsewhere_;
  std::mutex requests_mu_;
  std::deque<RetrainRequest> requests_;  // guarded by requests_mu_
  std::optional<PeerStatistics> peers_;  // guarded by requests_mu_
  std::atomic<bool> has_requests_{false};
  std::vector<Event> events_;  // reused slots; the first event_count_ are this batch's good events
  size_t event_count_ = 0;
  size_t next_event_ = 0, next_rejection_ = 0;  // cursors of ApplyRange
  std::vector<uint8_t> kind_;                   // per message: 0 stale, 1 good, 2 rejected, 3 held
  std::vector<Rejection> rejections_;           // per rejected message, in message order
};

}  // namespace segd

// Turns batches of raw messages into committed state: decode, dead-letter the bad, apply the
// good, and commit state + per-partition progress in one atomic write. Owned by the consumer
// thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "segd/common/status.h"
#include "segd/event/event_decoder.h"
#include "segd/ingest/dead_letter_sink.h"
#include "segd/ingest/ingest_stats.h"
#include "segd/ingest/raw_message.h"
#include "segd/model/live_segmentation.h"
#include "segd/state/micro_batch.h"
#include "segd/state/state_store.h"

namespace segd {

using WallClock = std::function<int64_t()>;  // epoch milliseconds

class IngestPipeline {
 public:
  // All pointers must outlive the pipeline.
  IngestPipeline(const DecoderOptions& decoder_options, StateStore* store, DeadLetterSink* dlq,
                 IngestStats* stats, WallClock clock);

  // Loads committed progress of every partition, the current baseline and the live model from
  // the store. Call once before Process. Without a baseline the live model stays idle.
  [[nodiscard]] Status Load(LiveOptions live_options = {});

  // The offset to resume `tp` from: its committed next offset, or 0 if never seen.
  int64_t ResumeOffset(const TopicPartition& tp) const;

  // Processes `messages` (any partitions, each partition's messages in offset order) as one
  // micro-batch. On success everything is committed; on error nothing is, and the same
  // messages may be processed again. Messages below a partition's committed offset are skipped
  // (counted as stale): they were applied before. A dead-letter failure is kUnavailable (worth a
  // retry); a store failure is anything else (fatal).
  [[nodiscard]] Status Process(std::span<const RawMessage> messages);

  // Committed progress per partition.
  const std::map<TopicPartition, PartitionProgress>& progress() const { return progress_; }

  const IngestStats& stats() const { return *stats_; }

  // The live model as of the last committed batch. Consumer thread only.
  const LiveSegmentation& live() const { return live_; }

  // What readers on other threads may see of the live model: refreshed after every commit.
  struct LiveSnapshot {
    std::shared_ptr<const BaselineModel> baseline;  // nullptr: no baseline yet
    RowMatrix centroids;                            // live centroids, baseline's scaled space
    uint64_t updates = 0;
  };
  // Thread-safe.
  std::shared_ptr<const LiveSnapshot> live_snapshot() const;

  // Largest accepted event time over all partitions (0 before any).
  int64_t watermark_ms() const;

 private:
  PartitionProgress& Working(const RawMessage& m);
  Status DecodeAll(std::span<const RawMessage> messages);
  Status ApplyAll(std::span<const RawMessage> messages);
  void Publish(std::span<const RawMessage> messages);
  void PublishLiveSnapshot();

  EventDecoder decoder_;
  StateStore* store_;
  DeadLetterSink* dlq_;
  IngestStats* stats_;
  WallClock clock_;
  MicroBatch batch_;
  LiveSegmentation live_;          // committed
  LiveSegmentation working_live_;  // this batch, copied from live_
  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const LiveSnapshot> snapshot_;          // guarded by snapshot_mu_
  std::map<TopicPartition, PartitionProgress> progress_;  // committed
  std::map<TopicPartition, PartitionProgress> working_;   // this batch, copied from progress_
  std::vector<Event> events_;  // reused slots; the first event_count_ are this batch's good events
  size_t event_count_ = 0;
  std::vector<uint8_t> kind_;          // per message: 0 stale, 1 good, 2 rejected
  std::vector<Rejection> rejections_;  // per rejected message, in message order
  std::array<uint64_t, kApplyOutcomeCount> outcome_counts_{};
  std::array<uint64_t, kRejectReasonCount> reject_counts_{};
  uint64_t stale_count_ = 0;
};

}  // namespace segd

// One live model for the group: every `interval_ms` this instance publishes the contributions of
// the partitions it owns (a "segd-live 1" record on the control topic, see live_record.h) and
// hands the pipeline the partitions every other member owns with their latest contributions,
// taken from the owner's latest record (so a partition that moved counts once, from its new
// owner). Contributions of another baseline (version or fingerprint) are left out: instances
// that each fitted their own baseline keep their own live models. Runs one background thread;
// status() is safe from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "segd/cluster/cluster_node.h"
#include "segd/cluster/live_record.h"
#include "segd/model/live_statistics.h"

namespace segd {

struct LiveExchangeOptions {
  int interval_ms = 1000;  // cluster.live_exchange_ms
  // An unchanged contribution is published again after this many intervals (an idle partition
  // still shows its owner is alive, and the oldest-contribution age stays meaningful).
  int refresh_intervals = 30;
};

// This instance's live statistics, as the pipeline last committed them.
struct OwnLiveStatistics {
  uint64_t baseline_version = 0;      // 0: no baseline yet
  uint64_t baseline_fingerprint = 0;  // LiveBaselineFingerprint
  int k = 0, d = 0;
  std::vector<LiveContribution> contributions;  // every partition it has fed, owned or not
};

// What the metrics report about the exchange.
struct LiveExchangeStatus {
  int peer_partitions = 0;     // partitions whose contribution came from another member
  int64_t oldest_sent_ms = 0;  // wall-clock publication time of the oldest of them (0: none)
};

class LiveExchange {
 public:
  // Subscribes to live records on `node`: construct before node->Start(). `own` and `deliver`
  // are called on the exchange's thread (deliver every round, with nothing when there is no
  // other member, so the caller can tell peers have gone); `now_ms` is the wall clock.
  LiveExchange(ClusterNode* node, LiveExchangeOptions options,
               std::function<OwnLiveStatistics()> own, std::function<void(PeerStatistics)> deliver,
               std::function<int64_t()> now_ms);
  ~LiveExchange();  // Stop()

  // Starts the thread (a Step every interval); call after node->Start().
  void Start();
  void Stop();

  // One round: publish own contributions that changed, deliver the peers'; nothing while this
  // member owns no partition. Public for tests.
  void Step();

  LiveExchangeStatus status() const;

 private:
  // What the node's thread hands over: the latest record of each member.
  struct Inbox {
    void Receive(const ControlMessage& message);
    std::mutex mu;
    std::map<std::string, LiveRecord> received;  // guarded by mu
    LiveExchangeStatus status;                   // guarded by mu
  };

  void Publish(const OwnLiveStatistics& own, const Ownership& owners, int64_t now);
  PeerStatistics Peers(const OwnLiveStatistics& own, const Ownership& owners,
                       const std::map<std::string, MemberRecord>& members);

  ClusterNode* node_;
  LiveExchangeOptions options_;
  std::function<OwnLiveStatistics()> own_;
  std::function<void(PeerStatistics)> deliver_;
  std::function<int64_t()> now_ms_;
  std::shared_ptr<Inbox> inbox_;

  // Exchange thread only: what was published last, and when.
  LiveRecord published_;  // sent_ms 0: nothing yet

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mu_
  std::thread thread_;
};

}  // namespace segd

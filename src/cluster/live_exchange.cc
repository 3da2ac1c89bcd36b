// Invariant: a partition's contribution is delivered only from the member that owns it now (as
// this instance's ClusterNode resolves ownership), and never for a partition this instance owns,
// whose contribution is its own.
#include "segd/cluster/live_exchange.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace segd {

LiveExchange::LiveExchange(ClusterNode* node, LiveExchangeOptions options,
                           std::function<OwnLiveStatistics()> own,
                           std::function<void(PeerStatistics)> deliver,
                           std::function<int64_t()> now_ms)
    : node_(node),
      options_(options),
      own_(std::move(own)),
      deliver_(std::move(deliver)),
      now_ms_(std::move(now_ms)),
      inbox_(std::make_shared<Inbox>()) {
  // The handler holds the inbox, not the exchange: the node may outlive it.
  node_->Subscribe(std::string(kLiveRecordKind),
                   [inbox = inbox_](const ControlMessage& m) { inbox->Receive(m); });
}

LiveExchange::~LiveExchange() { Stop(); }

void LiveExchange::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(stop_mu_);
    while (!stop_) {
      lock.unlock();
      Step();
      lock.lock();
      stop_cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                        [this] { return stop_; });
    }
  });
}

void LiveExchange::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LiveExchange::Inbox::Receive(const ControlMessage& m) {
  auto record = DecodeLiveRecord(m.value);
  if (!record.ok()) {
    spdlog::warn("cluster: live record from {}: {}", m.key, record.status().ToString());
    return;
  }
  std::lock_guard<std::mutex> lock(mu);
  received[m.key] = std::move(*record);  // records of one member arrive in order
}

// Nothing happens while this member owns no partition (starting, or in a rebalance): it is not
// consuming, so its live model does not move, and the records it has read may be those of its
// own previous, killed incarnation, which still claims the partitions until this one's later
// assignment overrides the claim; taken as a peer's, they would change a restarted single
// instance's model.
void LiveExchange::Step() {
  const std::map<std::string, MemberRecord> members = node_->members();
  Ownership owners;
  for (const auto& [id, m] : members) owners.Claim(m);
  const auto self = members.find(node_->member_id());
  if (self == members.end() ||
      std::none_of(self->second.partitions.begin(), self->second.partitions.end(),
                   [&](const TopicPartition& tp) {
                     const auto owner = owners.Owner(tp);
                     return owner && owner->member_id == self->first;
                   })) {
    return;
  }
  const OwnLiveStatistics own = own_();
  const int64_t now = now_ms_();
  if (own.baseline_version > 0) Publish(own, owners, now);
  deliver_(Peers(own, owners, members));
}

void LiveExchange::Publish(const OwnLiveStatistics& own, const Ownership& owners, int64_t now) {
  LiveRecord r{.baseline_version = own.baseline_version,
               .baseline_fingerprint = own.baseline_fingerprint,
               .sent_ms = now,
               .k = own.k,
               .d = own.d};
  for (const LiveContribution& c : own.contributions) {
    const auto owner = owners.Owner(c.partition);
    if (c.baseline_version == own.baseline_version && owner &&
        owner->member_id == node_->member_id()) {
      r.contributions.push_back(c);
    }
  }
  // Published even with no contribution yet: the others learn this member shares their baseline.
  const int64_t last = published_.sent_ms;
  const bool refresh = now - last >= int64_t(options_.interval_ms) * options_.refresh_intervals;
  r.sent_ms = last;  // compared without it
  if (last > 0 && r == published_ && !refresh) return;
  r.sent_ms = now;
  node_->Publish(EncodeLiveRecord(r));
  published_ = std::move(r);
}

// A member shares this instance's live model once it has published a record of the same
// baseline; until then (no baseline yet, or one it fitted itself) it is not a peer, and its
// partitions count as nobody's here.
PeerStatistics LiveExchange::Peers(const OwnLiveStatistics& own, const Ownership& owners,
                                   const std::map<std::string, MemberRecord>& members) {
  PeerStatistics peers;
  LiveExchangeStatus status;
  std::lock_guard<std::mutex> lock(inbox_->mu);
  for (const auto& [id, member] : members) {
    const auto it = inbox_->received.find(id);
    if (id == node_->member_id() || it == inbox_->received.end()) continue;
    const LiveRecord& record = it->second;
    if (own.baseline_version == 0 || record.baseline_version != own.baseline_version ||
        record.baseline_fingerprint != own.baseline_fingerprint) {
      continue;
    }
    // By value: clang (the fuzz build) does not capture structured bindings.
    const auto owns = [&owners, member_id = id](const TopicPartition& tp) {
      const auto owner = owners.Owner(tp);
      return owner && owner->member_id == member_id;
    };
    for (const TopicPartition& tp : member.partitions) {
      if (owns(tp)) peers.partitions.push_back(tp);
    }
    bool used = false;
    for (const LiveContribution& c : record.contributions) {
      if (!owns(c.partition)) continue;
      peers.contributions.push_back(c);
      used = true;
    }
    if (used) {
      status.oldest_sent_ms = status.oldest_sent_ms == 0
                                  ? record.sent_ms
                                  : std::min(status.oldest_sent_ms, record.sent_ms);
    }
  }
  status.peer_partitions = int(peers.contributions.size());
  inbox_->status = status;
  return peers;
}

LiveExchangeStatus LiveExchange::status() const {
  std::lock_guard<std::mutex> lock(inbox_->mu);
  return inbox_->status;
}

}  // namespace segd

// Invariant: a lookup is answered locally only by the partition's owner, and only once the
// owner has consumed the partition to its end since it got it (state does not move with
// partitions yet); every other case is forwarded to the owner or answered 503. A member that
// believes it is alone (no other live member on the control topic) and has partitions answers
// everything itself, as a single instance always did.
#include "segd/cluster/cluster_node.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace segd {
namespace {

constexpr int64_t kPartitionCountRefreshMs = 10000;

}  // namespace

ClusterNode::ClusterNode(ClusterNodeOptions options, std::unique_ptr<ControlLog> log,
                         std::function<LocalPartitions()> local, std::function<int64_t()> now_ms)
    : options_(std::move(options)),
      log_(std::move(log)),
      local_(std::move(local)),
      now_ms_(std::move(now_ms)),
      membership_(options_.member_timeout_ms) {}

ClusterNode::~ClusterNode() { Stop(); }

void ClusterNode::Start(const std::string& url) {
  options_.url = url;
  if (options_.member_id.empty()) options_.member_id = url;
  thread_ = std::thread([this] { Run(); });
}

void ClusterNode::Run() {
  std::string last_error;  // logged once per change, not every 100 ms
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_) {
    lock.unlock();
    Status s = Step(100);
    if (!s.ok() && s.ToString() != last_error) spdlog::warn("cluster: {}", s.ToString());
    last_error = s.ok() ? "" : s.ToString();
    lock.lock();
    // Read() already waited; this only yields when the log returns at once.
    stop_cv_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stop_; });
  }
}

void ClusterNode::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stop_) return;
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (Status s = log_->Publish(
          {options_.member_id, EncodeMemberRecord(OwnRecord(now_ms_(), /*leaving=*/true))});
      !s.ok()) {
    spdlog::warn("cluster: leaving record not sent: {}", s.ToString());
  }
}

MemberRecord ClusterNode::OwnRecord(int64_t now, bool leaving) const {
  return MemberRecord{.member_id = options_.member_id,
                      .url = options_.url,
                      .assigned_ms = assigned_ms_,
                      .sent_ms = now,
                      .leaving = leaving,
                      .partitions = leaving ? std::vector<TopicPartition>{} : assigned_,
                      .customers = last_local_.customers,
                      .watermark_ms = last_local_.watermark_ms};
}

void ClusterNode::Subscribe(std::string kind, std::function<void(const ControlMessage&)> handler) {
  handlers_[std::move(kind)].push_back(std::move(handler));
}

void ClusterNode::Publish(std::string value, std::string key) {
  std::lock_guard<std::mutex> lock(mu_);
  outbox_.push_back({std::move(key), std::move(value)});
}

Status ClusterNode::Step(int read_timeout_ms) {
  const LocalPartitions local = local_();
  last_local_ = local;
  int64_t now = now_ms_();
  const bool changed = generation_ != local.generation;
  if (changed) {
    generation_ = local.generation;
    assigned_ = local.assigned;
    std::sort(assigned_.begin(), assigned_.end());
    assigned_ms_ = now;
  }
  Status result;
  if (changed || now - last_publish_ms_ >= options_.heartbeat_ms) {
    const MemberRecord own = OwnRecord(now, false);
    result = log_->Publish({options_.member_id, EncodeMemberRecord(own)});
    last_publish_ms_ = now;
    std::lock_guard<std::mutex> lock(mu_);
    membership_.Apply(own);
  }
  std::vector<ControlMessage> outbox;
  {
    std::lock_guard<std::mutex> lock(mu_);
    outbox.swap(outbox_);
  }
  for (ControlMessage& m : outbox) {
    if (m.key.empty()) m.key = options_.member_id;
    if (Status s = log_->Publish(m); !s.ok() && result.ok()) result = s;
  }
  std::vector<ControlMessage> messages;
  bool at_end = false;
  if (Status s = log_->Read(read_timeout_ms, &messages, &at_end); !s.ok() && result.ok()) {
    result = s;
  }
  std::vector<MemberRecord> records;
  for (const ControlMessage& m : messages) {
    const std::string_view kind = ControlKind(m.value);
    if (kind == kMemberRecordKind) {
      auto r = DecodeMemberRecord(m.value);
      if (r.ok()) {
        records.push_back(std::move(*r));
      } else {
        spdlog::warn("cluster: control message from {}: {}", m.key, r.status().ToString());
      }
    } else if (auto h = handlers_.find(std::string(kind)); h != handlers_.end()) {
      for (const auto& handler : h->second) handler(m);
    }
  }
  std::optional<int32_t> count;
  now = now_ms_();
  if (now - last_count_ms_ >= kPartitionCountRefreshMs || partitions_ == 0) {
    auto n = log_->PartitionCount(options_.source_topic, 1000);
    if (n.ok()) {
      count = *n;
      last_count_ms_ = now;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const MemberRecord& r : records) membership_.Apply(r);
  for (const std::string& id : membership_.Expire(now)) {
    spdlog::info("cluster: member {} silent for {} ms, dropped", id, options_.member_timeout_ms);
  }
  ownership_ = membership_.ownership();
  served_ = std::set<TopicPartition>(local.served.begin(), local.served.end());
  has_partitions_ = !assigned_.empty();
  assigned_set_ = std::set<TopicPartition>(assigned_.begin(), assigned_.end());
  if (count) partitions_ = *count;
  if (at_end && !history_read_) {
    history_read_ = true;
    spdlog::info("cluster: member records read, members={}", membership_.members().size());
  }
  return result;
}

CustomerRoute ClusterNode::Locate(std::string_view customer_id) const {
  using Kind = CustomerRoute::Kind;
  std::lock_guard<std::mutex> lock(mu_);
  if (!history_read_) return {Kind::kUnavailable, "", "reading the cluster's member records"};
  const auto& members = membership_.members();
  const bool alone =
      members.empty() || (members.size() == 1 && members.begin()->first == options_.member_id);
  if (alone) {
    // Without partitions this instance may simply not have heard of the others yet.
    if (!has_partitions_) return {Kind::kUnavailable, "", "waiting for partition assignment"};
    // Alone in the member table is not alone in the group: a dead member's record may expire
    // before the group gives its partitions to this instance, whose store may hold an old or
    // standby copy of them. Only its own partitions are answered.
    if (partitions_ > 0) {
      const int32_t p = PartitionForKey(options_.partitioner, customer_id, partitions_);
      if (!assigned_set_.contains({options_.source_topic, p})) {
        return {Kind::kUnavailable, "",
                "partition " + std::to_string(p) + " is not assigned to this instance yet"};
      }
    }
    return {Kind::kLocal};
  }
  // The owner unknown: the caller may ask every other member.
  std::vector<std::string> others;
  for (const auto& [id, m] : members) {
    if (id != options_.member_id) others.push_back(m.url);
  }
  if (partitions_ == 0) {
    return {Kind::kUnavailable, "", "partition count of " + options_.source_topic + " unknown",
            others};
  }
  const TopicPartition tp{options_.source_topic,
                          PartitionForKey(options_.partitioner, customer_id, partitions_)};
  const std::string where = "partition " + std::to_string(tp.partition);
  const std::optional<PartitionOwner> owner = ownership_.Owner(tp);
  if (!owner) {
    return {Kind::kUnavailable, "", where + " has no owner (rebalance in progress)", others};
  }
  if (owner->member_id != options_.member_id) return {Kind::kForward, owner->url};
  if (!served_.contains(tp)) {
    return {Kind::kUnavailable, "", where + " is being caught up on this instance"};
  }
  return {Kind::kLocal};
}

std::optional<std::string> ClusterNode::leader() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto owner = ownership_.Owner({options_.source_topic, 0});
  if (!owner) return std::nullopt;
  return owner->member_id;
}

bool ClusterNode::is_leader() const { return leader() == options_.member_id; }

std::map<std::string, MemberRecord> ClusterNode::members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return membership_.members();
}

std::optional<int32_t> ClusterNode::PartitionOf(std::string_view customer_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (partitions_ == 0) return std::nullopt;
  return PartitionForKey(options_.partitioner, customer_id, partitions_);
}

bool ClusterNode::has_peers() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!history_read_) return false;
  for (const auto& [id, m] : membership_.members()) {
    if (id != options_.member_id) return true;
  }
  return false;
}

std::optional<std::map<std::string, std::set<int32_t>>> ClusterNode::partitions_by_owner() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (partitions_ == 0) return std::nullopt;
  std::map<std::string, std::set<int32_t>> out;
  for (int32_t p = 0; p < partitions_; ++p) {
    const std::optional<PartitionOwner> owner = ownership_.Owner({options_.source_topic, p});
    if (!owner || !membership_.members().contains(owner->member_id)) return std::nullopt;
    out[owner->member_id].insert(p);
  }
  return out;
}

int32_t ClusterNode::partition_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return partitions_;
}

ClusterStatus ClusterNode::status() const {
  ClusterStatus s;
  s.forwarded = forwarded_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  s.members = static_cast<int>(membership_.members().size());
  s.partitions_by_member = ownership_.PartitionCounts();
  for (const auto& [id, m] : membership_.members()) s.partitions_by_member.try_emplace(id, 0);
  auto owner = ownership_.Owner({options_.source_topic, 0});
  s.leader = owner && owner->member_id == options_.member_id;
  return s;
}

}  // namespace segd

#include "segd/cluster/live_exchange.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

namespace segd {
namespace {

// The control topic: one shared list of messages; each log reads from its own position.
struct Bus {
  std::vector<ControlMessage> messages;
  int Count(std::string_view kind) const {
    int n = 0;
    for (const ControlMessage& m : messages) n += ControlKind(m.value) == kind;
    return n;
  }
};

class FakeLog : public ControlLog {
 public:
  explicit FakeLog(Bus* bus) : bus_(bus) {}
  Status Publish(const ControlMessage& m) override {
    bus_->messages.push_back(m);
    return Status::Ok();
  }
  Status Read(int, std::vector<ControlMessage>* out, bool* at_end) override {
    for (; next_ < bus_->messages.size(); ++next_) out->push_back(bus_->messages[next_]);
    *at_end = true;
    return Status::Ok();
  }
  StatusOr<int32_t> PartitionCount(const std::string&, int) override { return 4; }

 private:
  Bus* bus_;
  size_t next_ = 0;
};

LiveContribution Contribution(uint64_t version, int32_t partition, double weight) {
  return {.baseline_version = version,
          .partition = {"orders", partition},
          .since_ms = 10,
          .time_ms = 20,
          .weights = {weight, 1.0},
          .sums = RowMatrix::Constant(2, 3, weight)};
}

// One instance: its node, what its pipeline holds, and what the exchange handed it last.
struct Member {
  LocalPartitions local;
  OwnLiveStatistics own{.baseline_version = 1, .k = 2, .d = 3};
  PeerStatistics delivered;
  std::unique_ptr<ClusterNode> node;
  std::unique_ptr<LiveExchange> exchange;
};

class LiveExchangeTest : public ::testing::Test {
 protected:
  Member& Add(const std::string& id) {
    auto m = std::make_unique<Member>();
    Member* raw = m.get();
    m->node = std::make_unique<ClusterNode>(
        ClusterNodeOptions{.member_id = id, .url = id, .source_topic = "orders"},
        std::make_unique<FakeLog>(&bus_), [raw] { return raw->local; }, [this] { return now_; });
    m->exchange = std::make_unique<LiveExchange>(
        m->node.get(), LiveExchangeOptions{.interval_ms = 100, .refresh_intervals = 10},
        [raw] { return raw->own; },
        [raw](PeerStatistics peers) { raw->delivered = std::move(peers); },
        [this] { return now_; });
    members_.push_back(std::move(m));
    return *raw;
  }
  static void Assign(Member& m, std::vector<int32_t> partitions) {
    ++m.local.generation;
    m.local.assigned.clear();
    for (int32_t p : partitions) m.local.assigned.push_back({"orders", p});
  }
  // Nodes publish and read, exchanges publish, nodes carry that over, exchanges deliver.
  void Round() {
    now_ += 100;
    for (auto& m : members_) ASSERT_TRUE(m->node->Step(0).ok());
    for (auto& m : members_) m->exchange->Step();
    for (int i = 0; i < 2; ++i) {  // the later members' records reach the earlier ones
      for (auto& m : members_) ASSERT_TRUE(m->node->Step(0).ok());
    }
    for (auto& m : members_) m->exchange->Step();
  }
  static std::vector<int32_t> Partitions(const std::vector<LiveContribution>& v) {
    std::vector<int32_t> out;
    for (const LiveContribution& c : v) out.push_back(c.partition.partition);
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<int32_t> Partitions(const std::vector<TopicPartition>& v) {
    std::vector<int32_t> out;
    for (const TopicPartition& tp : v) out.push_back(tp.partition);
    std::sort(out.begin(), out.end());
    return out;
  }

  Bus bus_;
  int64_t now_ = 1'000'000;
  std::vector<std::unique_ptr<Member>> members_;
};

TEST_F(LiveExchangeTest, EachMemberGetsThePartitionsTheOthersOwnFromTheirOwners) {
  Member& a = Add("http://a");
  Member& b = Add("http://b");
  Assign(a, {0, 1});
  Assign(b, {2, 3});
  // a once owned partition 2 too: its stored contribution for it is not published.
  a.own.contributions = {Contribution(1, 0, 1), Contribution(1, 1, 2), Contribution(1, 2, 99)};
  b.own.contributions = {Contribution(1, 2, 3), Contribution(1, 3, 4)};
  Round();
  EXPECT_EQ(Partitions(a.delivered.contributions), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(a.delivered.contributions[0], b.own.contributions[0]);  // exact, through the text form
  EXPECT_EQ(Partitions(b.delivered.contributions), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(a.exchange->status().peer_partitions, 2);
  EXPECT_GT(a.exchange->status().oldest_sent_ms, 0);
  // Nothing changed: nothing is published again until the refresh is due.
  const int sent = bus_.Count(kLiveRecordKind);
  EXPECT_EQ(sent, 2);
  Round();
  EXPECT_EQ(bus_.Count(kLiveRecordKind), sent);
  EXPECT_EQ(Partitions(a.delivered.contributions), (std::vector<int32_t>{2, 3}));
  now_ += 1000;
  Round();
  EXPECT_EQ(bus_.Count(kLiveRecordKind), sent + 2);
}

TEST_F(LiveExchangeTest, AMovedPartitionCountsOnlyFromItsNewOwner) {
  Member& a = Add("http://a");
  Member& b = Add("http://b");
  Assign(a, {0, 1});
  Assign(b, {2, 3});
  a.own.contributions = {Contribution(1, 0, 1), Contribution(1, 1, 2)};
  b.own.contributions = {Contribution(1, 2, 3), Contribution(1, 3, 4)};
  Round();
  // Partition 1 moves to b, which has not fed anything from it yet: a is told b owns it (so a
  // leaves its own contribution for it out of the merge, as b does) but gets none for it (a's
  // earlier record is not from the owner).
  Assign(a, {0});
  Assign(b, {1, 2, 3});
  Round();
  EXPECT_EQ(Partitions(a.delivered.contributions), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(Partitions(a.delivered.partitions), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(Partitions(b.delivered.contributions), (std::vector<int32_t>{0}));
  EXPECT_EQ(Partitions(b.delivered.partitions), (std::vector<int32_t>{0}));
  // b catches up with partition 1: its contribution is the one a merges from now on.
  b.own.contributions.push_back(Contribution(1, 1, 5));
  Round();
  EXPECT_EQ(Partitions(a.delivered.contributions), (std::vector<int32_t>{1, 2, 3}));
  for (const LiveContribution& c : a.delivered.contributions) {
    if (c.partition.partition == 1) EXPECT_EQ(c.weights[0], 5);
  }
}

TEST_F(LiveExchangeTest, OtherBaselinesAndLeftMembersAreIgnored) {
  Member& a = Add("http://a");
  Member& b = Add("http://b");
  Assign(a, {0, 1});
  Assign(b, {2, 3});
  a.own.contributions = {Contribution(1, 0, 1)};
  b.own = {.baseline_version = 2, .k = 2, .d = 3, .contributions = {Contribution(2, 2, 3)}};
  Round();
  EXPECT_TRUE(a.delivered.empty());  // b does not share a's live model: a is on its own
  EXPECT_EQ(a.exchange->status().peer_partitions, 0);
  // The same version of another fit (each instance bootstrapped its own v1): ignored too.
  b.own = {.baseline_version = 1,
           .baseline_fingerprint = 5,
           .k = 2,
           .d = 3,
           .contributions = {Contribution(1, 2, 3)}};
  Round();
  EXPECT_TRUE(a.delivered.empty());
  b.own.baseline_fingerprint = 0;
  Round();
  EXPECT_EQ(Partitions(a.delivered.contributions), (std::vector<int32_t>{2}));
  // b leaves: a is alone again and is told so with an empty list.
  members_.back()->exchange.reset();
  members_.back()->node.reset();  // publishes its leaving record
  members_.pop_back();
  Round();
  EXPECT_TRUE(a.delivered.empty());
}

TEST_F(LiveExchangeTest, ARestartedMemberIgnoresItsKilledIncarnation) {
  Member& old = Add("http://a:1");
  Assign(old, {0, 1, 2, 3});
  old.own.contributions = {Contribution(1, 0, 1), Contribution(1, 3, 2)};
  Round();
  // Killed: no leaving record; its claims stay until the member timeout.
  members_.front()->exchange.reset();
  members_.front()->node.reset();
  bus_.messages.pop_back();
  members_.erase(members_.begin());
  Member& again = Add("http://a:2");
  again.own.contributions = {Contribution(1, 0, 1), Contribution(1, 3, 2)};
  again.delivered.partitions = {{"unset", 9}};
  Round();  // no partitions yet: nothing delivered (the old incarnation still owns them all)
  EXPECT_EQ(again.delivered.partitions.size(), 1u);
  Assign(again, {0, 1, 2, 3});  // the later assignment wins every claim
  Round();
  EXPECT_TRUE(again.delivered.empty());
}

}  // namespace
}  // namespace segd

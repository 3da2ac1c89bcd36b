#include "segd/cluster/cluster_node.h"

#include <gtest/gtest.h>

#include <memory>

namespace segd {
namespace {

constexpr int32_t kPartitions = 4;

// The control topic: one shared list of records; each log reads from its own position.
struct Bus {
  std::vector<ControlMessage> records;
};

class FakeLog : public ControlLog {
 public:
  explicit FakeLog(Bus* bus) : bus_(bus) {}
  Status Publish(const ControlMessage& r) override {
    bus_->records.push_back(r);
    return Status::Ok();
  }
  Status Read(int, std::vector<ControlMessage>* out, bool* at_end) override {
    for (; next_ < bus_->records.size(); ++next_) out->push_back(bus_->records[next_]);
    *at_end = true;
    return Status::Ok();
  }
  StatusOr<int32_t> PartitionCount(const std::string&, int) override { return kPartitions; }

 private:
  Bus* bus_;
  size_t next_ = 0;
};

struct Instance {
  LocalPartitions local;
  std::unique_ptr<ClusterNode> node;
};

class ClusterNodeTest : public ::testing::Test {
 protected:
  Instance& Add(const std::string& id) {
    auto in = std::make_unique<Instance>();
    Instance* raw = in.get();
    in->node = std::make_unique<ClusterNode>(
        ClusterNodeOptions{.member_id = id,
                           .url = id,
                           .source_topic = "orders",
                           .heartbeat_ms = 100,
                           .member_timeout_ms = 1000},
        std::make_unique<FakeLog>(&bus_), [raw] { return raw->local; }, [this] { return now_; });
    instances_.push_back(std::move(in));
    return *raw;
  }
  static void Assign(Instance& in, std::vector<int32_t> partitions, bool served) {
    ++in.local.generation;
    in.local.assigned.clear();
    for (int32_t p : partitions) in.local.assigned.push_back({"orders", p});
    in.local.served = served ? in.local.assigned : std::vector<TopicPartition>{};
  }
  void StepAll() {
    for (int round = 0; round < 2; ++round) {
      for (auto& in : instances_) {
        if (in->node) ASSERT_TRUE(in->node->Step(0).ok());
      }
    }
  }
  // A customer id whose partition (consistent_random over kPartitions) is `p`.
  static std::string CustomerIn(int32_t p) {
    for (int i = 0;; ++i) {
      std::string id = "c" + std::to_string(i);
      if (PartitionForKey(PartitionerKind::kConsistentRandom, id, kPartitions) == p) return id;
    }
  }

  Bus bus_;
  int64_t now_ = 1'000'000;
  std::vector<std::unique_ptr<Instance>> instances_;
};

using Kind = CustomerRoute::Kind;

TEST_F(ClusterNodeTest, NothingIsAnsweredBeforeStartAndAloneEverythingIsLocal) {
  Instance& a = Add("http://a");
  EXPECT_EQ(a.node->Locate("x").kind, Kind::kUnavailable);
  StepAll();
  // Alone but without partitions: the others may not have been heard yet.
  EXPECT_EQ(a.node->Locate("x").reason, "waiting for partition assignment");
  Assign(a, {0, 1, 2, 3}, /*served=*/false);
  StepAll();
  // One member: answered here, caught up or not, as a single instance always did.
  EXPECT_EQ(a.node->Locate(CustomerIn(2)).kind, Kind::kLocal);
  EXPECT_TRUE(a.node->is_leader());
  EXPECT_EQ(a.node->status().members, 1);
}

TEST_F(ClusterNodeTest, TwoMembersForwardToTheOwnerAndServeOnlyCaughtUpPartitions) {
  Instance& a = Add("http://a");
  Instance& b = Add("http://b");
  Assign(a, {0, 1}, /*served=*/true);
  Assign(b, {2, 3}, /*served=*/false);
  StepAll();
  const std::string in2 = CustomerIn(2), in1 = CustomerIn(1);
  CustomerRoute r = a.node->Locate(in2);
  EXPECT_EQ(r.kind, Kind::kForward);
  EXPECT_EQ(r.url, "http://b");
  EXPECT_EQ(a.node->Locate(in1).kind, Kind::kLocal);
  EXPECT_EQ(b.node->Locate(in1).url, "http://a");
  // b owns partition 2 but has not caught up with it yet.
  r = b.node->Locate(in2);
  EXPECT_EQ(r.kind, Kind::kUnavailable);
  EXPECT_EQ(r.reason, "partition 2 is being caught up on this instance");
  b.local.served = b.local.assigned;
  StepAll();
  EXPECT_EQ(b.node->Locate(in2).kind, Kind::kLocal);
  EXPECT_EQ(a.node->leader(), "http://a");
  EXPECT_FALSE(b.node->is_leader());
  const ClusterStatus s = b.node->status();
  EXPECT_EQ(s.members, 2);
  EXPECT_EQ(s.partitions_by_member, (std::map<std::string, int>{{"http://a", 2}, {"http://b", 2}}));
}

TEST_F(ClusterNodeTest, AKilledMembersPartitionsAreUnavailableUntilReassignedAndTheLeaderMoves) {
  Instance& a = Add("http://a");
  Instance& b = Add("http://b");
  Instance& c = Add("http://c");
  Assign(a, {0}, true);
  Assign(b, {1, 2}, true);
  Assign(c, {3}, true);
  StepAll();
  EXPECT_EQ(c.node->leader(), "http://a");
  // a dies (no leaving record): the group revokes, then reassigns after the session timeout.
  instances_.front()->node.reset();
  bus_.records.pop_back();  // its destructor's leaving record never reached the topic
  now_ += 200;
  Assign(b, {}, false);
  Assign(c, {}, false);
  StepAll();
  const std::string in0 = CustomerIn(0);
  // a's stale claim still stands: forwarded to a (whose death shows as 503 at the caller).
  EXPECT_EQ(b.node->Locate(in0).url, "http://a");
  const CustomerRoute ownerless = b.node->Locate(CustomerIn(1));  // revoked, not reassigned
  EXPECT_EQ(ownerless.kind, Kind::kUnavailable);
  // Nobody owns it: the caller may ask every other member (a's death shows there too).
  EXPECT_EQ(ownerless.ask, (std::vector<std::string>{"http://a", "http://c"}));
  now_ += 300;
  Assign(b, {0, 1}, false);
  Assign(c, {2, 3}, true);
  StepAll();
  EXPECT_EQ(c.node->Locate(in0).url, "http://b");           // the later claim wins
  EXPECT_EQ(b.node->Locate(in0).kind, Kind::kUnavailable);  // catching up
  EXPECT_TRUE(b.node->Locate(in0).ask.empty());             // its owner is known
  EXPECT_EQ(c.node->leader(), "http://b");
  EXPECT_TRUE(b.node->is_leader());
  now_ += 1500;  // a is silent past the timeout
  StepAll();
  EXPECT_EQ(b.node->status().members, 2);
}

TEST_F(ClusterNodeTest, AStoppedMemberLeavesAtOnce) {
  Instance& a = Add("http://a");
  Instance& b = Add("http://b");
  Assign(a, {0, 1}, true);
  Assign(b, {2, 3}, true);
  StepAll();
  EXPECT_EQ(b.node->status().members, 2);
  a.node->Stop();
  StepAll();
  EXPECT_EQ(b.node->status().members, 1);
  // b is alone now, but answers a's customers only once the group gives it their partitions:
  // until then its store may hold an old (or standby) copy of them.
  const CustomerRoute before = b.node->Locate(CustomerIn(0));
  EXPECT_EQ(before.kind, Kind::kUnavailable);
  EXPECT_EQ(before.reason, "partition 0 is not assigned to this instance yet");
  EXPECT_EQ(b.node->Locate(CustomerIn(2)).kind, Kind::kLocal);
  Assign(b, {0, 1, 2, 3}, true);
  StepAll();
  EXPECT_EQ(b.node->Locate(CustomerIn(0)).kind, Kind::kLocal);
}

TEST_F(ClusterNodeTest, OtherMessagesReachEverySubscriberInLogOrderAndCarryTheirKey) {
  Instance& a = Add("http://a");
  Instance& b = Add("http://b");
  std::vector<ControlMessage> heard_a, heard_b;
  a.node->Subscribe("segd-test 1", [&](const ControlMessage& m) { heard_a.push_back(m); });
  b.node->Subscribe("segd-test 1", [&](const ControlMessage& m) { heard_b.push_back(m); });
  b.node->Subscribe("segd-other 1", [](const ControlMessage&) { ADD_FAILURE() << "wrong kind"; });
  Assign(a, {0, 1}, true);
  Assign(b, {2, 3}, true);
  b.local.customers = 17;
  b.local.watermark_ms = 123456;
  StepAll();
  a.node->Publish("segd-test 1\nfirst");
  a.node->Publish("segd-test 1\nsecond");
  StepAll();
  const std::vector<ControlMessage> expected = {{"http://a", "segd-test 1\nfirst"},
                                                {"http://a", "segd-test 1\nsecond"}};
  EXPECT_EQ(heard_a, expected);  // the publisher hears its own messages too
  EXPECT_EQ(heard_b, expected);
  // Member records say how many customers and how far in event time each member is.
  const MemberRecord rb = a.node->members().at("http://b");
  EXPECT_EQ(rb.customers, 17u);
  EXPECT_EQ(rb.watermark_ms, 123456);
  EXPECT_TRUE(a.node->has_peers());
}

TEST_F(ClusterNodeTest, PeersCountOnlyOnceTheControlTopicIsReadAndAnotherMemberIsLive) {
  Instance& a = Add("http://a");
  EXPECT_FALSE(a.node->has_peers());  // nothing read yet
  StepAll();
  EXPECT_FALSE(a.node->has_peers());  // read: alone
  Add("http://b");
  StepAll();
  EXPECT_TRUE(a.node->has_peers());
}

}  // namespace
}  // namespace segd

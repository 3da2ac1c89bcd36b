#include "segd/cluster/membership.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

MemberRecord Member(const std::string& id, int64_t assigned_ms, int64_t sent_ms,
                    std::vector<int32_t> partitions) {
  MemberRecord r{
      .member_id = id, .url = "http://" + id, .assigned_ms = assigned_ms, .sent_ms = sent_ms};
  for (int32_t p : partitions) r.partitions.push_back({"orders", p});
  return r;
}

TEST(MemberRecordTest, EncodesAndDecodesEveryField) {
  MemberRecord r = Member("a:8080", 1700000000123, 1700000000456, {0, 3, 11});
  r.partitions.push_back({"other.topic", 2});
  r.customers = 4242;
  r.watermark_ms = 1538000000000;
  auto back = DecodeMemberRecord(EncodeMemberRecord(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  r.leaving = true;
  r.partitions.clear();
  EXPECT_EQ(*DecodeMemberRecord(EncodeMemberRecord(r)), r);
}

TEST(MemberRecordTest, RejectsForeignAndBrokenRecords) {
  EXPECT_FALSE(DecodeMemberRecord("{\"json\": 1}").ok());
  EXPECT_FALSE(DecodeMemberRecord("segd-member 1\nid=a\nassigned_ms=x\n").ok());
  EXPECT_FALSE(DecodeMemberRecord("segd-member 1\nid=a\npartition=orders\n").ok());
  EXPECT_FALSE(DecodeMemberRecord("segd-member 1\nurl=http://a\n").ok());  // no id
  // Keys from a newer version are skipped.
  EXPECT_TRUE(DecodeMemberRecord("segd-member 1\nid=a\nzone=eu\n").ok());
}

TEST(MembershipTest, JoinsGiveEachPartitionItsOwner) {
  Membership m(3000);
  m.Apply(Member("a", 100, 100, {0, 1}));
  m.Apply(Member("b", 100, 110, {2, 3}));
  EXPECT_EQ(m.members().size(), 2u);
  const Ownership o = m.ownership();
  EXPECT_EQ(o.Owner({"orders", 1})->member_id, "a");
  EXPECT_EQ(o.Owner({"orders", 3})->url, "http://b");
  EXPECT_FALSE(o.Owner({"orders", 4}).has_value());
  EXPECT_EQ(o.PartitionCounts(), (std::map<std::string, int>{{"a", 2}, {"b", 2}}));
  EXPECT_EQ(m.Leader({"orders", 0})->member_id, "a");
}

TEST(MembershipTest, TheLaterAssignmentWinsADoubleClaimAndTheLeaderMoves) {
  Membership m(3000);
  m.Apply(Member("a", 100, 100, {0, 1}));
  m.Apply(Member("b", 100, 100, {2, 3}));
  // b got partition 0 in a rebalance a has not reported yet.
  m.Apply(Member("b", 500, 500, {0, 2, 3}));
  EXPECT_EQ(m.ownership().Owner({"orders", 0})->member_id, "b");
  EXPECT_EQ(m.ownership().Owner({"orders", 1})->member_id, "a");
  EXPECT_EQ(m.Leader({"orders", 0})->member_id, "b");
  // Equal assignment times: the larger id wins, on every instance alike.
  m.Apply(Member("c", 500, 600, {3}));
  EXPECT_EQ(m.ownership().Owner({"orders", 3})->member_id, "c");
}

TEST(MembershipTest, ALeavingMemberIsForgottenAtOnce) {
  Membership m(3000);
  m.Apply(Member("a", 100, 100, {0, 1}));
  m.Apply(Member("b", 100, 100, {2, 3}));
  MemberRecord bye = Member("a", 100, 200, {});
  bye.leaving = true;
  m.Apply(bye);
  EXPECT_EQ(m.members().size(), 1u);
  EXPECT_FALSE(m.ownership().Owner({"orders", 0}).has_value());
  EXPECT_FALSE(m.Leader({"orders", 0}).has_value());
}

TEST(MembershipTest, SilentMembersAreDroppedAfterTheTimeout) {
  Membership m(3000);
  m.Apply(Member("a", 100, 1000, {0}));
  m.Apply(Member("b", 100, 1000, {1}));
  m.Apply(Member("b", 100, 3500, {1}));  // heartbeat
  EXPECT_TRUE(m.Expire(4000).empty());
  EXPECT_EQ(m.Expire(4001), std::vector<std::string>{"a"});
  EXPECT_EQ(m.members().size(), 1u);
  EXPECT_FALSE(m.ownership().Owner({"orders", 0}).has_value());
}

TEST(MembershipTest, AnOlderRecordDoesNotReplaceANewerOne) {
  Membership m(3000);
  m.Apply(Member("a", 500, 900, {0, 1}));
  m.Apply(Member("a", 100, 800, {0}));
  EXPECT_EQ(m.members().at("a").partitions.size(), 2u);
}

}  // namespace
}  // namespace segd

#include "segd/cluster/standby_placement.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

const std::map<std::string, std::set<int32_t>> kThree = {
    {"a", {0, 1, 2}}, {"b", {3, 4}}, {"c", {5}}};

TEST(StandbyPlacementTest, OneReplicaIsKeptByTheNextMember) {
  EXPECT_EQ(StandbyPartitions(kThree, "a", 1), (std::vector<int32_t>{5}));        // c's
  EXPECT_EQ(StandbyPartitions(kThree, "b", 1), (std::vector<int32_t>{0, 1, 2}));  // a's
  EXPECT_EQ(StandbyPartitions(kThree, "c", 1), (std::vector<int32_t>{3, 4}));     // b's
}

TEST(StandbyPlacementTest, EveryPartitionHasExactlyTheAskedReplicasNeverItsOwner) {
  const std::map<std::string, std::set<int32_t>> members = {
      {"m0", {0, 4}}, {"m1", {1, 5}}, {"m2", {2}}, {"m3", {3}}, {"m4", {}}};
  for (int replicas = 1; replicas <= 4; ++replicas) {
    std::map<int32_t, int> copies;
    for (const auto& [id, owned] : members) {
      for (int32_t p : StandbyPartitions(members, id, replicas)) {
        EXPECT_FALSE(owned.contains(p)) << id << " keeps a standby of its own partition " << p;
        ++copies[p];
      }
    }
    for (int32_t p = 0; p < 6; ++p) EXPECT_EQ(copies[p], replicas) << "partition " << p;
  }
}

TEST(StandbyPlacementTest, NoReplicasOrUnknownSelfOrMoreReplicasThanPeers) {
  EXPECT_TRUE(StandbyPartitions(kThree, "a", 0).empty());
  EXPECT_TRUE(StandbyPartitions(kThree, "zz", 1).empty());
  EXPECT_EQ(StandbyPartitions(kThree, "a", 5), (std::vector<int32_t>{3, 4, 5}));
  EXPECT_TRUE(StandbyPartitions({{"a", {0, 1}}}, "a", 1).empty());
}

}  // namespace
}  // namespace segd

#include "segd/audience/snapshot_registry.h"

#include <gtest/gtest.h>

#include <set>

namespace segd {
namespace {

class SnapshotRegistryTest : public ::testing::Test {
 protected:
  int64_t now_ = 1000;
  SnapshotRegistry<int> registry_{{.max_open = 2, .idle_ms = 300}, [this] { return now_; }};
};

TEST_F(SnapshotRegistryTest, FindReturnsTheSnapshotOpenedUnderItsId) {
  auto a = registry_.Open(std::make_shared<int>(7));
  auto b = registry_.Open(std::make_shared<int>(8));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), 32u);  // 128 random bits
  ASSERT_NE(registry_.Find(*a), nullptr);
  EXPECT_EQ(*registry_.Find(*a), 7);
  EXPECT_EQ(*registry_.Find(*b), 8);
  EXPECT_EQ(registry_.Find("0123"), nullptr);
}

TEST_F(SnapshotRegistryTest, SnapshotExpiresAfterIdleTimeAndUseRestartsIt) {
  auto a = registry_.Open(std::make_shared<int>(1));
  auto b = registry_.Open(std::make_shared<int>(2));
  now_ += 299;
  EXPECT_NE(registry_.Find(*a), nullptr);  // used: idle again from now
  now_ += 299;
  EXPECT_NE(registry_.Find(*a), nullptr);
  EXPECT_EQ(registry_.Find(*b), nullptr);  // unused for 598 ms
  now_ += 300;
  EXPECT_EQ(registry_.Find(*a), nullptr);  // exactly idle_ms: gone
  EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(SnapshotRegistryTest, CapRefusesNewSnapshotsUntilOneClosesOrExpires) {
  auto a = registry_.Open(std::make_shared<int>(1));
  auto b = registry_.Open(std::make_shared<int>(2));
  auto c = registry_.Open(std::make_shared<int>(3));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(c.status().message(), "2 listings are open, the most there may be");
  registry_.Close(*a);
  EXPECT_EQ(registry_.Find(*a), nullptr);
  auto d = registry_.Open(std::make_shared<int>(4));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(registry_.Open(std::make_shared<int>(5)).ok());
  now_ += 300;  // b and d expire
  EXPECT_TRUE(registry_.Open(std::make_shared<int>(6)).ok());
  EXPECT_EQ(registry_.size(), 1u);
}

TEST_F(SnapshotRegistryTest, ReaderKeepsItsSnapshotAfterClose) {
  auto a = registry_.Open(std::make_shared<int>(9));
  std::shared_ptr<const int> held = registry_.Find(*a);
  registry_.Close(*a);
  EXPECT_EQ(*held, 9);
}

}  // namespace
}  // namespace segd

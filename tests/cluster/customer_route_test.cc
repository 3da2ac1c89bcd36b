#include "segd/cluster/customer_route.h"

#include <gtest/gtest.h>

namespace segd {
namespace {

// Routes by the id's first letter: l = local, u = unavailable, else forwarded to http://<c>.
class FakeLocator : public CustomerLocator {
 public:
  CustomerRoute Locate(std::string_view id) const override {
    if (id[0] == 'l') return {CustomerRoute::Kind::kLocal};
    if (id[0] == 'u') return {CustomerRoute::Kind::kUnavailable, "", std::string(id) + " moving"};
    return {CustomerRoute::Kind::kForward, "http://" + std::string(1, id[0])};
  }
  void CountForwarded() const override {}
};

TEST(SplitByOwnerTest, GroupsIdsByOwnerInRequestOrder) {
  const std::vector<std::string> ids = {"a1", "l1", "b1", "a2", "l2", "b2", "a3"};
  const BatchRoutes r = SplitByOwner(ids, FakeLocator());
  EXPECT_EQ(r.local, (std::vector<size_t>{1, 4}));
  ASSERT_EQ(r.forward.size(), 2u);
  EXPECT_EQ(r.forward.at("http://a"), (std::vector<size_t>{0, 3, 6}));
  EXPECT_EQ(r.forward.at("http://b"), (std::vector<size_t>{2, 5}));
  EXPECT_TRUE(r.unavailable.empty());
}

TEST(SplitByOwnerTest, ReportsUnavailableIdsWithTheFirstReason) {
  const BatchRoutes r = SplitByOwner({"l1", "u1", "a1", "u2"}, FakeLocator());
  EXPECT_EQ(r.unavailable, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(r.unavailable_reason, "u1 moving");
  EXPECT_EQ(r.local, (std::vector<size_t>{0}));
}

}  // namespace
}  // namespace segd

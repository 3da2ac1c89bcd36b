// Paging through a memory store's snapshot while customers are written between pages.
#include "segd/audience/audience_page.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

std::string Id(int i) {
  char s[16];
  std::snprintf(s, sizeof(s), "c%05d", i);
  return s;
}

// Writes `order_count` for each customer in one commit.
void Write(MemoryStateStore* store, const std::map<std::string, uint32_t>& counts) {
  std::vector<CustomerRecord> records;
  records.reserve(counts.size());
  StateDelta delta;
  for (const auto& [id, n] : counts) {
    records.push_back({.state = {.order_count = n}});
  }
  size_t i = 0;
  for (const auto& [id, n] : counts) delta.customers.emplace_back(id, &records[i++]);
  ASSERT_TRUE(store->Commit(delta).ok());
}

// Members: customers with an even order count.
bool Even(std::string_view, const CustomerState& s) { return s.order_count % 2 == 0; }

class AudiencePageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, uint32_t> counts;
    for (int i = 0; i < 200; i += 2) counts[Id(i)] = uint32_t(i % 7);
    Write(&store_, counts);
    for (const auto& [id, n] : counts) {
      if (n % 2 == 0) members_.insert(id);
    }
    auto snapshot = store_.SnapshotCustomers();
    ASSERT_TRUE(snapshot.ok());
    snapshot_ = *snapshot;
  }

  // Walks the snapshot in pages; before each page after the first, `between(page)` runs.
  std::vector<std::string> Walk(size_t page_size, size_t max_scanned,
                                const std::function<void(int)>& between, int* pages) {
    std::vector<std::string> seen;
    std::string after;
    *pages = 0;
    while (true) {
      if (*pages > 0) between(*pages);
      auto page = ReadAudiencePage(
          *snapshot_, {.after = after, .page_size = page_size, .max_scanned = max_scanned},
          [&](std::string_view id, const CustomerRecord& r) {
            if (!Even(id, r.state)) return false;
            seen.emplace_back(id);
            return true;
          });
      EXPECT_TRUE(page.ok());
      ++*pages;
      EXPECT_LE(page->taken, page_size);
      if (page->done) {
        EXPECT_EQ(page->next_after, "");
        return seen;
      }
      EXPECT_GT(page->next_after, after);
      after = page->next_after;
    }
  }

  MemoryStateStore store_;
  std::set<std::string> members_;  // at the snapshot
  std::shared_ptr<const CustomerSnapshot> snapshot_;
};

TEST_F(AudiencePageTest, EveryMemberOnceWhileCustomersAreWrittenBetweenPages) {
  ASSERT_EQ(members_.size(), 58u);
  int pages = 0;
  const auto seen = Walk(
      7, 0,
      [&](int page) {
        // New customers between the old ones (odd ids), even ones among
        // them, and every old customer flipped out of or into the segment.
        std::map<std::string, uint32_t> counts;
        for (int i = 0; i < 200; i += 2) counts[Id(i)] = uint32_t(i % 7 + 1);
        for (int i = 1; i < 200; i += 2) counts[Id(i)] = uint32_t(2 * page);
        counts[Id(1000 + page)] = 0;
        Write(&store_, counts);
      },
      &pages);
  EXPECT_EQ(pages, 9);  // 58 members, 7 a page, the last page ends at the store's end
  EXPECT_EQ(seen.size(), members_.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), members_);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(AudiencePageTest, BoundedScanGivesShortPagesButTheSameMembers) {
  int pages = 0;
  const auto seen = Walk(
      50, 10, [](int) {}, &pages);
  EXPECT_EQ(pages, 10);  // 100 customers, 10 read a page, whatever they hold
  EXPECT_EQ(std::vector<std::string>(members_.begin(), members_.end()), seen);
}

TEST_F(AudiencePageTest, PageThatFillsAtTheLastCustomerEndsTheListing) {
  int pages = 0;
  const auto seen = Walk(
      58, 0, [](int) {}, &pages);
  EXPECT_EQ(pages, 1);  // no empty page after it
  EXPECT_EQ(seen.size(), 58u);
}

TEST_F(AudiencePageTest, CustomersAddedAfterTheSnapshotAreNotListed) {
  Write(&store_, {{Id(1), 2}, {Id(3), 4}, {Id(999), 0}});
  int pages = 0;
  const auto seen = Walk(
      1000, 0, [](int) {}, &pages);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), members_);
  auto now = store_.SnapshotCustomers();
  ASSERT_TRUE(now.ok());
  size_t customers = 0;
  ASSERT_TRUE((*now)
                  ->Scan("",
                         [&](std::string_view, const CustomerRecord&) {
                           ++customers;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(customers, 103u);  // a new snapshot sees them
}

}  // namespace
}  // namespace segd

#include "segd/model/baseline_trainer.h"

#include <gtest/gtest.h>

#include "segd/event/event_time.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2018-10-01T00:00:00Z").value();

// Three groups: recent repeat big spenders, recent one-time buyers, lapsed one-time buyers.
// `scale` multiplies amounts (a mild change that must not reshuffle segment ids).
void Fill(MemoryStateStore* store, double scale, int offset) {
  std::vector<std::string> ids;
  std::vector<CustomerState> states;
  for (int i = 0; i < 300; ++i) {
    CustomerState s;
    const int g = (i + offset) % 3;
    s.order_count = g == 0 ? 4 + i % 3 : 1;
    s.total_amount = scale * (g == 0 ? 900 + i % 50 : 60 + i % 20);
    s.last_order_ms = kNow - (g == 2 ? 500 + i % 60 : 10 + i % 20) * kMillisPerDay;
    s.first_order_ms = s.last_order_ms - 30 * kMillisPerDay;
    states.push_back(s);
    ids.push_back("c" + std::to_string(i));
  }
  std::vector<CustomerRecord> records(states.size());
  StateDelta d;
  for (size_t i = 0; i < ids.size(); ++i) {
    records[i].state = states[i];
    d.customers.emplace_back(ids[i], &records[i]);
  }
  ASSERT_TRUE(store->Commit(d).ok());
}

int SegmentNamed(const BaselineModel& m, const std::string& name) {
  for (int c = 0; c < m.k(); ++c) {
    if (m.names[c] == name) return c;
  }
  return -1;
}

TEST(BaselineTrainerTest, FitsNamesAndPersistsVersionedBaselines) {
  MemoryStateStore store;
  Fill(&store, 1.0, 0);
  const TrainOptions o{.k = 3, .n_init = 4, .seed = 1};
  auto v1 = TrainBaseline(store, kNow, FeatureSpec::Default(), o, nullptr);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version, 1u);
  EXPECT_EQ(v1->population, 300u);
  EXPECT_EQ(v1->sizes, (std::vector<uint64_t>(3, 100)));
  const int big = SegmentNamed(*v1, "recent, repeat, high spend");
  const int lapsed = SegmentNamed(*v1, "lapsed, one-time, low spend");
  ASSERT_GE(big, 0) << v1->names[0] << " | " << v1->names[1] << " | " << v1->names[2];
  ASSERT_GE(lapsed, 0);
  EXPECT_GT(v1->centroids_original[big][2], 800);  // monetary back in currency units
  ASSERT_TRUE(SaveBaseline(store, *v1, 5).ok());

  auto loaded = LoadCurrentBaseline(store);
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((*loaded)->Encode(), v1->Encode());

  // A retrain on a somewhat changed population keeps each segment's id.
  MemoryStateStore changed;
  Fill(&changed, 1.3, 1);  // groups rotate over customers; amounts up 30%
  auto v2 = TrainBaseline(changed, kNow, FeatureSpec::Default(), {.k = 3, .n_init = 4, .seed = 9},
                          &**loaded);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2u);
  EXPECT_EQ(SegmentNamed(*v2, "recent, repeat, high spend"), big);
  EXPECT_EQ(SegmentNamed(*v2, "lapsed, one-time, low spend"), lapsed);

  ASSERT_TRUE(SaveBaseline(store, *v2, 1).ok());  // keep only the newest
  auto versions = ListBaselineVersions(store);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(*versions, std::vector<uint64_t>{2});
  EXPECT_FALSE(LoadBaseline(store, 1)->has_value());
  EXPECT_EQ((*LoadCurrentBaseline(store))->version, 2u);
}

TEST(BaselineTrainerTest, RefusesTooSmallPopulations) {
  MemoryStateStore store;
  auto m = TrainBaseline(store, kNow, FeatureSpec::Default(), {.k = 3}, nullptr);
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
}

TEST(BaselineModelTest, CorruptBytesAreDataLoss) {
  BaselineModel m;
  m.version = 7;
  m.spec = FeatureSpec::Default();
  m.spec.features[2].weight = 2.0;  // the scaler's weights are the spec's (stored once)
  m.scaler = Scaler(Eigen::Vector3d(1, 2, 3), Eigen::Vector3d(4, 5, 6), Eigen::Vector3d(1, 1, 2));
  m.centroids = RowMatrix::Constant(2, 3, 0.5);
  m.sizes = {3, 4};
  m.names = {"a", "b c"};
  m.centroids_original = {{1, 2, 3}, {4, 5, 6}};
  std::string bytes = m.Encode();
  auto back = BaselineModel::Decode(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Encode(), bytes);
  EXPECT_EQ(back->names[1], "b c");
  EXPECT_EQ(back->scaler.weight()[2], 2.0);
  EXPECT_EQ(BaselineModel::Decode(bytes.substr(0, bytes.size() - 1)).status().code(),
            StatusCode::kDataLoss);
}

TEST(BaselineTrainerTest, RowsOfSeveralStoresMergeIntoTheSameFitAsOneStore) {
  MemoryStateStore whole;
  Fill(&whole, 1.0, 0);
  // The same customers split over three stores (instances), as a hash of the id would.
  std::vector<MemoryStateStore> parts(3);
  ASSERT_TRUE(whole
                  .ScanCustomers([&](std::string_view id, const CustomerState& s) {
                    const std::string key(id);  // the delta holds a view of it
                    const CustomerRecord r{.state = s};
                    StateDelta d;
                    d.customers.emplace_back(key, &r);
                    EXPECT_TRUE(parts[std::hash<std::string_view>{}(id) % 3].Commit(d).ok());
                    return true;
                  })
                  .ok());
  std::vector<FeatureRows> rows(3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(CollectFeatureRows(parts[i], kNow, FeatureSpec::Default(), nullptr, &rows[i]).ok());
    EXPECT_GT(rows[i].ids.size(), 50u);
  }
  const TrainOptions o{.k = 3, .n_init = 4, .seed = 1};
  auto one = TrainBaseline(whole, kNow, FeatureSpec::Default(), o, nullptr);
  auto group =
      FitBaseline(MergeFeatureRows(std::move(rows)), kNow, FeatureSpec::Default(), o, nullptr);
  ASSERT_TRUE(one.ok() && group.ok());
  group->trained_unix_ms = one->trained_unix_ms;
  EXPECT_EQ(group->Encode(), one->Encode());  // bit for bit

  // A filter keeps a member to its own customers.
  FeatureRows some;
  ASSERT_TRUE(CollectFeatureRows(
                  whole, kNow, FeatureSpec::Default(),
                  [](std::string_view id) { return id.ends_with('7'); }, &some)
                  .ok());
  EXPECT_EQ(some.ids.size(), 30u);
  for (const std::string& id : some.ids) EXPECT_TRUE(id.ends_with('7'));
}

TEST(BaselineTrainerTest, AnAdoptedVersionReplacesLocalVersionsAtOrPastIt) {
  MemoryStateStore store;
  Fill(&store, 1.0, 0);
  const TrainOptions o{.k = 3, .n_init = 2, .seed = 1};
  auto v1 = TrainBaseline(store, kNow, FeatureSpec::Default(), o, nullptr);
  ASSERT_TRUE(v1.ok());
  ASSERT_TRUE(SaveBaseline(store, *v1, 5).ok());
  auto v2 = TrainBaseline(store, kNow, FeatureSpec::Default(), o, &*v1);
  ASSERT_TRUE(v2.ok());
  ASSERT_TRUE(SaveBaseline(store, *v2, 5).ok());
  // The group's v1 (fitted elsewhere) arrives: it becomes current, the local v2 goes.
  BaselineModel group = *v1;
  group.trained_unix_ms += 1;
  ASSERT_TRUE(SaveBaseline(store, group, 5).ok());
  EXPECT_EQ(*ListBaselineVersions(store), std::vector<uint64_t>{1});
  auto current = LoadCurrentBaseline(store);
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->Encode(), group.Encode());
}

}  // namespace
}  // namespace segd

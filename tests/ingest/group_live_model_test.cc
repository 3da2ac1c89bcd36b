// One live model for several instances, through the pipeline: two pipelines that each consume
// half of the partitions and exchange their contributions end with the centres of one pipeline
// that consumed everything; alone, a pipeline's live model is exactly what it always was.
#include <gtest/gtest.h>

#include <algorithm>

#include "segd/ingest/ingest_pipeline.h"
#include "segd/model/baseline_trainer.h"
#include "segd/model/nearest_centroid.h"
#include "segd/state/memory_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();
constexpr int kPartitions = 4;

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

// The history in event-time order, keyed to kPartitions partitions (a customer's events stay in
// one partition, in order); offsets per partition.
std::vector<RawMessage> Stream(int customers, uint64_t seed) {
  std::vector<testing::KeyedEvent> events = testing::MakeHistory(customers, seed);
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.event.time_ms < b.event.time_ms; });
  std::vector<RawMessage> out;
  int64_t offsets[kPartitions] = {};
  for (const testing::KeyedEvent& e : events) {
    const int32_t p = int32_t(std::hash<std::string>()(e.key) % kPartitions);
    out.push_back({"orders", p, offsets[p]++, true, e.key, e.json});
  }
  return out;
}

std::vector<RawMessage> OfPartitions(std::span<const RawMessage> messages, int32_t first,
                                     int32_t last) {
  std::vector<RawMessage> out;
  for (const RawMessage& m : messages) {
    if (m.partition >= first && m.partition <= last) out.push_back(m);
  }
  return out;
}

struct Instance {
  explicit Instance(const BaselineModel& baseline) {
    EXPECT_TRUE(SaveBaseline(store, baseline, 3).ok());
    EXPECT_TRUE(
        pipeline.Load({.live = {.batch_events = 50, .minibatch = {.half_life_days = 30}}}).ok());
  }
  MemoryStateStore store;
  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline pipeline{{}, &store, &dlq, &stats, [] { return kNow; }};
};

// A baseline fitted on the first third of the stream.
BaselineModel FitBaseline(std::span<const RawMessage> messages) {
  MemoryStateStore store;
  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline p({}, &store, &dlq, &stats, [] { return kNow; });
  EXPECT_TRUE(p.Load().ok());
  EXPECT_TRUE(p.Process(messages.first(messages.size() / 3)).ok());
  auto baseline = TrainBaseline(store, p.watermark_ms(), FeatureSpec::Default(),
                                {.k = 4, .n_init = 2, .seed = 4}, nullptr);
  EXPECT_TRUE(baseline.ok()) << baseline.status().ToString();
  return std::move(*baseline);
}

PeerStatistics Owning(std::vector<int32_t> partitions, const Instance& owner) {
  PeerStatistics peers{.contributions = owner.pipeline.live_snapshot()->contributions};
  for (int32_t p : partitions) peers.partitions.push_back({"orders", p});
  return peers;
}

// One exchange round: a owns partitions 0 and 1, b 2 and 3; each gets the other's statistics.
void Exchange(Instance& a, Instance& b) {
  a.pipeline.SetPeerStatistics(Owning({2, 3}, b));
  b.pipeline.SetPeerStatistics(Owning({0, 1}, a));
  ASSERT_TRUE(a.pipeline.RunRequestedWork().ok());
  ASSERT_TRUE(b.pipeline.RunRequestedWork().ok());
}

// Share of the customers in `store` that `a` and `b` put in the same segment.
double Agreement(MemoryStateStore& store, const BaselineModel& baseline, const RowMatrix& a,
                 const RowMatrix& b, int64_t watermark_ms) {
  int same = 0, all = 0;
  std::vector<double> row(baseline.spec.features.size());
  EXPECT_TRUE(store
                  .ScanCustomers([&](std::string_view, const CustomerState& c) {
                    if (!ExtractFeatures(baseline.spec, c, watermark_ms, row.data())) return true;
                    baseline.scaler.TransformRow(row.data());
                    same += NearestCentroid(a, row.data()) == NearestCentroid(b, row.data());
                    ++all;
                    return true;
                  })
                  .ok());
  return all == 0 ? 0.0 : double(same) / all;
}

TEST(GroupLiveModelTest, TwoHalvesExchangingContributionsMatchOneInstanceFedEverything) {
  const std::vector<RawMessage> messages = Stream(4000, 21);
  const BaselineModel baseline = FitBaseline(messages);
  Instance single(baseline), a(baseline), b(baseline);
  // Exchange every 400 messages of the stream (about a tenth of a live update per partition).
  constexpr size_t kRound = 400;
  // Up to three quarters of the stream: its tail is sparse (late reviews and repeat orders), and
  // there a single instance's last mini-batch is days later than either half's.
  const size_t end = messages.size() * 3 / 4;
  for (size_t i = 0; i < end; i += kRound) {
    const auto part = std::span(messages).subspan(i, std::min(kRound, end - i));
    ASSERT_TRUE(single.pipeline.Process(part).ok());
    ASSERT_TRUE(a.pipeline.Process(OfPartitions(part, 0, 1)).ok());
    ASSERT_TRUE(b.pipeline.Process(OfPartitions(part, 2, 3)).ok());
    Exchange(a, b);
  }
  Exchange(a, b);
  const RowMatrix& s = single.pipeline.live().model().centroids();
  const RowMatrix& ca = a.pipeline.live().model().centroids();
  const RowMatrix& cb = b.pipeline.live().model().centroids();
  ASSERT_GT(single.pipeline.live().model().updates(), 100u);
  EXPECT_EQ(a.pipeline.live().peers().contributions.size(), 2u);
  // After the last round both instances merged the same contributions: the same centres.
  EXPECT_EQ(ca, cb);
  EXPECT_EQ(a.pipeline.live_snapshot()->centroids, cb);
  // The same statistics as the single instance, up to the assignments made against centres
  // one round behind: close in the scaled space, and the same segment for >= 99% of customers.
  const double moved = (s - baseline.centroids).cwiseAbs().maxCoeff();
  const double apart = (s - ca).cwiseAbs().maxCoeff();
  EXPECT_GT(moved, 0.05);
  // Measured: the single instance's centres moved 0.34 (scaled units) from the baseline's, the
  // group's are 0.023 from the single instance's; 99.93% of customers get the same segment.
  EXPECT_GT(moved, 0.2);
  EXPECT_LT(apart, 0.05) << "single\n" << s << "\ngroup\n" << ca;
  EXPECT_GE(Agreement(single.store, baseline, s, ca, single.pipeline.watermark_ms()), 0.99);
}

TEST(GroupLiveModelTest, AloneThePipelineKeepsItsOwnModelBitForBit) {
  const std::vector<RawMessage> messages = Stream(1500, 5);
  const BaselineModel baseline = FitBaseline(messages);
  Instance plain(baseline), alone(baseline);
  for (size_t i = 0; i < messages.size(); i += 300) {
    const auto part = std::span(messages).subspan(i, std::min<size_t>(300, messages.size() - i));
    ASSERT_TRUE(plain.pipeline.Process(part).ok());
    ASSERT_TRUE(alone.pipeline.Process(part).ok());
    alone.pipeline.SetPeerStatistics({});  // what the exchange hands over without peers
    ASSERT_TRUE(alone.pipeline.RunRequestedWork().ok());
  }
  EXPECT_EQ(alone.pipeline.live().Encode(), plain.pipeline.live().Encode());
  EXPECT_EQ(alone.pipeline.live().model(), plain.pipeline.live().model());
}

TEST(GroupLiveModelTest, StoredContributionsSurviveARestartAndAnOldBlobLoadsWithNone) {
  const std::vector<RawMessage> messages = Stream(1200, 8);
  const BaselineModel baseline = FitBaseline(messages);
  Instance one(baseline);
  ASSERT_TRUE(one.pipeline.Process(messages).ok());
  const LiveSegmentation& live = one.pipeline.live();
  ASSERT_EQ(live.own().contributions().size(), size_t(kPartitions));
  auto shared = std::make_shared<const BaselineModel>(baseline);
  LiveSegmentation back({.batch_events = 50});
  ASSERT_TRUE(back.Decode(live.Encode(), shared).ok());
  EXPECT_EQ(back.own().contributions(), live.own().contributions());
  EXPECT_EQ(back.model(), live.model());
  EXPECT_EQ(back.Encode(), live.Encode());
  // The first layout: version byte 1, baseline version, no pending points, the model.
  std::string v1(1, '\1');
  const uint64_t version = baseline.version;
  const uint32_t pending = 0;
  v1.append(reinterpret_cast<const char*>(&version), 8);
  v1.append(reinterpret_cast<const char*>(&pending), 4);
  v1 += live.model().Encode();
  LiveSegmentation old({.batch_events = 50});
  ASSERT_TRUE(old.Decode(v1, shared).ok());
  EXPECT_EQ(old.model(), live.model());
  EXPECT_TRUE(old.own().contributions().empty());
}

TEST(GroupLiveModelTest, APartitionAPeerOwnsCountsOnlyFromThePeer) {
  const std::vector<RawMessage> messages = Stream(1200, 9);
  const BaselineModel baseline = FitBaseline(messages);
  Instance one(baseline);
  ASSERT_TRUE(one.pipeline.Process(messages).ok());
  LiveSegmentation live = one.pipeline.live();
  const std::vector<LiveContribution>& own = live.own().contributions();
  ASSERT_EQ(own.size(), size_t(kPartitions));
  auto merge = [&](std::vector<const LiveContribution*> all) {
    const std::vector<double> sizes(baseline.sizes.begin(), baseline.sizes.end());
    return MergeLiveContributions(baseline.version, baseline.centroids, sizes,
                                  live.model().options(), all)
        .centroids;
  };
  std::vector<const LiveContribution*> mine;
  for (const LiveContribution& c : own) {
    if (c.partition.partition != 3) mine.push_back(&c);
  }
  // Partition 3 moved to a peer that has fed nothing from it yet: ours for it is left out (and
  // kept).
  live.MergePeers({.partitions = {{"orders", 3}}});
  EXPECT_EQ(live.model().centroids(), merge(mine));
  EXPECT_EQ(live.own().contributions().size(), size_t(kPartitions));
  // The peer's contribution for it counts instead.
  LiveContribution theirs = own[0];
  theirs.partition = {"orders", 3};
  live.MergePeers({.partitions = {{"orders", 3}}, .contributions = {theirs}});
  mine.push_back(&theirs);
  EXPECT_EQ(live.model().centroids(), merge(mine));
  // Stored with the peers it merged, and back.
  LiveSegmentation back({.batch_events = 50});
  ASSERT_TRUE(back.Decode(live.Encode(), std::make_shared<const BaselineModel>(baseline)).ok());
  EXPECT_EQ(back.peers(), live.peers());
  EXPECT_EQ(back.Encode(), live.Encode());
  // The peer leaves: alone, everything of ours counts again.
  live.MergePeers({});
  std::vector<const LiveContribution*> all;
  for (const LiveContribution& c : own) all.push_back(&c);
  EXPECT_EQ(live.model().centroids(), merge(all));
  EXPECT_TRUE(live.peers().empty());
}

}  // namespace
}  // namespace segd

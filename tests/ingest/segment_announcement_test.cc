// Segment-change events from the pipeline (in-memory store, a recording sink): each customer's
// events form one chain that ends at its announced segment, a new baseline relabels, and a sink
// that fails loses nothing.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/memory_state_store.h"
#include "testing/test_history.h"

namespace segd {
namespace {

using nlohmann::json;

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

// Records what it is sent once flushed. With `fail_at` = n, the n-th Flush delivers half of
// what was queued and fails (the brokers acknowledged some, then went away).
class RecordingSink : public SegmentChangeSink {
 public:
  explicit RecordingSink(std::vector<Announcement>* out, int fail_at = 0)
      : out_(out), fail_at_(fail_at) {}
  Status Send(std::span<const Announcement> announcements) override {
    queued_.insert(queued_.end(), announcements.begin(), announcements.end());
    return Status::Ok();
  }
  Status Flush() override {
    const bool fail = ++flushes_ == fail_at_;
    const size_t n = fail ? queued_.size() / 2 : queued_.size();
    out_->insert(out_->end(), queued_.begin(), queued_.begin() + n);
    queued_.clear();
    return fail ? Unavailable("brokers went away") : Status::Ok();
  }

 private:
  std::vector<Announcement>* out_;
  std::vector<Announcement> queued_;
  int fail_at_;
  int flushes_ = 0;
};

std::vector<RawMessage> Messages(const std::vector<testing::KeyedEvent>& events) {
  std::vector<RawMessage> out;
  for (size_t i = 0; i < events.size(); ++i) {
    out.push_back({"orders", 0, int64_t(i), true, events[i].key, events[i].json});
  }
  return out;
}

ModelLifecycleOptions Bootstrapping() {
  return {.live = {.batch_events = 50},
          .train = {.k = 3, .n_init = 2, .seed = 4},
          .bootstrap_min_customers = 120};
}

struct Instance {
  Instance(MemoryStateStore* store, SegmentChangeSink* sink)
      : pipeline({}, store, &dlq, &stats, [] { return kNow; }) {
    pipeline.SetAnnouncements({.sink = sink,
                               .source = "/segd/test",
                               .relabel_chunk_customers = 37,
                               .partition_of = [](std::string_view) { return 0; }});
  }
  NoDeadLetters dlq;
  IngestStats stats;
  IngestPipeline pipeline;
};

// Processes messages[from..) in slices of `slice`, relabelling between them as the loop does.
Status Feed(IngestPipeline& p, const std::vector<RawMessage>& messages, size_t from, size_t slice) {
  for (size_t i = from; i < messages.size(); i += slice) {
    SEGD_RETURN_IF_ERROR(
        p.Process(std::span(messages).subspan(i, std::min(slice, messages.size() - i)), 16));
    SEGD_RETURN_IF_ERROR(p.RunRequestedWork());
    SEGD_RETURN_IF_ERROR(p.RelabelStep());
  }
  while (p.relabel_pending()) SEGD_RETURN_IF_ERROR(p.RelabelStep());
  return Status::Ok();
}

// Checks every customer's events: the same id always carries the same event; without the
// repeats, each one's `previous` is the segment of the one before (null first), never equal
// to its `segment`; the last one received (repeats included) is the stored announced segment.
// Returns the events by cause.
std::map<std::string, int> CheckChains(const std::vector<Announcement>& sent,
                                       MemoryStateStore& store) {
  std::map<std::string, std::string> by_id;
  std::map<std::string, std::vector<json>> chains;
  std::map<std::string, int> causes;
  std::map<std::string, json> last;
  for (const Announcement& a : sent) {
    const json e = json::parse(a.value);
    EXPECT_EQ(e["subject"], a.key);
    EXPECT_EQ(e["type"], "customer.segment.changed.v1");
    auto [it, fresh] = by_id.emplace(e["id"].get<std::string>(), a.value);
    EXPECT_EQ(it->second, a.value) << "one id, two events";
    last[a.key] = e["data"]["segment"];  // repeats included: what a consumer ends with
    if (!fresh) continue;
    chains[a.key].push_back(e);
    ++causes[e["data"]["cause"].get<std::string>()];
  }
  std::vector<std::string_view> ids;
  for (const auto& [id, chain] : chains) ids.push_back(id);
  std::vector<std::optional<CustomerRecord>> records;
  EXPECT_TRUE(store.GetRecords(ids, &records).ok());
  size_t i = 0;
  for (const auto& [id, chain] : chains) {
    json previous = nullptr;
    for (const json& e : chain) {
      EXPECT_EQ(e["data"]["previous"], previous) << id;
      EXPECT_NE(e["data"]["segment"], previous) << id;
      previous = e["data"]["segment"];
    }
    EXPECT_EQ(last[id], previous) << id;
    EXPECT_TRUE(records[i].has_value());
    if (records[i]) EXPECT_EQ(records[i]->announced.segment, previous["id"].get<int>()) << id;
    ++i;
  }
  // Every customer with a segment was announced.
  uint64_t announced = 0;
  EXPECT_TRUE(store
                  .ScanRecords("",
                               [&](std::string_view id, const CustomerRecord& r) {
                                 if (r.announced.segment >= 0) {
                                   ++announced;
                                   EXPECT_TRUE(chains.contains(std::string(id))) << id;
                                 }
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(announced, chains.size());
  return causes;
}

TEST(SegmentAnnouncementTest, EachCustomersEventsChainToItsAnnouncedSegment) {
  const auto messages = Messages(testing::MakeHistory(600, 21));
  MemoryStateStore store;
  std::vector<Announcement> sent;
  RecordingSink sink(&sent);
  Instance a(&store, &sink);
  ASSERT_TRUE(a.pipeline.Load(Bootstrapping()).ok());
  a.pipeline.SetAnnouncedPartitions({0});
  const size_t half = messages.size() / 2;
  ASSERT_TRUE(Feed(a.pipeline, std::vector(messages.begin(), messages.begin() + half), 0, 64).ok());
  // A retrain half-way: every customer is looked at again under baseline 2.
  auto retrain = a.pipeline.RequestRetrain(RetrainTrigger::kAdmin);
  ASSERT_TRUE(a.pipeline.RunRequestedWork().ok());
  ASSERT_EQ(retrain.get().value(), 2u);
  EXPECT_TRUE(a.pipeline.relabel_pending());
  ASSERT_TRUE(Feed(a.pipeline, messages, half, 64).ok());
  const auto causes = CheckChains(sent, store);
  EXPECT_GT(causes.at("relabel"), 100);  // the bootstrap's: everyone before it
  EXPECT_GT(causes.at("event"), 100);
  EXPECT_EQ(a.stats.segment_changes[0].load(), uint64_t(causes.at("event")));
  EXPECT_EQ(a.stats.segment_changes[1].load(), uint64_t(causes.at("relabel")));
  EXPECT_EQ(a.stats.announcements_sent.load(), sent.size());
  // Events under baseline 2 came from both causes.
  int relabelled_v2 = 0;
  for (const Announcement& e : sent) {
    const json j = json::parse(e.value);
    relabelled_v2 += j["data"]["cause"] == "relabel" && j["data"]["model"]["baseline_version"] == 2;
  }
  EXPECT_GT(relabelled_v2, 0);
}

TEST(SegmentAnnouncementTest, EventsOfAFailedSendAreSentAgainAfterARestart) {
  const auto messages = Messages(testing::MakeHistory(600, 22));
  for (int fail_at = 2; fail_at < 16; ++fail_at) {
    SCOPED_TRACE(fail_at);
    MemoryStateStore store;
    std::vector<Announcement> sent;
    {
      RecordingSink failing(&sent, fail_at);
      Instance a(&store, &failing);
      ASSERT_TRUE(a.pipeline.Load(Bootstrapping()).ok());
      a.pipeline.SetAnnouncedPartitions({0});
      Status s = Feed(a.pipeline, messages, 0, 64);
      ASSERT_FALSE(s.ok());  // the failed send stops the pipeline, as it stops segd
      EXPECT_NE(s.code(), StatusCode::kUnavailable);  // fatal, never retried in place
    }
    const size_t before_restart = sent.size();
    RecordingSink sink(&sent);
    Instance b(&store, &sink);  // a restart on the same store
    ASSERT_TRUE(b.pipeline.Load(Bootstrapping()).ok());
    // As the loop does before the first assignment: a relabel under way must wait for it.
    ASSERT_TRUE(b.pipeline.RelabelStep().ok());
    b.pipeline.SetAnnouncedPartitions({0});
    ASSERT_TRUE(b.pipeline.ResendAnnouncements(0).ok());
    EXPECT_GT(sent.size(), before_restart);               // the stored ones again, first
    ASSERT_TRUE(Feed(b.pipeline, messages, 0, 64).ok());  // the committed ones are skipped
    CheckChains(sent, store);
  }
}

TEST(SegmentAnnouncementTest, AStoreWithABaselineButNoAnnouncementsIsRelabelledOnce) {
  // Announcements turned on for a store that has a baseline (or one fitted by `segd train`
  // while segd was stopped): every customer is announced once the partitions are assigned.
  const auto messages = Messages(testing::MakeHistory(300, 24));
  MemoryStateStore store;
  {
    NoDeadLetters dlq;
    IngestStats stats;
    IngestPipeline p({}, &store, &dlq, &stats, [] { return kNow; });
    ASSERT_TRUE(p.Load(Bootstrapping()).ok());
    ASSERT_TRUE(p.Process(messages).ok());
  }
  std::vector<Announcement> sent;
  RecordingSink sink(&sent);
  Instance a(&store, &sink);
  ASSERT_TRUE(a.pipeline.Load(Bootstrapping()).ok());
  EXPECT_TRUE(a.pipeline.relabel_pending());
  ASSERT_TRUE(a.pipeline.RelabelStep().ok());
  EXPECT_TRUE(sent.empty());  // nothing before the assignment
  a.pipeline.SetAnnouncedPartitions({0});
  while (a.pipeline.relabel_pending()) ASSERT_TRUE(a.pipeline.RelabelStep().ok());
  const auto causes = CheckChains(sent, store);
  EXPECT_EQ(causes.size(), 1u);
  EXPECT_GT(causes.at("relabel"), 250);
  // A restart starts no second relabel.
  std::vector<Announcement> again;
  RecordingSink sink2(&again);
  Instance b(&store, &sink2);
  ASSERT_TRUE(b.pipeline.Load(Bootstrapping()).ok());
  EXPECT_FALSE(b.pipeline.relabel_pending());
}

TEST(SegmentAnnouncementTest, NothingIsAnnouncedWithoutASink) {
  const auto messages = Messages(testing::MakeHistory(300, 23));
  MemoryStateStore store;
  NoDeadLetters dlq;
  IngestStats stats;
  IngestPipeline p({}, &store, &dlq, &stats, [] { return kNow; });
  ASSERT_TRUE(p.Load(Bootstrapping()).ok());
  ASSERT_TRUE(Feed(p, messages, 0, 64).ok());
  EXPECT_FALSE(p.relabel_pending());
  ASSERT_TRUE(store
                  .ScanRecords("",
                               [](std::string_view id, const CustomerRecord& r) {
                                 EXPECT_EQ(r.announced.segment, -1) << id;
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(stats.segment_changes[0].load() + stats.segment_changes[1].load(), 0u);
}

}  // namespace
}  // namespace segd

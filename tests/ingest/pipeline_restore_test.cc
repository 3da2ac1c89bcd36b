// The changelog written by the pipeline and the restore from it, against the in-memory store
// and an in-memory changelog: a restore reproduces the writer's store exactly (records,
// progress, customer count), stops at the last complete batch, resumes from a stored position.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "segd/ingest/changelog.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/memory_state_store.h"
#include "segd/state/state_codec.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

// A changelog in memory: one vector of entries per partition, offsets are indices.
class MemoryChangelog : public Changelog {
 public:
  StatusOr<std::map<int32_t, int64_t>> Append(std::span<const ChangelogEntry> entries) override {
    std::map<int32_t, int64_t> ends;
    for (const ChangelogEntry& e : entries) {
      auto& log = partitions[e.partition];
      log.push_back(e);
      ends[e.partition] = int64_t(log.size());
    }
    ++appends;
    return ends;
  }
  StatusOr<ChangelogRange> Range(int32_t partition) override {
    return ChangelogRange{0, int64_t(partitions[partition].size())};
  }
  Status Read(int32_t partition, int64_t from, int64_t to,
              const std::function<Status(int64_t, ChangelogEntry&&)>& fn) override {
    const auto& log = partitions[partition];
    for (int64_t o = from; o < to && o < int64_t(log.size()); ++o) {
      ChangelogEntry copy = log[size_t(o)];
      SEGD_RETURN_IF_ERROR(fn(o, std::move(copy)));
    }
    return Status::Ok();
  }
  std::map<int32_t, std::vector<ChangelogEntry>> partitions;
  int appends = 0;
};

// The history spread over two partitions by key, as a producer would.
std::vector<RawMessage> Messages(const std::vector<testing::KeyedEvent>& events) {
  std::vector<RawMessage> out;
  int64_t offsets[2] = {0, 0};
  for (const testing::KeyedEvent& e : events) {
    const int32_t p = int32_t(std::hash<std::string>{}(e.key) % 2);
    out.push_back({"orders", p, offsets[p]++, true, e.key, e.json});
  }
  return out;
}

struct Instance {
  MemoryStateStore store;
  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline pipeline{{}, &store, &dlq, &stats, [] { return kNow; }};
};

std::vector<std::pair<TopicPartition, PartitionProgress>> Progress(StateStore& store) {
  std::vector<std::pair<TopicPartition, PartitionProgress>> out;
  EXPECT_TRUE(store.ReadProgress(&out).ok());
  return out;
}

class PipelineRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    history_ = testing::InEventTimeOrder(testing::MakeHistory(300, 12));
    messages_ = Messages(history_);
    writer_.pipeline.SetChangelog(&changelog_);
    ASSERT_TRUE(writer_.pipeline.Load().ok());
    for (size_t i = 0; i < messages_.size(); i += 97) {
      const auto part = std::span(messages_).subspan(i, std::min<size_t>(97, messages_.size() - i));
      ASSERT_TRUE(writer_.pipeline.Process(part, 40).ok());
    }
  }

  // Restores both partitions of changelog_ into `into`, from the store's positions.
  void RestoreAll(Instance& into, size_t chunk) {
    ASSERT_TRUE(into.pipeline.Load().ok());
    for (int32_t p = 0; p < 2; ++p) {
      auto position = into.pipeline.ChangelogPosition(p);
      ASSERT_TRUE(position.ok());
      auto report = into.pipeline.Restore(&changelog_, p, position->value_or(0),
                                          int64_t(changelog_.partitions[p].size()), chunk, {});
      ASSERT_TRUE(report.ok()) << report.status().ToString();
    }
  }

  std::vector<testing::KeyedEvent> history_;
  std::vector<RawMessage> messages_;
  MemoryChangelog changelog_;
  Instance writer_;
};

TEST_F(PipelineRestoreTest, RestoreReproducesTheWritersStore) {
  EXPECT_GT(changelog_.appends, 10);
  Instance restored;
  RestoreAll(restored, 25);
  EXPECT_EQ(testing::AllRecords(restored.store), testing::AllRecords(writer_.store));
  EXPECT_EQ(testing::AllRecords(restored.store),
            testing::AllRecords(*testing::ExpectedState(history_)));
  EXPECT_EQ(Progress(restored.store), Progress(writer_.store));
  EXPECT_EQ(restored.pipeline.customers(), writer_.pipeline.customers());
  EXPECT_EQ(restored.pipeline.progress(), writer_.pipeline.progress());
  // The positions recorded by the writer and by the restore agree.
  for (int32_t p = 0; p < 2; ++p) {
    EXPECT_EQ(*restored.pipeline.ChangelogPosition(p), *writer_.pipeline.ChangelogPosition(p));
    EXPECT_EQ(**writer_.pipeline.ChangelogPosition(p), int64_t(changelog_.partitions[p].size()));
  }
  // A restored instance goes on exactly where the writer would: the whole history again is
  // nothing but stale messages.
  ASSERT_TRUE(restored.pipeline.Process(messages_).ok());
  EXPECT_EQ(restored.stats.stale_messages.load(), messages_.size());
  EXPECT_EQ(testing::AllRecords(restored.store), testing::AllRecords(writer_.store));
}

TEST_F(PipelineRestoreTest, RecordsAfterTheLastMarkerAreIgnored) {
  // A batch whose marker never came (the writer died mid-append): a record of a customer with
  // a changed state.
  const auto& first = changelog_.partitions[0].front();
  ASSERT_FALSE(first.marker);
  CustomerRecord changed;
  ASSERT_TRUE(DecodeCustomerRecord(first.value, &changed).ok());
  changed.state.order_count += 7;
  ChangelogEntry unfinished{.partition = 0, .key = first.key};
  EncodeCustomerRecord(changed, &unfinished.value);
  changelog_.partitions[0].push_back(unfinished);

  Instance restored;
  ASSERT_TRUE(restored.pipeline.Load().ok());
  auto report = restored.pipeline.Restore(&changelog_, 0, 0,
                                          int64_t(changelog_.partitions[0].size()), 1000, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->ignored, 1u);
  EXPECT_EQ(report->position, int64_t(changelog_.partitions[0].size()) - 1);
  std::vector<std::optional<CustomerRecord>> got;
  ASSERT_TRUE(restored.store.GetRecords({first.key}, &got).ok());
  auto expected = testing::AllRecords(writer_.store).at(first.key);
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(*got[0], expected);
}

TEST_F(PipelineRestoreTest, AnInterruptedRestoreResumesFromItsLastChunk) {
  // The first restore fails (as a broker loss or a crash would end it) after 150 entries of
  // each partition, in commits of 10 customers.
  class FailingAfter : public MemoryChangelog {
   public:
    FailingAfter(const MemoryChangelog& full, int64_t n) : MemoryChangelog(full), n_(n) {}
    Status Read(int32_t partition, int64_t from, int64_t to,
                const std::function<Status(int64_t, ChangelogEntry&&)>& fn) override {
      return MemoryChangelog::Read(partition, from, to, [&](int64_t o, ChangelogEntry&& e) {
        return o >= n_ ? Unavailable("broker gone") : fn(o, std::move(e));
      });
    }

   private:
    int64_t n_;
  } failing(changelog_, 150);
  MemoryStateStore store;
  {
    IngestStats stats;
    NoDeadLetters dlq;
    IngestPipeline first({}, &store, &dlq, &stats, [] { return kNow; });
    ASSERT_TRUE(first.Load().ok());
    for (int32_t p = 0; p < 2; ++p) {
      auto report = first.Restore(&failing, p, 0, int64_t(changelog_.partitions[p].size()), 10, {});
      EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
      auto position = first.ChangelogPosition(p);
      ASSERT_TRUE(position.ok() && position->has_value());
      EXPECT_GT(**position, 0);
      EXPECT_LE(**position, 150);
    }
  }
  // Restarted: it resumes from the stored positions and ends with the writer's store.
  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline second({}, &store, &dlq, &stats, [] { return kNow; });
  ASSERT_TRUE(second.Load().ok());
  for (int32_t p = 0; p < 2; ++p) {
    const int64_t from = second.ChangelogPosition(p)->value();
    auto report =
        second.Restore(&changelog_, p, from, int64_t(changelog_.partitions[p].size()), 10, {});
    ASSERT_TRUE(report.ok());
    EXPECT_LT(report->records, changelog_.partitions[p].size());
  }
  EXPECT_EQ(testing::AllRecords(store), testing::AllRecords(writer_.store));
  EXPECT_EQ(Progress(store), Progress(writer_.store));
  EXPECT_EQ(second.customers(), writer_.pipeline.customers());
}

// Records what it is sent.
class RecordingSink : public SegmentChangeSink {
 public:
  Status Send(std::span<const Announcement> announcements) override {
    sent.insert(sent.end(), announcements.begin(), announcements.end());
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  std::vector<Announcement> sent;
};

TEST(PipelineRestoreAnnouncementsTest, ARestoredPartitionSendsTheWritersLastEventsAgain) {
  const auto history = testing::InEventTimeOrder(testing::MakeHistory(300, 13));
  const auto messages = Messages(history);
  const auto partition_of = [](std::string_view id) {
    return int32_t(std::hash<std::string>{}(std::string(id)) % 2);
  };
  const ModelLifecycleOptions lifecycle{.train = {.k = 3, .n_init = 2, .seed = 4},
                                        .bootstrap_min_customers = 100};
  MemoryChangelog changelog;
  RecordingSink writer_sink;
  Instance writer;
  writer.pipeline.SetChangelog(&changelog);
  writer.pipeline.SetAnnouncements(
      {.sink = &writer_sink, .source = "/segd/t", .partition_of = partition_of});
  ASSERT_TRUE(writer.pipeline.Load(lifecycle).ok());
  writer.pipeline.SetAnnouncedPartitions({0, 1});
  for (size_t i = 0; i < messages.size(); i += 97) {
    const auto part = std::span(messages).subspan(i, std::min<size_t>(97, messages.size() - i));
    ASSERT_TRUE(writer.pipeline.Process(part, 40).ok());
    while (writer.pipeline.relabel_pending()) ASSERT_TRUE(writer.pipeline.RelabelStep().ok());
  }
  ASSERT_GT(writer_sink.sent.size(), 100u);

  RecordingSink sink;
  Instance restored;
  restored.pipeline.SetAnnouncements(
      {.sink = &sink, .source = "/segd/t", .partition_of = partition_of});
  ASSERT_TRUE(restored.pipeline.Load(lifecycle).ok());
  for (int32_t p = 0; p < 2; ++p) {
    ASSERT_TRUE(
        restored.pipeline.Restore(&changelog, p, 0, int64_t(changelog.partitions[p].size()), 25, {})
            .ok());
    auto mine = restored.store.GetMeta("announce/outbox/" + std::to_string(p));
    auto theirs = writer.store.GetMeta("announce/outbox/" + std::to_string(p));
    ASSERT_TRUE(mine.ok() && theirs.ok() && theirs->has_value());
    EXPECT_EQ(*mine, *theirs) << p;
  }
  // Every customer's record (its announced segment included) is the writer's.
  EXPECT_EQ(testing::AllRecords(restored.store), testing::AllRecords(writer.store));
  // At its assignment the new owner sends the writer's last events of each partition again:
  // the same events, ending each customer's sequence where the writer's did.
  restored.pipeline.SetAnnouncedPartitions({0, 1});
  for (int32_t p = 0; p < 2; ++p) ASSERT_TRUE(restored.pipeline.ResendAnnouncements(p).ok());
  ASSERT_FALSE(sink.sent.empty());
  std::map<std::string, std::string> last_of_writer;
  for (const Announcement& a : writer_sink.sent) last_of_writer[a.key] = a.value;
  for (const Announcement& a : sink.sent) {
    EXPECT_NE(std::find(writer_sink.sent.begin(), writer_sink.sent.end(), a),
              writer_sink.sent.end());
  }
  std::map<std::string, std::string> last_after;
  for (const Announcement& a : sink.sent) last_after[a.key] = a.value;
  for (const auto& [customer, value] : last_after) EXPECT_EQ(value, last_of_writer[customer]);
}

TEST(ChangelogMarkerTest, RoundTripsAndRejectsDamage) {
  const TopicPartition tp{"orders", 7};
  const PartitionProgress progress{.next_offset = 1234,
                                   .watermark_ms = 1500000000000,
                                   .applied = 1000,
                                   .duplicates = 200,
                                   .rejected = 34};
  const std::string blob = EncodeChangelogMarker(tp, progress);
  TopicPartition tp2;
  PartitionProgress progress2;
  ASSERT_TRUE(DecodeChangelogMarker(blob, &tp2, &progress2).ok());
  EXPECT_EQ(tp2, tp);
  EXPECT_EQ(progress2, progress);
  EXPECT_EQ(DecodeChangelogMarker(blob.substr(0, blob.size() - 1), &tp2, &progress2).code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(DecodeChangelogMarker("\x09" + blob.substr(1), &tp2, &progress2).code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(kChangelogMarkerPrefix.size(), 13u);
  EXPECT_EQ(kChangelogMarkerPrefix[0], '\0');
}

}  // namespace
}  // namespace segd

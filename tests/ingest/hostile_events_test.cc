// A table of hand-written hostile events, each between good events: every hostile one is
// dead-lettered, bytes unchanged, with the reason the contract gives, and every good one is
// applied (the state equals that of the good events alone).
#include <gtest/gtest.h>

#include <map>

#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/memory_state_store.h"
#include "testing/state_printers.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const int64_t kNow = ParseRfc3339Ms("2020-01-01T00:00:00Z").value();

class RecordingDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage& m, const Rejection& r) override {
    sent[m.offset] = {std::string(RejectReasonCode(r.reason)), m.value};
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  std::map<int64_t, std::pair<std::string, std::string>> sent;  // offset -> (reason, bytes)
};

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

// A valid order.placed.v1 for customer "h" with `field` (a JSON member, raw) replaced.
std::string Placed(const std::string& id = "\"hostile/1\"", const std::string& subject = "\"h\"",
                   const std::string& time = "\"2017-10-02T10:56:33Z\"",
                   const std::string& amount = "38.71", const std::string& extra = "") {
  return R"({"specversion":"1.0","id":)" + id + R"(,"source":"/t","type":"order.placed.v1",)" +
         R"("subject":)" + subject + R"(,"time":)" + time +
         R"(,"datacontenttype":"application/json","data":{"order_id":"o1","amount":)" + amount +
         extra + "}}";
}

struct Hostile {
  std::string name;
  std::string value;
  std::optional<std::string> key;  // nullopt: no key
  std::string reason;
};

std::vector<Hostile> Table() {
  const std::string k = "h";
  std::string nested;
  for (int i = 0; i < 1000; ++i) nested += "[";
  for (int i = 0; i < 1000; ++i) nested += "]";
  std::string big = Placed();
  big.insert(big.size() - 2, R"(,"payment_type":")" + std::string(65536, 'x') + "\"");
  return {
      {"value of 64 KiB + 1", big, k, "value_too_large"},
      {"invalid UTF-8 in a value", Placed("\"hostile/\xC3\x28\""), k, "bad_utf8"},
      {"invalid UTF-8 in the key", Placed(), std::string("h\xFF"), "bad_utf8"},
      {"truncated JSON", Placed().substr(0, 40), k, "bad_json"},
      {"not an object", "[1,2,3]", k, "bad_json"},
      {"deeply nested JSON", R"({"specversion":"1.0","x":)" + nested + "}", k, "bad_json"},
      {"huge number", Placed("\"hostile/2\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "1e400"), k,
       "bad_json"},
      {"NaN literal", Placed("\"hostile/3\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "NaN"), k,
       "bad_json"},
      {"Infinity literal", Placed("\"hostile/4\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "Infinity"),
       k, "bad_json"},
      {"missing subject",
       R"({"specversion":"1.0","id":"x","source":"/t","type":"order.placed.v1",)"
       R"("time":"2017-10-02T10:56:33Z","datacontenttype":"application/json",)"
       R"("data":{"order_id":"o1","amount":1}})",
       k, "missing_field"},
      {"amount as a string",
       Placed("\"hostile/5\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "\"38.71\""), k, "wrong_type"},
      {"id of 129 bytes", Placed("\"" + std::string(129, 'i') + "\""), k, "bad_length"},
      {"subject of 129 bytes", Placed("\"hostile/6\"", "\"" + std::string(129, 's') + "\""),
       std::string(129, 's'), "bad_length"},
      {"specversion 0.3", Replace(Placed(), "\"1.0\"", "\"0.3\""), k, "bad_specversion"},
      {"content type text/plain", Replace(Placed(), "application/json", "text/plain"), k,
       "bad_content_type"},
      {"unknown type", Replace(Placed(), "order.placed.v1", "order.refunded.v1"), k,
       "unknown_type"},
      {"time that is not RFC 3339", Placed("\"hostile/7\"", "\"h\"", "\"yesterday\""), k,
       "bad_time"},
      {"far-past time", Placed("\"hostile/8\"", "\"h\"", "\"1970-01-01T00:00:00Z\""), k,
       "bad_time"},
      {"future time", Placed("\"hostile/9\"", "\"h\"", "\"2999-01-01T00:00:00Z\""), k,
       "future_time"},
      {"negative amount", Placed("\"hostile/10\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "-1"), k,
       "bad_amount"},
      {"zero items",
       Placed("\"hostile/11\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "1", ",\"items\":0"), k,
       "bad_count"},
      {"fractional installments",
       Placed("\"hostile/12\"", "\"h\"", "\"2017-10-02T10:56:33Z\"", "1", ",\"installments\":1.5"),
       k, "bad_count"},
      {"score 6",
       R"({"specversion":"1.0","id":"hostile/13","source":"/t","type":"review.submitted.v1",)"
       R"("subject":"h","time":"2017-10-02T10:56:33Z","datacontenttype":"application/json",)"
       R"("data":{"order_id":"o1","score":6}})",
       k, "bad_score"},
      {"key differs from subject", Placed("\"hostile/14\""), std::string("someone-else"),
       "key_mismatch"},
      {"no key", Placed("\"hostile/15\""), std::nullopt, "key_mismatch"},
  };
}

TEST(HostileEventsTest, EachIsDeadLetteredWithItsReasonAndGoodEventsAroundThemAreApplied) {
  const auto good = testing::MakeHistory(60, 71);
  const auto hostile = Table();
  std::vector<RawMessage> messages;
  std::map<int64_t, const Hostile*> hostile_at;
  for (size_t i = 0, h = 0; i < good.size(); ++i) {
    messages.push_back({"orders", 0, int64_t(messages.size()), true, good[i].key, good[i].json});
    if (h < hostile.size() && i % 3 == 0) {
      const Hostile& x = hostile[h++];
      hostile_at[int64_t(messages.size())] = &x;
      messages.push_back(
          {"orders", 0, int64_t(messages.size()), x.key.has_value(), x.key.value_or(""), x.value});
    }
  }
  ASSERT_EQ(hostile_at.size(), hostile.size()) << "every hostile event is in the stream";
  MemoryStateStore store;
  RecordingDeadLetters dlq;
  IngestStats stats;
  IngestPipeline pipeline({}, &store, &dlq, &stats, [] { return kNow; });
  ASSERT_TRUE(pipeline.Load().ok());
  for (size_t i = 0; i < messages.size(); i += 50) {  // several micro-batches
    ASSERT_TRUE(
        pipeline.Process(std::span(messages).subspan(i, std::min<size_t>(50, messages.size() - i)))
            .ok());
  }
  for (const auto& [offset, x] : hostile_at) {
    ASSERT_TRUE(dlq.sent.contains(offset)) << x->name << " was not dead-lettered";
    EXPECT_EQ(dlq.sent[offset].first, x->reason) << x->name;
    EXPECT_EQ(dlq.sent[offset].second, x->value) << x->name << ": bytes changed";
  }
  EXPECT_EQ(dlq.sent.size(), hostile.size());  // nothing good was dead-lettered
  EXPECT_EQ(stats.applied(), good.size());
  EXPECT_EQ(stats.rejected_total(), hostile.size());
  std::map<std::string, CustomerState> got, want;
  auto expected = testing::ExpectedState(good);
  ASSERT_TRUE(store
                  .ScanCustomers([&](std::string_view id, const CustomerState& s) {
                    got.emplace(id, s);
                    return true;
                  })
                  .ok());
  ASSERT_TRUE(expected
                  ->ScanCustomers([&](std::string_view id, const CustomerState& s) {
                    want.emplace(id, s);
                    return true;
                  })
                  .ok());
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace segd

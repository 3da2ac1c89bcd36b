// `segd inspect drift` on a store directory: a two-year replay through the pipeline and the drift
// monitor (the default drift section: 14-day event-time evaluations, the calibrated detector)
// leaves its history in RocksDB; the segd binary prints it as CSV and JSON, limited by --from and
// --to, and what it prints is what the store holds.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/drift_monitor.h"
#include "drift/drift_record_json.h"
#include "segd/event/event_time.h"
#include "segd/replay/olist_generator.h"
#include "segd/state/rocksdb_state_store.h"
#include "testing/temp_dir.h"
#include "testing/test_history.h"

namespace segd {
namespace {

const std::string kSegd = std::string(SEGD_BINARY_DIR) + "/src/segd";

struct Output {
  int code = -1;
  std::string out;
};

// Runs `segd --config <config> inspect drift <args>`; stdout only.
Output Inspect(const std::string& config, const std::string& args) {
  const std::string command =
      kSegd + " --config " + config + " inspect drift " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  Output o;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0;) o.out.append(buf, n);
  const int status = pclose(pipe);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The 18 plain fields of a row, then the quoted reason (unquoted).
std::vector<std::string> CsvFields(const std::string& row) {
  std::vector<std::string> out;
  size_t at = 0;
  for (int i = 0; i < 18; ++i) {
    const size_t comma = row.find(',', at);
    out.push_back(row.substr(at, comma - at));
    at = comma + 1;
  }
  std::string reason;
  EXPECT_EQ(row[at], '"');
  for (size_t i = at + 1; i + 1 < row.size(); ++i) {
    reason += row[i];
    if (row[i] == '"') ++i;  // a doubled quote
  }
  EXPECT_EQ(row.back(), '"');
  out.push_back(reason);
  return out;
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

class InspectDriftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The store: a replay with the default drift section (only the bootstrap made small).
    StorageOptions storage;
    storage.path = dir_.Sub("state");
    auto store = OpenRocksDbStateStore(storage);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    std::vector<RawMessage> messages;
    ASSERT_TRUE(OlistGenerator({.seed = 4, .customers = 1500})
                    .Generate([&](const Event& e) {
                      messages.push_back({"orders", 0, int64_t(messages.size()), true, e.subject,
                                          testing::ToContractJson(e)});
                      return Status::Ok();
                    })
                    .ok());
    CountingDeadLetterSink dlq;
    IngestStats stats;
    IngestPipeline pipeline({}, store->get(), &dlq, &stats,
                            [] { return ParseRfc3339Ms("2030-01-01T00:00:00Z").value(); });
    DriftMonitor monitor(DriftConfig{}, store->get(), &pipeline, &stats);
    ASSERT_TRUE(pipeline
                    .Load({.live = {.batch_events = 50},
                           .train = {.k = 4, .n_init = 2},
                           .bootstrap_min_customers = 200})
                    .ok());
    ASSERT_TRUE(pipeline.Process(messages, 1000).ok());
    auto page = monitor.history().Read(0, INT64_MAX, 100000, "");
    ASSERT_TRUE(page.ok());
    records_ = page->records;
    config_ = dir_.Sub("segd.yaml");
    std::ofstream(config_) << "storage:\n  path: " << storage.path << "\n";
  }

  // The stored records with from_ms <= as_of < to_ms.
  std::vector<DriftRecord> Between(int64_t from_ms, int64_t to_ms) const {
    std::vector<DriftRecord> out;
    for (const DriftRecord& r : records_) {
      if (r.as_of_ms >= from_ms && r.as_of_ms < to_ms) out.push_back(r);
    }
    return out;
  }

  testing::TempDir dir_;
  std::string config_;
  std::vector<DriftRecord> records_;
};

TEST_F(InspectDriftTest, CsvHasOneRowPerStoredEvaluationInTheRange) {
  ASSERT_GT(records_.size(), 40u);  // 14-day boundaries over about two years
  const auto want =
      Between(*ParseRfc3339Ms("2017-06-01T00:00:00Z"), *ParseRfc3339Ms("2018-01-01T00:00:00Z"));
  ASSERT_GT(want.size(), 10u);
  const Output o = Inspect(config_, "--format csv --from 2017-06-01 --to 2018-01-01");
  ASSERT_EQ(o.code, 0) << o.out;
  const auto lines = Lines(o.out);
  ASSERT_EQ(lines.size(), want.size() + 1) << o.out;
  EXPECT_EQ(lines[0],
            "as_of,evaluated_at,schedule,baseline_version,customers,ari_online,ari_refit,psi,"
            "method,retrain_recommended,severity,below_streak,shares_baseline,shares_live,"
            "detector,statistic,limit,calibrating,reason");
  for (size_t i = 0; i < want.size(); ++i) {
    const DriftRecord& r = want[i];
    SCOPED_TRACE(lines[i + 1]);
    const auto f = CsvFields(lines[i + 1]);
    ASSERT_EQ(f.size(), 19u);
    EXPECT_EQ(f[0], FormatRfc3339(r.as_of_ms));
    EXPECT_EQ(f[1], FormatRfc3339(r.evaluated_unix_ms));
    EXPECT_EQ(f[2], "event_time");
    EXPECT_EQ(f[3], std::to_string(r.baseline_version));
    EXPECT_EQ(f[4], std::to_string(r.customers));
    EXPECT_EQ(f[5], Fixed(r.ari_online));
    EXPECT_EQ(f[6], r.ari_refit ? std::to_string(*r.ari_refit) : "");
    EXPECT_EQ(f[9], r.policy.recommended ? "1" : "0");
    EXPECT_EQ(f[10], DriftSeverityName(r.policy.severity));
    EXPECT_EQ(std::count(f[12].begin(), f[12].end(), ';'), 3);  // four segments
    EXPECT_EQ(f[14], "calibrated");
    EXPECT_EQ(f[15], r.calibrating ? "" : Fixed(r.statistic));
    EXPECT_EQ(f[16], r.calibrating ? "" : Fixed(r.limit));
    EXPECT_EQ(f[17], r.calibrating ? "1" : "0");
    EXPECT_EQ(f[18], r.reason);
  }
  // The detector calibrates on the first evaluations of the baseline, then judges.
  EXPECT_EQ(CsvFields(Lines(Inspect(config_, "").out).at(1))[17], "1");
  EXPECT_EQ(CsvFields(lines.back())[17], "0");
}

TEST_F(InspectDriftTest, JsonIsTheStoredHistory) {
  const Output all = Inspect(config_, "--format json");
  ASSERT_EQ(all.code, 0) << all.out;
  const auto j = nlohmann::json::parse(all.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << all.out;
  ASSERT_EQ(j["evaluations"].size(), records_.size());
  for (size_t i = 0; i < records_.size(); ++i) {
    EXPECT_EQ(j["evaluations"][i].dump(), DriftRecordJson(records_[i]).dump());
  }
  // --from is included, --to excluded, at any RFC 3339 time.
  const DriftRecord& third = records_.at(2);
  const DriftRecord& sixth = records_.at(5);
  const Output some = Inspect(config_, "--format json --from " + FormatRfc3339(third.as_of_ms) +
                                           " --to " + FormatRfc3339(sixth.as_of_ms));
  ASSERT_EQ(some.code, 0) << some.out;
  const auto part = nlohmann::json::parse(some.out)["evaluations"];
  ASSERT_EQ(part.size(), 3u);
  EXPECT_EQ(part[0].dump(), DriftRecordJson(third).dump());
  EXPECT_EQ(part[2].dump(), DriftRecordJson(records_.at(4)).dump());
  // A range without evaluations, and a bad day.
  const Output none = Inspect(config_, "--format json --to 2000-01-01");
  EXPECT_EQ(none.code, 0);
  EXPECT_EQ(nlohmann::json::parse(none.out)["evaluations"].size(), 0u);
  EXPECT_EQ(Inspect(config_, "--from yesterday").code, 2);
}

}  // namespace
}  // namespace segd

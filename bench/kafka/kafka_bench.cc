// Ingest vs raw Kafka: one topic of N generated events on the dev broker (in this process),
// consumed in each run by (a) a bare librdkafka consumer that only counts messages and by
// `kcat ... | wc -l` (a subprocess given the bootstrap address), and (b) segd's IngestLoop into
// a fresh RocksDB until caught up. The ratio segd / raw is taken within each run.
//
//   build-bench/bench/kafka/segd-bench-kafka --events 2000000 --partitions 128 --runs 3
//
// With --changelog each run also consumes the topic with the changelog on (segd's default:
// every batch appended to a changelog topic and acknowledged before the local commit), and
// restores that changelog into a fresh store (customers per second).
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/bench_report.h"
#include "common/command_output.h"
#include "common/ingest_runs.h"
#include "raw_consumer.h"

namespace {

using namespace segd;
using namespace segd::bench;

// Exactly `events` events of the generator (the last customer's history may be cut short,
// which leaves valid events: a cut only drops its later events).
std::vector<testing::KeyedEvent> HistoryOf(size_t events) {
  int customers = static_cast<int>(events / 2.2) + 1000;
  for (;;) {
    auto h = testing::MakeHistory(customers, 11);
    if (h.size() >= events) {
      h.resize(events);
      return h;
    }
    customers += customers / 10;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd ingest vs raw Kafka consumption"};
  size_t events = 2'000'000;
  int partitions = 128, runs = 3;
  std::string dir = "/tmp/segd-bench-kafka", json;
  bool no_kcat = false, with_changelog = false;
  IngestRunOptions options;
  app.add_option("--events", events);
  app.add_option("--partitions", partitions,
                 "the mock keeps ~5 MiB per partition: enough to hold every event");
  app.add_option("--runs", runs);
  app.add_option("--dir", dir);
  app.add_option("--batch", options.batch, "segd micro-batch size in events");
  app.add_option("--write-buffer-mb", options.storage.write_buffer_mb);
  app.add_option("--json", json, "write the results to this file");
  app.add_flag("--no-kcat", no_kcat, "skip kcat");
  app.add_flag("--changelog", with_changelog,
               "also run segd with the changelog on, and restore it into a fresh store");
  std::vector<std::string> properties;
  app.add_option("--kafka-property", properties,
                 "NAME=VALUE: a librdkafka property for segd's consumer (repeatable)");
  CLI11_PARSE(app, argc, argv);
  for (const std::string& p : properties) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "--kafka-property %s: expected NAME=VALUE\n", p.c_str());
      return 2;
    }
    options.kafka_properties.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }

  auto history = HistoryOf(events);
  size_t bytes = 0;
  for (const auto& e : history) bytes += e.json.size() + e.key.size();
  const double mib_per_partition = bytes / 1048576.0 / partitions;
  std::printf("topic: %zu events, %.1f MiB, %d partitions (%.2f MiB each; the mock keeps ~5)\n",
              events, bytes / 1048576.0, partitions, mib_per_partition);
  if (mib_per_partition > 4.5) {
    std::fprintf(stderr, "too few partitions: the mock would drop events\n");
    return 2;
  }
  const auto broker = BrokerWithHistory(partitions, history);
  const std::string brokers = broker->bootstrap_servers();
  const bool kcat = !no_kcat && HaveTool("kcat");

  std::vector<double> raw, by_kcat, segd, ratio_raw, ratio_kcat;
  std::vector<double> segd_changelog, changelog_cost, restore_rate, restore_seconds;
  std::printf("%-6s %16s %16s %16s %10s %10s\n", "run", "librdkafka ev/s", "kcat ev/s", "segd ev/s",
              "segd/raw", "segd/kcat");
  for (int r = 0; r < runs; ++r) {
    const ConsumeResult a = ConsumeRaw(brokers, "orders", partitions);
    if (a.messages != events) {
      std::fprintf(stderr, "raw consumer counted %zu of %zu\n", a.messages, events);
      return 1;
    }
    raw.push_back(a.messages / a.seconds);
    double k = NAN;
    if (kcat) {
      const ConsumeResult c = ConsumeWithKcat(brokers, "orders");
      if (c.messages != events) {
        std::fprintf(stderr, "kcat counted %zu of %zu\n", c.messages, events);
        return 1;
      }
      k = c.messages / c.seconds;
      by_kcat.push_back(k);
    }
    const double s = EndToEndRate(brokers, "orders", events, dir, r, options);
    segd.push_back(s);
    ratio_raw.push_back(s / raw.back());
    if (kcat) ratio_kcat.push_back(s / k);
    std::printf("%-6d %16.0f %16.0f %16.0f %10.3f %10.3f\n", r + 1, raw.back(), k, s,
                ratio_raw.back(), s / k);
    if (with_changelog) {
      IngestRunOptions o = options;
      o.changelog = true;
      o.broker = broker.get();
      o.partitions = partitions;
      const EndToEndResult e = EndToEnd(brokers, "orders", events, dir, r, o);
      segd_changelog.push_back(e.events_per_second);
      changelog_cost.push_back(1.0 - e.events_per_second / s);
      restore_rate.push_back(e.restore_customers_per_second);
      restore_seconds.push_back(e.restore_seconds);
      std::printf(
          "       with the changelog %10.0f ev/s (%.0f%% less); restore of %llu customers "
          "in %.2f s = %.0f customers/s\n",
          e.events_per_second, 100 * changelog_cost.back(),
          (unsigned long long)e.restored_customers, e.restore_seconds,
          e.restore_customers_per_second);
    }
  }
  std::filesystem::remove_all(dir);

  BenchReport report("kafka");
  const std::string topic = std::to_string(events) + " events, " + std::to_string(partitions) +
                            " partitions, dev broker in process";
  report.Add("raw librdkafka consumer (count only)", "rate", "events/s", raw,
             topic + "; assign, no group; timed from the first message");
  report.Add("kcat -C -o beginning -e -q | wc -l", "rate", "events/s", by_kcat,
             topic + "; process start to exit");
  report.Add("segd IngestLoop -> RocksDB until caught up", "rate", "events/s", segd,
             topic + "; from the first committed batch (group join excluded)");
  report.Add("segd / raw librdkafka", "ratio", "x", ratio_raw, "per run; target >= 0.5");
  report.Add("segd IngestLoop with the changelog", "rate", "events/s", segd_changelog,
             topic + "; every batch appended to the changelog topic before its local commit");
  report.Add("changelog cost", "ratio", "x", changelog_cost,
             "1 - (with changelog / without), per run");
  report.Add("restore from the changelog", "rate", "customers/s", restore_rate,
             "every partition into a fresh store (in process, dev broker)");
  report.Add("restore from the changelog", "latency", "s", restore_seconds, "whole topic");
  report.Add("segd / kcat", "ratio", "x", ratio_kcat, "per run");
  for (const auto& [name, v] : {std::pair{"librdkafka", &raw},
                                {"kcat", &by_kcat},
                                {"segd", &segd},
                                {"segd/raw", &ratio_raw},
                                {"segd+log", &segd_changelog},
                                {"log cost", &changelog_cost},
                                {"restore/s", &restore_rate}}) {
    if (v->empty()) continue;
    const auto s = RunSummary::Of(*v);
    std::printf("%-12s median %12.3f (min %.3f, max %.3f)\n", name, s.median, s.min, s.max);
  }
  return report.WriteJson(json) ? 0 : 1;
}

// segd-replay: produces contract-v1 events into a Kafka topic (key = customer id) or writes
// them as JSONL, from the built-in Olist-like generator, the real Olist CSV files, or a JSONL
// file (sent as is, bad events included, for testing the dead-letter path).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "segd/event/event_time.h"
#include "segd/kafka/message_producer.h"
#include "segd/replay/event_json_writer.h"
#include "segd/replay/olist_csv_reader.h"
#include "segd/replay/olist_generator.h"

namespace segd {
namespace {

using Clock = std::chrono::steady_clock;

// Where events go: a Kafka topic or a JSONL stream, with progress on stderr.
class Output {
 public:
  Status Open(const std::string& brokers, const std::string& topic, const std::string& out_path) {
    topic_ = topic;
    if (!out_path.empty()) {
      if (out_path != "-") {
        file_.open(out_path, std::ios::binary | std::ios::trunc);
        if (!file_) return IoError("cannot write " + out_path);
      }
      out_ = out_path == "-" ? &std::cout : &file_;
      return Status::Ok();
    }
    if (brokers.empty()) return InvalidArgument("give --brokers (with --topic) or --out");
    auto p = NewKafkaProducer({brokers, "segd-replay", {}});
    if (!p.ok()) return p.status();
    producer_ = std::move(*p);
    return Status::Ok();
  }

  Status Send(std::string_view key, std::string_view value, const Event* e) {
    ++count_;
    bytes_ += value.size();
    if (e != nullptr) ++by_type_[static_cast<int>(e->type)];
    Progress(false);
    if (out_ != nullptr) {
      out_->write(value.data(), static_cast<std::streamsize>(value.size()));
      out_->put('\n');
      return out_->good() ? Status::Ok() : IoError("write failed");
    }
    return producer_->Produce(topic_, -1, key, value);
  }

  Status Finish() {
    if (producer_) SEGD_RETURN_IF_ERROR(producer_->Flush(120'000));
    if (out_ != nullptr) out_->flush();
    Progress(true);
    return Status::Ok();
  }

 private:
  void Progress(bool final) {
    const auto now = Clock::now();
    if (!final && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    char types[96] = "";
    if (by_type_[1] + by_type_[2] + by_type_[3] > 0) {  // JSONL lines are not decoded
      std::snprintf(types, sizeof(types), " (placed %lld, canceled %lld, reviews %lld)",
                    by_type_[1], by_type_[2], by_type_[3]);
    }
    std::fprintf(stderr, "%s%lld events%s, %.1f MiB, %.1f s, %.0f events/s%s",
                 final ? "\rreplayed " : "\r  ", count_, types, bytes_ / 1048576.0, s,
                 s > 0 ? count_ / s : 0.0, final ? "\n" : "");
  }

  std::string topic_;
  std::unique_ptr<MessageProducer> producer_;
  std::ofstream file_;
  std::ostream* out_ = nullptr;
  long long count_ = 0, bytes_ = 0;
  long long by_type_[4] = {0, 0, 0, 0};
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

int Fail(const Status& s) {
  std::fprintf(stderr, "\nsegd-replay: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace
}  // namespace segd

int main(int argc, char** argv) {
  using namespace segd;
  CLI::App app{"segd-replay: produce contract-v1 order events into Kafka, or write JSONL"};
  app.require_subcommand(1);
  app.fallthrough();  // --brokers/--topic/--out may come after the subcommand too
  std::string brokers, topic = "orders", out_path;
  int64_t limit = -1;
  app.add_option("-b,--brokers", brokers, "Kafka bootstrap servers");
  app.add_option("-t,--topic", topic, "topic to produce to")->capture_default_str();
  app.add_option("-o,--out", out_path, "write JSONL to this file ('-' = stdout) instead");
  app.add_option("--limit", limit, "stop after this many events");

  GeneratorOptions g;
  GeneratorDays days;
  CLI::App* gen = app.add_subcommand("generate", "a generated Olist-like history");
  gen->add_option("--seed", g.seed)->capture_default_str();
  gen->add_option("--customers", g.customers)->capture_default_str();
  gen->add_option("--start", days.start, "first day (YYYY-MM-DD)")->capture_default_str();
  gen->add_option("--end", days.end, "last day (YYYY-MM-DD)")->capture_default_str();
  gen->add_option("--drift-start", days.drift_start,
                  "behaviour changes from this day (YYYY-MM-DD)");
  gen->add_option("--drift-kind", days.drift_kind,
                  "spend_shift | frequency_shift | new_customer_spend | new_customer_mix | "
                  "review_collapse")
      ->capture_default_str();
  gen->add_option("--drift-size", days.drift_size,
                  "mild | moderate | strong (sets the factor for the kind)");
  gen->add_option("--drift-factor", g.drift_factor)->capture_default_str();

  std::string olist_dir;
  CLI::App* olist = app.add_subcommand("olist", "the Kaggle olistbr/brazilian-ecommerce CSVs");
  olist->add_option("--dir", olist_dir, "directory with the olist_*_dataset.csv files")->required();

  std::string jsonl_path;
  CLI::App* jsonl = app.add_subcommand("jsonl", "a JSONL file of events, sent unchanged");
  jsonl->add_option("--file", jsonl_path)->required();
  CLI11_PARSE(app, argc, argv);

  Output out;
  if (Status s = out.Open(brokers, topic, out_path); !s.ok()) return Fail(s);
  std::string line;
  int64_t sent = 0;
  auto send_event = [&](const Event& e, int offset_minutes) -> Status {
    if (limit >= 0 && sent >= limit) return Cancelled();
    ++sent;
    line.clear();
    AppendEventJson(e, &line, offset_minutes);
    return out.Send(e.subject, line, &e);
  };
  Status status;
  if (*gen) {
    auto dated = WithDays(g, days);
    if (!dated.ok()) return Fail(dated.status());
    g = *dated;
    status = OlistGenerator(g).Generate([&](const Event& e) { return send_event(e, 0); });
  } else if (*olist) {
    OlistReport report;
    auto events = ReadOlistEvents(olist_dir, &report);
    if (!events.ok()) return Fail(events.status());
    std::fprintf(stderr,
                 "olist: %lld orders (%lld without purchase time, %lld without customer skipped; "
                 "%lld without payment), %lld reviews (%lld skipped)\n",
                 (long long)report.orders, (long long)report.orders_without_purchase_time,
                 (long long)report.orders_without_customer,
                 (long long)report.orders_without_payment, (long long)report.reviews,
                 (long long)report.reviews_skipped);
    for (const Event& e : *events) {
      status = send_event(e, kOlistUtcOffsetMinutes);
      if (!status.ok()) break;
    }
  } else {
    std::ifstream in(jsonl_path, std::ios::binary);
    if (!in) return Fail(NotFound("cannot read " + jsonl_path));
    while (std::getline(in, line) && (limit < 0 || sent < limit)) {
      if (line.empty()) continue;
      ++sent;
      // The key is the event's subject when it has one; anything else is sent without a key,
      // which segd rejects (key_mismatch) exactly as it should.
      auto doc = nlohmann::json::parse(line, nullptr, false);
      std::string key;
      if (doc.is_object() && doc.contains("subject") && doc["subject"].is_string()) {
        key = doc["subject"].get<std::string>();
      }
      status = out.Send(key, line, nullptr);
      if (!status.ok()) break;
    }
  }
  if (!status.ok() && status.code() != StatusCode::kCancelled) return Fail(status);
  if (Status s = out.Finish(); !s.ok()) return Fail(s);
  return 0;
}

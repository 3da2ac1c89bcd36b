#include "app/state_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "segd/event/event_time.h"

namespace segd {
namespace {

struct Totals {
  uint64_t customers = 0;    // stored customer records
  uint64_t with_orders = 0;  // customers with at least one live order
  uint64_t repeat = 0;       // customers with two or more live orders
  uint64_t orders = 0;
  double revenue = 0.0;
  std::vector<std::pair<std::string, CustomerState>> samples;
  std::pair<std::string, CustomerState> top_spender;
};

Status Tally(StateStore& store, Totals* t) {
  return store.ScanCustomers([t](std::string_view id, const CustomerState& s) {
    ++t->customers;
    if (s.order_count > 0) ++t->with_orders;
    if (s.order_count > 1) ++t->repeat;
    t->orders += s.order_count;
    t->revenue += s.total_amount;
    if (s.order_count > 0 && t->samples.size() < 3) t->samples.emplace_back(id, s);
    if (s.total_amount > t->top_spender.second.total_amount) t->top_spender = {std::string(id), s};
    return true;
  });
}

}  // namespace

std::string CustomerStateJson(std::string_view id, const CustomerState& s) {
  nlohmann::json j = {
      {"customer_id", id},
      {"order_count", s.order_count},
      {"total_amount", s.total_amount},
      {"items", s.item_sum},
      {"installments", s.installment_sum},
      {"review_count", s.review_count},
      {"review_score_sum", s.review_score_sum},
      {"region", s.region},
  };
  j["first_order"] = s.order_count ? nlohmann::json(FormatRfc3339(s.first_order_ms)) : nullptr;
  j["last_order"] = s.order_count ? nlohmann::json(FormatRfc3339(s.last_order_ms)) : nullptr;
  j["mean_review"] =
      s.review_count ? nlohmann::json(double(s.review_score_sum) / s.review_count) : nullptr;
  j["updated_at"] = FormatRfc3339(s.updated_ms);
  return j.dump();
}

void PrintStoreSummary(StateStore& store, const IngestStats* stats, double seconds) {
  Totals t;
  if (Status s = Tally(store, &t); !s.ok()) {
    std::printf("cannot read customers: %s\n", s.ToString().c_str());
    return;
  }
  std::vector<std::pair<TopicPartition, PartitionProgress>> progress;
  (void)store.ReadProgress(&progress);
  uint64_t applied = 0, duplicates = 0, rejected = 0;
  int64_t watermark = 0;
  for (const auto& [tp, p] : progress) {
    applied += p.applied;
    duplicates += p.duplicates;
    rejected += p.rejected;
    watermark = std::max(watermark, p.watermark_ms);
  }
  std::printf("\n== segd state ==\n");
  std::printf("customers            %llu (%llu with live orders, %.1f%% repeat buyers)\n",
              (unsigned long long)t.customers, (unsigned long long)t.with_orders,
              t.with_orders ? 100.0 * t.repeat / t.with_orders : 0.0);
  std::printf("live orders          %llu, revenue %.2f\n", (unsigned long long)t.orders, t.revenue);
  std::printf("events applied       %llu\n", (unsigned long long)applied);
  std::printf("events duplicate     %llu (changed nothing)\n", (unsigned long long)duplicates);
  std::printf("events rejected      %llu (in the dead-letter topic)\n",
              (unsigned long long)rejected);
  std::printf("watermark            %s\n", watermark ? FormatRfc3339(watermark).c_str() : "-");
  std::printf("partitions           %zu\n", progress.size());
  if (stats != nullptr && seconds > 0) {
    std::printf("this run             %llu messages in %.2f s of consuming (%.0f msg/s)\n",
                (unsigned long long)stats->messages.load(), seconds,
                stats->messages.load() / seconds);
  }
  std::printf("\nsample customers:\n");
  for (const auto& [id, s] : t.samples) std::printf("  %s\n", CustomerStateJson(id, s).c_str());
  if (!t.top_spender.first.empty()) {
    std::printf("top spender:\n  %s\n",
                CustomerStateJson(t.top_spender.first, t.top_spender.second).c_str());
  }
}

void PrintBaseline(const BaselineModel& m) {
  std::printf("baseline v%llu: %d segments over %llu customers, features at %s, inertia %.1f\n",
              (unsigned long long)m.version, m.k(), (unsigned long long)m.population,
              FormatRfc3339(m.watermark_ms).c_str(), m.inertia);
  std::printf("  %-3s %-32s %9s %7s", "id", "name", "customers", "share");
  for (const FeatureDef& f : m.spec.features) std::printf(" %16s", FeatureKindName(f.kind));
  std::printf("\n");
  for (int c = 0; c < m.k(); ++c) {
    std::printf("  %-3d %-32s %9llu %6.1f%%", c, m.names[c].c_str(), (unsigned long long)m.sizes[c],
                m.population ? 100.0 * double(m.sizes[c]) / double(m.population) : 0.0);
    for (double v : m.centroids_original[c]) std::printf(" %16.2f", v);
    std::printf("\n");
  }
}

}  // namespace segd

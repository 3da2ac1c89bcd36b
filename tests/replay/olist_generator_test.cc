#include "segd/replay/olist_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "segd/event/event_time.h"

namespace segd {
namespace {

std::vector<Event> Generate(GeneratorOptions o) {
  std::vector<Event> out;
  EXPECT_TRUE(OlistGenerator(o)
                  .Generate([&](const Event& e) {
                    out.push_back(e);
                    return Status::Ok();
                  })
                  .ok());
  return out;
}

uint64_t Fingerprint(const std::vector<Event>& events) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  };
  for (const Event& e : events) {
    mix(e.id);
    mix(e.subject);
    mix(std::to_string(e.time_ms));
    mix(std::to_string(e.amount));
    mix(std::to_string(e.score));
  }
  return h;
}

TEST(OlistGeneratorTest, SameSeedSameHistoryOtherSeedOther) {
  GeneratorOptions o{.seed = 7, .customers = 2000};
  const auto a = Generate(o), b = Generate(o);
  EXPECT_EQ(Fingerprint(a), Fingerprint(b));
  o.seed = 8;
  EXPECT_NE(Fingerprint(a), Fingerprint(Generate(o)));
}

TEST(OlistGeneratorTest, HasTheOlistShape) {
  const auto events = Generate({.seed = 1, .customers = 20000});
  std::map<std::string, int> orders_per_customer;
  std::map<int, int> scores;
  std::map<std::string, int> per_month;
  std::set<std::string> placed;
  std::set<std::string> ids;
  int64_t last_time = 0;
  for (const Event& e : events) {
    EXPECT_GE(e.time_ms, last_time);  // event-time order
    last_time = e.time_ms;
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate id " << e.id;
    EXPECT_EQ(e.subject.size(), 32u);
    if (e.type == EventType::kOrderPlaced) {
      ++orders_per_customer[e.subject];
      placed.insert(e.order_id);
      ++per_month[FormatRfc3339(e.time_ms).substr(0, 7)];
      EXPECT_GT(e.amount, 0);
    } else {
      EXPECT_TRUE(placed.contains(e.order_id)) << "event before its order: " << e.id;
    }
    if (e.type == EventType::kReviewSubmitted) ++scores[e.score];
  }
  int one_time = 0;
  for (const auto& [c, n] : orders_per_customer) one_time += n == 1;
  const double one_time_share = double(one_time) / orders_per_customer.size();
  EXPECT_GT(one_time_share, 0.95);
  EXPECT_LT(one_time_share, 0.99);
  int reviews = 0;
  for (const auto& [s, n] : scores) reviews += n;
  EXPECT_GT(double(scores[5]) / reviews, 0.50);
  EXPECT_LT(double(scores[5]) / reviews, 0.65);
  // The November peak: November 2017 above the mean of October and December.
  EXPECT_GT(per_month["2017-11"], (per_month["2017-10"] + per_month["2017-12"]) / 2 * 1.2);
  // Growth: 2018 months busier than 2017's.
  EXPECT_GT(per_month["2018-03"], per_month["2017-03"]);
}

TEST(OlistGeneratorTest, SpendShiftRaisesOrderValuesAfterItsStart) {
  const int64_t drift = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();
  auto mean_after = [&](const std::vector<Event>& events) {
    double sum = 0;
    int n = 0;
    for (const Event& e : events) {
      if (e.type == EventType::kOrderPlaced && e.time_ms >= drift) {
        sum += e.amount;
        ++n;
      }
    }
    return sum / n;
  };
  const auto plain = Generate({.seed = 3, .customers = 5000});
  const auto shifted = Generate({.seed = 3,
                                 .customers = 5000,
                                 .drift = DriftKind::kSpendShift,
                                 .drift_start_ms = drift,
                                 .drift_factor = 3.0});
  EXPECT_GT(mean_after(shifted), 2.5 * mean_after(plain));
}

}  // namespace
}  // namespace segd

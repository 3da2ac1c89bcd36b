#include "segd/replay/olist_generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
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

// Per customer of a history: first order time, orders, amounts; per review: time and score.
struct Summary {
  struct Customer {
    int64_t first_ms = INT64_MAX;
    int orders = 0;
    double amount = 0;
  };
  std::map<std::string, Customer> customers;
  std::vector<std::pair<int64_t, int>> reviews;
};

Summary Summarise(const std::vector<Event>& events) {
  Summary s;
  for (const Event& e : events) {
    if (e.type == EventType::kOrderPlaced) {
      auto& c = s.customers[e.subject];
      c.first_ms = std::min(c.first_ms, e.time_ms);
      ++c.orders;
      c.amount += e.amount;
    } else if (e.type == EventType::kReviewSubmitted) {
      s.reviews.push_back({e.time_ms, e.score});
    }
  }
  return s;
}

const int64_t kDriftStart = ParseRfc3339Ms("2018-01-01T00:00:00Z").value();

std::vector<Event> Drifted(DriftKind kind, DriftSize size) {
  return Generate({.seed = 3,
                   .customers = 20000,
                   .drift = kind,
                   .drift_start_ms = kDriftStart,
                   .drift_factor = DriftFactor(kind, size)});
}

// Mean of f(customer) over customers whose first order is before (after = false) or on/after
// the drift start.
template <typename F>
double MeanOver(const Summary& s, bool after, F f) {
  double sum = 0;
  int n = 0;
  for (const auto& [id, c] : s.customers) {
    if ((c.first_ms >= kDriftStart) == after) {
      sum += f(c);
      ++n;
    }
  }
  return sum / n;
}

TEST(OlistGeneratorTest, NewCustomerSpendChangesOnlyCustomersArrivingAfterTheStart) {
  const auto amount = [](const Summary::Customer& c) { return std::log(c.amount / c.orders); };
  const Summary plain = Summarise(Drifted(DriftKind::kNone, DriftSize::kModerate));
  const Summary cheaper =
      Summarise(Drifted(DriftKind::kNewCustomerSpend, DriftSize::kModerate));  // factor 0.5
  // Mean log order value of new customers falls by ln 0.5; earlier customers keep theirs.
  EXPECT_NEAR(MeanOver(cheaper, true, amount) - MeanOver(plain, true, amount), std::log(0.5), 0.02);
  EXPECT_DOUBLE_EQ(MeanOver(cheaper, false, amount), MeanOver(plain, false, amount));
  EXPECT_NEAR(MeanOver(plain, true, amount), MeanOver(plain, false, amount), 0.06);
}

TEST(OlistGeneratorTest, NewCustomerMixBringsResellersAmongNewArrivals) {
  const auto repeat = [](const Summary::Customer& c) { return c.orders >= 3 ? 1.0 : 0.0; };
  const Summary plain = Summarise(Drifted(DriftKind::kNone, DriftSize::kStrong));
  const Summary mixed = Summarise(Drifted(DriftKind::kNewCustomerMix, DriftSize::kStrong));
  EXPECT_LT(MeanOver(plain, true, repeat), 0.02);
  EXPECT_LT(MeanOver(mixed, false, repeat), 0.02);
  // A fifth of new arrivals are resellers (3+ orders, some cut off by the history's end).
  EXPECT_GT(MeanOver(mixed, true, repeat), 0.15);
  EXPECT_LT(MeanOver(mixed, true, repeat), 0.22);
}

TEST(OlistGeneratorTest, ReviewCollapseMakesLowScoresCommonAfterTheStart) {
  auto low_share = [](const Summary& s, bool after) {
    int low = 0, n = 0;
    for (const auto& [t, score] : s.reviews) {
      if ((t >= kDriftStart) == after) {
        low += score <= 2;
        ++n;
      }
    }
    return double(low) / n;
  };
  const Summary plain = Summarise(Drifted(DriftKind::kNone, DriftSize::kModerate));
  const Summary collapsed = Summarise(Drifted(DriftKind::kReviewCollapse, DriftSize::kModerate));
  EXPECT_NEAR(low_share(plain, true), low_share(plain, false), 0.02);
  EXPECT_NEAR(low_share(collapsed, false), low_share(plain, false), 0.002);
  // 40% of later reviews become 1 or 2: the low share rises from ~16% to ~0.6 * 16% + 40%.
  EXPECT_NEAR(low_share(collapsed, true), 0.6 * low_share(plain, true) + 0.4, 0.02);
}

TEST(OlistGeneratorTest, FrequencyShiftMakesNewCustomersRepeat) {
  const auto repeat = [](const Summary::Customer& c) { return c.orders >= 2 ? 1.0 : 0.0; };
  const Summary plain = Summarise(Drifted(DriftKind::kNone, DriftSize::kModerate));
  const Summary frequent = Summarise(Drifted(DriftKind::kFrequencyShift, DriftSize::kModerate));
  EXPECT_GT(MeanOver(frequent, true, repeat), 2.0 * MeanOver(plain, true, repeat));
}

TEST(OlistGeneratorTest, KindsAndSizesParseAndName) {
  for (const char* name : {"none", "spend_shift", "frequency_shift", "new_customer_spend",
                           "new_customer_mix", "review_collapse"}) {
    auto kind = ParseDriftKind(name);
    ASSERT_TRUE(kind.ok()) << name;
    EXPECT_STREQ(DriftKindName(*kind), name);
  }
  EXPECT_FALSE(ParseDriftKind("spend").ok());
  auto size = ParseDriftSize("moderate");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, DriftSize::kModerate);
  EXPECT_FALSE(ParseDriftSize("huge").ok());
  auto o = WithDays(
      {},
      {.drift_start = "2018-01-01", .drift_kind = "new_customer_spend", .drift_size = "strong"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->drift, DriftKind::kNewCustomerSpend);
  EXPECT_DOUBLE_EQ(o->drift_factor, 0.3);
}

}  // namespace
}  // namespace segd

// All randomness comes from one splitmix64 stream per customer, sampled with our own code (the
// standard library's distributions differ between implementations), so a seed means the same
// history everywhere, and customers are independent of each other.
#include "segd/replay/olist_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <vector>

#include "segd/common/split_mix_rng.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

// The generator's sampling on top of SplitMixRng.
class Rng : public SplitMixRng {
 public:
  using SplitMixRng::SplitMixRng;
  double Normal() {  // Box-Muller
    const double u1 = 1.0 - Uniform(), u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  // Index drawn with the given cumulative weights (last entry = total).
  template <size_t N>
  size_t Pick(const std::array<double, N>& cumulative) {
    const double u = Uniform() * cumulative.back();
    return static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                               cumulative.begin());
  }
};

template <size_t N>
std::array<double, N> Cumulative(std::array<double, N> w) {
  for (size_t i = 1; i < N; ++i) w[i] += w[i - 1];
  return w;
}

const auto kScoreCdf = Cumulative<5>({0.12, 0.03, 0.08, 0.19, 0.58});  // scores 1..5
const auto kItemsCdf = Cumulative<5>({0.87, 0.08, 0.03, 0.012, 0.008});
const std::array<const char*, 4> kPayments = {"credit_card", "boleto", "voucher", "debit_card"};
const auto kPaymentCdf = Cumulative<4>({0.74, 0.19, 0.05, 0.02});
const std::array<const char*, 12> kStates = {"SP", "RJ", "MG", "RS", "PR", "SC",
                                             "BA", "DF", "ES", "GO", "PE", "CE"};
const auto kStateCdf = Cumulative<12>(
    {0.42, 0.13, 0.117, 0.055, 0.051, 0.036, 0.034, 0.021, 0.02, 0.02, 0.017, 0.013});

uint64_t Mix(uint64_t z) { return SplitMixRng::Mix(z); }

std::string HexId(uint64_t a, uint64_t b) {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

// One event in compact form; materialised into an Event only when emitted.
struct Item {
  int64_t time_ms;
  uint32_t customer;
  uint32_t order;  // index into orders
  uint8_t type;    // EventType
  uint8_t score;
  bool operator<(const Item& o) const {
    if (time_ms != o.time_ms) return time_ms < o.time_ms;
    if (customer != o.customer) return customer < o.customer;
    if (order != o.order) return order < o.order;
    return type < o.type;
  }
};

struct Order {
  double amount;
  uint8_t items, installments, payment, state;
};

// Relative purchase intensity at `t`: growth over the range plus a late-November peak.
double Intensity(int64_t t, const GeneratorOptions& o) {
  const double frac = double(t - o.start_ms) / double(o.end_ms - o.start_ms);
  const int64_t day = t / kMillisPerDay;
  int64_t y = 1970 + static_cast<int64_t>(double(day) / 365.2425);
  while (DaysFromCivil(y, 1, 1) > day) --y;
  while (DaysFromCivil(y + 1, 1, 1) <= day) ++y;
  const int64_t nov1 = DaysFromCivil(y, 11, 1), nov20 = DaysFromCivil(y, 11, 20),
                dec1 = DaysFromCivil(y, 12, 1);
  double season = 1.0;
  if (day >= nov20 && day < dec1) {
    season = 2.6;  // Black Friday weeks
  } else if (day >= nov1 && day < dec1) {
    season = 1.3;
  }
  return (0.25 + frac) * season;
}

class Builder {
 public:
  explicit Builder(const GeneratorOptions& o) : o_(o) {}

  void Customer(uint32_t c) {
    Rng rng(o_.seed * 0x100000001B3ULL ^ (uint64_t(c) + 1) * 0x9E3779B97F4A7C15ULL);
    int64_t t = FirstPurchase(rng);
    const uint8_t state = static_cast<uint8_t>(rng.Pick(kStateCdf));
    const bool after = Drifted(t);
    // Draws for the new kinds happen only for them, so the other kinds' histories are unchanged.
    new_customer_ = after && o_.drift == DriftKind::kNewCustomerSpend;
    reseller_ = after && o_.drift == DriftKind::kNewCustomerMix && rng.Uniform() < o_.drift_factor;
    const double repeat_p =
        0.03 * (after && o_.drift == DriftKind::kFrequencyShift ? o_.drift_factor : 1.0);
    int n = 1;
    if (reseller_) {
      n = 3 + std::min(12, static_cast<int>(rng.Exponential(3.0)));
    } else if (rng.Uniform() < repeat_p) {
      n = 2 + std::min(13, static_cast<int>(rng.Exponential(0.9)));
    }
    for (int k = 0; k < n && t < o_.end_ms; ++k) {
      AddOrder(rng, c, t, state);
      double gap_days = rng.Exponential(reseller_ ? 30.0 : 90.0);
      if (Drifted(t) && o_.drift == DriftKind::kFrequencyShift) gap_days /= o_.drift_factor;
      t += static_cast<int64_t>((1.0 + gap_days) * kMillisPerDay);
    }
  }

  std::vector<Item> items;
  std::vector<Order> orders;

 private:
  bool Drifted(int64_t t) const { return o_.drift != DriftKind::kNone && t >= o_.drift_start_ms; }

  int64_t FirstPurchase(Rng& rng) {
    const double span = double(o_.end_ms - o_.start_ms);
    for (;;) {  // rejection sampling against the intensity's maximum (1.25 * 2.6)
      const int64_t t = o_.start_ms + static_cast<int64_t>(rng.Uniform() * span) / 1000 * 1000;
      if (rng.Uniform() * 3.25 <= Intensity(t, o_)) return t;
    }
  }

  void AddOrder(Rng& rng, uint32_t c, int64_t t, uint8_t state) {
    Order o;
    o.items = static_cast<uint8_t>(1 + rng.Pick(kItemsCdf));
    o.payment = static_cast<uint8_t>(rng.Pick(kPaymentCdf));
    o.installments = 1;
    if (o.payment == 0 && rng.Uniform() >= 0.5) {
      o.installments = static_cast<uint8_t>(2 + std::min(8.0, rng.Exponential(2.5)));
    }
    double amount = std::exp(std::log(95.0) + 0.95 * rng.Normal()) * (1.0 + 0.6 * (o.items - 1));
    if (Drifted(t) && o_.drift == DriftKind::kSpendShift) amount *= o_.drift_factor;
    if (new_customer_) amount *= o_.drift_factor;
    if (reseller_) amount *= 3.0;
    o.amount = std::round(amount * 100.0) / 100.0;
    o.state = state;
    const uint32_t index = static_cast<uint32_t>(orders.size());
    orders.push_back(o);
    items.push_back({t, c, index, uint8_t(EventType::kOrderPlaced), 0});
    const bool canceled = rng.Uniform() < 0.012;
    if (canceled) {
      const int64_t at = t + 3'600'000 + static_cast<int64_t>(rng.Uniform() * 71) * 3'600'000;
      if (at <= o_.end_ms) items.push_back({at, c, index, uint8_t(EventType::kOrderCanceled), 0});
    }
    if (rng.Uniform() < 0.9) {
      const int64_t at = t + static_cast<int64_t>((3.0 + rng.Exponential(8.0)) * kMillisPerDay);
      uint8_t score = canceled ? 1 : static_cast<uint8_t>(1 + rng.Pick(kScoreCdf));
      if (o_.drift == DriftKind::kReviewCollapse && Drifted(at) &&
          rng.Uniform() < o_.drift_factor) {
        score = rng.Uniform() < 0.6 ? 1 : 2;
      }
      if (at <= o_.end_ms) {
        items.push_back({at, c, index, uint8_t(EventType::kReviewSubmitted), score});
      }
    }
  }

  const GeneratorOptions& o_;
  bool new_customer_ = false;  // the current customer arrived under kNewCustomerSpend
  bool reseller_ = false;      // the current customer is a kNewCustomerMix reseller
};

constexpr std::array<const char*, 6> kKindNames = {
    "none",           "spend_shift", "frequency_shift", "new_customer_spend", "new_customer_mix",
    "review_collapse"};
constexpr std::array<const char*, 3> kSizeNames = {"mild", "moderate", "strong"};

}  // namespace

StatusOr<DriftKind> ParseDriftKind(const std::string& name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (name == kKindNames[i]) return static_cast<DriftKind>(i);
  }
  return InvalidArgument("drift kind '" + name +
                         "' is not none, spend_shift, frequency_shift, new_customer_spend, "
                         "new_customer_mix or review_collapse");
}

const char* DriftKindName(DriftKind kind) { return kKindNames.at(static_cast<size_t>(kind)); }

StatusOr<DriftSize> ParseDriftSize(const std::string& name) {
  for (size_t i = 0; i < kSizeNames.size(); ++i) {
    if (name == kSizeNames[i]) return static_cast<DriftSize>(i);
  }
  return InvalidArgument("drift size '" + name + "' is not mild, moderate or strong");
}

const char* DriftSizeName(DriftSize size) { return kSizeNames.at(static_cast<size_t>(size)); }

double DriftFactor(DriftKind kind, DriftSize size) {
  constexpr double kFactors[][3] = {{1.0, 1.0, 1.0},  {1.5, 2.5, 4.0},   {1.5, 3.0, 6.0},
                                    {0.75, 0.5, 0.3}, {0.03, 0.08, 0.2}, {0.2, 0.4, 0.7}};
  return kFactors[static_cast<size_t>(kind)][static_cast<size_t>(size)];
}

StatusOr<GeneratorOptions> WithDays(GeneratorOptions o, const GeneratorDays& days) {
  const auto day = [](const std::string& text, const char* what) -> StatusOr<int64_t> {
    auto t = ParseDayMs(text);
    if (!t) return InvalidArgument(std::string(what) + " '" + text + "' is not YYYY-MM-DD");
    return *t;
  };
  auto start = day(days.start, "first day");
  if (!start.ok()) return start.status();
  auto end = day(days.end, "last day");
  if (!end.ok()) return end.status();
  o.start_ms = *start;
  o.end_ms = *end + kMillisPerDay - 1000;
  if (!days.drift_start.empty()) {
    auto drift = day(days.drift_start, "drift start");
    if (!drift.ok()) return drift.status();
    auto kind = ParseDriftKind(days.drift_kind);
    if (!kind.ok()) return kind.status();
    o.drift_start_ms = *drift;
    o.drift = *kind;
    if (!days.drift_size.empty()) {
      auto size = ParseDriftSize(days.drift_size);
      if (!size.ok()) return size.status();
      o.drift_factor = DriftFactor(*kind, *size);
    }
  }
  return o;
}

OlistGenerator::OlistGenerator(GeneratorOptions options) : options_(options) {}

Status OlistGenerator::Generate(const std::function<Status(const Event&)>& sink) {
  if (options_.customers < 1 || options_.customers > 50'000'000) {
    return InvalidArgument("customers must be 1..50000000");
  }
  if (options_.end_ms <= options_.start_ms) return InvalidArgument("end must be after start");
  Builder b(options_);
  b.items.reserve(static_cast<size_t>(options_.customers) * 2 + 16);
  for (int64_t c = 0; c < options_.customers; ++c) b.Customer(static_cast<uint32_t>(c));
  std::sort(b.items.begin(), b.items.end());

  Event e;
  const uint64_t salt = options_.seed * 0xD6E8FEB86659FD93ULL;
  for (const Item& it : b.items) {
    const Order& o = b.orders[it.order];
    e.type = static_cast<EventType>(it.type);
    e.subject = HexId(Mix(salt ^ it.customer), Mix(~salt + it.customer));
    e.order_id = HexId(Mix(salt ^ (uint64_t(it.order) << 32 | 0xA5A5A5A5ULL)),
                       Mix(salt + (uint64_t(it.order) << 1 | 1)));
    e.time_ms = it.time_ms;
    e.source = "/olist/orders";
    e.amount = e.type == EventType::kOrderPlaced ? o.amount : 0.0;
    e.items = o.items;
    e.installments = o.installments;
    e.payment_type = e.type == EventType::kOrderPlaced ? kPayments[o.payment] : "";
    e.region = e.type == EventType::kOrderPlaced ? kStates[o.state] : "";
    e.score = it.score;
    switch (e.type) {
      case EventType::kOrderPlaced:
        e.id = e.order_id + "/placed";
        break;
      case EventType::kOrderCanceled:
        e.id = e.order_id + "/canceled";
        break;
      case EventType::kReviewSubmitted:
        e.id = e.order_id + "/review";
        break;
    }
    SEGD_RETURN_IF_ERROR(sink(e));
  }
  return Status::Ok();
}

}  // namespace segd

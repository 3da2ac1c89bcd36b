#include "common/synthetic_customers.h"

#include <cmath>

#include "segd/event/event_time.h"

namespace segd::bench {

int64_t BenchNow() {
  static const int64_t now = ParseRfc3339Ms("2018-10-17T00:00:00Z").value();
  return now;
}

CustomerState RandomCustomer(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::lognormal_distribution<double> value(std::log(95.0), 0.95);
  CustomerState s;
  s.order_count = u(rng) < 0.97 ? 1 : 2 + static_cast<int>(u(rng) * 5);
  for (uint32_t i = 0; i < s.order_count; ++i) s.total_amount += value(rng);
  s.last_order_ms = BenchNow() - static_cast<int64_t>(u(rng) * 700 * kMillisPerDay);
  s.first_order_ms = s.last_order_ms;
  s.updated_ms = s.last_order_ms;
  s.item_sum = s.installment_sum = s.order_count;
  s.region = "SP";
  return s;
}

}  // namespace segd::bench

// A deterministic generator of Olist-like order histories (the shape of the public Olist
// e-commerce data set: ~97% one-time buyers, log-normal order values, reviews skewed to 5, growth
// over time, a November peak), with an optional behaviour change from a given date. The same
// options give the same events on any platform. Not thread-safe; one generator per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "segd/common/status.h"
#include "segd/event/event.h"

namespace segd {

enum class DriftKind : uint8_t {
  kNone = 0,
  kSpendShift,        // order values after drift start are multiplied by `factor`
  kFrequencyShift,    // after drift start, repeat buying becomes `factor` times more likely and
                      // repeat orders come `factor` times faster
  kNewCustomerSpend,  // customers whose first order is on or after drift start spend `factor`
                      // times as much on every order (< 1: cheaper); earlier customers unchanged
  kNewCustomerMix,    // a share `factor` (0..1) of customers arriving on or after drift start are
                      // resellers: 3+ orders about a month apart, baskets 3x the usual value
  kReviewCollapse,    // reviews submitted on or after drift start are, with probability `factor`
                      // (0..1), a 1 or a 2; visible when mean_review is a feature
};

// How strong a planted change is; each kind maps a size to its `drift_factor` (DriftFactor).
enum class DriftSize : uint8_t { kMild = 0, kModerate, kStrong };

struct GeneratorOptions {
  uint64_t seed = 42;
  int64_t customers = 96'000;
  int64_t start_ms = 1'472'688'000'000;  // 2016-09-01T00:00:00Z
  int64_t end_ms = 1'539'734'400'000;    // 2018-10-17T00:00:00Z
  DriftKind drift = DriftKind::kNone;
  int64_t drift_start_ms = 0;
  double drift_factor = 3.0;
};

// Parses "none", "spend_shift", "frequency_shift", "new_customer_spend", "new_customer_mix",
// "review_collapse"; DriftKindName gives these names back.
[[nodiscard]] StatusOr<DriftKind> ParseDriftKind(const std::string& name);
const char* DriftKindName(DriftKind kind);
// Parses "mild", "moderate", "strong".
[[nodiscard]] StatusOr<DriftSize> ParseDriftSize(const std::string& name);
const char* DriftSizeName(DriftSize size);
// The drift_factor of a kind at a size (1.0 for kNone): spend_shift 1.5/2.5/4, frequency_shift
// 1.5/3/6, new_customer_spend 0.75/0.5/0.3, new_customer_mix 0.03/0.08/0.2, review_collapse
// 0.2/0.4/0.7 (mild/moderate/strong).
double DriftFactor(DriftKind kind, DriftSize size);

// The generator's dates as command lines take them (segd-replay generate, segd simulate
// --generate): first and last day, both included, and a drift from `drift_start` (if not empty)
// of kind `drift_kind`, with the factor of `drift_size` when that is not empty (else the options'
// drift_factor). Days are YYYY-MM-DD or RFC 3339 timestamps.
struct GeneratorDays {
  std::string start = "2016-09-01", end = "2018-10-17";
  std::string drift_start, drift_kind = "spend_shift", drift_size;
};
[[nodiscard]] StatusOr<GeneratorOptions> WithDays(GeneratorOptions options,
                                                  const GeneratorDays& days);

class OlistGenerator {
 public:
  explicit OlistGenerator(GeneratorOptions options);

  // Calls `sink` for every event in event-time order (ties by customer, order, type), and stops
  // at the first error it returns. Events are ids "<order>/placed", "<order>/canceled",
  // "<order>/review"; customer and order ids are 32 lowercase hex characters.
  [[nodiscard]] Status Generate(const std::function<Status(const Event&)>& sink);

 private:
  GeneratorOptions options_;
};

}  // namespace segd

// A small deterministic random generator (splitmix64) with our own sampling, so that a seed
// means the same numbers with any standard library (std:: distributions differ between them).
// Value type; one per thread.
#pragma once

#include <cstdint>

namespace segd {

class SplitMixRng {
 public:
  explicit SplitMixRng(uint64_t seed) : state_(seed) {}

  uint64_t Next() { return Mix(state_ += 0x9E3779B97F4A7C15ULL); }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // splitmix64's finaliser: a bijective scramble of one 64-bit value.
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

}  // namespace segd

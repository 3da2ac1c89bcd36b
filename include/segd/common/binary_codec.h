// Fixed-size values appended to and read from binary state (host byte order, little-endian on
// every supported machine): the live model's blob, its per-partition statistics, feature rows
// between instances. Pure functions.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace segd {

template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Reads one value from the front of *in; false (nothing consumed) when too short.
template <typename T>
bool Get(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

}  // namespace segd

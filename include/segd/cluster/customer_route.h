// Where a customer lookup is answered. Value types and the interface the HTTP API asks; the
// cluster area implements it (ClusterNode). Implementations are safe from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace segd {

struct CustomerRoute {
  enum class Kind {
    kLocal,        // this instance owns and serves the customer's partition
    kForward,      // another member does: ask it at `url`
    kUnavailable,  // nobody serves it right now (a rebalance, a catch-up): 503, retry later
  };
  Kind kind = Kind::kLocal;
  std::string url;     // kForward: the owner's advertised base URL
  std::string reason;  // kUnavailable: why, for the problem detail (no customer data)
  // kUnavailable because the owner is unknown (no member claims the partition, or the
  // partition count is unknown): the other members' URLs, to ask in turn (a member answers a
  // request carrying the hop marker only if it serves the customer itself).
  std::vector<std::string> ask;
};

class CustomerLocator {
 public:
  virtual ~CustomerLocator() = default;
  virtual CustomerRoute Locate(std::string_view customer_id) const = 0;
  // Counts one request forwarded to another member (segd_cluster_forwarded_requests_total).
  virtual void CountForwarded() const = 0;
};

// A batch of ids split by where each is answered (indices into the request's id list, in
// request order within each group).
struct BatchRoutes {
  std::vector<size_t> local;
  std::map<std::string, std::vector<size_t>> forward;  // by owner URL
  std::vector<size_t> unavailable;
  std::string unavailable_reason;  // of the first unavailable id
};

BatchRoutes SplitByOwner(const std::vector<std::string>& ids, const CustomerLocator& locator);

}  // namespace segd

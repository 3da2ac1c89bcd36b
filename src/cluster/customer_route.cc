#include "segd/cluster/customer_route.h"

namespace segd {

BatchRoutes SplitByOwner(const std::vector<std::string>& ids, const CustomerLocator& locator) {
  BatchRoutes out;
  for (size_t i = 0; i < ids.size(); ++i) {
    CustomerRoute r = locator.Locate(ids[i]);
    switch (r.kind) {
      case CustomerRoute::Kind::kLocal:
        out.local.push_back(i);
        break;
      case CustomerRoute::Kind::kForward:
        out.forward[r.url].push_back(i);
        break;
      case CustomerRoute::Kind::kUnavailable:
        if (out.unavailable.empty()) out.unavailable_reason = r.reason;
        out.unavailable.push_back(i);
        break;
    }
  }
  return out;
}

}  // namespace segd

#include "segd/audience/audience_page.h"

namespace segd {

StatusOr<AudiencePage> ReadAudiencePage(
    const CustomerSnapshot& snapshot, const AudiencePageRequest& request,
    const std::function<bool(std::string_view, const CustomerRecord&)>& take) {
  AudiencePage page;
  bool stopped = false;  // the scan stopped before the end: a next page may hold more
  Status s = snapshot.Scan(request.after, [&](std::string_view id, const CustomerRecord& state) {
    // Invariant: next_after is the last customer read, so the next page neither repeats nor
    // skips one (the snapshot's ids do not change between pages).
    if (page.taken == request.page_size ||
        (request.max_scanned > 0 && page.scanned == request.max_scanned)) {
      stopped = true;
      return false;
    }
    ++page.scanned;
    page.next_after.assign(id);
    if (take(id, state)) ++page.taken;
    return true;
  });
  if (!s.ok()) return s;
  page.done = !stopped;
  if (page.done) page.next_after.clear();
  return page;
}

}  // namespace segd

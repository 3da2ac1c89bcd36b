#include "app/audience_api.h"

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "app/customer_json.h"
#include "app/query_string.h"
#include "segd/audience/audience_page.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

constexpr const char* kRoute = "/v1/segments/{id}/customers";
constexpr std::string_view kPrefix = "/v1/segments/", kSuffix = "/customers";
constexpr size_t kDefaultPageSize = 100, kMaxPageSize = 1000;
// Customers read per page at most: a page of a rare segment stops there (with fewer customers
// than asked for, and a token), so no request scans the whole store.
constexpr size_t kMaxScannedPerPage = 50'000;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What a request asks for; `error` says what is wrong with it.
struct ListingQuery {
  PageToken token;  // segment and model from the path and query; snapshot and after from the token
  size_t page_size = kDefaultPageSize;
  std::string page_token, error;
};

ListingQuery ParseListing(std::string_view segment, std::string_view query) {
  ListingQuery q;
  if (segment != "-") {
    char* end = nullptr;
    const std::string text(segment);
    const long id = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || id < 0 || id > 10'000) {
      return {.error = "segment id must be a segment number or - (every customer)"};
    }
    q.token.segment = int32_t(id);
  }
  for (const auto& [name, value] : ParseQuery(query)) {
    if (name == "model" && (value == "live" || value == "baseline")) {
      q.token.model = value == "live" ? AudienceModel::kLive : AudienceModel::kBaseline;
    } else if (name == "model") {
      return {.error = "model must be live or baseline"};
    } else if (name == "page_size") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > long(kMaxPageSize)) {
        return {.error = "page_size must be 1.." + std::to_string(kMaxPageSize)};
      }
      q.page_size = size_t(n);
    } else if (name == "page_token") {
      q.page_token = value;
    } else {
      return {.error = "unknown query parameter '" + name + "'"};
    }
  }
  return q;
}

const char* ModelName(AudienceModel m) { return m == AudienceModel::kLive ? "live" : "baseline"; }

}  // namespace

AudienceApi::AudienceApi(const HttpOptions& options, AudienceSources sources)
    : sources_(std::move(sources)),
      listings_({.max_open = size_t(options.max_open_listings),
                 .idle_ms = int64_t(options.listing_idle_s) * 1000},
                sources_.now_ms ? sources_.now_ms : std::function<int64_t()>(SteadyMs)) {}

std::optional<HttpResponse> AudienceApi::Handle(const HttpRequest& req) const {
  const std::string& p = req.path;
  if (!p.starts_with(kPrefix) || !p.ends_with(kSuffix) ||
      p.size() <= kPrefix.size() + kSuffix.size()) {
    return std::nullopt;
  }
  const std::string_view segment =
      std::string_view(p).substr(kPrefix.size(), p.size() - kPrefix.size() - kSuffix.size());
  if (segment.find('/') != std::string_view::npos) return std::nullopt;
  if (req.method != "GET") {
    HttpResponse r = ProblemResponse(405, "use GET", kRoute);
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  return Page(segment, req);
}

std::optional<HttpResponse> AudienceApi::Pin(const PageToken& token,
                                             std::shared_ptr<const Listing>* pinned) const {
  auto models = sources_.pipeline->live_snapshot();
  if (!models || !models->baseline) return ProblemResponse(503, "no baseline yet", kRoute);
  if (sources_.restoring && !sources_.restoring().empty()) {
    HttpResponse r =
        ProblemResponse(503, "partitions are being restored from the changelog: retry", kRoute);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  const int k = models->baseline->k();
  if (token.segment >= k) {
    return ProblemResponse(404,
                           "no segment " + std::to_string(token.segment) + ": there are " +
                               std::to_string(k) + " (0.." + std::to_string(k - 1) + ")",
                           kRoute);
  }
  auto listing = std::make_shared<Listing>();
  listing->models = std::move(models);
  listing->watermark_ms = sources_.watermark();
  if (sources_.own_partitions) {
    const std::vector<int32_t> own = sources_.own_partitions();
    listing->partitions.emplace(own.begin(), own.end());
  }
  auto customers = sources_.store->SnapshotCustomers();
  if (!customers.ok()) return ProblemResponse(500, customers.status().ToString(), kRoute);
  listing->customers = std::move(*customers);
  *pinned = std::move(listing);
  return std::nullopt;
}

std::optional<HttpResponse> AudienceApi::Resume(const std::string& text, PageToken* token,
                                                std::shared_ptr<const Listing>* listing) const {
  auto given = DecodePageToken(text);
  if (!given.ok()) return ProblemResponse(400, given.status().message(), kRoute);
  if (given->segment != token->segment || given->model != token->model) {
    return ProblemResponse(400,
                           "page_token belongs to a listing of another segment or model: pass "
                           "its first page's segment and model",
                           kRoute);
  }
  *token = std::move(*given);
  *listing = listings_.Find(token->snapshot_id);
  if (*listing) return std::nullopt;
  return ProblemResponse(410,
                         "page_token expired (a listing unused for http.listing_idle_s is "
                         "dropped, a restart drops all): list again without page_token",
                         kRoute);
}

json AudienceApi::PageJson(const Listing& listing, const PageToken& next, json customers,
                           bool done) {
  const BaselineModel& b = *listing.models->baseline;
  json features = json::array();  // the items' feature names, in the model's order
  for (const FeatureDef& f : b.spec.features) features.push_back(FeatureKindName(f.kind));
  json body = {
      {"segment", next.segment < 0 ? json(nullptr)
                                   : json{{"id", next.segment}, {"name", b.names[next.segment]}}},
      {"model", ModelName(next.model)},
      {"baseline_version", b.version},
      {"as_of",
       listing.watermark_ms > 0 ? json(FormatRfc3339(listing.watermark_ms)) : json(nullptr)},
      {"scope", listing.partitions ? "instance" : "all"},
      {"features", std::move(features)},
      {"customers", std::move(customers)},
      {"next_page_token", done ? json(nullptr) : json(EncodePageToken(next))}};
  if (listing.partitions) body["partitions"] = *listing.partitions;
  return body;
}

HttpResponse AudienceApi::Page(std::string_view segment, const HttpRequest& req) const {
  ListingQuery q = ParseListing(segment, req.query);
  if (!q.error.empty()) return ProblemResponse(400, q.error, kRoute);
  PageToken& token = q.token;
  std::shared_ptr<const Listing> listing;
  auto error = q.page_token.empty() ? Pin(token, &listing) : Resume(q.page_token, &token, &listing);
  if (error) return std::move(*error);
  const IngestPipeline::LiveSnapshot* models = listing->models.get();
  json customers = json::array();
  auto take = [&](std::string_view id, const CustomerRecord& r) {
    const CustomerState& s = r.state;
    if (listing->partitions) {
      const std::optional<int32_t> p = sources_.partition_of(id);
      if (!p || !listing->partitions->contains(*p)) return false;
    }
    if (token.segment >= 0) {
      const auto in = SegmentsOf(s, models, listing->watermark_ms);
      const int seg = !in ? -1 : token.model == AudienceModel::kLive ? in->live : in->baseline;
      if (seg != token.segment) return false;
    }
    customers.push_back(
        CustomerJson(std::string(id), s, models, listing->watermark_ms, &r.announced));
    return true;
  };
  auto page = ReadAudiencePage(
      *listing->customers,
      {.after = token.after, .page_size = q.page_size, .max_scanned = kMaxScannedPerPage}, take);
  if (!page.ok()) return ProblemResponse(500, page.status().ToString(), kRoute);
  if (page->done && !token.snapshot_id.empty()) {
    listings_.Close(token.snapshot_id);  // its last page: the snapshot goes
  } else if (!page->done && token.snapshot_id.empty()) {
    auto id = listings_.Open(listing);  // a second page will come: keep the snapshot for it
    if (!id.ok()) {
      HttpResponse r = ProblemResponse(
          429, id.status().message() + " (http.max_open_listings): finish one or retry later",
          kRoute);
      r.headers.emplace_back("Retry-After", "10");
      return r;
    }
    token.snapshot_id = *id;
  }
  token.after = page->next_after;
  return {.body = PageJson(*listing, token, std::move(customers), page->done)
                      .dump(-1, ' ', false, json::error_handler_t::replace),
          .route = kRoute};
}

}  // namespace segd

// Customer listings over HTTP: `GET /v1/segments/{id}/customers` (`-` for every customer),
// paged with an opaque token. The first page pins a snapshot of the store, the models and the
// watermark; every later page of the listing reads that same snapshot, so a listing gives each
// customer of the snapshot exactly once while ingest goes on. Described by deploy/openapi.yaml.
// Thread-safe: Handle runs on any HTTP worker thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "segd/audience/page_token.h"
#include "segd/audience/snapshot_registry.h"
#include "segd/http/http_server.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/state_store.h"

namespace segd {

struct AudienceSources {
  StateStore* store = nullptr;
  IngestPipeline* pipeline = nullptr;  // the live snapshot (both models)
  std::function<int64_t()> watermark;  // the features' as-of time
  // Several instances: the partitions this instance owns now, and a customer id's partition
  // (nullopt: unknown). A listing then holds the customers of the partitions owned at its first
  // page (null: every stored customer).
  std::function<std::vector<int32_t>()> own_partitions;
  std::function<std::optional<int32_t>(std::string_view)> partition_of;
  // Partitions being restored from the changelog now: no listing starts meanwhile, as no
  // lookup of theirs is answered (null: never).
  std::function<std::vector<int32_t>()> restoring;
  std::function<int64_t()> now_ms;  // a clock for listing expiry (null: steady clock)
};

class AudienceApi {
 public:
  // The sources must outlive the AudienceApi; the snapshots it keeps are released by its
  // destructor (before the store's).
  AudienceApi(const HttpOptions& options, AudienceSources sources);

  // The response for its route, or nullopt when `request.path` is not one of it.
  std::optional<HttpResponse> Handle(const HttpRequest& request) const;

 private:
  // What the first page of a listing pinned.
  struct Listing {
    std::shared_ptr<const CustomerSnapshot> customers;
    std::shared_ptr<const IngestPipeline::LiveSnapshot> models;
    int64_t watermark_ms = 0;
    std::optional<std::set<int32_t>> partitions;  // several instances: the ones listed
  };

  HttpResponse Page(std::string_view segment, const HttpRequest& request) const;
  // Finds the listing a page token names into *listing, and sets *token to it; the error
  // response (malformed, another segment or model, expired) if it cannot.
  std::optional<HttpResponse> Resume(const std::string& text, PageToken* token,
                                     std::shared_ptr<const Listing>* listing) const;
  // A page's body: what the listing pinned, its customers and the token of the next page.
  static nlohmann::json PageJson(const Listing& listing, const PageToken& next,
                                 nlohmann::json customers, bool done);
  // Pins what a new listing of `token`'s segment reads into *listing; the error response if it
  // cannot. The listing is kept (and counts against max_open_listings) once it has a second
  // page.
  std::optional<HttpResponse> Pin(const PageToken& token,
                                  std::shared_ptr<const Listing>* listing) const;

  AudienceSources sources_;
  mutable SnapshotRegistry<Listing> listings_;
};

}  // namespace segd

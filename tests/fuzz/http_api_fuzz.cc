// libFuzzer target: segd's HTTP API (routing, ids, JSON bodies, the admin token) on arbitrary
// requests, over a memory store with customers and a baseline. Input: one method byte, then the
// path, the Authorization header and the body separated by newlines. Every answer must carry a
// known status, a JSON body that parses (for JSON types), and a route label from
// ApiRouteLabels().
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "app/api.h"
#include "segd/state/memory_state_store.h"

namespace {

using namespace segd;

void Check(bool ok) {
  if (!ok) std::abort();
}

class NoDeadLetters : public DeadLetterSink {
 public:
  Status Send(const RawMessage&, const Rejection&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
};

struct World {
  MemoryStateStore store;
  IngestStats stats;
  NoDeadLetters dlq;
  IngestPipeline pipeline{{}, &store, &dlq, &stats, [] { return 1'700'000'000'000; }};
  std::unique_ptr<Api> api;

  World() {
    Check(pipeline.Load({.train = {.k = 2, .n_init = 1}, .bootstrap_min_customers = 20}).ok());
    std::vector<RawMessage> messages;
    for (int i = 0; i < 40; ++i) {
      const std::string c = "c" + std::to_string(i);
      const std::string json =
          R"({"specversion":"1.0","id":"o)" + std::to_string(i) +
          R"(/placed","source":"/f","type":"order.placed.v1","subject":")" + c +
          R"(","time":"2017-0)" + std::to_string(1 + i % 9) +
          R"(-02T10:56:33Z","datacontenttype":"application/json","data":{"order_id":"o)" +
          std::to_string(i) + R"(","amount":)" + std::to_string(10 + i * 7) + "}}";
      messages.push_back({"orders", 0, i, true, c, json});
    }
    Check(pipeline.Process(messages).ok());
    Check(pipeline.live().has_baseline());
    SegdConfig config;
    config.http.admin_token = "fuzz-token";
    config.http.admin_wait_ms = 0;  // nothing runs requested fits here: answer 202 at once
    config.http.max_batch_ids = 8;
    api = std::make_unique<Api>(config, ApiSources{.store = &store,
                                                   .pipeline = &pipeline,
                                                   .stats = &stats,
                                                   .not_ready_reason = [] { return ""; },
                                                   .metrics = [] { return "m 1\n"; }});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  static const std::set<int> kStatuses = {200, 202, 400, 401, 404, 405,
                                          409, 410, 413, 429, 500, 503};
  if (size == 0) return 0;
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", ""};
  HttpRequest req;
  req.method = kMethods[data[0] % 6];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto take_line = [&rest] {
    const size_t nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return line;
  };
  req.path = take_line();
  req.authorization = take_line();
  req.body = std::string(rest);
  const HttpResponse r = world.api->Handle(req);
  Check(kStatuses.contains(r.status));
  Check(ApiRouteLabels().contains(r.route));
  if (r.content_type.find("json") != std::string::npos) {
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    Check(!body.is_discarded() && body.is_object());
    if (r.content_type == "application/problem+json") Check(body["status"] == r.status);
  }
  // Drain what the admin endpoint queued, as the consumer thread would.
  Check(world.pipeline.RunRequestedWork().ok());
  return 0;
}

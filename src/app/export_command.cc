#include "app/export_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include "app/audience_api.h"
#include "app/audience_writer.h"
#include "app/daemon_url.h"
#include "app/model_options.h"
#include "segd/http/http_client.h"
#include "segd/state/rocksdb_state_store.h"

namespace segd {
namespace {

using nlohmann::json;

// One page of the listing: GET of `target` (path and query) from wherever the listing is read.
using PageFetcher = std::function<StatusOr<HttpResponse>(const std::string& target)>;

// A count on stderr, rewritten in place a few times a second, when stderr is a terminal.
class ProgressLine {
 public:
  ProgressLine() : shown_(isatty(STDERR_FILENO) == 1) {}
  void Update(uint64_t customers, uint64_t pages, bool last) {
    if (!shown_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!last && now - printed_ < std::chrono::milliseconds(200)) return;
    printed_ = now;
    const double s = std::chrono::duration<double>(now - started_).count();
    std::fprintf(stderr, "\rsegd export: %llu customers, %llu pages, %.1f s%s",
                 (unsigned long long)customers, (unsigned long long)pages, s, last ? "\n" : "");
  }

 private:
  bool shown_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now(), printed_;
};

std::string ProblemDetail(const HttpResponse& r) {
  const json problem = json::parse(r.body, nullptr, false);
  return problem.is_object() && problem.contains("detail") && problem["detail"].is_string()
             ? problem["detail"].get<std::string>()
             : r.body;
}

// Walks the listing to its end, writing every customer to `out`. False (with the reason on
// stderr) when a page fails.
bool Walk(const PageFetcher& fetch, const ExportArgs& args, const std::string& where,
          std::FILE* out) {
  const std::string base = "/v1/segments/" + PercentEncodePathSegment(args.segment) +
                           "/customers?model=" + args.model +
                           "&page_size=" + std::to_string(args.page_size);
  std::unique_ptr<AudienceWriter> writer;
  ProgressLine progress;
  std::string token;
  uint64_t customers = 0, pages = 0;
  do {
    auto r = fetch(token.empty() ? base : base + "&page_token=" + token);
    if (!r.ok() || r->status != 200) {
      std::fprintf(stderr, "%ssegd: export failed after %llu customers (%s): %s\n",
                   pages > 0 && isatty(STDERR_FILENO) ? "\n" : "", (unsigned long long)customers,
                   where.c_str(),
                   r.ok() ? ProblemDetail(*r).c_str() : r.status().message().c_str());
      return false;
    }
    json page = json::parse(r->body, nullptr, false);  // not const: [] on a missing key is null
    const auto is_string = [](const json& j) { return j.is_string(); };
    if (!page.is_object() || !page["customers"].is_array() || !page["features"].is_array() ||
        !std::all_of(page["features"].begin(), page["features"].end(), is_string)) {
      std::fprintf(stderr, "segd: unexpected answer from %s\n", where.c_str());
      return false;
    }
    if (!writer) {
      writer = std::make_unique<AudienceWriter>(
          args.format == "csv" ? ExportFormat::kCsv : ExportFormat::kJsonl, out,
          page["features"].get<std::vector<std::string>>());
      writer->Begin();
    }
    for (const json& c : page["customers"]) writer->Write(c);
    customers += page["customers"].size();
    token = page["next_page_token"].is_string() ? page["next_page_token"].get<std::string>() : "";
    progress.Update(customers, ++pages, token.empty());
  } while (!token.empty());
  if (!writer->Finish()) {
    std::fprintf(stderr, "segd: cannot write the export\n");
    return false;
  }
  return true;
}

// Exports to args.output (through a temporary file beside it, renamed once complete) or stdout.
int ExportTo(const PageFetcher& fetch, const ExportArgs& args, const std::string& where) {
  if (args.output.empty() || args.output == "-") return Walk(fetch, args, where, stdout) ? 0 : 1;
  const std::string part = args.output + ".part";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(part.c_str(), "wb"), std::fclose);
  if (!file) {
    std::fprintf(stderr, "segd: cannot write %s\n", part.c_str());
    return 1;
  }
  const bool ok = Walk(fetch, args, where, file.get());
  const bool closed = std::fclose(file.release()) == 0;
  std::error_code ec;
  if (ok && closed) std::filesystem::rename(part, args.output, ec);
  if (!ok || !closed || ec) {
    std::filesystem::remove(part, ec);
    return 1;
  }
  return 0;
}

int ExportThroughDaemon(const SegdConfig& config, const ExportArgs& args) {
  auto url = args.url.empty() ? DaemonUrl(config) : StatusOr<std::string>(args.url);
  if (!url.ok()) {
    std::fprintf(stderr, "segd: %s\n", url.status().message().c_str());
    return 2;
  }
  const PageFetcher fetch = [&](const std::string& target) {
    return SendHttpRequest(
        {.base_url = *url, .method = "GET", .target = target, .timeout_ms = args.timeout_s * 1000});
  };
  return ExportTo(fetch, args, "the segd at " + *url);
}

// No segd runs: the listing is served in this process, from the store opened read-only.
int ExportDirectly(const SegdConfig& config, const ExportArgs& args) {
  StorageOptions storage = config.storage;
  storage.read_only = true;
  auto store = OpenRocksDbStateStore(storage);
  if (!store.ok()) {
    std::fprintf(stderr, "segd: %s\n", store.status().ToString().c_str());
    return 1;
  }
  CountingDeadLetterSink no_dead_letters;
  IngestStats stats;
  IngestPipeline pipeline(ToDecoderOptions(config.ingest), store->get(), &no_dead_letters, &stats,
                          [] { return int64_t(0); });
  ModelLifecycleOptions models = ToLifecycleOptions(config.model);
  models.bootstrap_min_customers = 0;  // read only: never fit here
  if (Status s = pipeline.Load(models); !s.ok()) {
    std::fprintf(stderr, "segd: %s\n", s.ToString().c_str());
    return 1;
  }
  const AudienceApi audiences(config.http,
                              {.store = store->get(), .pipeline = &pipeline, .watermark = [&stats] {
                                 return stats.watermark_ms.load();
                               }});
  const PageFetcher fetch = [&](const std::string& target) -> StatusOr<HttpResponse> {
    const size_t q = target.find('?');
    return *audiences.Handle(
        {.method = "GET", .path = target.substr(0, q), .query = target.substr(q + 1)});
  };
  return ExportTo(fetch, args, "the store at " + config.storage.path);
}

}  // namespace

CLI::App* AddExportCommand(CLI::App& app, ExportArgs* args) {
  CLI::App* c = app.add_subcommand(
      "export",
      "list customers with their segments, features and state as CSV or JSON lines (one "
      "snapshot; works while segd runs, through its HTTP API)");
  c->add_option("--format", args->format, "csv | jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  c->add_option("--segment", args->segment, "only this segment's customers (default: all)")
      ->check([](const std::string& s) {
        return s == "-" || (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos)
                   ? std::string()
                   : std::string("a segment id (0, 1, ...)");
      });
  c->add_option("--model", args->model, "the model whose segment --segment is: live | baseline")
      ->check(CLI::IsMember({"live", "baseline"}))
      ->capture_default_str();
  c->add_option("-o,--output", args->output,
                "write to FILE (complete or not at all; default: "
                "stdout)");
  c->add_option("--url", args->url,
                "the running segd's address, e.g. http://127.0.0.1:8080 (default: http.bind)");
  c->add_option("--page-size", args->page_size, "customers per request")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  c->add_option("--timeout", args->timeout_s, "seconds to wait for one page from a running segd")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return c;
}

int RunExportCommand(const SegdConfig& config, const ExportArgs& args) {
  if (!args.url.empty()) return ExportThroughDaemon(config, args);
  if (!std::filesystem::exists(std::filesystem::path(config.storage.path) / "CURRENT")) {
    std::fprintf(stderr, "segd: no state store at %s\n", config.storage.path.c_str());
    return 1;
  }
  auto in_use = RocksDbStoreInUse(config.storage.path);
  if (!in_use.ok()) {
    std::fprintf(stderr, "segd: %s\n", in_use.status().message().c_str());
    return 1;
  }
  return *in_use ? ExportThroughDaemon(config, args) : ExportDirectly(config, args);
}

}  // namespace segd

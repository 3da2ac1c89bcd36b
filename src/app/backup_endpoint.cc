#include "app/backup_endpoint.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "segd/event/event_time.h"

namespace segd {
namespace {

using nlohmann::json;

constexpr char kRoute[] = "/v1/admin/backup";

// Absolute, symbolic links resolved as far as the path exists, no trailing separator.
std::string Resolved(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  if (ec) return path;
  if (!p.has_filename()) p = p.parent_path();
  return p.string();
}

HttpResponse Answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.route = kRoute;
  return r;
}

// A failed backup: the caller's mistake (400), a conflict with the directory's state (409), or
// the store's or the disk's failure (500).
HttpResponse Failure(const Status& s) {
  const StatusCode c = s.code();
  const int status = c == StatusCode::kInvalidArgument      ? 400
                     : c == StatusCode::kFailedPrecondition ? 409
                                                            : 500;
  return ProblemResponse(status, s.message(), kRoute);
}

}  // namespace

BackupEndpoint::BackupEndpoint(StateStore* store, std::string store_path, std::string note)
    : store_(store), store_path_(Resolved(store_path)), note_(std::move(note)) {}

HttpResponse BackupEndpoint::Handle(const HttpRequest& req) {
  const json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (!body.is_object() || !body.contains("dir") || !body["dir"].is_string() ||
      (body.contains("keep") && !body["keep"].is_number_unsigned()) ||
      (body.contains("store") && !body["store"].is_string())) {
    return ProblemResponse(
        400, R"(expected {"dir": "/absolute/path", "keep": N, "store": "/storage/path"})", kRoute);
  }
  if (body.contains("store") && Resolved(body["store"].get<std::string>()) != store_path_) {
    return ProblemResponse(
        409, "this segd's store is " + store_path_ + ", not " + body["store"].get<std::string>(),
        kRoute);
  }
  std::unique_lock<std::mutex> lock(running_, std::try_to_lock);
  if (!lock.owns_lock()) return ProblemResponse(409, "a backup is already running", kRoute);
  const StoreBackupRequest request{
      .dir = body["dir"].get<std::string>(), .keep = body.value("keep", 0), .note = note_};
  auto backup = store_->Backup(request);
  if (!backup.ok()) {
    ++failed_;
    spdlog::warn("backup to {} failed: {}", request.dir, backup.status().ToString());
    return Failure(backup.status());
  }
  ++succeeded_;
  last_success_unix_s_ = backup->created_unix_s;
  return Answer(200, BackupJson(*backup, store_path_, request.dir));
}

StoreBackupStats BackupEndpoint::stats() const {
  return {succeeded_.load(), failed_.load(), last_success_unix_s_.load()};
}

std::string BackupJson(const StoreBackup& b, const std::string& store_path,
                       const std::string& dir) {
  json progress = json::array();
  for (const auto& [tp, p] : b.progress) {
    progress.push_back({{"topic", tp.topic},
                        {"partition", tp.partition},
                        {"next_offset", p.next_offset},
                        {"watermark_ms", p.watermark_ms},
                        {"applied", p.applied},
                        {"duplicates", p.duplicates},
                        {"rejected", p.rejected}});
  }
  return json({{"backup_id", b.id},
               {"created_at", FormatRfc3339(b.created_unix_s * 1000)},
               {"created_unix_s", b.created_unix_s},
               {"size_bytes", b.size_bytes},
               {"files", b.files},
               {"note", b.note},
               {"customers", b.customers},
               {"store", store_path},
               {"dir", dir},
               {"progress", std::move(progress)},
               {"kept", b.kept}})
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

StatusOr<StoreBackup> ParseBackupJson(const std::string& text, std::string* store_path,
                                      std::string* dir) {
  try {
    const json j = json::parse(text);
    StoreBackup b;
    b.id = j.at("backup_id").get<uint32_t>();
    b.created_unix_s = j.at("created_unix_s").get<int64_t>();
    b.size_bytes = j.at("size_bytes").get<uint64_t>();
    b.files = j.at("files").get<uint32_t>();
    b.note = j.at("note").get<std::string>();
    b.customers = j.at("customers").get<uint64_t>();
    b.kept = j.at("kept").get<std::vector<uint32_t>>();
    for (const json& p : j.at("progress")) {
      b.progress.push_back({{p.at("topic").get<std::string>(), p.at("partition").get<int32_t>()},
                            {.next_offset = p.at("next_offset").get<int64_t>(),
                             .watermark_ms = p.at("watermark_ms").get<int64_t>(),
                             .applied = p.at("applied").get<uint64_t>(),
                             .duplicates = p.at("duplicates").get<uint64_t>(),
                             .rejected = p.at("rejected").get<uint64_t>()}});
    }
    *store_path = j.at("store").get<std::string>();
    *dir = j.at("dir").get<std::string>();
    return b;
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("not a backup description: ") + e.what());
  }
}

}  // namespace segd

#include "app/backup_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/backup_endpoint.h"
#include "app/daemon_url.h"
#include "segd/build_info.h"
#include "segd/event/event_time.h"
#include "segd/http/http_client.h"
#include "segd/state/rocksdb_state_store.h"

namespace segd {
namespace {

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec).lexically_normal();
  if (ec) return path;
  if (!p.has_filename()) p = p.parent_path();  // "a/b/" -> "a/b"
  return p.string();
}

std::string Mib(uint64_t bytes) {
  char s[32];
  std::snprintf(s, sizeof(s), "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
  return s;
}

void PrintProgress(const StoreBackup& b, const char* what) {
  std::printf("  %-24s %12s %12s %10s  %s\n", "partition", what, "applied", "rejected",
              "watermark");
  for (const auto& [tp, p] : b.progress) {
    const std::string name = tp.topic + "[" + std::to_string(tp.partition) + "]";
    std::printf("  %-24s %12lld %12llu %10llu  %s\n", name.c_str(), (long long)p.next_offset,
                (unsigned long long)p.applied, (unsigned long long)p.rejected,
                p.watermark_ms > 0 ? FormatRfc3339(p.watermark_ms).c_str() : "-");
  }
  if (b.progress.empty()) std::printf("  (no partition consumed yet)\n");
}

void PrintBackup(const StoreBackup& b, const std::string& store, const std::string& dir) {
  std::printf("backup %u of %s added to %s\n", b.id, store.c_str(), dir.c_str());
  std::printf("  taken at   %s by %s\n", FormatRfc3339(b.created_unix_s * 1000).c_str(),
              b.note.c_str());
  std::printf("  size       %s in %u files (files unchanged since an earlier backup are shared)\n",
              Mib(b.size_bytes).c_str(), b.files);
  std::printf("  customers  %llu\n", (unsigned long long)b.customers);
  PrintProgress(b, "next offset");
  std::string kept;
  for (uint32_t id : b.kept) kept += " " + std::to_string(id);
  std::printf("backups in %s:%s\n", dir.c_str(), kept.c_str());
}

// Asks the segd that holds the store to add a backup to `dir`.
int BackupThroughDaemon(const SegdConfig& config, const BackupArgs& args, const std::string& dir,
                        const std::string& store) {
  if (config.http.admin_token.empty()) {
    std::fprintf(stderr,
                 "segd: a segd is running on %s and only it can back the store up, through its "
                 "admin endpoint: set http.admin_token (or SEGD_ADMIN_TOKEN, "
                 "http.admin_token_file) as it has it\n",
                 store.c_str());
    return 1;
  }
  auto url = args.url.empty() ? DaemonUrl(config) : StatusOr<std::string>(args.url);
  if (!url.ok()) {
    std::fprintf(stderr, "segd: %s\n", url.status().message().c_str());
    return 2;
  }
  const nlohmann::json body = {{"dir", dir}, {"keep", args.keep}, {"store", store}};
  auto reply = SendHttpRequest({.base_url = *url,
                                .method = "POST",
                                .target = "/v1/admin/backup",
                                .body = body.dump(),
                                .headers = {{"Authorization", "Bearer " + config.http.admin_token},
                                            {"Content-Type", "application/json"}},
                                .timeout_ms = args.timeout_s * 1000});
  if (!reply.ok()) {
    std::fprintf(stderr, "segd: the segd running on %s does not answer at %s: %s\n", store.c_str(),
                 url->c_str(), reply.status().message().c_str());
    return 1;
  }
  if (reply->status != 200) {
    const auto problem = nlohmann::json::parse(reply->body, nullptr, false);
    const std::string detail = problem.is_object() && problem.contains("detail")
                                   ? problem["detail"].get<std::string>()
                                   : reply->body;
    std::fprintf(stderr, "segd: backup failed (%s answered %d): %s\n", url->c_str(), reply->status,
                 detail.c_str());
    return 1;
  }
  std::string answered_store, answered_dir;
  auto backup = ParseBackupJson(reply->body, &answered_store, &answered_dir);
  if (!backup.ok()) {
    std::fprintf(stderr, "segd: %s\n", backup.status().message().c_str());
    return 1;
  }
  PrintBackup(*backup, answered_store, answered_dir);
  return 0;
}

// Opens the store (which keeps a segd from starting on it meanwhile) and backs it up.
int BackupDirectly(const SegdConfig& config, const BackupArgs& args, const std::string& dir,
                   const std::string& store) {
  auto opened = OpenRocksDbStateStore(config.storage);
  if (!opened.ok()) {
    std::fprintf(stderr, "segd: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  auto backup = (*opened)->Backup(
      {.dir = dir,
       .keep = args.keep,
       .note = std::string("segd ") + kVersion + " backup (segd stopped) on " + host});
  if (!backup.ok()) {
    std::fprintf(stderr, "segd: %s\n", backup.status().ToString().c_str());
    return 1;
  }
  PrintBackup(*backup, store, dir);
  return 0;
}

}  // namespace

CLI::App* AddBackupCommand(CLI::App& app, BackupArgs* args) {
  CLI::App* c = app.add_subcommand(
      "backup",
      "add a backup of the store to DIR (incremental; works while segd runs, through its admin "
      "endpoint)");
  c->add_option("dir", args->dir, "backup directory (created if missing)")->required();
  c->add_option("--keep", args->keep, "keep only the newest N backups in DIR (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->add_option("--url", args->url,
                "the running segd's address, e.g. http://127.0.0.1:8080 (default: http.bind)");
  c->add_option("--timeout", args->timeout_s, "seconds to wait for a running segd's backup")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return c;
}

CLI::App* AddRestoreCommand(CLI::App& app, RestoreArgs* args) {
  CLI::App* c =
      app.add_subcommand("restore", "restore a backup from DIR into storage.path (segd stopped)");
  c->add_option("dir", args->dir, "backup directory")->required();
  c->add_option("--backup-id", args->backup_id, "which backup (default: the latest)")
      ->check(CLI::PositiveNumber);
  c->add_flag("--force", args->force, "replace what storage.path holds");
  return c;
}

int RunBackupCommand(const SegdConfig& config, const BackupArgs& args) {
  const std::string dir = Absolute(args.dir), store = Absolute(config.storage.path);
  if (!std::filesystem::exists(std::filesystem::path(store) / "CURRENT")) {
    std::fprintf(stderr, "segd: no state store at %s\n", store.c_str());
    return 1;
  }
  auto in_use = RocksDbStoreInUse(store);
  if (!in_use.ok()) {
    std::fprintf(stderr, "segd: %s\n", in_use.status().message().c_str());
    return 1;
  }
  return *in_use || !args.url.empty() ? BackupThroughDaemon(config, args, dir, store)
                                      : BackupDirectly(config, args, dir, store);
}

int RunRestoreCommand(const SegdConfig& config, const RestoreArgs& args) {
  const std::string dir = Absolute(args.dir), store = Absolute(config.storage.path);
  auto restored = RestoreRocksDbStore(
      dir, args.backup_id == 0 ? std::nullopt : std::optional<uint32_t>(args.backup_id), args.force,
      config.storage);
  if (!restored.ok()) {
    std::fprintf(stderr, "segd: restore failed, %s unchanged: %s\n", store.c_str(),
                 restored.status().message().c_str());
    return 1;
  }
  const StoreBackup& b = *restored;
  std::printf("restored backup %u of %s into %s\n", b.id, dir.c_str(), store.c_str());
  std::printf("  taken at   %s by %s\n", FormatRfc3339(b.created_unix_s * 1000).c_str(),
              b.note.c_str());
  std::printf("  customers  %llu\n", (unsigned long long)b.customers);
  PrintProgress(b, "resumes at");
  std::printf(
      "start segd: it consumes each partition from the offset above on (the source topic must "
      "still hold it)\n");
  return 0;
}

}  // namespace segd

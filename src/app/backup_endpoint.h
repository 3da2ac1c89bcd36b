// `POST /v1/admin/backup`: a running segd adds a backup of its own store to a directory on its
// host (the store is locked by the daemon, so the backup is taken by the process holding it;
// see StateStore::Backup). The Api checks the admin token before Handle; one backup runs at a
// time (another request meanwhile is a 409). Also the JSON of a StoreBackup, which `segd backup`
// reads back. Thread-safe: Handle runs on any HTTP worker thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "segd/http/http_server.h"
#include "segd/state/state_store.h"

namespace segd {

class BackupEndpoint {
 public:
  // `store` (at `store_path`) must outlive the endpoint; `note` is kept with every backup.
  BackupEndpoint(StateStore* store, std::string store_path, std::string note);

  // Body: {"dir": absolute path, "keep": N (optional, 0 = keep all), "store": the storage.path
  // the caller means (optional; 409 when it is not this daemon's)}. 200 with the backup's JSON.
  HttpResponse Handle(const HttpRequest& request);

  StoreBackupStats stats() const;

 private:
  StateStore* store_;
  std::string store_path_;  // absolute
  std::string note_;
  std::mutex running_;  // held while a backup runs
  std::atomic<uint64_t> succeeded_{0}, failed_{0};
  std::atomic<int64_t> last_success_unix_s_{0};
};

// The JSON answer of a backup taken (or restored) from `dir` of the store at `store_path`.
std::string BackupJson(const StoreBackup& backup, const std::string& store_path,
                       const std::string& dir);
// Reads BackupJson's text back (and the store path and directory it names).
[[nodiscard]] StatusOr<StoreBackup> ParseBackupJson(const std::string& text,
                                                    std::string* store_path, std::string* dir);

}  // namespace segd

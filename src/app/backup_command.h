// `segd backup` and `segd restore` on the command line. A backup is taken by the process that
// holds the store open for writing: the running segd (through POST /v1/admin/backup, with the
// admin token) when one runs on storage.path, else this process, which opens the store itself
// (and so keeps a segd from starting on it meanwhile). A restore needs the segd stopped. Main
// thread only.
#pragma once

#include <cstdint>
#include <string>

#include "segd/config/segd_config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace segd {

struct BackupArgs {
  std::string dir;       // the backup directory (made absolute)
  int keep = 0;          // --keep: keep only the newest N backups (0: all)
  std::string url;       // --url: the running segd's HTTP address ("": from http.bind)
  int timeout_s = 3600;  // --timeout: how long to wait for a running segd's backup
};

struct RestoreArgs {
  std::string dir;         // the backup directory
  uint32_t backup_id = 0;  // --backup-id (0: the latest; ids start at 1)
  bool force = false;      // --force: replace what storage.path holds
};

// Add the subcommands to `app`; their options fill *args (which must outlive parsing).
CLI::App* AddBackupCommand(CLI::App& app, BackupArgs* args);
CLI::App* AddRestoreCommand(CLI::App& app, RestoreArgs* args);

// Run them on config.storage; print what was backed up or restored. Return the exit code: 0
// done, 1 failed (nothing restored), 2 a bad option.
int RunBackupCommand(const SegdConfig& config, const BackupArgs& args);
int RunRestoreCommand(const SegdConfig& config, const RestoreArgs& args);

}  // namespace segd

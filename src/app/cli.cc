#include "app/cli.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/backup_command.h"
#include "app/daemon.h"
#include "app/drift_report.h"
#include "app/export_command.h"
#include "app/model_options.h"
#include "app/reset_offsets_command.h"
#include "app/simulate_command.h"
#include "app/state_report.h"
#include "segd/build_info.h"
#include "segd/config/config_loader.h"
#include "segd/event/event_time.h"
#include "segd/model/baseline_trainer.h"
#include "segd/state/rocksdb_state_store.h"

namespace segd {
namespace {

std::optional<std::string> GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::optional<std::string>(v) : std::nullopt;
}

// Loads the config file (or the built-in defaults when `path` is empty) plus env overrides.
StatusOr<SegdConfig> LoadConfig(const std::string& path) {
  StatusOr<SegdConfig> config =
      path.empty() ? StatusOr<SegdConfig>(SegdConfig{}) : LoadConfigFile(path);
  if (!config.ok()) return config;
  SEGD_RETURN_IF_ERROR(ApplyEnvOverrides(&*config, GetEnv));
  return config;
}

void SetUpLogging(const LogConfig& log) {
  auto logger = spdlog::stderr_color_mt("segd");
  if (log.format == "json") {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(log.level));
  spdlog::set_default_logger(logger);
}

// Opens the configured store read-only (works while a segd writes it); prints why not.
std::unique_ptr<StateStore> OpenForInspection(const SegdConfig& config) {
  StorageOptions storage = config.storage;
  storage.read_only = true;
  auto store = OpenRocksDbStateStore(storage);
  if (!store.ok()) {
    std::fprintf(stderr, "segd: %s\n", store.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*store);
}

int InspectCustomer(const SegdConfig& config, const std::string& id) {
  auto store = OpenForInspection(config);
  if (!store) return 1;
  std::vector<std::optional<CustomerState>> out;
  if (Status s = store->GetCustomers({id}, &out); !s.ok()) {
    std::fprintf(stderr, "segd: %s\n", s.ToString().c_str());
    return 1;
  }
  if (!out[0]) {
    std::fprintf(stderr, "segd: customer not found\n");
    return 3;
  }
  std::printf("%s\n", CustomerStateJson(id, *out[0]).c_str());
  return 0;
}

int InspectSummary(const SegdConfig& config) {
  auto store = OpenForInspection(config);
  if (!store) return 1;
  PrintStoreSummary(*store, nullptr, 0);
  return 0;
}

int InspectModel(const SegdConfig& config) {
  auto store = OpenForInspection(config);
  if (!store) return 1;
  auto versions = ListBaselineVersions(*store);
  auto current = LoadCurrentBaseline(*store);
  if (!versions.ok() || !current.ok()) {
    std::fprintf(stderr, "segd: cannot read the baseline\n");
    return 1;
  }
  if (!current->has_value()) {
    std::printf("no baseline yet: run `segd train` (with the daemon stopped)\n");
    return 0;
  }
  PrintBaseline(**current);
  std::printf("versions kept:");
  for (uint64_t v : *versions) std::printf(" v%llu", (unsigned long long)v);
  std::printf("\n");
  return 0;
}

int InspectDrift(const SegdConfig& config, const std::string& format, const std::string& from,
                 const std::string& to) {
  const auto from_ms = from.empty() ? std::optional<int64_t>(0) : ParseDayMs(from);
  const auto to_ms = to.empty() ? std::optional<int64_t>(INT64_MAX) : ParseDayMs(to);
  if (!from_ms || !to_ms) {
    std::fprintf(stderr, "segd: --from and --to take YYYY-MM-DD or an RFC 3339 time\n");
    return 2;
  }
  auto store = OpenForInspection(config);
  if (!store) return 1;
  const DriftHistory history(store.get(), {.keep = 0});
  return PrintDriftHistory(history, format, *from_ms, *to_ms);
}

// Opens the store for writing, which brings it to the current storage format (a format-1 store
// is migrated in place, with progress in the log), and closes it.
int Migrate(const SegdConfig& config) {
  if (!std::filesystem::exists(std::filesystem::path(config.storage.path) / "CURRENT")) {
    std::fprintf(stderr, "segd: no state store at %s\n", config.storage.path.c_str());
    return 1;
  }
  auto opened = OpenRocksDbStateStore(config.storage);  // takes the lock: segd must be stopped
  if (!opened.ok()) {
    std::fprintf(stderr, "segd: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::printf("state store at %s: storage format 2\n", config.storage.path.c_str());
  return 0;
}

// Fits a new baseline on the stored customers at the stored watermark and makes it current.
int Train(const SegdConfig& config) {
  auto opened = OpenRocksDbStateStore(config.storage);  // takes the lock: segd must be stopped
  if (!opened.ok()) {
    std::fprintf(stderr, "segd: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  StateStore& store = **opened;
  auto watermark = StoredWatermark(store);
  auto previous = LoadCurrentBaseline(store);
  if (!watermark.ok() || !previous.ok()) {
    std::fprintf(stderr, "segd: cannot read the store\n");
    return 1;
  }
  const ModelConfig& mc = config.model;
  auto model = TrainBaseline(store, *watermark, mc.features, ToTrainOptions(mc),
                             previous->has_value() ? &**previous : nullptr);
  if (!model.ok()) {
    std::fprintf(stderr, "segd: %s\n", model.status().ToString().c_str());
    return 1;
  }
  if (Status s = SaveBaseline(store, *model, mc.keep_versions); !s.ok()) {
    std::fprintf(stderr, "segd: %s\n", s.ToString().c_str());
    return 1;
  }
  PrintBaseline(*model);
  return 0;
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"segd: streaming customer segmentation daemon"};
  app.set_version_flag("--version", std::string("segd ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // `segd run --config X` and `segd --config X run` both work
  std::string config_path;
  app.add_option("-c,--config", config_path,
                 "YAML config file (default: built-in defaults; see config/segd.yaml)");

  RunOptions run_options;
  CLI::App* run = app.add_subcommand("run", "consume events and keep segments up to date");
  run->add_flag("--exit-when-caught-up", run_options.exit_when_caught_up,
                "stop (cleanly) once every assigned partition has been consumed to its end");
  run->add_flag("--summary", run_options.print_summary, "print a state summary on exit");

  CLI::App* check = app.add_subcommand("check-config", "validate the config and exit");

  CLI::App* inspect = app.add_subcommand("inspect", "read a store (the daemon may be running)");
  inspect->require_subcommand(1);
  inspect->fallthrough();
  std::string customer_id;
  CLI::App* customer = inspect->add_subcommand("customer", "one customer's state as JSON");
  customer->add_option("id", customer_id, "customer id")->required();
  CLI::App* summary = inspect->add_subcommand("summary", "totals and a few customers");
  CLI::App* model = inspect->add_subcommand("model", "the current baseline and kept versions");
  std::string drift_format = "csv", drift_from, drift_to;
  CLI::App* drift = inspect->add_subcommand("drift", "the drift history (every evaluation)");
  drift->add_option("--format", drift_format, "csv | json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  drift->add_option("--from", drift_from, "first as_of (YYYY-MM-DD or RFC 3339), included");
  drift->add_option("--to", drift_to, "last as_of (YYYY-MM-DD or RFC 3339), excluded");
  CLI::App* train = app.add_subcommand(
      "train", "fit a new baseline on the stored customers (stop the daemon first)");

  CLI::App* migrate = app.add_subcommand(
      "migrate",
      "bring the store to this release's storage format (`run` does it too; stop the daemon "
      "first)");

  BackupArgs backup_args;
  CLI::App* backup = AddBackupCommand(app, &backup_args);
  RestoreArgs restore_args;
  CLI::App* restore = AddRestoreCommand(app, &restore_args);
  ExportArgs export_args;
  CLI::App* export_command = AddExportCommand(app, &export_args);
  ResetOffsetsArgs reset;
  CLI::App* reset_offsets = AddResetOffsetsCommand(app, &reset);

  SimulateArgs sim;
  CLI::App* simulate = AddSimulateCommand(app, &sim);

  CLI11_PARSE(app, argc, argv);

  auto config = LoadConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "segd: %s\n", config.status().message().c_str());
    return 2;
  }
  SetUpLogging(config->log);
  if (*check) {
    std::printf("config ok\n");
    return 0;
  }
  if (*run) return RunDaemon(*config, run_options);
  if (*customer) return InspectCustomer(*config, customer_id);
  if (*summary) return InspectSummary(*config);
  if (*model) return InspectModel(*config);
  if (*drift) return InspectDrift(*config, drift_format, drift_from, drift_to);
  if (*train) return Train(*config);
  if (*migrate) return Migrate(*config);
  if (*backup) return RunBackupCommand(*config, backup_args);
  if (*restore) return RunRestoreCommand(*config, restore_args);
  if (*export_command) return RunExportCommand(*config, export_args);
  if (*reset_offsets) return RunResetOffsetsCommand(*config, reset);
  if (*simulate) return RunSimulateCommand(*config, sim);
  return 2;
}

}  // namespace segd

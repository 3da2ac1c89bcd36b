// `segd simulate` on the command line: its options, and the run that loads the history, runs
// the study with the daemon's configuration and writes simulate.csv, simulate.svg and
// report.txt. Main thread only.
#pragma once

#include <optional>
#include <string>

#include "segd/config/segd_config.h"
#include "segd/replay/olist_generator.h"

namespace CLI {
class App;
}  // namespace CLI

namespace segd {

// What the options fill; exactly one history (JSONL, Olist CSVs, or --generate) is given.
struct SimulateArgs {
  std::string jsonl, olist_dir;
  bool generate = false;
  GeneratorOptions generator;  // seed, customers, drift_factor; dates below
  GeneratorDays days;          // as segd-replay generate reads them
  std::string start;           // t0, YYYY-MM-DD ("": a year in)
  double step_days = 14;
  int starts = 0;                             // 0: every step over the first half
  std::optional<double> threshold, critical;  // unset: drift.threshold, drift.critical
  std::string detector;  // DetectorMethod name ("": drift.detector); options: the drift section
  std::string out_dir = "simulate-out";
  bool progress = false;  // also when stderr is not a terminal
};

// Adds the `simulate` subcommand to `app`; its options fill *args (which must outlive parsing).
CLI::App* AddSimulateCommand(CLI::App& app, SimulateArgs* args);

// Runs it with `config`'s model, ingest and drift settings. Returns the exit code: 0 done, 1 a
// failure while running or writing, 2 a bad history or option.
int RunSimulateCommand(const SegdConfig& config, const SimulateArgs& args);

}  // namespace segd

// `segd run`: wires config, store, Kafka and the ingest loop, and runs until signalled.
// Called once from the CLI on the main thread.
#pragma once

#include "segd/config/segd_config.h"

namespace segd {

struct RunOptions {
  bool exit_when_caught_up = false;  // --exit-when-caught-up
  bool print_summary = false;        // --summary: print a state summary on exit
};

// Returns the process exit code: 0 after a clean stop, 1 after a fatal error.
int RunDaemon(const SegdConfig& config, const RunOptions& options);

}  // namespace segd

// Runs a shell command (reference tools: scikit-learn scripts, kcat, wrk) and captures its
// standard output. Thread-compatible.
#pragma once

#include <string>

namespace segd::bench {

struct CommandOutput {
  std::string out;
  int exit_code = -1;  // -1 when the command could not be started or did not exit normally
};

// Runs `command` with /bin/sh and waits for it.
CommandOutput RunCommand(const std::string& command);

// True if `tool` is an executable on PATH.
bool HaveTool(const std::string& tool);

}  // namespace segd::bench

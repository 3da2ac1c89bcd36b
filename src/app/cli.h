// The `segd` command line: parses arguments and runs one subcommand. Called once from main().
#pragma once

namespace segd {

// Returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace segd

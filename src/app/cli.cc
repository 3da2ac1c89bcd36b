#include "app/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "segd/build_info.h"

namespace segd {

int RunCli(int argc, char** argv) {
  CLI::App app{"segd: streaming customer segmentation daemon"};
  app.set_version_flag("--version", std::string("segd ") + kVersion);
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace segd

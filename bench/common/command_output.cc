#include "common/command_output.h"

#include <sys/wait.h>

#include <cstdio>

namespace segd::bench {

CommandOutput RunCommand(const std::string& command) {
  CommandOutput r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

bool HaveTool(const std::string& tool) {
  return RunCommand("command -v " + tool + " >/dev/null 2>&1").exit_code == 0;
}

}  // namespace segd::bench

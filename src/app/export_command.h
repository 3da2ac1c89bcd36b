// `segd export`: every customer of a segment (or all of them) with their segments under both
// models, features and state, as CSV or JSON lines, read page by page from the customer listing
// (GET /v1/segments/{id}/customers) so the export is one consistent snapshot. Through the
// running segd's HTTP API when one holds the store (or --url is given), else from the store
// itself, opened read-only. Streams: one page in memory at a time. Main thread only.
#pragma once

#include <string>

#include "segd/config/segd_config.h"

namespace CLI {
class App;
}  // namespace CLI

namespace segd {

struct ExportArgs {
  std::string format = "csv";  // --format: csv | jsonl
  std::string segment = "-";   // --segment: a segment id, or - for every customer
  std::string model = "live";  // --model: live | baseline (which model's segment --segment is)
  std::string output;          // --output: a file ("" or -: stdout)
  std::string url;             // --url: the running segd's HTTP address ("": from http.bind)
  int page_size = 1000;        // --page-size: customers per request
  int timeout_s = 60;          // --timeout: seconds to wait for one page
};

// Adds the subcommand to `app`; its options fill *args (which must outlive parsing).
CLI::App* AddExportCommand(CLI::App& app, ExportArgs* args);

// Runs it on config; returns the exit code: 0 done, 1 failed, 2 a bad option.
int RunExportCommand(const SegdConfig& config, const ExportArgs& args);

}  // namespace segd

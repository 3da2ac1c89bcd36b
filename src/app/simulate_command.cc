#include "app/simulate_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/model_options.h"
#include "app/simulate.h"
#include "app/simulate_chart.h"
#include "app/simulate_report.h"
#include "segd/event/event_time.h"

namespace segd {
namespace {

StatusOr<HistorySource> HistoryFrom(const SimulateArgs& a) {
  if (!a.generate) return HistorySource{.jsonl_path = a.jsonl, .olist_dir = a.olist_dir};
  auto g = WithDays(a.generator, a.days);
  if (!g.ok()) return g.status();
  return HistorySource{.generator = *g};
}

// The daemon's model, ingest and drift settings, as `segd run` would use them.
StatusOr<SimulateOptions> OptionsFrom(const SegdConfig& config, const SimulateArgs& a) {
  SimulateOptions o;
  o.model = ToLifecycleOptions(config.model);
  o.decoder = ToDecoderOptions(config.ingest);
  o.fold = ToFoldPolicy(config.ingest);
  o.batch_max_events = static_cast<size_t>(config.ingest.batch_max_events);
  o.step_days = a.step_days;
  o.starts = a.starts;
  o.threshold = a.threshold.value_or(config.drift.threshold);
  o.critical = a.critical.value_or(config.drift.critical);
  o.consecutive = config.drift.consecutive_evaluations;
  // The detector as the daemon runs it (drift.detector and its options), --detector aside.
  o.detector = ToDetectorOptions(config.drift);
  o.active_days = config.drift.active_days;
  if (!a.detector.empty()) {
    auto method = ParseDetectorMethod(a.detector);
    if (!method.ok()) return InvalidArgument("--detector: " + method.status().message());
    o.detector.method = *method;
  }
  o.detector.ari_rule.threshold = o.threshold;
  o.detector.ari_rule.critical = o.critical;
  if (!a.start.empty()) {
    auto t = ParseDayMs(a.start);
    if (!t) return InvalidArgument("--start: '" + a.start + "' is not YYYY-MM-DD");
    o.start_ms = *t;
  }
  if (a.progress || isatty(STDERR_FILENO)) {
    o.progress = [](size_t done, size_t total) {
      const int width = 40, filled = total == 0 ? width : int(width * done / total);
      std::fprintf(stderr, "\rsimulate [%s%s] step %zu/%zu", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), done, total);
      if (done == total) std::fprintf(stderr, "\n");
    };
  }
  return o;
}

Status WriteOutputs(const std::string& dir, const SimulateResult& r, const SimulateOptions& o,
                    const std::string& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir + ": " + ec.message());
  for (const auto& [name, text] :
       {std::pair<std::string, std::string>{"simulate.csv", SimulateCsv(r)},
        {"simulate.svg", SimulateSvg(r, o.threshold, o.critical)},
        {"report.txt", report}}) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out << text;
    if (!out.flush()) return IoError("cannot write " + dir + "/" + name);
  }
  return Status::Ok();
}

}  // namespace

int RunSimulateCommand(const SegdConfig& config, const SimulateArgs& a) {
  const auto began = std::chrono::steady_clock::now();
  auto source = HistoryFrom(a);
  auto options = source.ok() ? OptionsFrom(config, a) : source.status();
  if (!options.ok()) {
    std::fprintf(stderr, "segd: %s\n", options.status().message().c_str());
    return 2;
  }
  auto events = LoadHistory(*source);
  if (!events.ok()) {
    std::fprintf(stderr, "segd: %s\n", events.status().ToString().c_str());
    return 2;
  }
  auto result = Simulate(*events, *options);
  if (!result.ok()) {  // a start date outside the history is a bad command line
    std::fprintf(stderr, "segd: %s\n", result.status().ToString().c_str());
    return result.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  const std::string report = SimulateReport(*result, options->threshold, options->critical);
  if (Status s = WriteOutputs(a.out_dir, *result, *options, report); !s.ok()) {
    std::fprintf(stderr, "segd: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("%swrote %s/simulate.csv, simulate.svg and report.txt in %.1f s\n", report.c_str(),
              a.out_dir.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  return 0;
}

CLI::App* AddSimulateCommand(CLI::App& app, SimulateArgs* a) {
  CLI::App* sim = app.add_subcommand(
      "simulate",
      "the Olist retraining study on an event history: ARI of M0 against a refit and against "
      "the live model every step; writes simulate.csv, simulate.svg and report.txt");
  auto* jsonl = sim->add_option("--input-jsonl,--jsonl", a->jsonl,
                                "a JSONL file of contract events, in event-time order");
  auto* olist = sim->add_option("--olist-dir", a->olist_dir,
                                "a directory with the Kaggle Olist olist_*_dataset.csv files");
  auto* gen = sim->add_flag("--generate", a->generate, "the built-in Olist-like generator");
  jsonl->excludes(olist)->excludes(gen);
  olist->excludes(gen);
  sim->add_option("--seed", a->generator.seed, "generator seed")->capture_default_str()->needs(gen);
  sim->add_option("--customers", a->generator.customers, "generator customers")
      ->capture_default_str()
      ->needs(gen);
  sim->add_option("--history-start", a->days.start, "generator first day (YYYY-MM-DD)")
      ->capture_default_str()
      ->needs(gen);
  sim->add_option("--history-end", a->days.end, "generator last day (YYYY-MM-DD)")
      ->capture_default_str()
      ->needs(gen);
  sim->add_option("--drift-start,--drift-from", a->days.drift_start,
                  "generator: behaviour changes from this day (YYYY-MM-DD)")
      ->needs(gen);
  sim->add_option("--drift-kind", a->days.drift_kind,
                  "generator: spend_shift | frequency_shift | new_customer_spend | "
                  "new_customer_mix | review_collapse")
      ->capture_default_str()
      ->needs(gen);
  sim->add_option("--drift-size", a->days.drift_size,
                  "generator: mild | moderate | strong (sets the factor for the kind)")
      ->needs(gen);
  sim->add_option("--drift-factor", a->generator.drift_factor, "generator: size of the change")
      ->capture_default_str()
      ->needs(gen);
  sim->add_option("--start", a->start, "t0, when M0 is fitted (default: a year in)");
  sim->add_option("--step-days", a->step_days, "days between steps")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sim->add_option("--starts", a->starts,
                  "start dates (a step apart) for the interval recommendation (default: every "
                  "step over the first half)")
      ->check(CLI::Range(1, 1000));
  sim->add_option("--threshold", a->threshold, "retrain ARI level (default: drift.threshold)")
      ->check(CLI::Range(-1.0, 1.0));
  sim->add_option("--critical", a->critical, "critical ARI level (default: drift.critical)")
      ->check(CLI::Range(-1.0, 1.0));
  sim->add_option("--detector", a->detector,
                  "drift detector reported beside the study's rules: calibrated | "
                  "ari_threshold | psi (default: drift.detector, with the drift section's "
                  "options)");
  sim->add_option("--out-dir", a->out_dir, "output directory")->capture_default_str();
  sim->add_flag("--progress", a->progress, "progress bar even when stderr is not a terminal");
  return sim;
}

}  // namespace segd

// Scale with size: segd's one-core ingest path (decode + apply + commit into a fresh RocksDB, no
// Kafka) over generated histories of 100k, 1M and 10M customers: events per second, peak RSS
// (VmHWM) and the disk use of the RocksDB directory. Each history is generated once into a file
// (key TAB json per line) by a child process; each run is another child process that streams the
// file in micro-batches, so the peak RSS is segd's (plus one micro-batch of messages), not the
// generator's.
//
//   build-bench/bench/scale/segd-bench-scale --customers 100000,1000000,10000000 --runs 3
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/bench_report.h"
#include "common/ingest_runs.h"
#include "common/process_stats.h"

namespace {

using namespace segd;
using namespace segd::bench;

constexpr int kChunkCustomers = 50'000;

// Writes the history of `customers` customers (chunks of the test generator, each with its own
// seed) to `path`; returns the number of events.
uint64_t WriteHistory(int customers, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  uint64_t events = 0;
  for (int base = 0, chunk = 0; base < customers; base += kChunkCustomers, ++chunk) {
    const auto h = testing::MakeHistory(std::min(kChunkCustomers, customers - base),
                                        1'000'003ull * (chunk + 1));
    for (const auto& e : h) f << e.key << '\t' << e.json << '\n';
    events += h.size();
  }
  f.flush();
  if (!f) std::abort();
  return events;
}

struct RunFigures {
  double events_per_s = 0;
  double cores = 0;           // CPU time of all threads / wall time
  double read_per_event = 0;  // bytes read (rchar) per event, RocksDB's reads and the history's
  int64_t peak_rss = 0, disk = 0, compacted = 0;
  uint64_t events = 0;
};

// Streams `path` through the one-core ingest path into `dir`.
RunFigures IngestFile(const std::string& path, const std::string& dir,
                      const IngestRunOptions& options) {
  std::ifstream f(path, std::ios::binary);
  OneCoreIngest ingest(dir, options);
  std::vector<RawMessage> batch(options.batch);
  for (RawMessage& m : batch) m = {"orders", 0, 0, true, {}, {}};
  RunFigures r;
  const IoCounters io_start = ReadIoCounters();
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    size_t n = 0;
    for (;
         n < batch.size() && std::getline(f, batch[n].key, '\t') && std::getline(f, batch[n].value);
         ++n) {
      batch[n].offset = static_cast<int64_t>(r.events++);
    }
    if (n == 0) break;
    ingest.Process(std::span(batch).first(n));
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.events_per_s = r.events / wall;
  r.cores = (CpuSeconds() - cpu_start) / wall;
  r.read_per_event = double(ReadIoCounters().rchar - io_start.rchar) / r.events;
  if (ingest.applied() != r.events) std::abort();
  r.peak_rss = PeakRssBytes();
  ingest.Close();
  r.disk = DiskUsageBytes(dir);
  r.compacted = CompactedBytes(dir);
  return r;
}

// Runs `work` in a child process and returns what it wrote (one value of type T).
template <typename T, typename Work>
T InChild(Work work) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    close(fds[0]);
    const T value = work();
    if (write(fds[1], &value, sizeof(value)) != sizeof(value)) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  T value{};
  const bool got = read(fds[0], &value, sizeof(value)) == sizeof(value);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "benchmark child failed\n");
    std::exit(1);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd scale benchmark: ingest rate, peak RSS and disk use by population"};
  std::vector<int> sizes = {100'000, 1'000'000, 10'000'000};
  int runs = 3;
  std::string dir = "/tmp/segd-bench-scale", json;
  IngestRunOptions options;
  app.add_option("--customers", sizes, "population sizes, comma-separated")->delimiter(',');
  app.add_option("--runs", runs);
  int large_runs = 0;
  app.add_option("--large-runs", large_runs,
                 "runs for populations of 5M customers and more (default: --runs)");
  app.add_option("--dir", dir);
  app.add_option("--write-buffer-mb", options.storage.write_buffer_mb);
  app.add_option("--block-cache-mb", options.storage.block_cache_mb);
  app.add_option("--batch", options.batch, "micro-batch size in events");
  app.add_option("--json", json, "write the results to this file");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  BenchReport report("scale");
  const std::string caches =
      "storage.block_cache_mb " + std::to_string(options.storage.block_cache_mb) +
      ", storage.write_buffer_mb " + std::to_string(options.storage.write_buffer_mb);
  std::printf("one-core path (decode+apply+commit, no Kafka), %s\n", caches.c_str());
  std::printf("%-12s %12s %4s %12s %12s %12s %14s %8s %14s\n", "customers", "events", "run",
              "events/s", "peak RSS MiB", "disk MiB", "compacted MiB", "cores", "read B/event");
  for (int customers : sizes) {
    const std::string history = dir + "/history.tsv";
    const uint64_t events = InChild<uint64_t>([&] { return WriteHistory(customers, history); });
    std::vector<double> rate, rss, disk, compacted, cores, reads;
    const int size_runs = customers >= 5'000'000 && large_runs > 0 ? large_runs : runs;
    for (int r = 0; r < size_runs; ++r) {
      const auto f =
          InChild<RunFigures>([&] { return IngestFile(history, dir + "/state", options); });
      if (f.events != events) return 1;
      rate.push_back(f.events_per_s);
      rss.push_back(f.peak_rss / 1048576.0);
      disk.push_back(f.disk / 1048576.0);
      compacted.push_back(f.compacted / 1048576.0);
      cores.push_back(f.cores);
      reads.push_back(f.read_per_event);
      std::printf("%-12d %12llu %4d %12.0f %12.1f %12.1f %14.1f %8.2f %14.0f\n", customers,
                  (unsigned long long)events, r + 1, rate.back(), rss.back(), disk.back(),
                  compacted.back(), cores.back(), reads.back());
      std::fflush(stdout);
      std::filesystem::remove_all(dir + "/state");
    }
    std::filesystem::remove(history);
    char label[64];
    std::snprintf(label, sizeof(label), "%d customers", customers);
    const std::string note = std::to_string(events) +
                             " events; one-core path (decode+apply+commit, no Kafka), "
                             "streamed from a file; " +
                             caches;
    report.Add(label, "ingest rate", "events/s", rate, note);
    report.Add(label, "peak RSS (VmHWM)", "MiB", rss, "target < 1024 at 10M customers");
    report.Add(label, "RocksDB dir disk use", "MiB", disk, "du after close (WAL included)");
    report.Add(label, "after a full compaction (SST files)", "MiB", compacted,
               "the data without WAL and not yet compacted stale versions");
    report.Add(label, "CPU use (all threads)", "cores", cores,
               "user+sys CPU time / wall time: consumer thread + RocksDB flush/compaction");
    report.Add(label, "bytes read per event (rchar)", "B/event", reads,
               "RocksDB reads (SST blocks, index and filter blocks; page cache included) + "
               "the ~255-byte history line");
  }
  std::filesystem::remove_all(dir);
  return report.WriteJson(json) ? 0 : 1;
}

// Resource figures of this process and of a directory, for the scale benchmark. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace segd::bench {

// Peak resident set size of this process so far (VmHWM in /proc/self/status), in bytes; 0 if
// unreadable.
int64_t PeakRssBytes();

// Current resident set size (VmRSS), in bytes; 0 if unreadable.
int64_t CurrentRssBytes();

// Bytes this process read through read()-like calls (rchar in /proc/self/io: page-cache hits
// included) and from the storage layer (read_bytes); 0 if unreadable.
struct IoCounters {
  int64_t rchar = 0, read_bytes = 0;
};
IoCounters ReadIoCounters();

// User + system CPU time of every thread of this process so far, in seconds.
double CpuSeconds();

// Disk space allocated to the files under `dir` (what `du -s` reports), in bytes.
int64_t DiskUsageBytes(const std::string& dir);

// Opens the (closed) RocksDB directory `dir`, flushes and fully compacts every column family
// and returns the size of its SST files: what the data takes without the write-ahead log and
// the stale versions that compaction has not dropped yet. Aborts on error.
int64_t CompactedBytes(const std::string& dir);

}  // namespace segd::bench

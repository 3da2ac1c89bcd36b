#include "common/process_stats.h"

#include <rocksdb/db.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace segd::bench {
namespace {

// A "Name:   1234 kB" line of /proc/self/status.
int64_t StatusKb(const std::string& name) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stoll(line.substr(name.size() + 1)) * 1024;
  }
  return 0;
}

}  // namespace

int64_t PeakRssBytes() { return StatusKb("VmHWM"); }

int64_t CurrentRssBytes() { return StatusKb("VmRSS"); }

IoCounters ReadIoCounters() {
  IoCounters io;
  std::ifstream f("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (f >> key >> value) {
    if (key == "rchar:") io.rchar = value;
    if (key == "read_bytes:") io.read_bytes = value;
  }
  return io;
}

double CpuSeconds() {
  struct rusage u;
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

int64_t DiskUsageBytes(const std::string& dir) {
  int64_t bytes = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) bytes += st.st_blocks * 512;
  }
  return bytes;
}

int64_t CompactedBytes(const std::string& dir) {
  rocksdb::DBOptions o;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(o, dir, &names).ok()) std::abort();
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(o, dir, cfs, &handles, &db).ok()) std::abort();
  rocksdb::CompactRangeOptions c;
  c.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  uint64_t sst = 0;
  for (auto* h : handles) {
    if (!db->Flush(rocksdb::FlushOptions(), h).ok()) std::abort();
    if (!db->CompactRange(c, h, nullptr, nullptr).ok()) std::abort();
    uint64_t v = 0;
    db->GetIntProperty(h, "rocksdb.total-sst-files-size", &v);
    sst += v;
    db->DestroyColumnFamilyHandle(h);
  }
  db->Close();
  delete db;
  return static_cast<int64_t>(sst);
}

}  // namespace segd::bench

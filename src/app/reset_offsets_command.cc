#include "app/reset_offsets_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>

#include "segd/state/rocksdb_state_store.h"

namespace segd {
namespace {

constexpr int kBrokerTimeoutMs = 10000;

std::string Name(const TopicPartition& tp) { return tp.topic + "/" + std::to_string(tp.partition); }

// earliest / latest, or the explicit offset.
StatusOr<std::optional<int64_t>> ParseTarget(const std::string& to) {
  if (to == "earliest" || to == "latest") return std::optional<int64_t>();
  int64_t offset = -1;
  const auto [end, ec] = std::from_chars(to.data(), to.data() + to.size(), offset);
  if (ec != std::errc() || end != to.data() + to.size() || offset < 0) {
    return InvalidArgument("--to: expected earliest, latest or an offset >= 0, got '" + to + "'");
  }
  return std::optional<int64_t>(offset);
}

std::string Describe(const std::optional<PartitionProgress>& p) {
  return p ? std::to_string(p->next_offset) : "none";
}

}  // namespace

StatusOr<std::vector<OffsetReset>> PlanOffsetResets(
    const std::string& topic, const std::string& to, const std::vector<int32_t>& partitions,
    const std::vector<PartitionLogRange>& logs,
    const std::vector<std::pair<TopicPartition, PartitionProgress>>& stored) {
  auto explicit_offset = ParseTarget(to);
  if (!explicit_offset.ok()) return explicit_offset.status();
  std::map<int32_t, LogRange> by_partition;
  for (const PartitionLogRange& r : logs) by_partition[r.partition] = r.log;
  std::vector<int32_t> selected = partitions;
  if (selected.empty()) {
    for (const auto& [p, log] : by_partition) selected.push_back(p);
  }
  std::sort(selected.begin(), selected.end());
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  std::vector<OffsetReset> plan;
  for (int32_t p : selected) {
    OffsetReset& r = plan.emplace_back();
    r.tp = {topic, p};
    auto log = by_partition.find(p);
    if (log == by_partition.end()) {
      return InvalidArgument("--partition " + std::to_string(p) + ": topic " + topic + " has " +
                             std::to_string(by_partition.size()) + " partition(s)");
    }
    for (const auto& [tp, progress] : stored) {
      if (tp == r.tp) r.before = progress;
    }
    r.after = r.before;
    int64_t offset = to == "earliest" ? log->second.low : log->second.high;
    if (*explicit_offset) {
      offset = **explicit_offset;
      if (offset < log->second.low || offset > log->second.high) {
        return InvalidArgument("--to " + to + ": partition " + Name(r.tp) + " holds offsets " +
                               std::to_string(log->second.low) + ".." +
                               std::to_string(log->second.high));
      }
      if (!r.after) r.after = PartitionProgress{};
    }
    if (r.after) r.after->next_offset = offset;
  }
  return plan;
}

CLI::App* AddResetOffsetsCommand(CLI::App& app, ResetOffsetsArgs* args) {
  CLI::App* cmd = app.add_subcommand(
      "reset-offsets",
      "move segd's stored offsets of a topic's partitions, to accept a log that no longer "
      "matches its state (topic recreated, events lost to retention); stop the daemon first");
  cmd->add_option("--topic", args->topic, "the source topic")->required();
  cmd->add_option("--to", args->to,
                  "earliest (the broker's oldest offset), latest (its end offset) or an offset")
      ->required();
  cmd->add_option("--partition", args->partitions,
                  "a partition to reset (repeatable; default: every partition of the topic)");
  return cmd;
}

int RunResetOffsetsCommand(const SegdConfig& config, const ResetOffsetsArgs& args) {
  if (!ParseTarget(args.to).ok()) {
    std::fprintf(stderr, "segd: %s\n", ParseTarget(args.to).status().message().c_str());
    return 2;
  }
  if (!std::filesystem::exists(std::filesystem::path(config.storage.path) / "CURRENT")) {
    std::fprintf(stderr, "segd: no state store at %s\n", config.storage.path.c_str());
    return 1;
  }
  auto store = OpenRocksDbStateStore(config.storage);  // takes the lock: segd must be stopped
  if (!store.ok()) {
    std::fprintf(stderr, "segd: %s\n", store.status().ToString().c_str());
    return 1;
  }
  std::vector<std::pair<TopicPartition, PartitionProgress>> stored;
  if (Status s = (*store)->ReadProgress(&stored); !s.ok()) {
    std::fprintf(stderr, "segd: %s\n", s.ToString().c_str());
    return 1;
  }
  auto logs = QueryTopicLogRanges(config.kafka, args.topic, kBrokerTimeoutMs);
  if (!logs.ok()) {
    std::fprintf(stderr, "segd: %s\n", logs.status().ToString().c_str());
    return 1;
  }
  auto plan = PlanOffsetResets(args.topic, args.to, args.partitions, *logs, stored);
  if (!plan.ok()) {
    std::fprintf(stderr, "segd: %s\n", plan.status().message().c_str());
    return 2;
  }
  StateDelta delta;
  for (const OffsetReset& r : *plan) {
    if (r.after && r.after != r.before) delta.progress.emplace_back(r.tp, *r.after);
  }
  if (Status s = (*store)->Commit(delta); !s.ok()) {
    std::fprintf(stderr, "segd: %s\n", s.ToString().c_str());
    return 1;
  }
  for (const OffsetReset& r : *plan) {
    if (!r.after) {
      std::printf(
          "%s: none, left as is (never consumed: segd starts it at its oldest offset; "
          "--to OFFSET sets one)\n",
          Name(r.tp).c_str());
      continue;
    }
    std::printf("%s: %s -> %lld%s\n", Name(r.tp).c_str(), Describe(r.before).c_str(),
                static_cast<long long>(r.after->next_offset),
                r.after == r.before ? " (unchanged)" : "");
  }
  std::printf("%zu partition(s) of %s reset in %s\n", delta.progress.size(), args.topic.c_str(),
              config.storage.path.c_str());
  return 0;
}

}  // namespace segd

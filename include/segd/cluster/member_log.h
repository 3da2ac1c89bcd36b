// The control topic as the cluster area sees it: member records out, member records in (from
// the beginning), and the partition count of the source topic. Implemented over Kafka in the
// Kafka adapter (NewKafkaMemberLog); owned and called by one thread (ClusterNode's).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "segd/cluster/member_record.h"
#include "segd/common/status.h"

namespace segd {

class MemberLog {
 public:
  virtual ~MemberLog() = default;
  // Queues a record for every member (delivery is asynchronous; failures are logged and the
  // next heartbeat repeats the record).
  [[nodiscard]] virtual Status Publish(const MemberRecord& record) = 0;
  // Appends the records published since the previous call (by any member, this one included),
  // waiting up to `timeout_ms` for the first. *at_end is set once everything published before
  // the log was opened has been read (the member table is then complete).
  [[nodiscard]] virtual Status Read(int timeout_ms, std::vector<MemberRecord>* out,
                                    bool* at_end) = 0;
  // The number of partitions of `topic` (a metadata request; may block up to `timeout_ms`).
  [[nodiscard]] virtual StatusOr<int32_t> PartitionCount(const std::string& topic,
                                                         int timeout_ms) = 0;
};

}  // namespace segd

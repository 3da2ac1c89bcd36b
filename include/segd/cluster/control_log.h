// The control topic as the cluster area sees it: every instance appends messages and reads all
// of them from the beginning (member records, published baselines, live statistics, drift
// tables). A message is a key and a text value whose first line names its kind and format
// version ("segd-member 1", "segd-baseline 1", ...). Implemented over Kafka in the Kafka adapter
// (NewKafkaControlLog); owned and called by one thread (ClusterNode's).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "segd/common/status.h"

namespace segd {

struct ControlMessage {
  std::string key;    // the publishing member's id
  std::string value;  // "<kind> <version>\n" then the kind's body
  bool operator==(const ControlMessage&) const = default;
};

// The kind line of a message ("segd-member 1"), empty when it has none.
std::string_view ControlKind(std::string_view value);

class ControlLog {
 public:
  virtual ~ControlLog() = default;
  // Queues a message for every member (delivery is asynchronous; failures are logged, and what
  // matters is repeated: member records by the next heartbeat, models by the publisher).
  [[nodiscard]] virtual Status Publish(const ControlMessage& message) = 0;
  // Appends the messages published since the previous call (by any member, this one included),
  // waiting up to `timeout_ms` for the first. *at_end is set once everything published before
  // the log was opened has been read.
  [[nodiscard]] virtual Status Read(int timeout_ms, std::vector<ControlMessage>* out,
                                    bool* at_end) = 0;
  // The number of partitions of `topic` (a metadata request; may block up to `timeout_ms`).
  [[nodiscard]] virtual StatusOr<int32_t> PartitionCount(const std::string& topic,
                                                         int timeout_ms) = 0;
};

}  // namespace segd

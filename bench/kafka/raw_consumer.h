// The reference consumer of the ingest-vs-raw-Kafka benchmark: a bare librdkafka consumer that
// only counts messages, and kcat piped to `wc -l`. Not thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace segd::bench {

struct ConsumeResult {
  size_t messages = 0;
  double seconds = 0;  // wall time measured as described per function
};

// Assigns every partition of `topic` at its beginning (no consumer group, so no join) and polls
// until each partition reports its end, counting messages; timed from the first message.
// fetch.wait.max.ms=10 as segd's consumer. Aborts on a consumer error.
ConsumeResult ConsumeRaw(const std::string& brokers, const std::string& topic, int partitions);

// `kcat -C -b BROKERS -t TOPIC -o beginning -e -q -X fetch.wait.max.ms=10 | wc -l`, timed from
// start to exit (so including kcat's start-up and metadata round trip). messages == 0 when kcat
// is missing or fails.
ConsumeResult ConsumeWithKcat(const std::string& brokers, const std::string& topic);

}  // namespace segd::bench

// DeadLetterSink onto Kafka topics. Owned and called by the consumer thread.
#pragma once

#include <memory>
#include <string>

#include "segd/ingest/dead_letter_sink.h"
#include "segd/kafka/message_producer.h"

namespace segd {

// Copies go to `topic`, or to "<source topic>.dlq" when `topic` is empty. Flush waits up to
// `flush_timeout_ms`.
std::unique_ptr<DeadLetterSink> NewKafkaDeadLetterSink(std::unique_ptr<MessageProducer> producer,
                                                       std::string topic, int flush_timeout_ms);

}  // namespace segd

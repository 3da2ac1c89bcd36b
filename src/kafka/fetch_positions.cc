#include "kafka/fetch_positions.h"

#include "segd/ingest/start_offset.h"

namespace segd {

void FetchPositions::Clear() {
  next_.clear();
  last_tp_ = nullptr;
  last_next_ = nullptr;
}

void FetchPositions::Start(const TopicPartition& tp, int64_t offset) {
  if (offset < 0) {
    next_.erase(tp);
    last_tp_ = nullptr;
    last_next_ = nullptr;
    return;
  }
  next_[tp] = offset;
}

int64_t* FetchPositions::Find(const std::string& topic, int32_t partition) {
  if (last_tp_ != nullptr && last_tp_->partition == partition && last_tp_->topic == topic) {
    return last_next_;
  }
  auto it = next_.find(TopicPartition{topic, partition});
  if (it == next_.end()) return nullptr;
  last_tp_ = &it->first;
  last_next_ = &it->second;
  return last_next_;
}

Status FetchPositions::Deliver(const std::string& topic, int32_t partition, int64_t offset) {
  int64_t* next = Find(topic, partition);
  if (next == nullptr) {
    next_[TopicPartition{topic, partition}] = offset + 1;
    return Status::Ok();
  }
  if (offset < *next) return LogWentBackwards({topic, partition}, offset, *next);
  *next = offset + 1;
  return Status::Ok();
}

Status FetchPositions::ReachEnd(const std::string& topic, int32_t partition, int64_t end_offset) {
  const int64_t* next = Find(topic, partition);
  if (next != nullptr && end_offset < *next) {
    return LogWentBackwards({topic, partition}, end_offset, *next);
  }
  return Status::Ok();
}

}  // namespace segd

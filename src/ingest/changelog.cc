#include "segd/ingest/changelog.h"

#include "segd/common/binary_codec.h"
#include "segd/state/state_codec.h"

namespace segd {
namespace {

// Marker v1: u8 1 | i32 source partition | u16 topic length | topic | PartitionProgress (state
// codec, its own version byte).
constexpr uint8_t kMarkerV1 = 1;

}  // namespace

std::string EncodeChangelogMarker(const TopicPartition& tp, const PartitionProgress& progress) {
  std::string out;
  Put<uint8_t>(&out, kMarkerV1);
  Put<int32_t>(&out, tp.partition);
  Put<uint16_t>(&out, static_cast<uint16_t>(tp.topic.size()));
  out.append(tp.topic);
  EncodePartitionProgress(progress, &out);
  return out;
}

Status DecodeChangelogMarker(std::string_view in, TopicPartition* tp, PartitionProgress* progress) {
  uint8_t version = 0;
  uint16_t topic_size = 0;
  if (!Get(&in, &version) || version != kMarkerV1) {
    return DataLoss("changelog marker: unknown version (written by a newer segd?)");
  }
  if (!Get(&in, &tp->partition) || !Get(&in, &topic_size) || in.size() < topic_size) {
    return DataLoss("changelog marker: truncated");
  }
  tp->topic.assign(in.substr(0, topic_size));
  in.remove_prefix(topic_size);
  return DecodePartitionProgress(in, progress);
}

std::string ChangelogPositionKey(int32_t partition) {
  return "changelog/position/" + std::to_string(partition);
}

}  // namespace segd

// The page token of a customer listing (GET /v1/segments/{id}/customers): which pinned snapshot
// the listing reads, what it lists, and where the next page starts. Opaque to clients (hex of a
// versioned binary record). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "segd/common/status.h"

namespace segd {

// Which model assigns the segments of a listing.
enum class AudienceModel : uint8_t { kLive = 0, kBaseline = 1 };

struct PageToken {
  std::string snapshot_id;  // the listing's pinned snapshot (SnapshotRegistry id)
  int32_t segment = -1;     // the listed segment (-1: every customer)
  AudienceModel model = AudienceModel::kLive;
  std::string after;  // the last customer id scanned so far: the next page starts after it
};

std::string EncodePageToken(const PageToken& token);

// InvalidArgument when `text` is not a token EncodePageToken wrote.
[[nodiscard]] StatusOr<PageToken> DecodePageToken(std::string_view text);

}  // namespace segd

#include "segd/audience/page_token.h"

#include "segd/common/binary_codec.h"
#include "segd/common/hex.h"

namespace segd {
namespace {

constexpr uint8_t kVersion = 1;

void PutString(std::string* out, std::string_view s) {
  Put(out, uint16_t(s.size()));
  out->append(s);
}

bool GetString(std::string_view* in, std::string* s) {
  uint16_t n = 0;
  if (!Get(in, &n) || in->size() < n) return false;
  s->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

}  // namespace

std::string EncodePageToken(const PageToken& t) {
  std::string bytes;
  Put(&bytes, kVersion);
  Put(&bytes, uint8_t(t.model));
  Put(&bytes, t.segment);
  PutString(&bytes, t.snapshot_id);
  PutString(&bytes, t.after);
  return HexEncode(bytes);
}

StatusOr<PageToken> DecodePageToken(std::string_view text) {
  const Status malformed = InvalidArgument("page_token is malformed: pass one a page returned");
  std::string bytes;
  if (!HexDecode(text, &bytes)) return malformed;
  std::string_view in = bytes;
  PageToken t;
  uint8_t version = 0, model = 0;
  if (!Get(&in, &version) || version != kVersion || !Get(&in, &model) || model > 1 ||
      !Get(&in, &t.segment) || t.segment < -1 || !GetString(&in, &t.snapshot_id) ||
      t.snapshot_id.empty() || !GetString(&in, &t.after) || !in.empty()) {
    return malformed;
  }
  t.model = AudienceModel(model);
  return t;
}

}  // namespace segd

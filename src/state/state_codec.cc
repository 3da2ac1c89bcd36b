// Layouts (all integers little-endian, fixed width: values are small and decoding is on the
// lookup path, so simplicity beats the few bytes varints would save):
//   CustomerState v1: u8 1 | i64 first | i64 last | u32 count | f64 total | i64 items |
//                     i64 installments | i64 review_sum | u32 review_count | i64 updated |
//                     u8 region_len | region
//   OrderRecord v1:   u8 1 | u8 flags(placed=1, canceled=2) | i64 placed_ms | f64 amount |
//                     i32 items | i32 installments | i32 review_score | i64 review_ms
//   PartitionProgress v1: u8 1 | i64 next_offset | i64 watermark | u64 applied | u64 duplicates |
//                     u64 rejected
#include "segd/state/state_codec.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace segd {
namespace {

static_assert(std::endian::native == std::endian::little, "encoding assumes little-endian");

constexpr uint8_t kCustomerV1 = 1;
constexpr uint8_t kOrderV1 = 1;
constexpr uint8_t kProgressV1 = 1;

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

// Reads fixed-width values from a byte range; once a read runs past the end, ok() is false.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  T Get() {
    T v{};
    if (pos_ + sizeof(T) > in_.size()) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view Bytes(size_t n) {
    if (pos_ + n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Status CheckVersion(Reader& r, uint8_t want, const char* what) {
  const uint8_t v = r.Get<uint8_t>();
  if (!r.ok()) return DataLoss(std::string(what) + ": empty value");
  if (v != want)
    return DataLoss(std::string(what) + ": unknown encoding version " + std::to_string(v));
  return Status::Ok();
}

Status CheckDone(const Reader& r, const char* what) {
  if (!r.done()) return DataLoss(std::string(what) + ": truncated or trailing bytes");
  return Status::Ok();
}

}  // namespace

void EncodeCustomerState(const CustomerState& s, std::string* out) {
  Put<uint8_t>(out, kCustomerV1);
  Put<int64_t>(out, s.first_order_ms);
  Put<int64_t>(out, s.last_order_ms);
  Put<uint32_t>(out, s.order_count);
  Put<double>(out, s.total_amount);
  Put<int64_t>(out, s.item_sum);
  Put<int64_t>(out, s.installment_sum);
  Put<int64_t>(out, s.review_score_sum);
  Put<uint32_t>(out, s.review_count);
  Put<int64_t>(out, s.updated_ms);
  const size_t n = s.region.size() < 255 ? s.region.size() : 255;
  Put<uint8_t>(out, static_cast<uint8_t>(n));
  out->append(s.region.data(), n);
}

Status DecodeCustomerState(std::string_view in, CustomerState* s) {
  Reader r(in);
  SEGD_RETURN_IF_ERROR(CheckVersion(r, kCustomerV1, "customer state"));
  s->first_order_ms = r.Get<int64_t>();
  s->last_order_ms = r.Get<int64_t>();
  s->order_count = r.Get<uint32_t>();
  s->total_amount = r.Get<double>();
  s->item_sum = r.Get<int64_t>();
  s->installment_sum = r.Get<int64_t>();
  s->review_score_sum = r.Get<int64_t>();
  s->review_count = r.Get<uint32_t>();
  s->updated_ms = r.Get<int64_t>();
  const uint8_t n = r.Get<uint8_t>();
  s->region.assign(r.Bytes(n));
  return CheckDone(r, "customer state");
}

void EncodeOrderRecord(const OrderRecord& o, std::string* out) {
  Put<uint8_t>(out, kOrderV1);
  Put<uint8_t>(out, static_cast<uint8_t>((o.placed ? 1 : 0) | (o.canceled ? 2 : 0)));
  Put<int64_t>(out, o.placed_ms);
  Put<double>(out, o.amount);
  Put<int32_t>(out, o.items);
  Put<int32_t>(out, o.installments);
  Put<int32_t>(out, o.review_score);
  Put<int64_t>(out, o.review_ms);
}

Status DecodeOrderRecord(std::string_view in, OrderRecord* o) {
  Reader r(in);
  SEGD_RETURN_IF_ERROR(CheckVersion(r, kOrderV1, "order record"));
  const uint8_t flags = r.Get<uint8_t>();
  if (flags > 3) return DataLoss("order record: bad flags");
  o->placed = (flags & 1) != 0;
  o->canceled = (flags & 2) != 0;
  o->placed_ms = r.Get<int64_t>();
  o->amount = r.Get<double>();
  o->items = r.Get<int32_t>();
  o->installments = r.Get<int32_t>();
  o->review_score = r.Get<int32_t>();
  o->review_ms = r.Get<int64_t>();
  return CheckDone(r, "order record");
}

void EncodePartitionProgress(const PartitionProgress& p, std::string* out) {
  Put<uint8_t>(out, kProgressV1);
  Put<int64_t>(out, p.next_offset);
  Put<int64_t>(out, p.watermark_ms);
  Put<uint64_t>(out, p.applied);
  Put<uint64_t>(out, p.duplicates);
  Put<uint64_t>(out, p.rejected);
}

Status DecodePartitionProgress(std::string_view in, PartitionProgress* p) {
  Reader r(in);
  SEGD_RETURN_IF_ERROR(CheckVersion(r, kProgressV1, "partition progress"));
  p->next_offset = r.Get<int64_t>();
  p->watermark_ms = r.Get<int64_t>();
  p->applied = r.Get<uint64_t>();
  p->duplicates = r.Get<uint64_t>();
  p->rejected = r.Get<uint64_t>();
  return CheckDone(r, "partition progress");
}

std::string OrderKeyPrefix(std::string_view customer_id) {
  std::string key;
  key.reserve(1 + customer_id.size());
  key.push_back(static_cast<char>(static_cast<uint8_t>(customer_id.size())));
  key.append(customer_id);
  return key;
}

std::string OrderKey(std::string_view customer_id, std::string_view order_id) {
  std::string key = OrderKeyPrefix(customer_id);
  key.append(order_id);
  return key;
}

std::string PartitionKey(const TopicPartition& tp) {
  std::string key = tp.topic;
  key.push_back('\0');
  const auto p = static_cast<uint32_t>(tp.partition);
  for (int shift = 24; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((p >> shift) & 0xff));
  return key;
}

Status DecodePartitionKey(std::string_view key, TopicPartition* tp) {
  if (key.size() < 5 || key[key.size() - 5] != '\0') return DataLoss("bad partition key");
  tp->topic.assign(key.substr(0, key.size() - 5));
  uint32_t p = 0;
  for (size_t i = key.size() - 4; i < key.size(); ++i) p = (p << 8) | static_cast<uint8_t>(key[i]);
  tp->partition = static_cast<int32_t>(p);
  return Status::Ok();
}

}  // namespace segd

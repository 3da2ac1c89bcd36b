// Layouts. Fixed-width integers are little-endian; varint = LEB128 (7 bits per byte), zz = zigzag
// varint of a signed value. Times in a record are stored relative to its updated_ms, which makes
// them a few bytes each.
//   CustomerRecord v2: u8 2 | varint updated | zz first-updated | zz last-updated | varint count |
//                     f64 total | zz items | zz installments | zz review_sum | varint review_count
//                     | varint region_len | region | varint folded.orders | [if folded.orders > 0:
//                     varint counted | zz through-updated |
//                      zz first-updated | zz last-updated | varint n_recent |
//                      n_recent x (u64 order-id hash | zz last-updated)] |
//                     varint n | n x OrderEntry | [u8 1 | zz announced segment |
//                     varint announced version: only when a segment was announced]
//   OrderEntry:       u8 flags (placed 1, canceled 2, id packed as hex 4, legacy 8,
//                     review score << 4) | varint id_len | id (lowercase hex ids of even length
//                     as bytes) | zz last_ms-updated | [placed: zz placed_ms-last_ms | f64 amount |
//                     zz items | zz installments] | [score: zz review_ms-last_ms] |
//                     varint n_ids | n_ids x u64
//   CustomerState v1: u8 1 | i64 first | i64 last | u32 count | f64 total | i64 items |
//                     i64 installments | i64 review_sum | u32 review_count | i64 updated |
//                     u8 region_len | region
//   OrderRecord v1:   u8 1 | u8 flags(placed=1, canceled=2) | i64 placed_ms | f64 amount |
//                     i32 items | i32 installments | i32 review_score | i64 review_ms
//   PartitionProgress v1: u8 1 | i64 next_offset | i64 watermark | u64 applied | u64 duplicates |
//                     u64 rejected
#include "segd/state/state_codec.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace segd {
namespace {

static_assert(std::endian::native == std::endian::little, "encoding assumes little-endian");

constexpr uint8_t kCustomerV1 = 1;
constexpr uint8_t kCustomerV2 = 2;
constexpr uint8_t kOrderV1 = 1;
constexpr uint8_t kProgressV1 = 1;
constexpr uint8_t kAnnouncedTag = 1;  // the record trailer with the announced segment

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutZigzag(std::string* out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

// Differences of event times in ms; wrapping arithmetic, so that no input is undefined.
int64_t Delta(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t Add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

bool IsPackableHex(std::string_view id) {
  if (id.empty() || id.size() % 2 != 0 || id.size() > 2 * 255) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

int HexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

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
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) break;
      const auto b = static_cast<uint8_t>(in_[pos_++]);
      v |= uint64_t(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  int64_t Zigzag() {
    const uint64_t u = Varint();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  std::string_view Bytes(size_t n) {
    if (n > in_.size() - pos_) {
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

void EncodeCustomerStateV1(const CustomerState& s, std::string* out) {
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

namespace {

Status DecodeCustomerStateV1(std::string_view in, CustomerState* s) {
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

// The state at the front of a format-2 record; the reader is left at the folded orders.
void ReadStateV2(Reader& r, CustomerState* s) {
  s->updated_ms = static_cast<int64_t>(r.Varint());
  s->first_order_ms = Add(s->updated_ms, r.Zigzag());
  s->last_order_ms = Add(s->updated_ms, r.Zigzag());
  s->order_count = static_cast<uint32_t>(r.Varint());
  s->total_amount = r.Get<double>();
  s->item_sum = r.Zigzag();
  s->installment_sum = r.Zigzag();
  s->review_score_sum = r.Zigzag();
  s->review_count = static_cast<uint32_t>(r.Varint());
  const uint64_t n = r.Varint();
  s->region.assign(r.Bytes(n > 255 ? SIZE_MAX : n));
}

Status ReadEntry(Reader& r, int64_t updated_ms, OrderEntry* e) {
  const uint8_t flags = r.Get<uint8_t>();
  const int score = flags >> 4;
  if ((flags & 0x80) != 0 || score > 5) return DataLoss("customer record: bad order flags");
  e->record.placed = (flags & 1) != 0;
  e->record.canceled = (flags & 2) != 0;
  e->legacy = (flags & 8) != 0;
  const uint64_t id_len = r.Varint();
  const std::string_view id = r.Bytes(id_len > 512 ? SIZE_MAX : id_len);
  if ((flags & 4) != 0) {
    static constexpr char kHex[] = "0123456789abcdef";
    e->order_id.resize(id.size() * 2);
    for (size_t i = 0; i < id.size(); ++i) {
      e->order_id[2 * i] = kHex[static_cast<uint8_t>(id[i]) >> 4];
      e->order_id[2 * i + 1] = kHex[static_cast<uint8_t>(id[i]) & 15];
    }
  } else {
    e->order_id.assign(id);
  }
  e->last_ms = Add(updated_ms, r.Zigzag());
  e->record.placed_ms = 0;
  e->record.amount = 0.0;
  e->record.items = e->record.installments = 0;
  if (e->record.placed) {
    e->record.placed_ms = Add(e->last_ms, r.Zigzag());
    e->record.amount = r.Get<double>();
    e->record.items = static_cast<int32_t>(r.Zigzag());
    e->record.installments = static_cast<int32_t>(r.Zigzag());
  }
  e->record.review_score = score;
  e->record.review_ms = score != 0 ? Add(e->last_ms, r.Zigzag()) : 0;
  const uint64_t n = r.Varint();
  if (n > OrderEntry::kMaxEventIds) return DataLoss("customer record: too many event ids");
  e->event_ids.resize(n);
  for (uint64_t& h : e->event_ids) h = r.Get<uint64_t>();
  return r.ok() ? Status::Ok() : DataLoss("customer record: truncated order");
}

}  // namespace

Status DecodeCustomerState(std::string_view in, CustomerState* s) {
  if (!in.empty() && static_cast<uint8_t>(in[0]) == kCustomerV1) {
    return DecodeCustomerStateV1(in, s);
  }
  Reader r(in);
  SEGD_RETURN_IF_ERROR(CheckVersion(r, kCustomerV2, "customer state"));
  ReadStateV2(r, s);
  return r.ok() ? Status::Ok() : DataLoss("customer state: truncated");
}

void EncodeCustomerRecord(const CustomerRecord& c, std::string* out) {
  const CustomerState& s = c.state;
  const int64_t base = s.updated_ms;
  Put<uint8_t>(out, kCustomerV2);
  PutVarint(out, static_cast<uint64_t>(base));
  PutZigzag(out, Delta(s.first_order_ms, base));
  PutZigzag(out, Delta(s.last_order_ms, base));
  PutVarint(out, s.order_count);
  Put<double>(out, s.total_amount);
  PutZigzag(out, s.item_sum);
  PutZigzag(out, s.installment_sum);
  PutZigzag(out, s.review_score_sum);
  PutVarint(out, s.review_count);
  const size_t n = std::min<size_t>(s.region.size(), 255);
  PutVarint(out, n);
  out->append(s.region.data(), n);
  PutVarint(out, c.folded.orders);
  if (c.folded.orders > 0) {
    PutVarint(out, c.folded.counted);
    PutZigzag(out, Delta(c.folded.through_ms, base));
    PutZigzag(out, Delta(c.folded.first_ms, base));
    PutZigzag(out, Delta(c.folded.last_ms, base));
    PutVarint(out, c.folded.recent.size());
    for (const auto& [hash, last] : c.folded.recent) {
      Put<uint64_t>(out, hash);
      PutZigzag(out, Delta(last, base));
    }
  }
  PutVarint(out, c.orders.size());
  for (const OrderEntry& e : c.orders) {
    const OrderRecord& o = e.record;
    const bool hex = IsPackableHex(e.order_id);
    const int score = std::clamp(o.review_score, 0, 5);
    Put<uint8_t>(out, static_cast<uint8_t>((o.placed ? 1 : 0) | (o.canceled ? 2 : 0) |
                                           (hex ? 4 : 0) | (e.legacy ? 8 : 0) | (score << 4)));
    if (hex) {
      PutVarint(out, e.order_id.size() / 2);
      for (size_t i = 0; i < e.order_id.size(); i += 2) {
        out->push_back(
            static_cast<char>(HexValue(e.order_id[i]) << 4 | HexValue(e.order_id[i + 1])));
      }
    } else {
      PutVarint(out, e.order_id.size());
      out->append(e.order_id);
    }
    PutZigzag(out, Delta(e.last_ms, base));
    if (o.placed) {
      PutZigzag(out, Delta(o.placed_ms, e.last_ms));
      Put<double>(out, o.amount);
      PutZigzag(out, o.items);
      PutZigzag(out, o.installments);
    }
    if (score != 0) PutZigzag(out, Delta(o.review_ms, e.last_ms));
    const size_t ids = std::min(e.event_ids.size(), OrderEntry::kMaxEventIds);
    PutVarint(out, ids);
    for (size_t i = e.event_ids.size() - ids; i < e.event_ids.size(); ++i) {
      Put<uint64_t>(out, e.event_ids[i]);
    }
  }
  // A trailer, so that records written before segments were announced read unchanged.
  if (c.announced.segment >= 0) {
    Put<uint8_t>(out, kAnnouncedTag);
    PutZigzag(out, c.announced.segment);
    PutVarint(out, c.announced.version);
  }
}

Status DecodeCustomerRecord(std::string_view in, CustomerRecord* c) {
  if (!in.empty() && static_cast<uint8_t>(in[0]) == kCustomerV1) {
    return DataLoss(
        "customer record: storage format 1 (written by a release before format 2); open the "
        "store with `segd run` or `segd migrate`, which migrate it in place");
  }
  Reader r(in);
  SEGD_RETURN_IF_ERROR(CheckVersion(r, kCustomerV2, "customer record"));
  ReadStateV2(r, &c->state);
  const int64_t base = c->state.updated_ms;
  c->folded = FoldedOrders{};
  c->folded.orders = static_cast<uint32_t>(r.Varint());
  if (c->folded.orders > 0) {
    c->folded.counted = static_cast<uint32_t>(r.Varint());
    c->folded.through_ms = Add(base, r.Zigzag());
    c->folded.first_ms = Add(base, r.Zigzag());
    c->folded.last_ms = Add(base, r.Zigzag());
    const uint64_t recent = r.Varint();
    if (!r.ok() || recent > in.size()) return DataLoss("customer record: truncated");
    c->folded.recent.resize(recent);
    for (auto& [hash, last] : c->folded.recent) {
      hash = r.Get<uint64_t>();
      last = Add(base, r.Zigzag());
    }
  }
  const uint64_t n = r.Varint();
  if (!r.ok() || n > in.size()) return DataLoss("customer record: truncated");
  c->orders.resize(n);
  for (OrderEntry& e : c->orders) SEGD_RETURN_IF_ERROR(ReadEntry(r, base, &e));
  c->announced = SegmentMark{};
  if (r.ok() && !r.done()) {
    if (r.Get<uint8_t>() != kAnnouncedTag) return DataLoss("customer record: unknown trailer");
    c->announced.segment = static_cast<int32_t>(r.Zigzag());
    c->announced.version = r.Varint();
  }
  return CheckDone(r, "customer record");
}

void EncodeOrderRecordV1(const OrderRecord& o, std::string* out) {
  Put<uint8_t>(out, kOrderV1);
  Put<uint8_t>(out, static_cast<uint8_t>((o.placed ? 1 : 0) | (o.canceled ? 2 : 0)));
  Put<int64_t>(out, o.placed_ms);
  Put<double>(out, o.amount);
  Put<int32_t>(out, o.items);
  Put<int32_t>(out, o.installments);
  Put<int32_t>(out, o.review_score);
  Put<int64_t>(out, o.review_ms);
}

Status DecodeOrderRecordV1(std::string_view in, OrderRecord* o) {
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

std::string OrderKeyPrefixV1(std::string_view customer_id) {
  std::string key;
  key.reserve(1 + customer_id.size());
  key.push_back(static_cast<char>(static_cast<uint8_t>(customer_id.size())));
  key.append(customer_id);
  return key;
}

std::string OrderKeyV1(std::string_view customer_id, std::string_view order_id) {
  std::string key = OrderKeyPrefixV1(customer_id);
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

uint64_t EventIdHash(std::string_view event_id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (unsigned char c : event_id) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV prime
  }
  h ^= h >> 30;  // SplitMix64's finaliser: every input bit reaches every output bit
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

}  // namespace segd

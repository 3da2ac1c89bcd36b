#include "segd/replay/olist_csv_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <unordered_map>

#include "segd/event/event_time.h"
#include "segd/replay/csv_reader.h"

namespace segd {
namespace {

// Calls `row` for every data row of `dir/name` with a lookup from column name to field.
class Table {
 public:
  using Row = std::function<Status(const std::function<const std::string&(const char*)>&)>;

  static Status Read(const std::string& dir, const std::string& name,
                     const std::vector<const char*>& required, const Row& row) {
    const std::string path = dir + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return NotFound(path + ": cannot be read");
    CsvReader csv(in);
    std::vector<std::string> header, fields;
    if (!csv.Next(&header)) return InvalidArgument(path + ": empty or unreadable header");
    std::map<std::string, size_t, std::less<>> column;
    for (size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
    for (const char* r : required) {
      if (!column.contains(r)) return InvalidArgument(path + ": no column " + r);
    }
    while (csv.Next(&fields)) {
      if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
      if (fields.size() != header.size()) {
        return InvalidArgument(path + ":" + std::to_string(csv.record_line()) + ": " +
                               std::to_string(fields.size()) + " fields, header has " +
                               std::to_string(header.size()));
      }
      Status s = row([&](const char* col) -> const std::string& { return fields[column.at(col)]; });
      if (!s.ok()) {
        return InvalidArgument(path + ":" + std::to_string(csv.record_line()) + ": " + s.message());
      }
    }
    if (!csv.status().ok()) return InvalidArgument(path + ": " + csv.status().message());
    return Status::Ok();
  }
};

// "2017-10-02 10:56:33" in São Paulo time; nullopt when empty or malformed.
std::optional<int64_t> LocalTime(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return ParseRfc3339Ms(text + "-03:00");
}

template <typename T>
Status Number(const std::string& text, const char* what, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument(std::string(what) + " '" + text + "' is not a number");
  }
  return Status::Ok();
}

struct OrderFacts {
  std::string customer_id;
  std::string status;
  std::optional<int64_t> purchased, approved;
  double amount = 0;
  bool paid = false;
  int32_t installments = 1;
  std::string payment_type;
  double largest_payment = -1;
  int32_t items = 0;
};

struct Customer {
  std::string unique_id;
  std::string state;
};

Status ReadOrders(const std::string& dir, std::unordered_map<std::string, OrderFacts>* orders,
                  OlistReport* report) {
  return Table::Read(
      dir, "olist_orders_dataset.csv",
      {"order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at"},
      [&](const auto& f) {
        OrderFacts& o = (*orders)[f("order_id")];
        o.customer_id = f("customer_id");
        o.status = f("order_status");
        o.purchased = LocalTime(f("order_purchase_timestamp"));
        o.approved = LocalTime(f("order_approved_at"));
        ++report->orders;
        return Status::Ok();
      });
}

Status ReadPayments(const std::string& dir, std::unordered_map<std::string, OrderFacts>* orders) {
  return Table::Read(dir, "olist_order_payments_dataset.csv",
                     {"order_id", "payment_type", "payment_installments", "payment_value"},
                     [&](const auto& f) {
                       auto it = orders->find(f("order_id"));
                       if (it == orders->end()) return Status::Ok();  // payment of an unknown order
                       double value = 0;
                       int32_t installments = 0;
                       SEGD_RETURN_IF_ERROR(Number(f("payment_value"), "payment_value", &value));
                       SEGD_RETURN_IF_ERROR(Number(f("payment_installments"),
                                                   "payment_installments", &installments));
                       OrderFacts& o = it->second;
                       o.amount += value;
                       o.paid = true;
                       o.installments = std::max(o.installments, installments);
                       if (value > o.largest_payment) {
                         o.largest_payment = value;
                         o.payment_type = f("payment_type");
                       }
                       return Status::Ok();
                     });
}

Status ReadItems(const std::string& dir, std::unordered_map<std::string, OrderFacts>* orders) {
  return Table::Read(dir, "olist_order_items_dataset.csv", {"order_id"}, [&](const auto& f) {
    auto it = orders->find(f("order_id"));
    if (it != orders->end()) ++it->second.items;
    return Status::Ok();
  });
}

// Rank of a type among events at the same time: placed, then canceled, then review.
int Rank(EventType t) {
  return t == EventType::kOrderPlaced ? 0 : t == EventType::kOrderCanceled ? 1 : 2;
}

}  // namespace

StatusOr<std::vector<Event>> ReadOlistEvents(const std::string& dir, OlistReport* report) {
  *report = OlistReport{};
  std::unordered_map<std::string, Customer> customers;
  SEGD_RETURN_IF_ERROR(
      Table::Read(dir, "olist_customers_dataset.csv",
                  {"customer_id", "customer_unique_id", "customer_state"}, [&](const auto& f) {
                    customers[f("customer_id")] = {f("customer_unique_id"), f("customer_state")};
                    return Status::Ok();
                  }));
  std::unordered_map<std::string, OrderFacts> orders;
  SEGD_RETURN_IF_ERROR(ReadOrders(dir, &orders, report));
  SEGD_RETURN_IF_ERROR(ReadPayments(dir, &orders));
  SEGD_RETURN_IF_ERROR(ReadItems(dir, &orders));

  std::vector<Event> events;
  std::unordered_map<std::string, const Customer*> order_customer;  // orders that were placed
  for (const auto& [order_id, o] : orders) {
    auto c = customers.find(o.customer_id);
    if (c == customers.end()) {
      ++report->orders_without_customer;
      continue;
    }
    if (!o.purchased) {
      ++report->orders_without_purchase_time;
      continue;
    }
    if (!o.paid) ++report->orders_without_payment;
    order_customer[order_id] = &c->second;
    Event e;
    e.type = EventType::kOrderPlaced;
    e.id = order_id + "/placed";
    e.source = "/olist/orders";
    e.subject = c->second.unique_id;
    e.time_ms = *o.purchased;
    e.order_id = order_id;
    e.amount = std::round(o.amount * 100.0) / 100.0;  // payment sums carry float noise
    e.items = std::max(o.items, 1);                   // orders without item rows: 1
    e.installments = std::max(o.installments, 1);     // Olist has installments 0 rows
    e.payment_type = o.payment_type;
    e.region = c->second.state;
    events.push_back(e);
    if (o.status == "canceled" || o.status == "unavailable") {
      Event x;
      x.type = EventType::kOrderCanceled;
      x.id = order_id + "/canceled";
      x.source = "/olist/orders";
      x.subject = e.subject;
      x.time_ms = o.approved ? *o.approved : *o.purchased + 3'600'000;
      x.order_id = order_id;
      events.push_back(x);
    }
  }
  SEGD_RETURN_IF_ERROR(Table::Read(
      dir, "olist_order_reviews_dataset.csv",
      {"review_id", "order_id", "review_score", "review_creation_date"}, [&](const auto& f) {
        ++report->reviews;
        auto o = order_customer.find(f("order_id"));
        const auto created = LocalTime(f("review_creation_date"));
        if (o == order_customer.end() || !created) {
          ++report->reviews_skipped;
          return Status::Ok();
        }
        int32_t score = 0;
        SEGD_RETURN_IF_ERROR(Number(f("review_score"), "review_score", &score));
        if (score < 1 || score > 5) return InvalidArgument("review_score must be 1..5");
        Event r;
        r.type = EventType::kReviewSubmitted;
        // Olist reuses some review ids across orders: the pair is unique.
        r.id = f("review_id") + "/" + f("order_id");
        r.source = "/olist/reviews";
        r.subject = o->second->unique_id;
        r.time_ms = *created;
        r.order_id = f("order_id");
        r.score = score;
        events.push_back(std::move(r));
        return Status::Ok();
      }));
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
    if (a.order_id != b.order_id) return a.order_id < b.order_id;
    if (Rank(a.type) != Rank(b.type)) return Rank(a.type) < Rank(b.type);
    return a.id < b.id;
  });
  return events;
}

}  // namespace segd

// Olist's five tables are joined in memory (the full data set is ~100k orders), then the events
// are sorted once. Every row is validated as it is read, so an error names its file and line.
#include "segd/replay/olist_csv_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>

#include "segd/event/event_time.h"
#include "segd/replay/csv_reader.h"

namespace segd {
namespace {

// Looks a column of the current row up by its header name.
using Field = std::function<const std::string&(const char* column)>;
using RowVisitor = std::function<Status(const Field&)>;

std::map<std::string, size_t, std::less<>> ColumnIndex(const std::vector<std::string>& header) {
  std::map<std::string, size_t, std::less<>> column;
  for (size_t i = 0; i < header.size(); ++i) column.emplace(header[i], i);
  return column;
}

// Calls `visit` for every data row of `dir/name` (blank lines skipped), after checking that the
// header has every column in `required`. A row's error is prefixed with "path:line: ".
Status ReadTable(const std::string& dir, const std::string& name,
                 const std::vector<const char*>& required, const RowVisitor& visit) {
  const std::string path = dir + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot be read");
  CsvReader csv(in);
  std::vector<std::string> header, fields;
  if (!csv.Next(&header)) return InvalidArgument(path + ": no header line");
  const auto column = ColumnIndex(header);
  for (const char* r : required) {
    if (!column.contains(r)) return InvalidArgument(path + ": no column " + r);
  }
  const Field field = [&](const char* c) -> const std::string& { return fields[column.at(c)]; };
  while (csv.Next(&fields)) {
    if (fields.size() == 1 && fields[0].empty()) continue;
    const std::string where = path + ":" + std::to_string(csv.record_line()) + ": ";
    if (fields.size() != header.size()) {
      return InvalidArgument(where + std::to_string(fields.size()) + " fields, header has " +
                             std::to_string(header.size()));
    }
    if (Status s = visit(field); !s.ok()) return Status(s.code(), where + s.message());
  }
  if (!csv.status().ok()) return InvalidArgument(path + ": " + csv.status().message());
  return Status::Ok();
}

// "2017-10-02 10:56:33" in São Paulo time into *out; an empty field gives nullopt.
Status LocalTime(const std::string& text, const char* column, std::optional<int64_t>* out) {
  out->reset();
  if (text.empty()) return Status::Ok();
  *out = ParseRfc3339Ms(text + "-03:00");
  if (!*out) return InvalidArgument(std::string(column) + " '" + text + "' is not a timestamp");
  return Status::Ok();
}

template <typename T>
Status Number(const std::string& text, const char* column, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument(std::string(column) + " '" + text + "' is not a number");
  }
  return Status::Ok();
}

struct Customer {
  std::string unique_id;
  std::string state;
};

struct OrderFacts {
  std::string customer_id;
  std::string status;
  std::optional<int64_t> purchased, approved;
  double amount = 0;  // sum of payment_value
  bool paid = false;  // has at least one payment row
  int32_t installments = 1;
  std::string payment_type;  // of the largest payment; the first one in file order on ties
  double largest_payment = -1;
  int32_t items = 0;  // item rows
};

using Customers = std::unordered_map<std::string, Customer>;
using Orders = std::unordered_map<std::string, OrderFacts>;

Status ReadCustomers(const std::string& dir, Customers* customers) {
  return ReadTable(
      dir, "olist_customers_dataset.csv", {"customer_id", "customer_unique_id", "customer_state"},
      [&](const Field& f) {
        (*customers)[f("customer_id")] = {f("customer_unique_id"), f("customer_state")};
        return Status::Ok();
      });
}

Status ReadOrders(const std::string& dir, Orders* orders, OlistReport* report) {
  return ReadTable(
      dir, "olist_orders_dataset.csv",
      {"order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at"},
      [&](const Field& f) {
        OrderFacts& o = (*orders)[f("order_id")];
        o.customer_id = f("customer_id");
        o.status = f("order_status");
        ++report->orders;
        SEGD_RETURN_IF_ERROR(
            LocalTime(f("order_purchase_timestamp"), "order_purchase_timestamp", &o.purchased));
        return LocalTime(f("order_approved_at"), "order_approved_at", &o.approved);
      });
}

Status AddPayment(const Field& f, OrderFacts* o) {
  double value = 0;
  int32_t installments = 0;
  SEGD_RETURN_IF_ERROR(Number(f("payment_value"), "payment_value", &value));
  SEGD_RETURN_IF_ERROR(Number(f("payment_installments"), "payment_installments", &installments));
  if (!std::isfinite(value) || value < 0) {
    return InvalidArgument("payment_value '" + f("payment_value") + "' is not >= 0");
  }
  o->amount += value;
  o->paid = true;
  o->installments = std::max(o->installments, installments);
  if (value > o->largest_payment) {
    o->largest_payment = value;
    o->payment_type = f("payment_type");
  }
  return Status::Ok();
}

Status ReadPayments(const std::string& dir, Orders* orders) {
  return ReadTable(dir, "olist_order_payments_dataset.csv",
                   {"order_id", "payment_type", "payment_installments", "payment_value"},
                   [&](const Field& f) {
                     auto it = orders->find(f("order_id"));
                     return it == orders->end() ? Status::Ok() : AddPayment(f, &it->second);
                   });
}

Status ReadItems(const std::string& dir, Orders* orders) {
  return ReadTable(dir, "olist_order_items_dataset.csv", {"order_id"}, [&](const Field& f) {
    auto it = orders->find(f("order_id"));
    if (it != orders->end()) ++it->second.items;
    return Status::Ok();
  });
}

Event PlacedEvent(const std::string& order_id, const OrderFacts& o, const Customer& c) {
  Event e;
  e.type = EventType::kOrderPlaced;
  e.id = order_id + "/placed";
  e.source = "/olist/orders";
  e.subject = c.unique_id;
  e.time_ms = *o.purchased;
  e.order_id = order_id;
  e.amount = std::round(o.amount * 100.0) / 100.0;  // sums of cents carry binary noise
  e.items = std::max(o.items, 1);                   // the contract needs >= 1; Olist has orders
  e.installments = std::max(o.installments, 1);     // without item rows and installments 0
  e.payment_type = o.payment_type;
  e.region = c.state;
  return e;
}

Event CanceledEvent(const std::string& order_id, const OrderFacts& o, const Customer& c) {
  Event e;
  e.type = EventType::kOrderCanceled;
  e.id = order_id + "/canceled";
  e.source = "/olist/orders";
  e.subject = c.unique_id;
  e.time_ms = o.approved ? *o.approved : *o.purchased + 3'600'000;
  e.order_id = order_id;
  return e;
}

// Appends the placed (and canceled) events of every order that has a purchase time and a known
// customer; records each placed order's customer in *placed.
void AppendOrderEvents(const Orders& orders, const Customers& customers,
                       std::unordered_map<std::string, const Customer*>* placed,
                       std::vector<Event>* events, OlistReport* report) {
  for (const auto& [order_id, o] : orders) {
    const auto c = customers.find(o.customer_id);
    if (c == customers.end()) {
      ++report->orders_without_customer;
      continue;
    }
    if (!o.purchased) {
      ++report->orders_without_purchase_time;
      continue;
    }
    if (!o.paid) ++report->orders_without_payment;
    (*placed)[order_id] = &c->second;
    events->push_back(PlacedEvent(order_id, o, c->second));
    if (o.status == "canceled" || o.status == "unavailable") {
      events->push_back(CanceledEvent(order_id, o, c->second));
    }
  }
}

Status AppendReviewEvents(const std::string& dir,
                          const std::unordered_map<std::string, const Customer*>& placed,
                          std::vector<Event>* events, OlistReport* report) {
  return ReadTable(dir, "olist_order_reviews_dataset.csv",
                   {"review_id", "order_id", "review_score", "review_creation_date"},
                   [&](const Field& f) {
                     ++report->reviews;
                     Event r;
                     std::optional<int64_t> created;
                     SEGD_RETURN_IF_ERROR(
                         LocalTime(f("review_creation_date"), "review_creation_date", &created));
                     SEGD_RETURN_IF_ERROR(Number(f("review_score"), "review_score", &r.score));
                     if (r.score < 1 || r.score > 5)
                       return InvalidArgument("review_score must be 1..5");
                     const auto order = placed.find(f("order_id"));
                     if (order == placed.end() || !created) {
                       ++report->reviews_skipped;
                       return Status::Ok();
                     }
                     r.type = EventType::kReviewSubmitted;
                     r.id = f("order_id") + "/review/" + f("review_id");  // Olist reuses review ids
                     r.source = "/olist/reviews";
                     r.subject = order->second->unique_id;
                     r.time_ms = *created;
                     r.order_id = f("order_id");
                     events->push_back(std::move(r));
                     return Status::Ok();
                   });
}

// Rank of a type among one order's events at the same time: placed, canceled, review.
int Rank(EventType t) {
  return t == EventType::kOrderPlaced ? 0 : t == EventType::kOrderCanceled ? 1 : 2;
}

// Placed and canceled events are unique per (order, type), so their order does not depend on
// the hash map they came from; reviews with equal keys keep their file order (stable sort).
void SortByEventTime(std::vector<Event>* events) {
  std::stable_sort(events->begin(), events->end(), [](const Event& a, const Event& b) {
    if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
    if (a.order_id != b.order_id) return a.order_id < b.order_id;
    if (a.type != b.type) return Rank(a.type) < Rank(b.type);
    return a.id < b.id;
  });
}

}  // namespace

StatusOr<std::vector<Event>> ReadOlistEvents(const std::string& dir, OlistReport* report) {
  *report = OlistReport{};
  Customers customers;
  Orders orders;
  SEGD_RETURN_IF_ERROR(ReadCustomers(dir, &customers));
  SEGD_RETURN_IF_ERROR(ReadOrders(dir, &orders, report));
  SEGD_RETURN_IF_ERROR(ReadPayments(dir, &orders));
  SEGD_RETURN_IF_ERROR(ReadItems(dir, &orders));
  std::vector<Event> events;
  std::unordered_map<std::string, const Customer*> placed;
  AppendOrderEvents(orders, customers, &placed, &events, report);
  SEGD_RETURN_IF_ERROR(AppendReviewEvents(dir, placed, &events, report));
  SortByEventTime(&events);
  return events;
}

}  // namespace segd

// A small deterministic history of contract-v1 events for integration tests, with the expected
// final state computed by applying the same events through the domain code. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "segd/event/event.h"
#include "segd/event/event_time.h"
#include "segd/state/event_applier.h"
#include "segd/state/memory_state_store.h"

namespace segd::testing {

struct KeyedEvent {
  std::string key;
  std::string json;
  Event event;  // what the json says
};

// Contract JSON for `e` (UTC times). Strings are hex ids and plain codes: no escaping needed.
inline std::string ToContractJson(const Event& e) {
  std::string j = R"({"specversion":"1.0","id":")" + e.id + R"(","source":"/test","type":")" +
                  EventTypeName(e.type) + R"(","subject":")" + e.subject + R"(","time":")" +
                  FormatRfc3339(e.time_ms) + R"(","data":{"order_id":")" + e.order_id + "\"";
  if (e.type == EventType::kOrderPlaced) {
    char amount[64];
    std::snprintf(amount, sizeof(amount), "%.2f", e.amount);
    j += std::string(",\"amount\":") + amount + ",\"items\":" + std::to_string(e.items) +
         ",\"installments\":" + std::to_string(e.installments) + ",\"state\":\"" + e.region + "\"";
  } else if (e.type == EventType::kReviewSubmitted) {
    j += ",\"score\":" + std::to_string(e.score);
  }
  return j + "}}";
}

// `customers` customers, each with 1..4 orders over 2017, ~10% canceled (some cancels before
// their order), ~80% reviewed (some twice). Per customer, events are in time order except for
// the early cancels, which is what a partition keyed by customer preserves.
inline std::vector<KeyedEvent> MakeHistory(int customers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](uint64_t n) { return rng() % n; };
  std::vector<KeyedEvent> out;
  const int64_t start = ParseRfc3339Ms("2017-01-01T00:00:00Z").value();
  static const char* kRegions[] = {"SP", "RJ", "MG", "RS"};
  auto add = [&](Event e) {
    KeyedEvent k{e.subject, ToContractJson(e), e};
    out.push_back(std::move(k));
  };
  for (int c = 0; c < customers; ++c) {
    char cid[40];
    std::snprintf(cid, sizeof(cid), "c%016llx", (unsigned long long)(rng()));
    const int orders = 1 + static_cast<int>(uniform(10) == 0 ? uniform(4) : 0);
    int64_t t = start + static_cast<int64_t>(uniform(300)) * kMillisPerDay;
    for (int o = 0; o < orders; ++o) {
      const std::string oid = std::string(cid) + "-o" + std::to_string(o);
      const bool cancel = uniform(10) == 0;
      const bool cancel_first = cancel && uniform(3) == 0;
      Event base;
      base.subject = cid;
      base.order_id = oid;
      if (cancel_first) {
        Event x = base;
        x.type = EventType::kOrderCanceled;
        x.id = oid + "/canceled";
        x.time_ms = t - 1000;
        add(x);
      }
      Event p = base;
      p.type = EventType::kOrderPlaced;
      p.id = oid + "/placed";
      p.time_ms = t;
      // Whole cents over 100.0: the same double that parsing the "%.2f" text gives.
      p.amount = static_cast<double>(500 + uniform(50000)) / 100.0;
      p.items = 1 + static_cast<int>(uniform(3));
      p.installments = 1 + static_cast<int>(uniform(6));
      p.region = kRegions[uniform(4)];
      add(p);
      if (cancel && !cancel_first) {
        Event x = base;
        x.type = EventType::kOrderCanceled;
        x.id = oid + "/canceled";
        x.time_ms = t + 3600'000;
        add(x);
      }
      const int reviews = uniform(5) == 0 ? 0 : (uniform(8) == 0 ? 2 : 1);
      for (int r = 0; r < reviews; ++r) {
        Event v = base;
        v.type = EventType::kReviewSubmitted;
        v.id = oid + "/review/" + std::to_string(r);
        v.time_ms = t + (3 + r) * kMillisPerDay;
        v.score = 1 + static_cast<int>(uniform(5));
        add(v);
      }
      t += static_cast<int64_t>(1 + uniform(60)) * kMillisPerDay;
    }
  }
  return out;
}

// `events` in event-time order (stable: events at the same time keep their order), as a topic
// fed by live producers holds them. MakeHistory's customers come in random time order, so the
// watermark jumps to late 2017 within a few events; with an event-time drift schedule (the
// default) the bootstrap baseline waits for the first boundary after
// model.bootstrap_min_customers, which comes only when event time advances through the history.
inline std::vector<KeyedEvent> InEventTimeOrder(std::vector<KeyedEvent> events) {
  std::stable_sort(events.begin(), events.end(), [](const KeyedEvent& a, const KeyedEvent& b) {
    return a.event.time_ms < b.event.time_ms;
  });
  return events;
}

// Every customer's whole record in `store` (state, held orders with their event-id hashes, folded
// orders), for comparing stores exactly.
inline std::map<std::string, CustomerRecord> AllRecords(StateStore& store) {
  std::vector<std::string> ids;
  (void)store.ScanCustomers([&](std::string_view id, const CustomerState&) {
    ids.emplace_back(id);
    return true;
  });
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::vector<std::optional<CustomerRecord>> records;
  std::map<std::string, CustomerRecord> out;
  if (!store.GetRecords(views, &records).ok()) return out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (records[i]) out.emplace(ids[i], std::move(*records[i]));
  }
  return out;
}

// The state the events must produce, applied one by one in the given order.
inline std::unique_ptr<MemoryStateStore> ExpectedState(const std::vector<KeyedEvent>& events) {
  auto store = std::make_unique<MemoryStateStore>();
  for (const KeyedEvent& k : events) {
    MicroBatch batch(store.get());
    (void)EventApplier::Apply(k.event, &batch);
    (void)store->Commit(batch.Delta());
  }
  return store;
}

}  // namespace segd::testing

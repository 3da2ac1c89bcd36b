// One baseline for a group of instances. The leader (ClusterNode's: the owner of partition 0)
// fits every baseline of the group on the whole population: it gathers each member's feature
// rows (POST /v1/cluster/rows: the customers of the partitions that member owns), merges them in
// customer id order and fits exactly as one instance holding every customer would (same rows,
// same order: the same model, bit for bit). It publishes the model on the control topic
// ("segd-baseline 1"); every member, the leader included, adopts the latest published baseline
// through its pipeline. A member fits nothing itself while it knows of peers: its bootstrap
// waits for the group's, and its retrains are the leader's (an admin retrain is forwarded to
// the leader; automatic retrains are decided by the leader's drift monitor only).
// While an instance is alone (or before it has read the member records) it fits as a single
// instance does; the leader publishes what it holds, so a group that forms later converges on
// the leader's baseline (a member's own fit of the same or a lower version is replaced).
// Start/Stop on the main thread; the rest is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "app/drift_monitor.h"
#include "segd/cluster/cluster_node.h"
#include "segd/config/segd_config.h"
#include "segd/http/http_client.h"
#include "segd/http/http_server.h"
#include "segd/ingest/ingest_pipeline.h"
#include "segd/state/state_store.h"

namespace segd {

// The kind lines of a published baseline and of a published drift evaluation.
inline constexpr std::string_view kBaselineMessageKind = "segd-baseline 1";
inline constexpr std::string_view kDriftMessageKind = "segd-drift 1";

std::string EncodeBaselineMessage(const BaselineModel& model);
[[nodiscard]] StatusOr<BaselineModel> DecodeBaselineMessage(std::string_view value);

// Feature rows on the wire (POST /v1/cluster/rows): binary, little-endian.
std::string EncodeFeatureRows(const FeatureRows& rows);
[[nodiscard]] StatusOr<FeatureRows> DecodeFeatureRows(std::string_view bytes);

// A drift report as JSON (every field, tables included), for the followers and the members'
// shares of an evaluation.
nlohmann::json DriftReportJson(const DriftReport& report);
[[nodiscard]] StatusOr<DriftReport> ParseDriftReport(const nlohmann::json& json);

class GroupModels : public DriftGroup {
 public:
  using Send = std::function<StatusOr<HttpResponse>(const HttpCall&)>;
  // All pointers must outlive this. Subscribes to the node's baseline messages and installs
  // the pipeline's fit gate, so construct it before the node starts and before consuming.
  GroupModels(const SegdConfig& config, StateStore* store, IngestPipeline* pipeline,
              ClusterNode* node, Send send);
  ~GroupModels() override;  // Stop()

  // Before Start: the monitor whose evaluations this group makes (leader) or follows.
  void SetDriftMonitor(DriftMonitor* monitor);

  void Start();
  void Stop();

  // POST /v1/cluster/rows: this member's rows for a group fit: what it holds now, as a single
  // instance's fit takes what it holds (a member still catching up gives what it has so far).
  HttpResponse Rows(const HttpRequest& request) const;
  // POST /v1/cluster/drift-table: this member's share of a drift evaluation (its customers
  // labelled under the two models the leader sends).
  HttpResponse DriftTable(const HttpRequest& request) const;

  // DriftGroup.
  Role role() const override;
  StatusOr<DriftReport> Evaluate(int64_t as_of_ms, const ScaledModel& baseline,
                                 const ScaledModel& comparison, double active_days) override;
  StatusOr<FeatureRows> Rows(int64_t as_of_ms) override;
  void Publish(const DriftRecord& record, const DriftStatus& status) override;

 private:
  struct FitRequest {
    RetrainTrigger trigger;
    std::promise<StatusOr<uint64_t>> done;
    bool has_waiter = true;
  };
  void Loop();
  void Round();
  void Round(std::shared_ptr<const BaselineModel> published, const std::string& published_bytes,
             std::deque<FitRequest>& fits);
  // The leader's fit over every member's rows; publishes the model and returns its version.
  StatusOr<uint64_t> GroupFit(RetrainTrigger trigger);
  // A member's admin retrain, sent on to the leader.
  StatusOr<uint64_t> ForwardRetrain(const std::string& leader_url);
  void OnBaseline(const ControlMessage& m);   // node thread
  void OnDrift(const ControlMessage& m);      // node thread
  void FollowDrift(const ControlMessage& m);  // OnDrift's work (may throw on a bad message)
  // Sends `body` plus the partitions each member answers for to `path` on every owner of a
  // partition (this one answered locally by `local`) and returns the 200 bodies; Unavailable
  // unless every partition's owner answered.
  StatusOr<std::vector<std::string>> AskEveryMember(
      const std::string& path, const nlohmann::json& body, int timeout_ms,
      const std::function<HttpResponse(const HttpRequest&)>& local) const;
  // The customers a request asks about: those of its "partitions" (all without the key).
  StatusOr<std::function<bool(std::string_view)>> CustomersOf(const nlohmann::json& body) const;

  SegdConfig config_;
  StateStore* store_;
  IngestPipeline* pipeline_;
  ClusterNode* node_;
  Send send_;
  ModelLifecycleOptions model_options_;
  DriftMonitor* drift_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;                                        // guarded by mu_
  std::shared_ptr<const BaselineModel> published_;           // guarded by mu_: latest on the topic
  std::string published_bytes_;                              // guarded by mu_: its encoding
  std::deque<FitRequest> fits_;                              // guarded by mu_
  std::optional<std::future<StatusOr<uint64_t>>> adopting_;  // loop thread only
  std::chrono::steady_clock::time_point next_adopt_;         // loop thread only
  std::chrono::steady_clock::time_point next_announce_;      // loop thread only
  std::chrono::steady_clock::time_point next_bootstrap_;     // loop thread only
  std::thread thread_;
};

}  // namespace segd

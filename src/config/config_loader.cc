// yaml-cpp stays inside this file: the rest of segd sees only SegdConfig.
#include "segd/config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "segd/event/event_time.h"

namespace segd {
namespace {

// Reads one YAML mapping, remembering which keys were consumed so that the rest can be reported
// as unknown. Errors carry the dotted path of the offending key.
class Section {
 public:
  Section(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  Status CheckIsMap() const {
    if (!node_ || node_.IsNull() || node_.IsMap()) return Status::Ok();
    return InvalidArgument(path_ + ": expected a mapping");
  }

  YAML::Node Child(const std::string& key) {
    seen_.insert(key);
    return node_ ? node_[key] : YAML::Node();
  }
  std::string PathOf(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  template <typename T>
  Status Get(const std::string& key, T* out, T min_value, T max_value) {
    YAML::Node v = Child(key);
    if (!v || v.IsNull()) return Status::Ok();
    T parsed{};
    if (!v.IsScalar() || !YAML::convert<T>::decode(v, parsed)) {
      return InvalidArgument(PathOf(key) + ": expected an integer, got '" + Text(v) + "'");
    }
    if (parsed < min_value || parsed > max_value) {
      return InvalidArgument(PathOf(key) + ": " + std::to_string(parsed) + " is outside " +
                             std::to_string(min_value) + ".." + std::to_string(max_value));
    }
    *out = parsed;
    return Status::Ok();
  }

  Status GetDouble(const std::string& key, double* out, double min_value, double max_value) {
    YAML::Node v = Child(key);
    if (!v || v.IsNull()) return Status::Ok();
    double parsed = 0;
    if (!v.IsScalar() || !YAML::convert<double>::decode(v, parsed) || !std::isfinite(parsed)) {
      return InvalidArgument(PathOf(key) + ": expected a number, got '" + Text(v) + "'");
    }
    if (parsed < min_value || parsed > max_value) {
      char range[64];
      std::snprintf(range, sizeof(range), "%g..%g", min_value, max_value);
      return InvalidArgument(PathOf(key) + ": " + v.Scalar() + " is outside " + range);
    }
    *out = parsed;
    return Status::Ok();
  }

  Status GetBool(const std::string& key, bool* out) {
    YAML::Node v = Child(key);
    if (!v || v.IsNull()) return Status::Ok();
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, *out)) {
      return InvalidArgument(PathOf(key) + ": expected true or false, got '" + Text(v) + "'");
    }
    return Status::Ok();
  }

  Status GetString(const std::string& key, std::string* out, bool allow_empty = true) {
    YAML::Node v = Child(key);
    if (!v || v.IsNull()) return Status::Ok();
    if (!v.IsScalar()) return InvalidArgument(PathOf(key) + ": expected a string");
    if (!allow_empty && v.Scalar().empty()) return InvalidArgument(PathOf(key) + ": is empty");
    *out = v.Scalar();
    return Status::Ok();
  }

  Status GetChoice(const std::string& key, std::string* out, const std::set<std::string>& allowed) {
    SEGD_RETURN_IF_ERROR(GetString(key, out));
    if (allowed.contains(*out)) return Status::Ok();
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return InvalidArgument(PathOf(key) + ": '" + *out + "' is not one of " + list);
  }

  Status GetStringList(const std::string& key, std::vector<std::string>* out,
                       bool allow_empty = false) {  // empty list and empty items
    YAML::Node v = Child(key);
    if (!v || v.IsNull()) return Status::Ok();
    if (!v.IsSequence() || (v.size() == 0 && !allow_empty)) {
      return InvalidArgument(PathOf(key) + ": expected a non-empty list of strings");
    }
    out->clear();
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].IsScalar() || (!allow_empty && v[i].Scalar().empty())) {
        return InvalidArgument(PathOf(key) + "[" + std::to_string(i) + "]: expected a string");
      }
      out->push_back(v[i].Scalar());
    }
    return Status::Ok();
  }

  Status GetStringMap(const std::string& key,
                      std::vector<std::pair<std::string, std::string>>* out) {
    YAML::Node v = Child(key);
    if (!v || v.IsNull()) return Status::Ok();
    if (!v.IsMap()) return InvalidArgument(PathOf(key) + ": expected a mapping");
    for (const auto& kv : v) {
      const std::string name = kv.first.as<std::string>();
      if (!kv.second.IsScalar()) {
        return InvalidArgument(PathOf(key) + "." + name + ": expected a scalar value");
      }
      out->emplace_back(name, kv.second.Scalar());
    }
    return Status::Ok();
  }

  // Fails on the first key of this mapping that no Get* asked for.
  Status RejectUnknown() const {
    if (!node_ || !node_.IsMap()) return Status::Ok();
    for (const auto& kv : node_) {
      const std::string key = kv.first.as<std::string>();
      if (!seen_.contains(key)) return InvalidArgument(PathOf(key) + ": unknown key");
    }
    return Status::Ok();
  }

 private:
  static std::string Text(const YAML::Node& v) {
    return v.IsScalar() ? v.Scalar() : "<non-scalar>";
  }

  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
};

constexpr int32_t kMaxInt32 = 2'147'483'647;

Status LoadKafka(Section& s, KafkaConfig* k) {
  SEGD_RETURN_IF_ERROR(s.GetString("brokers", &k->brokers, false));
  SEGD_RETURN_IF_ERROR(s.GetString("group_id", &k->group_id, false));
  SEGD_RETURN_IF_ERROR(s.GetString("client_id", &k->client_id, false));
  SEGD_RETURN_IF_ERROR(s.GetStringList("topics", &k->topics));
  SEGD_RETURN_IF_ERROR(s.GetString("dead_letter_topic", &k->dead_letter_topic));
  SEGD_RETURN_IF_ERROR(
      s.GetChoice("auto_offset_reset", &k->auto_offset_reset, {"earliest", "error"}));
  SEGD_RETURN_IF_ERROR(s.GetBool("accept_history_gap", &k->accept_history_gap));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("session_timeout_ms", &k->session_timeout_ms, 1000, 3'600'000));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("heartbeat_interval_ms", &k->heartbeat_interval_ms, 100, 3'600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("fetch_wait_max_ms", &k->fetch_wait_max_ms, 0, 300'000));
  SEGD_RETURN_IF_ERROR(s.GetBool("commit_offsets", &k->commit_offsets));
  SEGD_RETURN_IF_ERROR(
      s.GetChoice("partitioner", &k->partitioner, {"consistent_random", "murmur2_random"}));
  SEGD_RETURN_IF_ERROR(s.GetStringMap("properties", &k->properties));
  if (k->heartbeat_interval_ms >= k->session_timeout_ms) {
    return InvalidArgument(s.PathOf("heartbeat_interval_ms") +
                           ": must be lower than kafka.session_timeout_ms");
  }
  return s.RejectUnknown();
}

Status LoadStorage(Section& s, StorageOptions* o) {
  SEGD_RETURN_IF_ERROR(s.GetString("path", &o->path, false));
  SEGD_RETURN_IF_ERROR(s.GetBool("sync_writes", &o->sync_writes));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("block_cache_mb", &o->block_cache_mb, 8, 1 << 20));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("write_buffer_mb", &o->write_buffer_mb, 4, 4096));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("min_free_mb", &o->min_free_mb, 0, 1 << 20));
  return s.RejectUnknown();
}

Status LoadIngest(Section& s, IngestConfig* i) {
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("batch_max_events", &i->batch_max_events, 1, 1'000'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("batch_linger_ms", &i->batch_linger_ms, 0, 60'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("poll_timeout_ms", &i->poll_timeout_ms, 1, 10'000));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("max_event_bytes", &i->max_event_bytes, 256, 16 << 20));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("max_future_skew_seconds", &i->max_future_skew_seconds, 0,
                                      10LL * 365 * 86400));
  SEGD_RETURN_IF_ERROR(s.GetString("min_event_time", &i->min_event_time, false));
  if (!ParseRfc3339Ms(i->min_event_time)) {
    return InvalidArgument(s.PathOf("min_event_time") + ": '" + i->min_event_time +
                           "' is not an RFC 3339 timestamp");
  }
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("dead_letter_timeout_ms", &i->dead_letter_timeout_ms, 100, kMaxInt32));
  SEGD_RETURN_IF_ERROR(s.GetBool("align_partitions", &i->align_partitions));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("align_idle_ms", &i->align_idle_ms, 0, kMaxInt32));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("fold_horizon_days", &i->fold_horizon_days, 1, 100 * 365));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("max_orders_per_customer", &i->max_orders_per_customer, 1, 100'000));
  return s.RejectUnknown();
}

Status LoadHttp(Section& s, HttpOptions* h) {
  SEGD_RETURN_IF_ERROR(s.GetString("bind", &h->bind, false));
  if (h->bind.rfind(':') == std::string::npos) {
    return InvalidArgument(s.PathOf("bind") + ": '" + h->bind + "' is not host:port");
  }
  SEGD_RETURN_IF_ERROR(s.Get<int>("threads", &h->threads, 1, 1024));
  SEGD_RETURN_IF_ERROR(s.Get<int>("request_timeout_ms", &h->request_timeout_ms, 100, 600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int>("keep_alive_timeout_ms", &h->keep_alive_timeout_ms, 0, 600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int>("max_body_bytes", &h->max_body_bytes, 1024, 64 << 20));
  SEGD_RETURN_IF_ERROR(s.Get<int>("max_batch_ids", &h->max_batch_ids, 1, 100'000));
  SEGD_RETURN_IF_ERROR(s.GetString("admin_token", &h->admin_token));
  SEGD_RETURN_IF_ERROR(s.GetString("admin_token_file", &h->admin_token_file));
  SEGD_RETURN_IF_ERROR(s.Get<int>("admin_wait_ms", &h->admin_wait_ms, 0, 3'600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int>("max_open_listings", &h->max_open_listings, 1, 10'000));
  SEGD_RETURN_IF_ERROR(s.Get<int>("listing_idle_s", &h->listing_idle_s, 1, 86'400));
  return s.RejectUnknown();
}

// model.features: a non-empty list of {name, transform, clip_min, clip_max, weight}.
Status LoadFeatures(Section& s, FeatureSpec* spec) {
  YAML::Node list = s.Child("features");
  if (!list || list.IsNull()) return Status::Ok();
  const std::string path = s.PathOf("features");
  if (!list.IsSequence() || list.size() == 0) {
    return InvalidArgument(path + ": expected a non-empty list of features");
  }
  spec->features.clear();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    if (!list[i].IsMap()) return InvalidArgument(item + ": expected a mapping");
    Section f(list[i], item);
    FeatureDef def;
    std::string name, transform = "none";
    SEGD_RETURN_IF_ERROR(f.GetString("name", &name, false));
    if (name.empty()) return InvalidArgument(f.PathOf("name") + ": is required");
    auto kind = ParseFeatureKind(name);
    if (!kind.ok()) return InvalidArgument(f.PathOf("name") + ": " + kind.status().message());
    def.kind = *kind;
    SEGD_RETURN_IF_ERROR(f.GetString("transform", &transform, false));
    auto t = ParseFeatureTransform(transform);
    if (!t.ok()) return InvalidArgument(f.PathOf("transform") + ": " + t.status().message());
    def.transform = *t;
    constexpr double kHuge = 1e300;
    SEGD_RETURN_IF_ERROR(f.GetDouble("clip_min", &def.clip_min, -kHuge, kHuge));
    SEGD_RETURN_IF_ERROR(f.GetDouble("clip_max", &def.clip_max, -kHuge, kHuge));
    if (def.clip_max < def.clip_min) {
      return InvalidArgument(f.PathOf("clip_max") + ": must not be below clip_min");
    }
    SEGD_RETURN_IF_ERROR(f.GetDouble("weight", &def.weight, 1e-6, 1e6));
    SEGD_RETURN_IF_ERROR(f.RejectUnknown());
    for (const FeatureDef& other : spec->features) {
      if (other.kind == def.kind) {
        return InvalidArgument(f.PathOf("name") + ": '" + name + "' is listed twice");
      }
    }
    spec->features.push_back(def);
  }
  return Status::Ok();
}

Status LoadModel(Section& s, ModelConfig* m) {
  YAML::Node k = s.Child("k");
  if (k && k.IsScalar() && k.Scalar() == "auto") {
    m->auto_k = true;
  } else {
    SEGD_RETURN_IF_ERROR(s.Get<int32_t>("k", &m->k, 2, 64));
  }
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("k_min", &m->k_min, 2, 64));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("k_max", &m->k_max, 2, 64));
  if (m->k_max < m->k_min) {
    return InvalidArgument(s.PathOf("k_max") + ": must not be below model.k_min");
  }
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("n_init", &m->n_init, 1, 1000));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("seed", &m->seed, 0, INT64_MAX));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("silhouette_sample", &m->silhouette_sample, 10, 100000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("keep_versions", &m->keep_versions, 1, 10000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("live_batch_events", &m->live_batch_events, 1, 1'000'000));
  SEGD_RETURN_IF_ERROR(s.GetDouble("half_life_days", &m->half_life_days, 0, 36500));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("dead_after_updates", &m->dead_after_updates, 0, 1'000'000'000));
  SEGD_RETURN_IF_ERROR(s.GetDouble("missing_review", &m->features.missing_review, 1, 5));
  SEGD_RETURN_IF_ERROR(LoadFeatures(s, &m->features));
  SEGD_RETURN_IF_ERROR(s.GetStringList("segment_names", &m->segment_names, true));
  if (!m->auto_k && !m->segment_names.empty() && m->segment_names.size() != size_t(m->k)) {
    return InvalidArgument(s.PathOf("segment_names") + ": has " +
                           std::to_string(m->segment_names.size()) +
                           " names for k = " + std::to_string(m->k) + " segments");
  }
  SEGD_RETURN_IF_ERROR(
      s.Get<int64_t>("bootstrap_min_customers", &m->bootstrap_min_customers, 0, INT64_MAX));
  if (m->bootstrap_min_customers > 0 &&
      m->bootstrap_min_customers < (m->auto_k ? m->k_max : m->k)) {
    return InvalidArgument(s.PathOf("bootstrap_min_customers") +
                           ": must be 0 or at least the number of segments");
  }
  return s.RejectUnknown();
}

Status LoadDrift(Section& s, DriftConfig* d) {
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("every_seconds", &d->every_seconds, 0, 86400));
  SEGD_RETURN_IF_ERROR(s.GetDouble("every_event_days", &d->every_event_days, 0, 3650));
  if (d->every_seconds == 0 && d->every_event_days == 0) {
    return InvalidArgument(s.PathOf("every_seconds") +
                           ": 0 needs drift.every_event_days > 0 (one schedule must be on)");
  }
  SEGD_RETURN_IF_ERROR(s.GetChoice("method", &d->method, {"online", "refit"}));
  SEGD_RETURN_IF_ERROR(s.GetChoice("retrain", &d->retrain, {"alert", "auto"}));
  SEGD_RETURN_IF_ERROR(s.GetDouble("threshold", &d->threshold, -1, 1));
  SEGD_RETURN_IF_ERROR(s.GetDouble("critical", &d->critical, -1, 1));
  if (d->critical > d->threshold) {
    return InvalidArgument(s.PathOf("critical") + ": must not exceed drift.threshold");
  }
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("consecutive_evaluations", &d->consecutive_evaluations, 1, 1000));
  SEGD_RETURN_IF_ERROR(s.GetDouble("hysteresis", &d->hysteresis, 0, 1));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("refit_every", &d->refit_every, 0, 1'000'000));
  SEGD_RETURN_IF_ERROR(
      s.GetChoice("detector", &d->detector, {"calibrated", "ari_threshold", "psi"}));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("calibration_evaluations", &d->calibration_evaluations, 1, 1000));
  SEGD_RETURN_IF_ERROR(s.GetDouble("min_psi", &d->min_psi, 0, 10));
  SEGD_RETURN_IF_ERROR(s.GetDouble("noise_z", &d->noise_z, 0, 10));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("detector_consecutive", &d->detector_consecutive, 1, 1000));
  SEGD_RETURN_IF_ERROR(s.GetDouble("psi_warning", &d->psi_warning, 0, 10));
  SEGD_RETURN_IF_ERROR(s.GetDouble("psi_critical", &d->psi_critical, 0, 10));
  if (d->psi_critical < d->psi_warning) {
    return InvalidArgument(s.PathOf("psi_critical") + ": must not be below drift.psi_warning");
  }
  SEGD_RETURN_IF_ERROR(s.GetDouble("active_days", &d->active_days, 1, 3650));
  SEGD_RETURN_IF_ERROR(s.GetDouble("report_min_sd", &d->report_min_sd, 0, 100));
  SEGD_RETURN_IF_ERROR(s.Get<int64_t>("history_keep", &d->history_keep, 0, 100'000'000));
  SEGD_RETURN_IF_ERROR(s.GetDouble("history_keep_days", &d->history_keep_days, 0, 36500));
  return s.RejectUnknown();
}

Status LoadCluster(Section& s, ClusterConfig* c) {
  SEGD_RETURN_IF_ERROR(s.GetBool("enabled", &c->enabled));
  SEGD_RETURN_IF_ERROR(s.GetString("control_topic", &c->control_topic));
  SEGD_RETURN_IF_ERROR(s.GetString("advertise_url", &c->advertise_url));
  if (!c->advertise_url.empty() && !c->advertise_url.starts_with("http://")) {
    return InvalidArgument(s.PathOf("advertise_url") + ": '" + c->advertise_url +
                           "' is not an http:// URL");
  }
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("heartbeat_ms", &c->heartbeat_ms, 50, 600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("member_timeout_ms", &c->member_timeout_ms, 100, 3'600'000));
  if (c->member_timeout_ms <= c->heartbeat_ms) {
    return InvalidArgument(s.PathOf("member_timeout_ms") + ": must be above cluster.heartbeat_ms");
  }
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("forward_timeout_ms", &c->forward_timeout_ms, 10, 600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("live_exchange_ms", &c->live_exchange_ms, 10, 600'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("standby_replicas", &c->standby_replicas, 0, 16));
  return s.RejectUnknown();
}

Status LoadChangelog(Section& s, ChangelogConfig* c) {
  SEGD_RETURN_IF_ERROR(s.GetBool("enabled", &c->enabled));
  SEGD_RETURN_IF_ERROR(s.GetString("topic", &c->topic));
  SEGD_RETURN_IF_ERROR(s.GetBool("create", &c->create));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("replication_factor", &c->replication_factor, -1, 32));
  if (c->replication_factor == 0) {
    return InvalidArgument(s.PathOf("replication_factor") + ": 0 is not a replication factor");
  }
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("restore_chunk_customers", &c->restore_chunk_customers, 1, 10'000'000));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("message_timeout_ms", &c->message_timeout_ms, 1000, 3'600'000));
  return s.RejectUnknown();
}

Status LoadOutput(Section& s, OutputConfig* o) {
  SEGD_RETURN_IF_ERROR(s.GetString("segment_changes_topic", &o->segment_changes_topic));
  SEGD_RETURN_IF_ERROR(
      s.Get<int32_t>("relabel_chunk_customers", &o->relabel_chunk_customers, 1, 1'000'000));
  SEGD_RETURN_IF_ERROR(s.Get<int32_t>("send_timeout_ms", &o->send_timeout_ms, 1000, 3'600'000));
  return s.RejectUnknown();
}

Status LoadLog(Section& s, LogConfig* l) {
  SEGD_RETURN_IF_ERROR(
      s.GetChoice("level", &l->level, {"trace", "debug", "info", "warn", "error"}));
  SEGD_RETURN_IF_ERROR(s.GetChoice("format", &l->format, {"text", "json"}));
  return s.RejectUnknown();
}

template <typename T>
Status LoadSection(Section& root, const std::string& key, T* out, Status (*load)(Section&, T*)) {
  Section s(root.Child(key), root.PathOf(key));
  SEGD_RETURN_IF_ERROR(s.CheckIsMap());
  return load(s, out);
}

}  // namespace

StatusOr<SegdConfig> ParseConfig(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  SegdConfig config;
  Section s(root, "");
  if (root && !root.IsNull() && !root.IsMap())
    return InvalidArgument("top level: expected a mapping");
  try {
    SEGD_RETURN_IF_ERROR(LoadSection(s, "kafka", &config.kafka, LoadKafka));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "storage", &config.storage, LoadStorage));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "ingest", &config.ingest, LoadIngest));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "http", &config.http, LoadHttp));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "model", &config.model, LoadModel));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "drift", &config.drift, LoadDrift));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "cluster", &config.cluster, LoadCluster));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "changelog", &config.changelog, LoadChangelog));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "output", &config.output, LoadOutput));
    SEGD_RETURN_IF_ERROR(LoadSection(s, "log", &config.log, LoadLog));
    if (config.cluster.standby_replicas > 0 &&
        (!config.changelog.enabled || !config.cluster.enabled)) {
      return InvalidArgument(
          "cluster.standby_replicas: standbys need changelog.enabled and cluster.enabled");
    }
    SEGD_RETURN_IF_ERROR(s.RejectUnknown());
  } catch (const YAML::Exception& e) {
    return InvalidArgument("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return config;
}

StatusOr<SegdConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("config file " + path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseConfig(text.str());
  if (!config.ok()) return InvalidArgument("config " + path + ": " + config.status().message());
  return config;
}

Status ApplyEnvOverrides(SegdConfig* config,
                         const std::function<std::optional<std::string>(const char*)>& getenv) {
  if (auto v = getenv("SEGD_KAFKA_BROKERS"); v && !v->empty()) config->kafka.brokers = *v;
  if (auto v = getenv("SEGD_STORAGE_PATH"); v && !v->empty()) config->storage.path = *v;
  if (auto v = getenv("SEGD_HTTP_BIND"); v && !v->empty()) config->http.bind = *v;
  if (auto v = getenv("SEGD_ADVERTISE_URL"); v && !v->empty()) config->cluster.advertise_url = *v;
  if (auto v = getenv("SEGD_KAFKA_SASL_USERNAME"); v) {
    config->kafka.properties.emplace_back("sasl.username", *v);
  }
  if (auto v = getenv("SEGD_KAFKA_SASL_PASSWORD"); v) {
    config->kafka.properties.emplace_back("sasl.password", *v);
  }
  if (auto v = getenv("SEGD_ADMIN_TOKEN"); v && !v->empty()) config->http.admin_token = *v;
  // A token file (e.g. a mounted secret) wins over both; its trailing newline is not part of it.
  if (!config->http.admin_token_file.empty()) {
    std::ifstream in(config->http.admin_token_file);
    if (!in) {
      return InvalidArgument("http.admin_token_file: cannot read " + config->http.admin_token_file);
    }
    std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) return InvalidArgument("http.admin_token_file: is empty");
    config->http.admin_token = std::move(token);
  }
  return Status::Ok();
}

}  // namespace segd

#include "segd/kafka/dev_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace segd {

struct DevBroker::Impl {
  struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  };
  struct ClusterDeleter {
    void operator()(rd_kafka_mock_cluster_t* c) const { rd_kafka_mock_cluster_destroy(c); }
  };
  std::unique_ptr<rd_kafka_t, KafkaDeleter> handle;  // destroyed after the cluster
  std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter> cluster;
};

DevBroker::DevBroker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DevBroker::~DevBroker() = default;

StatusOr<std::unique_ptr<DevBroker>> DevBroker::Start(int num_brokers) {
  if (num_brokers < 1) return InvalidArgument("need at least one broker");
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  auto impl = std::make_unique<Impl>();
  impl->handle.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)));
  if (!impl->handle) {
    rd_kafka_conf_destroy(conf);
    return Internal(std::string("dev broker handle: ") + errstr);
  }
  impl->cluster.reset(rd_kafka_mock_cluster_new(impl->handle.get(), num_brokers));
  if (!impl->cluster) return Internal("cannot start the mock cluster");
  return std::unique_ptr<DevBroker>(new DevBroker(std::move(impl)));
}

Status DevBroker::CreateTopic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(impl_->cluster.get(), name.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return InvalidArgument("create topic " + name + ": " + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

std::string DevBroker::bootstrap_servers() const {
  return rd_kafka_mock_cluster_bootstraps(impl_->cluster.get());
}

namespace {

Status FromMock(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return InvalidArgument(what + ": " + rd_kafka_err2str(err));
}

}  // namespace

Status DevBroker::SetBrokerDown(int32_t broker_id) {
  return FromMock(rd_kafka_mock_broker_set_down(impl_->cluster.get(), broker_id),
                  "broker " + std::to_string(broker_id) + " down");
}

Status DevBroker::SetBrokerUp(int32_t broker_id) {
  return FromMock(rd_kafka_mock_broker_set_up(impl_->cluster.get(), broker_id),
                  "broker " + std::to_string(broker_id) + " up");
}

Status DevBroker::SetBrokerRtt(int32_t broker_id, int rtt_ms) {
  return FromMock(rd_kafka_mock_broker_set_rtt(impl_->cluster.get(), broker_id, rtt_ms),
                  "broker " + std::to_string(broker_id) + " rtt");
}

void DevBroker::PushRequestErrors(KafkaApi api, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  codes.reserve(errors.size());
  for (int e : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(impl_->cluster.get(), static_cast<int16_t>(api),
                                          codes.size(), codes.data());
}

Status DevBroker::SetPartitionLeader(const std::string& topic, int32_t partition,
                                     int32_t broker_id) {
  return FromMock(
      rd_kafka_mock_partition_set_leader(impl_->cluster.get(), topic.c_str(), partition, broker_id),
      "leader of " + topic + "/" + std::to_string(partition));
}

Status DevBroker::SetGroupCoordinator(const std::string& group, int32_t broker_id) {
  return FromMock(
      rd_kafka_mock_coordinator_set(impl_->cluster.get(), "group", group.c_str(), broker_id),
      "coordinator of " + group);
}

}  // namespace segd

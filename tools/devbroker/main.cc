// segd-devbroker: runs librdkafka's mock Kafka cluster for the demo, tests and benchmarks of
// other processes. Prints the bootstrap address and serves until SIGINT/SIGTERM; its data dies
// with it.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "segd/kafka/dev_broker.h"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void OnSignal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segd-devbroker: a local Kafka-protocol broker (librdkafka mock cluster)"};
  int brokers = 1;
  std::vector<std::string> topics;
  std::string address_file;
  app.add_option("-n,--brokers", brokers, "number of brokers")->check(CLI::Range(1, 9));
  app.add_option("-t,--topic", topics,
                 "topic to create as NAME:PARTITIONS (repeatable); ~5 MiB are kept per "
                 "partition, so give replay topics enough partitions for the whole history")
      ->expected(0, -1);
  app.add_option("-a,--address-file", address_file,
                 "write the bootstrap address to this file (atomically) once ready");
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto broker = segd::DevBroker::Start(brokers);
  if (!broker.ok()) {
    std::fprintf(stderr, "segd-devbroker: %s\n", broker.status().ToString().c_str());
    return 1;
  }
  for (const std::string& spec : topics) {
    const size_t colon = spec.rfind(':');
    int partitions = 4;
    std::string name = spec;
    if (colon != std::string::npos) {
      name = spec.substr(0, colon);
      try {
        partitions = std::stoi(spec.substr(colon + 1));
      } catch (const std::exception&) {
        partitions = 0;
      }
    }
    if (name.empty() || partitions < 1) {
      std::fprintf(stderr, "segd-devbroker: bad --topic '%s' (want NAME:PARTITIONS)\n",
                   spec.c_str());
      return 2;
    }
    if (auto s = (*broker)->CreateTopic(name, partitions); !s.ok()) {
      std::fprintf(stderr, "segd-devbroker: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  const std::string address = (*broker)->bootstrap_servers();
  if (!address_file.empty()) {
    const std::string tmp = address_file + ".tmp";
    std::ofstream(tmp) << address << "\n";
    std::rename(tmp.c_str(), address_file.c_str());
  }
  std::printf("%s\n", address.c_str());
  std::fflush(stdout);
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}

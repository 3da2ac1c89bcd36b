// POST /v1/admin/backup through the Api, over a fake store: the token, the body, one backup at a
// time, the store check, failures by kind, the answer's JSON and the counts for the metrics.
#include "app/backup_endpoint.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "app/api.h"
#include "segd/state/memory_state_store.h"

namespace segd {
namespace {

using nlohmann::json;

// Answers Backup with `result`, optionally waiting for `release` first.
class FakeBackupStore : public MemoryStateStore {
 public:
  StatusOr<StoreBackup> Backup(const StoreBackupRequest& request) override {
    requests.push_back(request);
    started.set_value();
    if (release) release->wait();
    return result;
  }
  std::vector<StoreBackupRequest> requests;
  std::promise<void> started;
  std::shared_future<void>* release = nullptr;
  StatusOr<StoreBackup> result = StoreBackup{};
};

StoreBackup Sample() {
  return {.id = 7,
          .created_unix_s = 1'700'000'000,
          .size_bytes = 12345,
          .files = 9,
          .note = "segd test",
          .customers = 42,
          .progress = {{{"orders", 0}, {.next_offset = 10, .watermark_ms = 5, .applied = 8}},
                       {{"orders", 1}, {.next_offset = 20, .rejected = 1}}},
          .kept = {6, 7}};
}

class BackupEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.http.admin_token = "s3cret";
    api_ = std::make_unique<Api>(
        config_, ApiSources{.store = &store_, .admin_backup = [this](const HttpRequest& r) {
                              return endpoint_.Handle(r);
                            }});
  }
  HttpResponse Post(const json& body, const std::string& auth = "Bearer s3cret") {
    return api_->Handle(
        {.method = "POST", .path = "/v1/admin/backup", .body = body.dump(), .authorization = auth});
  }

  SegdConfig config_;
  FakeBackupStore store_;
  BackupEndpoint endpoint_{&store_, "/var/lib/segd/state", "segd (running) on test"};
  std::unique_ptr<Api> api_;
};

TEST_F(BackupEndpointTest, TakesTheBackupAndAnswersWhatItHolds) {
  store_.result = Sample();
  const HttpResponse r = Post({{"dir", "/backups/segd"}, {"keep", 3}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(store_.requests.size(), 1u);
  EXPECT_EQ(store_.requests[0].dir, "/backups/segd");
  EXPECT_EQ(store_.requests[0].keep, 3);
  EXPECT_EQ(store_.requests[0].note, "segd (running) on test");
  const json j = json::parse(r.body);
  EXPECT_EQ(j["backup_id"], 7);
  EXPECT_EQ(j["created_at"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(j["progress"][1]["next_offset"], 20);
  std::string store, dir;
  auto back = ParseBackupJson(r.body, &store, &dir);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->progress, Sample().progress);
  EXPECT_EQ(back->kept, Sample().kept);
  EXPECT_EQ(back->customers, 42u);
  EXPECT_EQ(back->note, "segd test");
  EXPECT_EQ(store, "/var/lib/segd/state");
  EXPECT_EQ(dir, "/backups/segd");
  const StoreBackupStats stats = endpoint_.stats();
  EXPECT_EQ(stats.succeeded, 1u);
  EXPECT_EQ(stats.failed, 0u);
  EXPECT_EQ(stats.last_success_unix_s, 1'700'000'000);
}

TEST_F(BackupEndpointTest, RefusesWithoutTokenOrWithABadBodyOrAnotherStore) {
  EXPECT_EQ(Post({{"dir", "/b"}}, "").status, 401);
  EXPECT_EQ(Post({{"dir", "/b"}}, "Bearer nope").status, 401);
  EXPECT_EQ(
      api_->Handle({.method = "GET", .path = "/v1/admin/backup", .authorization = "Bearer s3cret"})
          .status,
      405);
  EXPECT_EQ(Post(json::array()).status, 400);
  EXPECT_EQ(Post({{"keep", 1}}).status, 400);
  EXPECT_EQ(Post({{"dir", "/b"}, {"keep", -1}}).status, 400);
  const HttpResponse other = Post({{"dir", "/b"}, {"store", "/somewhere/else"}});
  EXPECT_EQ(other.status, 409);
  EXPECT_NE(other.body.find("/var/lib/segd/state"), std::string::npos);
  EXPECT_TRUE(store_.requests.empty());
  EXPECT_EQ(Post({{"dir", "/b"}, {"store", "/var/lib/segd/state/"}}).status, 200);
}

TEST_F(BackupEndpointTest, FailuresAnswerByKindAndAreCounted) {
  store_.result = InvalidArgument("backup directory must be outside the store");
  EXPECT_EQ(Post({{"dir", "/b"}}).status, 400);
  store_.started = {};
  store_.result = FailedPrecondition("backup directory /b is in use");
  EXPECT_EQ(Post({{"dir", "/b"}}).status, 409);
  store_.started = {};
  store_.result = IoError("disk full");
  const HttpResponse r = Post({{"dir", "/b"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("disk full"), std::string::npos);
  EXPECT_EQ(endpoint_.stats().failed, 3u);
  EXPECT_EQ(endpoint_.stats().succeeded, 0u);
  EXPECT_EQ(endpoint_.stats().last_success_unix_s, 0);
}

TEST_F(BackupEndpointTest, OneBackupAtATime) {
  std::promise<void> go;
  std::shared_future<void> release = go.get_future().share();
  store_.release = &release;
  auto first = std::async(std::launch::async, [this] { return Post({{"dir", "/b"}}); });
  store_.started.get_future().wait();
  const HttpResponse second = Post({{"dir", "/b"}});
  EXPECT_EQ(second.status, 409);
  EXPECT_NE(second.body.find("already running"), std::string::npos);
  go.set_value();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(store_.requests.size(), 1u);
}

TEST(BackupEndpointApiTest, AbsentWithoutATokenOrWithoutTheEndpoint) {
  MemoryStateStore store;
  BackupEndpoint endpoint(&store, "/s", "");
  const auto handler = [&](const HttpRequest& r) { return endpoint.Handle(r); };
  const Api no_token(SegdConfig{}, {.store = &store, .admin_backup = handler});
  EXPECT_EQ(no_token.Handle({.method = "POST", .path = "/v1/admin/backup"}).status, 404);
  SegdConfig with_token;
  with_token.http.admin_token = "t";
  const Api no_endpoint(with_token, {.store = &store});
  EXPECT_EQ(no_endpoint
                .Handle({.method = "POST", .path = "/v1/admin/backup", .authorization = "Bearer t"})
                .status,
            404);
  // A store that cannot be backed up (the memory store) fails the request, not the server.
  const Api api(with_token, {.store = &store, .admin_backup = handler});
  EXPECT_EQ(api.Handle({.method = "POST",
                        .path = "/v1/admin/backup",
                        .body = R"({"dir": "/b"})",
                        .authorization = "Bearer t"})
                .status,
            409);
}

}  // namespace
}  // namespace segd

// Engine answers of the wrong shape never throw (issue 7.6): the JSON readers of
// providers/docker_api.h on odd bodies, and every DockerProvider call against a fake engine
// (a unix socket in this process) that answers with them.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "providers/docker_api.h"
#include "providers/socket_util.h"
#include "providers/transport.h"
#include "unix_listener.h"

namespace berth {
namespace {

using nlohmann::json;

const char* kOddBodies[] = {
    "",     "null", "42",  "\"text\"", "[1, 2]", "{}", "{\"Id\": 7}", "not json at all",
    "{\"Names\": \"x\", \"Labels\": [1], \"Ports\": {\"a\": 1}, \"State\": 3}",
    "{\"Config\": null, \"State\": \"up\", \"HostConfig\": [], \"NetworkSettings\": 5}",
    "{\"HostConfig\": {\"NanoCpus\": \"2\", \"CpuPeriod\": 100000, \"CpuQuota\": \"x\", "
    "\"RestartPolicy\": \"always\"}, \"NetworkSettings\": {\"Ports\": {\"80/tcp\": [7, null]}}}",
    "{\"NCPU\": \"2\", \"MemTotal\": 1e300, \"ID\": [], \"SystemTime\": 5, \"ServerVersion\": {}}",
    "{\"Volumes\": {\"a\": 1}, \"Labels\": \"x\", \"Name\": null}",
};

TEST(DockerJson, ReadersTakeAnyShape) {
  for (const char* body : kOddBodies) {
    SCOPED_TRACE(body);
    json j = docker::parse(body);
    EXPECT_NO_THROW({
      docker::container_from_list(j);
      docker::container_from_inspect(j);
      docker::engine_info(j);
      docker::network_from_list(j);
      docker::volume_from_list(j);
      docker::progress_line(j);
      docker::error_message(body);
      docker::str(j, "Id");
      docker::num(j, "NCPU");
      docker::string_map(j, "Labels");
    });
  }
}

// One /info answers for the engine: its ServerVersion is what /version calls Version.
TEST(DockerJson, EngineInfoComesFromInfoAlone) {
  EngineInfo e = docker::engine_info(docker::parse(
      R"({"ServerVersion": "20.10.24+dfsg1", "OperatingSystem": "Debian GNU/Linux 12",
          "ID": "ABCD", "NCPU": 2, "MemTotal": 1073741824,
          "SystemTime": "2026-12-04T21:00:00.123456789Z"})"));
  EXPECT_EQ(e.engine_version, "20.10.24+dfsg1");
  EXPECT_EQ(e.os, "Debian GNU/Linux 12");
  EXPECT_EQ(e.id, "ABCD");
  EXPECT_EQ(e.capacity.nano_cpus, 2'000'000'000);
  EXPECT_EQ(e.capacity.memory, 1073741824);
  EXPECT_EQ(e.system_time, 1796418000);
}

TEST(DockerJson, WrongTypesReadAsEmpty) {
  json j = docker::parse(R"({"Id": 7, "NCPU": "2", "Labels": {"a": "b", "n": 1}})");
  EXPECT_EQ(docker::str(j, "Id"), "");
  EXPECT_EQ(docker::num(j, "NCPU"), 0);
  EXPECT_EQ(docker::string_map(j, "Labels"), (std::map<std::string, std::string>{{"a", "b"}}));
  EXPECT_EQ(docker::engine_info(j).capacity.nano_cpus, 0);
  auto c = docker::container_from_inspect(docker::parse(
      R"({"Name": "/web", "HostConfig": {"Memory": 1048576, "RestartPolicy": {"Name": 5}}})"));
  EXPECT_EQ(c.name, "web");
  EXPECT_EQ(c.limits.memory, 1048576);
  EXPECT_EQ(c.restart, "no");
}

TEST(DockerJson, ProgressErrorsWithOrWithoutDetail) {
  auto only_error = docker::progress_line(docker::parse(R"({"error": "pull access denied"})"));
  EXPECT_TRUE(only_error.failed);
  EXPECT_EQ(only_error.text, "pull access denied");
  auto only_detail =
      docker::progress_line(docker::parse(R"({"errorDetail": {"message": "no space"}})"));
  EXPECT_TRUE(only_detail.failed);
  EXPECT_EQ(only_detail.text, "no space");
  auto odd = docker::progress_line(docker::parse(R"({"error": 3, "errorDetail": "x"})"));
  EXPECT_TRUE(odd.failed);
  EXPECT_FALSE(odd.text.empty());
  auto fine = docker::progress_line(docker::parse(R"({"stream": "Step 1/2\n"})"));
  EXPECT_FALSE(fine.failed);
  EXPECT_EQ(fine.text, "Step 1/2");
}

// A fake engine: answers every request on a unix socket with respond(target) -> body (200).
class FakeEngine {
 public:
  explicit FakeEngine(std::function<std::string(const std::string&)> respond)
      : respond_(std::move(respond)), listener_("engine.sock") {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeEngine() {
    stop_ = true;
    listener_.shutdown();
    thread_.join();
  }
  const std::string& path() const { return listener_.path(); }

 private:
  void serve() {
    while (!stop_) {
      int c = listener_.accept();
      if (c < 0) return;
      std::thread([this, c] { answer(c); }).detach();
    }
  }
  void answer(int c) {
    std::string in;
    char buf[4096];
    while (true) {
      auto end = in.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = in.substr(0, end);
        size_t length = 0;
        if (auto cl = head.find("Content-Length: "); cl != std::string::npos)
          length = std::stoul(head.substr(cl + 16));
        if (in.size() < end + 4 + length) goto more;
        std::string target = head.substr(head.find(' ') + 1);
        target = target.substr(0, target.find(' '));
        in.erase(0, end + 4 + length);
        std::string body = respond_(target);
        std::string out = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
        if (::send(c, out.data(), out.size(), MSG_NOSIGNAL) < 0) break;
        continue;
      }
    more:
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, n);
    }
    ::close(c);
  }

  std::function<std::string(const std::string&)> respond_;
  testing::UnixListener listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Every call of the provider against every odd body: errors are fine, exceptions are not.
TEST(DockerJson, ProviderCallsNeverThrowOnOddBodies) {
  for (const char* odd : kOddBodies) {
    SCOPED_TRACE(odd);
    FakeEngine engine([&](const std::string& target) -> std::string {
      return target == "/_ping" ? "OK" : odd;
    });
    ProviderOptions options;
    options.request_timeout_seconds = 5;
    auto p = make_docker_provider("fake", make_unix_transport("fake", engine.path()), 4, options);
    ContainerCreate create;
    create.name = "x";
    create.spec.image = "busybox";
    create.networks = {{"a", {}}, {"b", {}}};
    EXPECT_NO_THROW({
      (void)p->info();
      (void)p->list_containers();
      (void)p->inspect_container("x");
      (void)p->create_container(create);
      (void)p->list_networks("a=b");
      (void)p->create_network(NetworkSpec{}, {});
      (void)p->list_volumes("a=b");
      (void)p->create_volume(VolumeSpec{}, {});
      (void)p->image_present("busybox");
      (void)p->pull_image("busybox", [](const std::string&) {});
    });
  }
}

TEST(DockerJson, StreamedErrorWithoutDetailFailsThePull) {
  FakeEngine engine([](const std::string& target) -> std::string {
    if (target == "/_ping") return "OK";
    return "{\"status\": \"Pulling\"}\n{\"error\": \"manifest unknown\"}";  // no final newline
  });
  ProviderOptions options;
  options.request_timeout_seconds = 5;
  auto p = make_docker_provider("fake", make_unix_transport("fake", engine.path()), 4, options);
  Status st = p->pull_image("busybox:nope", nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("manifest unknown"), std::string::npos);
}

// The SSH transport's probe reads the version the engine names, and a provider whose transport
// knows it sends no /_ping of its own: its first request already carries that version.
TEST(DockerJson, TheProbesApiVersionSparesTheProvidersPing) {
  std::mutex mu;
  std::vector<std::string> seen;
  FakeEngine engine([&](const std::string& target) -> std::string {
    std::lock_guard<std::mutex> g(mu);
    seen.push_back(target);
    return target == "/_ping" ? "OK" : "[]";
  });
  int fd = connect_unix(engine.path());
  ASSERT_GE(fd, 0);
  std::string version;
  EXPECT_EQ(probe_engine(fd, 2000, &version), ProbeResult::kAnswered);
  EXPECT_EQ(version, "1.41");
  ::close(fd);

  struct Probed : Transport {
    std::string path;
    Result<int> open_channel() override { return connect_unix(path); }
    std::string kind() const override { return "probed"; }
    std::string api_version() const override { return "1.43"; }
  };
  auto transport = std::make_unique<Probed>();
  transport->path = engine.path();
  ProviderOptions options;
  options.request_timeout_seconds = 5;
  auto p = make_docker_provider("fake", std::move(transport), 4, options);
  ASSERT_TRUE(p->list_containers().ok());
  std::lock_guard<std::mutex> g(mu);
  ASSERT_EQ(seen.size(), 2u);  // the probe's ping above, then the list alone
  EXPECT_EQ(seen[1], "/v1.43/containers/json?all=1");
}

}  // namespace
}  // namespace berth

// What the ingress tests share (tests/integration/ingress_test.cc, ingress_tls_test.cc): the web
// stack of ingress_web.yaml, the probe run in the background, and a fixture on a 3-host lab over
// real OpenSSH with the lab's Caddy image (from Debian's caddy) as every host's proxy.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "harness.h"

namespace berth::testing {

using nlohmann::json;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The web service of tests/integration/ingress_web.yaml: 3 replicas, one per host.
inline std::string stack(
    const std::string& name, const std::string& version, const std::string& route,
    const std::string& update = "{parallelism: 1, order: start-first, monitor: 1s}") {
  std::string text = slurp(std::string(BERTH_SOURCE_DIR) + "/tests/integration/ingress_web.yaml");
  auto fill = [&](const std::string& key, const std::string& value) {
    for (size_t at; (at = text.find(key)) != std::string::npos;)
      text.replace(at, key.size(), value);
  };
  fill("@NAME@", name);
  fill("@VERSION@", version);
  fill("@REPLICAS@", "3");
  fill("@PER_NODE@", "1");
  fill("@UPDATE@", update);
  fill("@ROUTE@", route);
  return text;
}

inline constexpr const char* kRoute = "{host: app.test, port: 8080, health: /up, drain: 10s}";

// The probe in the background: bounded by itself, stopped by a file, its report read back.
class Probe {
 public:
  Probe(const Lab& lab, const std::string& dir, int slow_workers, int workers = 6,
        std::string host = "app.test")
      : dir_(dir) {
    std::vector<std::string> argv = {
        "python3",        std::string(BERTH_SOURCE_DIR) + "/tests/integration/ingress_probe.py",
        "--host-header",  host,
        "--workers",      std::to_string(workers),
        "--slow-workers", std::to_string(slow_workers),
        "--max-seconds",  "240",
        "--pause",        "0.05",
        "--stop-file",    dir + "/stop",
        "--ready-file",   dir + "/ready",
        "--out",          dir + "/probe.json"};
    for (const LabHost& h : lab.hosts) argv.insert(argv.end(), {"--url", "http://" + h.ip + "/"});
    std::filesystem::remove(dir + "/stop");
    std::filesystem::remove(dir + "/ready");
    std::filesystem::remove(dir + "/probe.json");
    thread_ = std::thread([this, argv] { result_ = run(argv); });
  }
  bool ready() {
    return wait_until([&] { return std::filesystem::exists(dir_ + "/ready"); }, 60);
  }
  json stop() {
    write_file(dir_ + "/stop", "");
    thread_.join();
    json j = json::parse(slurp(dir_ + "/probe.json"), nullptr, false);
    EXPECT_TRUE(j.is_object()) << result_.out << result_.err;
    return j;
  }
  ~Probe() {
    if (thread_.joinable()) stop();
  }

 private:
  std::string dir_;
  std::thread thread_;
  CommandResult result_;
};

inline std::string summary(const json& p) {
  std::string s = p.dump().substr(0, 0);
  for (const char* k : {"total", "ok", "failed", "status_5xx", "stale_retries"})
    if (p.contains(k)) s += std::string(k) + "=" + p[k].dump() + " ";
  if (p.contains("failures"))
    for (size_t i = 0; i < p["failures"].size() && i < 5; ++i)
      s += "\n  " + p["failures"][i].dump();
  return s;
}

// The root of Caddy's own CA in `container` on `h`, once Caddy has made it, saved to `path`.
inline bool save_caddy_root(const LabHost& h, const std::string& container,
                            const std::string& path) {
  std::string root;
  bool made = wait_until(
      [&] {
        root =
            docker_on(h, {"exec", container, "cat", "/data/caddy/pki/authorities/local/root.crt"})
                .out;
        return root.find("BEGIN CERTIFICATE") != std::string::npos;
      },
      20);
  write_file(path, root);
  return made;
}

class Ingress : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Lab& lab = shared_lab(3, /*ssh=*/true);
    lab.build_caddy_image();
  }
  void SetUp() override {
    lab_ = &shared_lab(3, /*ssh=*/true);
    dir_ = temp_dir();
    inventory_ = dir_ + "/hosts.yaml";
    write_file(inventory_,
               slurp(lab_->inventory) + "ingress: {image: \"berth-test/caddy:latest\"}\n");
  }
  void TearDown() override {
    for (const std::string& d : stacks_) run_berth(with_lab({"destroy", "--yes"}), d);
  }
  std::vector<std::string> with_lab(std::vector<std::string> args) {
    args.insert(args.end(), {"-i", inventory_});
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return args;
  }
  // A stack directory of its own, destroyed after the test.
  std::string stack_dir(const std::string& name) {
    std::string d = dir_ + "/" + name;
    std::filesystem::create_directories(d);
    stacks_.push_back(d);
    return d;
  }
  CommandResult berth(const std::string& d, std::vector<std::string> args,
                      const std::map<std::string, std::string>& env = {}) {
    return run_berth(with_lab(std::move(args)), d, env);
  }
  CommandResult deploy(const std::string& d, const std::string& text,
                       const std::map<std::string, std::string>& env = {}) {
    write_file(d + "/compose.yaml", text);
    return berth(d, {"apply", "--yes"}, env);
  }
  // One request through the proxy of `host`, with a Host header: "code body".
  std::string get(const LabHost& h, const std::string& host = "app.test",
                  const std::string& path = "/") {
    auto r = run({"curl", "-s", "-m", "10", "-o", "-", "-w", " %{http_code}", "-H", "Host: " + host,
                  "http://" + h.ip + path});
    return r.out;
  }
  const Lab* lab_ = nullptr;
  std::string dir_, inventory_;
  std::vector<std::string> stacks_;
};

}  // namespace berth::testing

// berth sync --watch (issue 9): drift restored, the repository and a host's sshd going away and
// back, one SSH master per host across cycles, SIGTERM mid-rollout, the webhook and /metrics.
#include <signal.h>

#include <regex>

#include "sync_fixture.h"

namespace berth::testing {
namespace {

using namespace sync_lab;

// Lines of a watch's stdout (one JSON object per cycle).
std::vector<json> cycles(const Spawned& s) {
  std::vector<json> out;
  std::istringstream in(read_all(s.out_path));
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == "sync") out.push_back(j);
  }
  return out;
}

// Waits for a cycle after the first `after` whose result is `result` (and commit, if given).
bool cycle_seen(const Spawned& s, size_t after, const std::string& result, double seconds,
                const std::string& commit = "") {
  return wait_until(
      [&] {
        auto list = cycles(s);
        for (size_t i = after; i < list.size(); ++i)
          if (list[i]["result"] == result && (commit.empty() || list[i]["commit"] == commit))
            return true;
        return false;
      },
      seconds);
}

TEST_F(Sync, WatchHealsDriftSurvivesOutagesAndStopsCleanlyOnSigterm) {
  std::string a = commit(stack({}), "A");
  Spawned w = spawn_berth(sync_args({"--watch", "--interval", "2s", "--json"}), dir_);
  ASSERT_TRUE(cycle_seen(w, 0, "converged", 60, a)) << read_all(w.err_path);

  // One SSH connection per host, kept across cycles: h2's control master stays the same process.
  std::string h2_master = "ControlPersist=no -T " + lab_->hosts[1].ip + " ";
  std::vector<int> masters = processes_with(h2_master);
  EXPECT_EQ(masters.size(), 1u);
  size_t seen = cycles(w).size();
  ASSERT_TRUE(wait_until([&] { return cycles(w).size() >= seen + 2; }, 30));
  EXPECT_EQ(processes_with(h2_master), masters);

  // A replica removed by hand comes back on the next cycle, as drift.
  docker_on(lab_->hosts[0], {"rm", "-f", "gitops-web-1"});
  docker_on(lab_->hosts[1], {"rm", "-f", "gitops-web-1"});
  size_t n = cycles(w).size();
  EXPECT_TRUE(wait_until([&] { return all_at(a); }, 30)) << read_all(w.err_path);
  EXPECT_TRUE(wait_until(
      [&] {
        for (auto& c : cycles(w))
          if (c["drifted"].get<int>() > 0) return true;
        return false;
      },
      10));

  // The repository goes away: cycles fail and the loop goes on; back, it converges again.
  ASSERT_EQ(rename(repo_.c_str(), (repo_ + ".away").c_str()), 0);
  n = cycles(w).size();
  EXPECT_TRUE(cycle_seen(w, n, "error", 30)) << read_all(w.err_path);
  ASSERT_EQ(rename((repo_ + ".away").c_str(), repo_.c_str()), 0);
  std::string b = commit(stack({"2"}), "B");
  EXPECT_TRUE(cycle_seen(w, n, "converged", 60, b)) << read_all(w.err_path);
  EXPECT_TRUE(all_at(b));

  // h2's sshd stops and comes back: the loop goes on, and converges h2 afterwards.
  lab_->stop_sshd("h2");
  n = cycles(w).size();
  EXPECT_TRUE(wait_until([&] { return cycles(w).size() >= n + 2; }, 30));
  lab_->start_sshd("h2");
  // The connection to h2 drops (its master is killed): the next cycles reconnect to h2.
  for (int pid : processes_with(h2_master)) kill(pid, SIGKILL);
  std::string c = commit(stack({"3"}), "C");
  EXPECT_TRUE(wait_until([&] { return all_at(c); }, 90)) << read_all(w.err_path);
  EXPECT_FALSE(w.exits_within(0)) << "the watch exited";
  std::vector<int> now = processes_with(h2_master);
  EXPECT_EQ(now.size(), 1u);
  EXPECT_NE(now, masters) << "h2 was reached through a new connection";

  // SIGTERM in the middle of a rollout: the batch in progress is rolled back, locks released.
  commit(stack({"4", 2, false, true}), "D: slow rollout");
  ASSERT_TRUE(
      wait_until([&] { return read_all(w.err_path).find("batch 1/2") != std::string::npos; }, 60))
      << read_all(w.err_path);
  kill(w.pid, SIGTERM);
  CommandResult stopped = w.wait();
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_EQ(count("name=-berth-old"), 0);
  EXPECT_EQ(count("label=io.berth.service=web"), 2);
  EXPECT_EQ(commits("web").size(), 2u) << "every replica is running";
  for (const auto& h : lab_->hosts)
    EXPECT_EQ(docker_on(h, {"volume", "ls", "-q", "--filter", "name=berth-lock-gitops"}).out, "");
}

// A small parser of the Prometheus text format: every sample line is `name{labels} value`, and
// every sample's metric has a TYPE line before it.
std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  std::regex type_line(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf))");
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, type_line)) {
      typed.insert(m[1]);
      continue;
    }
    EXPECT_TRUE(std::regex_match(line, m, sample)) << "not a sample: " << line;
    if (m.empty()) continue;
    EXPECT_TRUE(typed.count(m[1])) << "no TYPE before " << line;
    samples[std::string(m[1]) + std::string(m[2])] = std::stod(m[4]);
  }
  return samples;
}

TEST_F(Sync, WebhookStartsACycleAtOnceAndMetricsParse) {
  std::string a = commit(stack({}), "A");
  write_file(dir_ + "/secret", "s3cret\n");
  Spawned w = spawn_berth(sync_args({"--watch", "--interval", "1h", "--json", "--listen",
                                     "127.0.0.1:0", "--hook-secret-file", dir_ + "/secret"}),
                          dir_);
  std::string port;
  ASSERT_TRUE(wait_until(
      [&] {
        std::smatch m;
        std::string err = read_all(w.err_path);
        if (!std::regex_search(err, m, std::regex("listening on 127\\.0\\.0\\.1:([0-9]+)")))
          return false;
        port = m[1];
        return true;
      },
      30));
  std::string base = "http://127.0.0.1:" + port;
  ASSERT_TRUE(cycle_seen(w, 0, "converged", 60, a)) << read_all(w.err_path);

  auto metrics = parse_prometheus(run({"curl", "-sf", base + "/metrics"}).out);
  EXPECT_EQ(metrics["berth_sync_cycles_total"], 1);
  EXPECT_EQ(metrics["berth_sync_last_result{result=\"converged\"}"], 1);
  EXPECT_EQ(metrics["berth_sync_deployed_commit_info{commit=\"" + a + "\"}"], 1);
  EXPECT_TRUE(metrics.count("berth_sync_cycle_duration_seconds"));
  EXPECT_TRUE(metrics.count("berth_sync_drifted_replicas"));
  EXPECT_GT(metrics["berth_sync_last_run_timestamp_seconds"], 1.7e9);
  EXPECT_THAT(run({"curl", "-sf", base + "/healthz"}).out, HasSubstr("ok"));

  // A push, then the hook: the new commit deploys without waiting for the hour.
  std::string b = commit(stack({"2"}), "B");
  std::string body = R"({"ref":"refs/heads/main"})";
  CommandResult forged = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST", "-H",
                              "X-Hub-Signature-256: sha256=00", "-d", body, base + "/hook"});
  EXPECT_EQ(forged.out, "403");
  std::string mac =
      run({"sh", "-c",
           "printf %s '" + body + "' | openssl dgst -sha256 -hmac s3cret | sed 's/.* //'"})
          .out;
  mac.erase(mac.find_last_not_of("\n") + 1);
  CommandResult hook = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-XPOST", "-H",
                            "X-Hub-Signature-256: sha256=" + mac, "-d", body, base + "/hook"});
  EXPECT_EQ(hook.out, "202");
  EXPECT_TRUE(cycle_seen(w, 1, "converged", 60, b)) << read_all(w.err_path);
  EXPECT_TRUE(all_at(b));
  kill(w.pid, SIGTERM);
  CommandResult stopped = w.wait();
  EXPECT_EQ(stopped.exit_code, 0) << "stopped between cycles";
  write_file(dir_ + "/cycles.jsonl", stopped.out);
  // Every cycle line validates against schemas/sync.schema.json.
  CommandResult valid =
      run({"/usr/bin/python3", "-c",
           "import json, sys, jsonschema\n"
           "schema = json.load(open(sys.argv[1]))\n"
           "lines = [l for l in open(sys.argv[2]) if l.strip()]\n"
           "assert lines\n"
           "for l in lines: jsonschema.validate(json.loads(l), schema)\n",
           std::string(BERTH_SOURCE_DIR) + "/schemas/sync.schema.json", dir_ + "/cycles.jsonl"});
  EXPECT_EQ(valid.exit_code, 0) << valid.err;
}

}  // namespace
}  // namespace berth::testing

// berth sync (issue 9) on a local bare repository and a 2-host lab over real OpenSSH: commits
// deploy and label their replicas, a broken commit is refused while the last good one runs,
// --prune, downgrades, a checkout elsewhere plans nothing, the lock, signatures, and the watch
// loop (drift restored, repository and sshd going away and back, webhook, metrics, SIGTERM).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "harness.h"

namespace berth::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Web {
  std::string v = "1";
  int replicas = 2;
  bool worker = false;
  bool slow = false;  // healthy 3 s after start, one replica per batch
};

std::string stack(const Web& w) {
  std::string s =
      "name: gitops\nconfigs:\n  app: {file: ./app.conf}\nservices:\n  web:\n"
      "    image: berth-test/busybox:latest\n    stop_signal: SIGKILL\n"
      "    environment: {V: \"" +
      w.v +
      "\"}\n"
      "    configs: [{source: app, target: /etc/app.conf}]\n";
  if (w.slow)
    s += "    command: [\"sh\", \"-c\", \"sleep 3; touch /tmp/ready; exec sleep 1000000\"]\n"
         "    healthcheck: {test: [\"CMD\", \"test\", \"-f\", \"/tmp/ready\"], interval: 1s}\n";
  else
    s += "    command: [\"sleep\", \"1000000\"]\n";
  s += "    deploy:\n      replicas: " + std::to_string(w.replicas) +
       "\n      placement: {max_replicas_per_node: 1}\n      update_config: {parallelism: " +
       (w.slow ? "1" : "2") + ", monitor: 0s}\n";
  if (w.worker)
    s += "  worker:\n    image: berth-test/busybox:latest\n    command: [\"sleep\", \"1000000\"]\n"
         "    stop_signal: SIGKILL\n";
  return s;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Sync : public ::testing::Test {
 protected:
  void SetUp() override {
    lab_ = &shared_lab(2, /*ssh=*/true);
    dir_ = temp_dir();
    repo_ = dir_ + "/repo.git";
    work_ = dir_ + "/work";
    ASSERT_EQ(run({"git", "init", "-q", "--bare", "-b", "main", repo_}).exit_code, 0);
    ASSERT_EQ(run({"git", "init", "-q", "-b", "main", work_}).exit_code, 0);
    git({"remote", "add", "origin", repo_});
  }
  void TearDown() override {
    std::string d = dir_ + "/destroy";
    std::filesystem::create_directories(d);
    write_file(d + "/compose.yaml", stack({}));
    write_file(d + "/app.conf", "x\n");
    CommandResult r = run_berth(lab_args({"destroy", "--yes", "-i", lab_->inventory}), d);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  CommandResult git(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "git", "-C", work_, "-c", "user.name=t", "-c", "user.email=t@example.org"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  // Commits the stack (with the lab's inventory and the config file) and pushes; returns the SHA.
  std::string commit(const std::string& compose, const std::string& message,
                     std::vector<std::string> extra = {}) {
    write_file(work_ + "/compose.yaml", compose);
    write_file(work_ + "/app.conf", "listen 80\n");
    write_file(work_ + "/berth.hosts.yaml", read_all(lab_->inventory));
    git({"add", "-A"});
    std::vector<std::string> args = {"commit", "-q", "-m", message};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_EQ(git(args).exit_code, 0);
    EXPECT_EQ(git({"push", "-q", "origin", "HEAD:main"}).exit_code, 0);
    return git({"rev-parse", "HEAD"}).out.substr(0, 40);
  }
  std::vector<std::string> lab_args(std::vector<std::string> args) {
    for (const auto& f : lab_->ssh_flags()) args.push_back(f);
    return args;
  }
  std::vector<std::string> sync_args(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"sync", "--repo", repo_, "--cache-dir", dir_ + "/cache"};
    args.insert(args.end(), more.begin(), more.end());
    return lab_args(args);
  }
  CommandResult sync(std::vector<std::string> more = {}) {
    return run_berth(sync_args(std::move(more)), dir_);
  }
  // io.berth.commit of every container of `service`, over both hosts.
  std::vector<std::string> commits(const std::string& service, bool running_only = true) {
    std::vector<std::string> out;
    for (const auto& h : lab_->hosts) {
      std::vector<std::string> args = {"ps", "--filter", "label=io.berth.service=" + service,
                                       "--format", "{{.Label \"io.berth.commit\"}}"};
      if (!running_only) args.insert(args.begin() + 1, "-a");
      std::istringstream in(docker_on(h, args).out);
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    }
    return out;
  }
  bool all_at(const std::string& sha, int replicas = 2) {
    auto c = commits("web");
    return static_cast<int>(c.size()) == replicas &&
           std::all_of(c.begin(), c.end(), [&](auto& x) { return x == sha; });
  }
  int count(const std::string& filter) {
    int n = 0;
    for (const auto& h : lab_->hosts) {
      std::istringstream in(docker_on(h, {"ps", "-aq", "--filter", filter}).out);
      for (std::string line; std::getline(in, line);) n += !line.empty();
    }
    return n;
  }

  Lab* lab_ = nullptr;
  std::string dir_, repo_, work_;
};

TEST_F(Sync, CommitsDeployRefusalsKeepTheLastGoodOnePruneOnlyWhenAsked) {
  std::string a = commit(stack({"1", 2, true}), "A: web and worker");
  CommandResult first = sync();
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out,
              HasSubstr("sync: converged to " + a.substr(0, 7) + " (A: web and worker)"));
  EXPECT_TRUE(all_at(a));
  CommandResult again = sync();
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("sync: in sync at " + a.substr(0, 7)));

  std::string b = commit(stack({"2", 2, true}), "B: web v2");
  CommandResult second = sync({"--json"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_TRUE(all_at(b));
  json last = json::parse(second.out.substr(second.out.rfind("{\"changes\"")));
  EXPECT_EQ(last["result"], "converged");
  EXPECT_EQ(last["commit"], b);

  // A broken commit is refused; B keeps running.
  std::string c = commit("services:\n  web: [\n", "C: broken yaml");
  CommandResult broken = sync();
  EXPECT_EQ(broken.exit_code, 9) << broken.out << broken.err;
  EXPECT_THAT(broken.out, HasSubstr("sync: refused " + c.substr(0, 7) + " (C: broken yaml)"));
  EXPECT_THAT(broken.out, HasSubstr("invalid YAML"));
  EXPECT_TRUE(all_at(b));

  // The worker leaves the repository: left running, and said so, until --prune.
  std::string d = commit(stack({"2", 2, false}), "D: no worker");
  CommandResult kept = sync();
  EXPECT_EQ(kept.exit_code, 0) << kept.out << kept.err;
  EXPECT_THAT(kept.err, HasSubstr("left running (no longer in the commit; --prune removes them): "
                                  "worker"));
  EXPECT_EQ(commits("worker").size(), 1u);
  CommandResult pruned = sync({"--prune"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  EXPECT_TRUE(commits("worker", false).empty());
  EXPECT_TRUE(all_at(b)) << "D changed nothing in web: its replicas keep B's label";

  // Going back to A is a downgrade.
  CommandResult down = sync({"--ref", a.substr(0, 10)});
  EXPECT_EQ(down.exit_code, 9) << down.out << down.err;
  EXPECT_THAT(down.out, HasSubstr("--allow-downgrade"));
  EXPECT_TRUE(all_at(b));

  // A checkout somewhere else plans no changes (files are hashed relative to the stack).
  std::string elsewhere = dir_ + "/elsewhere/clone";
  ASSERT_EQ(run({"git", "clone", "-q", repo_, elsewhere}).exit_code, 0);
  CommandResult plan = run_berth(lab_args({"plan", "--detailed-exitcode"}), elsewhere);
  EXPECT_EQ(plan.exit_code, 0) << plan.out << plan.err;

  // Another run holds the lock: exit 4, nothing changed.
  commit(stack({"3"}), "E: web v3");
  docker_on(lab_->hosts[0],
            {"volume", "create", "--label", "io.berth.lock=gitops", "--label",
             "io.berth.lock.kind=lock", "--label", "io.berth.lock.id=other", "--label",
             "io.berth.lock.user=ci", "--label", "io.berth.lock.machine=elsewhere", "--label",
             "io.berth.lock.pid=4242", "--label", "io.berth.lock.since=2026-12-01T00:00:00Z",
             "--label", "io.berth.lock.ttl=3600", "berth-lock-gitops"});
  CommandResult locked = sync();
  docker_on(lab_->hosts[0], {"volume", "rm", "-f", "berth-lock-gitops"});
  EXPECT_EQ(locked.exit_code, 4) << locked.out << locked.err;
  EXPECT_THAT(locked.out, HasSubstr("ci@elsewhere"));
  EXPECT_TRUE(all_at(b));
}

TEST_F(Sync, VerifySignaturesRefusesUnsignedAndAcceptsAnAllowedKey) {
  std::string key = dir_ + "/signer";
  ASSERT_EQ(run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}).exit_code, 0);
  write_file(dir_ + "/allowed_signers",
             "t@example.org namespaces=\"git\" " + read_all(key + ".pub"));
  std::vector<std::string> verify = {"--verify-signatures", "--allowed-signers",
                                     dir_ + "/allowed_signers"};
  std::string unsigned_sha = commit(stack({}), "unsigned");
  CommandResult refused = sync(verify);
  EXPECT_EQ(refused.exit_code, 9) << refused.out << refused.err;
  EXPECT_THAT(refused.out, HasSubstr("sync: refused " + unsigned_sha.substr(0, 7) + " (unsigned)"));
  EXPECT_TRUE(commits("web", false).empty());

  git({"config", "gpg.format", "ssh"});
  git({"config", "user.signingkey", key});
  std::string signed_sha = commit(stack({"2"}), "signed", {"-S"});
  CommandResult accepted = sync(verify);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_TRUE(all_at(signed_sha));
}

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

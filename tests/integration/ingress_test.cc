// Ingress (issue 10), on a 3-host lab over real OpenSSH with a Caddy proxy on every host (the
// lab's berth-test/caddy image, from Debian's caddy): routing from every host to replicas on
// several hosts, a start-first rolling update and a rollback with zero failed requests under a
// probe (tests/integration/ingress_probe.py), the negative controls that must drop requests,
// a killed replica and a cut link, two stacks sharing the proxies, a route conflict, HTTPS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "harness.h"

namespace berth::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The web service of tests/integration/ingress_web.yaml: 3 replicas, one per host.
std::string stack(const std::string& name, const std::string& version, const std::string& route,
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

const char* kRoute = "{host: app.test, port: 8080, health: /up, drain: 10s}";

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

std::string summary(const json& p) {
  std::string s = p.dump().substr(0, 0);
  for (const char* k : {"total", "ok", "failed", "status_5xx", "stale_retries"})
    if (p.contains(k)) s += std::string(k) + "=" + p[k].dump() + " ";
  if (p.contains("failures"))
    for (size_t i = 0; i < p["failures"].size() && i < 5; ++i)
      s += "\n  " + p["failures"][i].dump();
  return s;
}

// The root of Caddy's own CA in `container` on `h`, once Caddy has made it, saved to `path`.
bool save_caddy_root(const LabHost& h, const std::string& container, const std::string& path) {
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

TEST_F(Ingress, EveryHostRoutesToReplicasOnSeveralHostsThroughAssignedPorts) {
  std::string d = stack_dir("shop");
  write_file(d + "/compose.yaml", stack("shop", "v1", kRoute));
  CommandResult plan = berth(d, {"plan"});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("+ ingress h1: proxy berth-ingress (berth-test/caddy:latest"));
  EXPECT_THAT(plan.out, HasSubstr("~ ingress h2: +web-1, +web-2, +web-3"));
  EXPECT_THAT(plan.out, ::testing::ContainsRegex("create shop-web-1 \\(ingress port 2[0-9]{4}\\)"));
  CommandResult r = berth(d, {"apply", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::set<std::string> names;
  for (const LabHost& h : lab_->hosts) {
    for (int i = 0; i < 6; ++i) {
      std::string got = get(h);
      ASSERT_THAT(got, ::testing::EndsWith(" 200")) << "through " << h.name;
      ASSERT_EQ(got.rfind("v1 ", 0), 0u) << got;
      names.insert(got.substr(3, got.find('\n') - 3));
    }
  }
  EXPECT_GE(names.size(), 2u) << "responses from replicas on more than one host";
  EXPECT_THAT(get(lab_->hosts[0], "unknown.test"), ::testing::EndsWith(" 404"));
  // Assigned ports, shown in ps, in berth's range; the plan is quiet once applied.
  CommandResult ps = berth(d, {"ps", "--json"});
  json list = json::parse(ps.out, nullptr, false);
  ASSERT_TRUE(list.is_array()) << ps.out << ps.err;
  int replicas = 0;
  for (const json& c : list) {
    if (c.value("service", "") != "web") continue;
    ++replicas;
    ASSERT_EQ(c["ports"].size(), 1u) << c.dump();
    EXPECT_GE(c["ports"][0].get<int>(), 20000);
    EXPECT_LT(c["ports"][0].get<int>(), 30000);
  }
  EXPECT_EQ(replicas, 3);
  CommandResult again = berth(d, {"plan"});
  EXPECT_THAT(again.out, HasSubstr("No changes.")) << again.out;
  EXPECT_THAT(again.out, ::testing::Not(HasSubstr("ingress")));
}

TEST_F(Ingress, StartFirstRolloutAndRollbackDropNoRequest) {
  std::string d = stack_dir("shop");
  ASSERT_EQ(deploy(d, stack("shop", "v1", kRoute)).exit_code, 0);
  {
    Probe probe(*lab_, dir_, 3);
    ASSERT_TRUE(probe.ready());
    CommandResult r = deploy(d, stack("shop", "v2", kRoute));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_THAT(r.out + r.err, HasSubstr("drained"));
    json p = probe.stop();
    EXPECT_EQ(p["failed"], 0) << summary(p);
    EXPECT_EQ(p["status_5xx"], 0) << summary(p);
    EXPECT_GT(p["total"].get<int>(), 100) << summary(p);
    ASSERT_TRUE(p["versions"].contains("v1") && p["versions"].contains("v2")) << p["versions"];
    EXPECT_EQ(p["final_version"], "v2");
    // Once the last v1 replica left, nothing answered v1 again.
    EXPECT_LT(p["versions"]["v1"]["last_t"].get<double>(),
              p["versions"]["v2"]["last_t"].get<double>());
  }
  {
    Probe probe(*lab_, dir_, 3);
    ASSERT_TRUE(probe.ready());
    CommandResult r = berth(d, {"rollback", "web", "--yes"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    json p = probe.stop();
    EXPECT_EQ(p["failed"], 0) << summary(p);
    EXPECT_EQ(p["final_version"], "v1") << summary(p);
  }
}

// Scale-down and removal take a replica off every proxy, then wait for its requests in flight
// (slow ones among them) before it stops: nothing fails, and what stays keeps answering.
TEST_F(Ingress, ScaleDownDrainsTheRemovedReplicasAndDropsNoRequest) {
  std::string d = stack_dir("shop");
  ASSERT_EQ(deploy(d, stack("shop", "v1", kRoute)).exit_code, 0);
  std::string one = stack("shop", "v1", kRoute);
  one.replace(one.find("replicas: 3"), 11, "replicas: 1");
  Probe probe(*lab_, dir_, 6);
  ASSERT_TRUE(probe.ready());
  CommandResult r = deploy(d, one);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("drained"));
  json p = probe.stop();
  EXPECT_EQ(p["failed"], 0) << summary(p);
  EXPECT_EQ(p["status_5xx"], 0) << summary(p);
  EXPECT_GT(p["total"].get<int>(), 50) << summary(p);
  // One replica is left, and every proxy sends to it.
  std::set<std::string> names;
  for (const LabHost& h : lab_->hosts)
    for (int k = 0; k < 3; ++k) {
      std::string got = get(h);
      ASSERT_EQ(got.rfind("v1 ", 0), 0u) << h.name << ": " << got;
      names.insert(got.substr(3, got.size() - 7));
    }
  EXPECT_EQ(names.size(), 1u);
}

// The zero above means something only if the same probe sees what a careless switch drops.
TEST_F(Ingress, NegativeControlsDropRequests) {
  std::string d = stack_dir("shop");
  ASSERT_EQ(deploy(d, stack("shop", "v1", kRoute)).exit_code, 0);
  int version = 1;
  for (const char* fault : {"no-drain", "stop-before-switch"}) {
    // Mostly slow requests (2 s each), so every old replica has some in flight when it stops.
    Probe probe(*lab_, dir_, 12, 2);
    ASSERT_TRUE(probe.ready());
    CommandResult r = deploy(d, stack("shop", "v" + std::to_string(++version), kRoute),
                             {{"BERTH_INGRESS_FAULT", fault}});
    json p = probe.stop();
    EXPECT_GT(p["failed"].get<int>(), 0) << fault << ": " << summary(p) << r.out;
  }
}

// A proxy that cannot load its new configuration: the batch goes back, every proxy keeps
// sending to the old replicas, nothing of the new version runs, and the run says which host.
TEST_F(Ingress, AProxyThatDoesNotLoadPutsTheBatchBack) {
  std::string d = stack_dir("shop");
  const char* update =
      "{parallelism: 1, order: start-first, monitor: 1s, failure_action: rollback}";
  ASSERT_EQ(deploy(d, stack("shop", "v1", kRoute, update)).exit_code, 0);
  const LabHost& h2 = lab_->hosts[1];
  // The running Caddy keeps serving; only a new `caddy reload` cannot start.
  ASSERT_EQ(docker_on(h2, {"exec", "berth-ingress", "mv", "/usr/bin/caddy", "/usr/bin/caddy.off"})
                .exit_code,
            0);
  CommandResult r = deploy(d, stack("shop", "v2", kRoute, update));
  ASSERT_EQ(docker_on(h2, {"exec", "berth-ingress", "mv", "/usr/bin/caddy.off", "/usr/bin/caddy"})
                .exit_code,
            0);
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out + r.err, HasSubstr("ingress proxy on h2"));
  EXPECT_THAT(r.out + r.err, HasSubstr("rolling back"));
  for (const LabHost& h : lab_->hosts)
    for (int i = 0; i < 6; ++i) EXPECT_EQ(get(h).rfind("v1 ", 0), 0u) << "through " << h.name;
  for (const LabHost& h : lab_->hosts) {
    auto env =
        docker_on(h, {"ps", "--filter", "label=io.berth.service=web", "--format", "{{.Names}}"});
    EXPECT_EQ(env.out.find("berth-old"), std::string::npos) << h.name << ": " << env.out;
  }
  // With the proxy able to load again, the same update goes through.
  CommandResult again = deploy(d, stack("shop", "v2", kRoute, update));
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  for (const LabHost& h : lab_->hosts) EXPECT_EQ(get(h).rfind("v2 ", 0), 0u) << h.name;
}

TEST_F(Ingress, AKilledReplicaAndACutHostDropOutOfEveryProxy) {
  std::string d = stack_dir("shop");
  ASSERT_EQ(deploy(d, stack("shop", "v1", kRoute)).exit_code, 0);
  // The replica on h3, killed by hand: the proxies' health checks (every 2 s) drop it.
  const LabHost& h3 = lab_->hosts[2];
  auto id = docker_on(h3, {"ps", "-q", "--filter", "label=io.berth.service=web"});
  ASSERT_EQ(id.exit_code, 0);
  std::string victim = id.out.substr(0, id.out.find('\n'));
  std::string victim_name = docker_on(h3, {"inspect", "-f", "{{.Config.Hostname}}", victim}).out;
  victim_name = victim_name.substr(0, victim_name.find('\n'));
  ASSERT_EQ(docker_on(h3, {"kill", victim}).exit_code, 0);
  {
    Probe probe(*lab_, dir_, 0);
    ASSERT_TRUE(probe.ready());
    std::this_thread::sleep_for(std::chrono::seconds(5));  // a bounded load, not a wait
    json p = probe.stop();
    EXPECT_EQ(p["failed"], 0) << summary(p);
    EXPECT_FALSE(p["names"].contains(victim_name)) << p["names"];
  }
  ASSERT_EQ(docker_on(h3, {"start", victim}).exit_code, 0);
  // h2's link cut: h1's and h3's proxies stop sending to its replica.
  const LabHost& h2 = lab_->hosts[1];
  auto id2 = docker_on(h2, {"ps", "-q", "--filter", "label=io.berth.service=web"});
  std::string cut_name = docker_on(h2, {"inspect", "-f", "{{.Config.Hostname}}",
                                        id2.out.substr(0, id2.out.find('\n'))})
                             .out;
  cut_name = cut_name.substr(0, cut_name.find('\n'));
  lab_->link_down("h2");
  // Until the active check (2 s interval, 1 s timeout) marks it down.
  std::set<std::string> seen;
  bool gone = wait_until(
      [&] {
        for (int i = 0; i < 6; ++i) {
          std::string got = get(lab_->hosts[0]);
          if (got.find(cut_name) != std::string::npos) return false;
        }
        return true;
      },
      15);
  std::string after;
  for (int i = 0; i < 9; ++i) after += get(lab_->hosts[i % 2 == 0 ? 0 : 2]);
  lab_->link_up("h2");
  EXPECT_TRUE(gone);
  EXPECT_EQ(after.find(cut_name), std::string::npos) << after;
  EXPECT_EQ(after.find(" 5"), std::string::npos) << after;
}

TEST_F(Ingress, TwoStacksShareTheProxiesAndAClaimedRouteIsAPlanError) {
  std::string shop = stack_dir("shop"), blog = stack_dir("blog"), copy = stack_dir("copy");
  ASSERT_EQ(deploy(shop, stack("shop", "v1", kRoute)).exit_code, 0);
  CommandResult b = deploy(blog, stack("blog", "b1", "{host: blog.test, port: 8080, health: /up}"));
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  for (const LabHost& h : lab_->hosts) {
    EXPECT_EQ(get(h).rfind("v1 ", 0), 0u) << h.name;
    EXPECT_EQ(get(h, "blog.test").rfind("b1 ", 0), 0u) << h.name;
  }
  write_file(copy + "/compose.yaml", stack("copy", "c1", kRoute));
  CommandResult c = berth(copy, {"plan"});
  EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
  EXPECT_THAT(
      c.out + c.err,
      HasSubstr(
          "app.test/ is claimed by stack shop (service web) and by stack copy (service web)"));
  EXPECT_THAT(c.out + c.err, HasSubstr("compose.yaml:"));
  // Removing blog takes its route off every proxy; shop still answers.
  ASSERT_EQ(berth(blog, {"destroy", "--yes"}).exit_code, 0);
  EXPECT_THAT(get(lab_->hosts[0], "blog.test"), ::testing::EndsWith(" 404"));
  EXPECT_EQ(get(lab_->hosts[1]).rfind("v1 ", 0), 0u);
}

// Two stacks applied at the same moment: the second waits for the proxies' lock and plans
// from what the first left, so every proxy ends up serving both. Without the lock the first
// run's last load, rendered from what it saw before the second began, takes blog.test away.
TEST_F(Ingress, TwoStacksAppliedAtOnceTakeTurnsOnTheProxiesAndBothAreServed) {
  std::string shop = stack_dir("shop"), blog = stack_dir("blog");
  ASSERT_EQ(deploy(shop, stack("shop", "v1", kRoute)).exit_code, 0);
  write_file(shop + "/compose.yaml",
             stack("shop", "v2", kRoute, "{parallelism: 1, order: start-first, monitor: 3s}"));
  CommandResult slow;
  std::thread rollout([&] { slow = berth(shop, {"apply", "--yes"}); });
  // Once shop's rollout is under way (an old replica parked beside its new one), blog applies.
  auto names = [&] {
    std::string all;
    for (const LabHost& h : lab_->hosts)
      all += docker_on(h, {"ps", "-a", "--format", "{{.Names}}"}).out;
    return all;
  };
  bool rolling = wait_until([&] { return names().find("berth-old") != std::string::npos; }, 60);
  std::string volumes = docker_on(lab_->hosts[0], {"volume", "ls", "-q"}).out;
  EXPECT_THAT(volumes, HasSubstr("berth-lock-_ingress"));  // shop's run holds the proxies
  CommandResult b = deploy(blog, stack("blog", "b1", "{host: blog.test, port: 8080, health: /up}"));
  rollout.join();
  ASSERT_TRUE(rolling);
  ASSERT_EQ(slow.exit_code, 0) << slow.out << slow.err;
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  EXPECT_THAT(b.err, HasSubstr("the ingress proxies are being changed by another run; waiting"));
  for (const LabHost& h : lab_->hosts) {
    EXPECT_EQ(get(h).rfind("v2 ", 0), 0u) << h.name;
    EXPECT_EQ(get(h, "blog.test").rfind("b1 ", 0), 0u) << h.name;
  }
  // Both runs let go of it.
  EXPECT_EQ(docker_on(lab_->hosts[0], {"volume", "ls", "-q"}).out.find("berth-lock-_ingress"),
            std::string::npos);
}

TEST_F(Ingress, TlsInternalAnswersHttpsWithCaddysOwnRoot) {
  std::string d = stack_dir("shop");
  CommandResult r =
      deploy(d, stack("shop", "v1", "{host: app.test, port: 8080, health: /up, tls: internal}"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const LabHost& h1 = lab_->hosts[0];
  ASSERT_TRUE(save_caddy_root(h1, "berth-ingress", dir_ + "/root.crt"));
  CommandResult got;
  ASSERT_TRUE(wait_until(
      [&] {
        got = run({"curl", "-s", "-m", "10", "--cacert", dir_ + "/root.crt", "--resolve",
                   "app.test:443:" + h1.ip, "https://app.test/"});
        return got.exit_code == 0;
      },
      20))
      << got.out << got.err;
  EXPECT_EQ(got.out.rfind("v1 ", 0), 0u) << got.out;
  // Without Caddy's root the certificate is not trusted: the client really checked it.
  CommandResult untrusted =
      run({"curl", "-s", "-m", "10", "--resolve", "app.test:443:" + h1.ip, "https://app.test/"});
  EXPECT_NE(untrusted.exit_code, 0);
}

// A test CA and a certificate for app.test it signed, into d/tls/app.crt and d/tls/app.key;
// the CA's root into d/<ca>.crt. openssl, as an operator would make them.
void make_certificate(const std::string& d, const std::string& ca) {
  std::filesystem::create_directories(d + "/tls");
  write_file(d + "/san.ext", "subjectAltName=DNS:app.test\n");
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  CommandResult r = run(
      {"bash", "-c",
       "set -e; cd '" + d + "'; openssl req -x509 " + ec + " -keyout " + ca + ".key -out " + ca +
           ".crt -days 2 -subj /CN=" + ca + " 2>/dev/null; openssl req " + ec +
           " -keyout tls/app.key -out app.csr -subj /CN=app.test 2>/dev/null; openssl x509 -req "
           "-in app.csr -CA " +
           ca + ".crt -CAkey " + ca +
           ".key -CAcreateserial -days 2 "
           "-extfile san.ext -out tls/app.crt 2>/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(Ingress, TlsFilesServeTheStacksCertificateOnEveryProxyAndRotate) {
  std::string d = stack_dir("shop");
  make_certificate(d, "ca1");
  const std::string route =
      "{host: app.test, port: 8080, health: /up, tls: {cert: tls/app.crt, key: tls/app.key}}";
  CommandResult r = deploy(d, stack("shop", "v1", route));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto https = [&](const LabHost& h, const std::string& ca) {
    return run({"curl", "-s", "-m", "10", "--cacert", d + "/" + ca + ".crt", "--resolve",
                "app.test:443:" + h.ip, "https://app.test/"});
  };
  for (const LabHost& h : lab_->hosts) {
    CommandResult got;
    ASSERT_TRUE(wait_until([&] { return (got = https(h, "ca1")).exit_code == 0; }, 20))
        << h.name << ": " << got.out << got.err;
    EXPECT_EQ(got.out.rfind("v1 ", 0), 0u) << got.out;
    // The key reached the proxy's data volume readable by its owner only.
    CommandResult mode =
        docker_on(h, {"exec", "berth-ingress", "sh", "-c", "stat -c %a /data/berth/tls/*.key"});
    EXPECT_EQ(mode.out, "600\n") << h.name << mode.err;
  }
  // The private key is nowhere in berth's output, the plan or the replicas' labels.
  std::string key = slurp(d + "/tls/app.key");
  std::string key_line = key.substr(key.find('\n') + 1, 40);
  CommandResult plan = berth(d, {"plan", "--json"});
  EXPECT_EQ((r.out + r.err + plan.out).find(key_line), std::string::npos);
  for (const LabHost& h : lab_->hosts) {
    std::string ids = docker_on(h, {"ps", "-q", "--filter", "label=io.berth.stack=shop"}).out;
    std::vector<std::string> args = {"inspect"};
    for (std::istringstream in(ids); in >> ids;) args.push_back(ids);
    ASSERT_GT(args.size(), 1u) << h.name;
    CommandResult inspect = docker_on(h, args);
    EXPECT_THAT(inspect.out, HasSubstr("io.berth.ingress"));  // the label is there, its key not
    EXPECT_EQ(inspect.out.find(key_line), std::string::npos) << h.name;
  }
  // A certificate from another CA: the replicas roll, every proxy serves the new one.
  make_certificate(d, "ca2");
  r = berth(d, {"apply", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const LabHost& h : lab_->hosts) {
    CommandResult got;
    ASSERT_TRUE(wait_until([&] { return (got = https(h, "ca2")).exit_code == 0; }, 20))
        << h.name << ": " << got.out << got.err;
    EXPECT_NE(https(h, "ca1").exit_code, 0) << h.name << ": still the old certificate";
  }
}

// A private ACME CA on `ca`: Caddy's acme_server on https://<ca ip>:9443, its HTTPS from the
// same local CA, resolving app.test to `target` for the HTTP-01 challenge. Its root goes to
// root_path. No public CA is reachable from the lab (and none may be contacted).
std::string start_acme_ca(const LabHost& ca, const LabHost& target, const std::string& dir) {
  const std::string config = R"({"admin": {"listen": "localhost:2019"}, "apps": {
  "pki": {"certificate_authorities": {"local": {"install_trust": false}}},
  "tls": {"automation": {"policies": [{"subjects": ["@IP@"], "issuers": [{"module": "internal"}]}]},
          "certificates": {"automate": ["@IP@"]}},
  "http": {"servers": {"ca": {"listen": [":9443"],
    "routes": [{"handle": [{"handler": "acme_server", "ca": "local"}]}],
    "tls_connection_policies": [{"default_sni": "@IP@"}], "automatic_https": {"disable": true}}}}}})";
  std::string text = config;
  for (size_t at; (at = text.find("@IP@")) != std::string::npos;) text.replace(at, 4, ca.ip);
  write_file(dir + "/ca.json", text);
  docker_on(ca, {"rm", "-f", "berth-test-acme-ca"});
  CommandResult c = docker_on(ca, {"create", "--name", "berth-test-acme-ca", "-p", "9443:9443",
                                   "--add-host", "app.test:" + target.ip, "berth-test/caddy:latest",
                                   "caddy", "run", "--config", "/etc/berth/ca.json"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(
      docker_on(ca, {"cp", dir + "/ca.json", "berth-test-acme-ca:/etc/berth/ca.json"}).exit_code,
      0);
  EXPECT_EQ(docker_on(ca, {"start", "berth-test-acme-ca"}).exit_code, 0);
  EXPECT_TRUE(save_caddy_root(ca, "berth-test-acme-ca", dir + "/acme-root.pem"));
  return "https://" + ca.ip + ":9443/acme/local/directory";
}

TEST_F(Ingress, TlsAcmeObtainsACertificateOnTheAcmeHostOnly) {
  const LabHost &h1 = lab_->hosts[0], &h2 = lab_->hosts[1], &h3 = lab_->hosts[2];
  std::string directory = start_acme_ca(h3, h1, dir_);
  write_file(inventory_, slurp(lab_->inventory) +
                             "ingress:\n  image: \"berth-test/caddy:latest\"\n  acme: {ca: \"" +
                             directory + "\", email: ops@example.com, host: " + h1.name +
                             ", ca_root: acme-root.pem}\n");
  std::string d = stack_dir("shop");
  CommandResult r =
      deploy(d, stack("shop", "v1", "{host: app.test, port: 8080, health: /up, tls: acme}"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto https = [&](const LabHost& h) {
    return run({"curl", "-s", "-m", "10", "--cacert", dir_ + "/acme-root.pem", "--resolve",
                "app.test:443:" + h.ip, "https://app.test/"});
  };
  // Issued by the CA (the client trusts nothing else), after the CA checked the challenge that
  // the ACME host's proxy answered on its HTTP port.
  CommandResult got;
  ASSERT_TRUE(wait_until([&] { return (got = https(h1)).exit_code == 0; }, 60))
      << got.out << got.err << docker_on(h1, {"logs", "--tail", "20", "berth-ingress"}).err;
  EXPECT_EQ(got.out.rfind("v1 ", 0), 0u) << got.out;
  CommandResult issuer = docker_on(h3, {"logs", "berth-test-acme-ca"});
  EXPECT_THAT(issuer.err, HasSubstr("app.test"));
  // The other proxies serve the name on HTTP only: they could not answer its challenges.
  EXPECT_NE(https(h2).exit_code, 0);
  EXPECT_EQ(get(h2).rfind("v1 ", 0), 0u);
  docker_on(h3, {"rm", "-f", "berth-test-acme-ca"});
}

}  // namespace
}  // namespace berth::testing

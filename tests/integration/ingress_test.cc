// Ingress (issue 10), on a 3-host lab over real OpenSSH with a Caddy proxy on every host
// (tests/integration/ingress_fixture.h): routing from every host to replicas on several hosts,
// a start-first rolling update and a rollback with zero failed requests under a probe
// (tests/integration/ingress_probe.py), a scale-down that drains, the negative controls that
// must drop requests, a proxy that cannot load, a killed replica and a cut link, two stacks
// sharing the proxies (and applied at once), a route conflict. HTTPS: ingress_tls_test.cc.
#include "ingress_fixture.h"

namespace berth::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

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
  // Each answer is "BODY STATUS"; the body holds a container id that may itself hold " 5",
  // so the status is read from the end of each answer, not searched for in all of them.
  std::string after;
  int not_ok = 0;
  for (int i = 0; i < 9; ++i) {
    std::string got = get(lab_->hosts[i % 2 == 0 ? 0 : 2]);
    if (!got.ends_with(" 200")) ++not_ok;
    after += got;
  }
  lab_->link_up("h2");
  EXPECT_TRUE(gone);
  EXPECT_EQ(after.find(cut_name), std::string::npos) << after;
  EXPECT_EQ(not_ok, 0) << after;
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

}  // namespace
}  // namespace berth::testing

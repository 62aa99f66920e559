// The ingress part of a plan (planner/ingress_plan.h): assigned ports, what every proxy sends
// to before and after, the plan's proxy lines, conflicts between stacks; and the label and
// routes the proxies are configured from (planner/ingress.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "planner/ingress_plan.h"
#include "planner/placement.h"
#include "planner/spec.h"

namespace berth {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

IngressRoute web_route() {
  IngressRoute r;
  r.host = "app.test";
  r.port = 8080;
  r.health = "/up";
  return r;
}

struct World {
  Stack stack;
  Inventory inventory;
  Observed observed;

  World() {
    stack.name = observed.stack = "shop";
    for (const char* name : {"h1", "h2"}) {
      Host h;
      h.name = name;
      h.private_address = std::string("10.0.0.") + (name[1] == '1' ? "1" : "2");
      inventory.hosts.push_back(h);
      ObservedHost o;
      o.name = name;
      o.reachable = true;
      o.engine_id = name;
      o.capacity = {4 * kNanoCpusPerCpu, 8LL << 30, 0};
      observed.hosts.push_back(o);
    }
    Service s;
    s.name = "web";
    s.replicas = 2;
    s.spec.image = "web:1";
    s.placement.max_replicas_per_node = 1;
    s.ingress = {web_route()};
    stack.services.push_back(s);
  }
  ObservedHost& host(const std::string& name) {
    return name == "h1" ? observed.hosts[0] : observed.hosts[1];
  }
  // A running replica as observe reports it: this stack's current spec, the given port.
  void runs(const std::string& h, const std::string& slot, int port, std::string stack_name = "") {
    const Service& s = stack.services[0];
    ObservedContainer c;
    c.name = (stack_name.empty() ? stack.name : stack_name) + "-web-" + slot;
    c.id = h + "/" + c.name;
    c.state = "running";
    auto canonical = canonical_spec(stack, s);
    c.labels = {{labels::kStack, stack_name.empty() ? stack.name : stack_name},
                {labels::kService, "web"},
                {labels::kSlot, slot},
                {labels::kSpecHash, spec_hash(canonical)},
                {labels::kSpec, canonical.dump()},
                {kIngressLabel, ingress_label({{web_route(), port}})}};
    c.published_ports = {port};
    host(h).containers.push_back(c);
  }
  void proxy_runs(const std::string& h, const std::string& config) {
    ObservedContainer c;
    c.name = kProxyContainer;
    c.id = h + "/proxy";
    c.state = "running";
    c.labels = {{kProxyLabel, "1"}, {labels::kSpecHash, proxy_spec_key(inventory.ingress)}};
    host(h).containers.push_back(c);
    host(h).proxy_config = config;
  }
  Plan plan() {
    Plan p = make_plan(stack, observed, place(stack, inventory, observed, Strategy::kBinpack));
    plan_ingress(stack, observed, inventory, p);
    return p;
  }
};

TEST(IngressLabel, RoundTripsAndRefusesWhatIsNotOne) {
  IngressRoute r = web_route();
  r.tls = "internal";
  auto back = parse_ingress_label(ingress_label({{r, 20123}}));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].host_port, 20123);
  EXPECT_EQ(back[0].route.host, "app.test");
  EXPECT_EQ(back[0].route.health, "/up");
  EXPECT_EQ(back[0].route.tls, "internal");
  EXPECT_TRUE(parse_ingress_label("").empty());
  EXPECT_TRUE(parse_ingress_label("[{\"path\":\"/\"}]").empty());  // no ports
  EXPECT_TRUE(parse_ingress_label("{}").empty());
}

TEST(IngressRoutes, OwnHostThroughTheGatewayOthersThroughTheirPrivateAddress) {
  Upstream a{"shop", "web", "web-1", "id1", "h1", "10.0.0.1", {{web_route(), 20001}}};
  Upstream b{"shop", "web", "web-2", "id2", "h2", "10.0.0.2", {{web_route(), 20002}}};
  Upstream c{"shop", "web", "web-3", "id3", "h3", "", {{web_route(), 20003}}};  // no address
  auto routes = proxy_routes({a, b, c}, "h1");
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_THAT(routes[0].upstreams, ElementsAre("10.0.0.2:20002", "host.docker.internal:20001"));
  // Order does not matter: the same set gives the same routes.
  EXPECT_EQ(caddy_config(proxy_routes({c, b, a}, "h1"), {}), caddy_config(routes, {}));
}

TEST(IngressPlan, NewReplicasGetFreeStablePortsAndEveryProxyIsCreated) {
  World w;
  w.host("h1").containers.push_back({});
  w.host("h1").containers.back().published_ports = {20000, 20001};
  Plan a = w.plan();
  Plan b = w.plan();
  ASSERT_EQ(a.changes.size(), 2u);
  std::set<int> ports;
  for (size_t k = 0; k < a.changes.size(); ++k) {
    ASSERT_EQ(a.changes[k].ingress_ports.size(), 1u);
    int p = a.changes[k].ingress_ports[0];
    EXPECT_GE(p, kIngressPortBase);
    EXPECT_LT(p, kIngressPortBase + kIngressPortCount);
    EXPECT_EQ(p, b.changes[k].ingress_ports[0]) << "the same inputs give the same port";
    ports.insert(p);
  }
  ASSERT_EQ(a.ingress.proxies.size(), 2u);
  for (const ProxyChange& p : a.ingress.proxies) {
    EXPECT_EQ(p.action, "create");
    EXPECT_TRUE(p.reload);
    EXPECT_THAT(p.added, ElementsAre("web-1", "web-2"));
  }
  EXPECT_EQ(a.summary.proxies, 2);
  EXPECT_TRUE(a.has_changes());
}

TEST(IngressPlan, APortTakenOnTheHostIsNeverAssigned) {
  World w;
  w.stack.services[0].replicas = 1;
  Plan first = w.plan();
  ASSERT_EQ(first.changes.size(), 1u);
  const Change& c = first.changes[0];
  // Everything else in the range taken on that host but one port: that one is chosen.
  ObservedContainer other;
  other.name = "other";
  for (int p = kIngressPortBase; p < kIngressPortBase + kIngressPortCount; ++p)
    if (p != 23456) other.published_ports.push_back(p);
  w.host(c.host).containers.push_back(other);
  Plan second = w.plan();
  ASSERT_EQ(second.changes.size(), 1u);
  EXPECT_EQ(second.changes[0].ingress_ports, std::vector<int>{23456});
}

TEST(IngressPlan, AReplacementSwitchesAndARunningProxyWithTheSameConfigIsLeftAlone) {
  World w;
  w.runs("h1", "1", 20100);
  w.runs("h2", "2", 20200);
  Plan same = w.plan();
  // No proxy yet: created; once they run what the plan renders, nothing changes.
  EXPECT_EQ(same.summary.proxies, 2);
  std::vector<Upstream> now = observed_upstreams(w.observed, w.inventory);
  ASSERT_EQ(now.size(), 2u);
  for (const char* h : {"h1", "h2"})
    w.proxy_runs(h, caddy_config(proxy_routes(now, h), ProxySettings{}));
  Plan quiet = w.plan();
  EXPECT_EQ(quiet.summary.proxies, 0);
  EXPECT_FALSE(quiet.has_changes());
  // A new image: each replica is replaced, the proxies switch to the new containers.
  w.stack.services[0].spec.image = "web:2";
  Plan roll = w.plan();
  ASSERT_EQ(roll.changes.size(), 2u);
  for (const Change& c : roll.changes) {
    ASSERT_EQ(c.ingress_ports.size(), 1u);
    EXPECT_NE(c.ingress_ports[0], c.host == "h1" ? 20100 : 20200) << "never the old one's port";
  }
  for (const ProxyChange& p : roll.ingress.proxies) {
    EXPECT_EQ(p.action, "");
    EXPECT_TRUE(p.reload);
    EXPECT_THAT(p.switched, ElementsAre("web-1", "web-2"));
    EXPECT_TRUE(p.added.empty());
  }
  // Scale down to one: the other replica leaves every proxy.
  w.stack.services[0].spec.image = "web:1";
  w.stack.services[0].replicas = 1;
  Plan down = w.plan();
  for (const ProxyChange& p : down.ingress.proxies) EXPECT_THAT(p.removed, ElementsAre("web-2"));
}

TEST(IngressPlan, AnotherStacksReplicasStayBehindTheProxiesAndAClaimOnItsRouteIsABlocker) {
  World w;
  w.runs("h2", "1", 20500, "blog");  // stack blog serves app.test/ already
  Plan p = w.plan();
  ASSERT_FALSE(p.blockers.empty());
  EXPECT_THAT(p.blockers[0].message, HasSubstr("stack blog (service web)"));
  EXPECT_THAT(p.blockers[0].message, HasSubstr("stack shop (service web)"));
  // On another path, both are served by every proxy.
  w.stack.services[0].ingress[0].path = "/shop";
  Plan both = w.plan();
  EXPECT_TRUE(both.blockers.empty());
  for (const ProxyChange& c : both.ingress.proxies)
    EXPECT_THAT(c.added, ElementsAre("web-1", "web-2"));  // blog's web-1 is there already
  json doc = json::parse(
      caddy_config(proxy_routes(observed_upstreams(w.observed, w.inventory), "h1"), {}));
  EXPECT_EQ(
      doc["apps"]["http"]["servers"]["berth"]["routes"][0]["handle"][0]["upstreams"][0]["dial"],
      "10.0.0.2:20500");
}

TEST(IngressPlan, AReplicaFailingItsOwnHealthCheckLeavesTheProxies) {
  World w;
  w.runs("h1", "1", 20100);
  w.runs("h2", "2", 20200);
  w.host("h2").containers.back().health = "unhealthy";
  std::vector<Upstream> now = observed_upstreams(w.observed, w.inventory);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].container, "web-1");
}

TEST(IngressPlan, NoIngressAnywhereMeansNoProxies) {
  World w;
  w.stack.services[0].ingress.clear();
  Plan p = w.plan();
  EXPECT_FALSE(p.ingress.active());
  EXPECT_EQ(p.summary.proxies, 0);
  for (const Change& c : p.changes) EXPECT_TRUE(c.ingress_ports.empty());
}

TEST(IngressPlan, TheInventoryChoosesTheProxyHostsAndAnUnreachableOneIsLeftAlone) {
  World w;
  w.inventory.ingress.hosts = {"h2"};
  Plan p = w.plan();
  ASSERT_EQ(p.ingress.proxies.size(), 1u);
  EXPECT_EQ(p.ingress.proxies[0].host, "h2");
  w.observed.hosts[1].reachable = false;
  EXPECT_TRUE(w.plan().ingress.proxies.empty());
}

TEST(IngressConfig, TlsInternalRoutesAlsoListenOnHttpsWithCaddysOwnCa) {
  ProxyRoute r;
  r.stack = "shop";
  r.service = "web";
  r.route = web_route();
  r.route.tls = "internal";
  r.upstreams = {"10.0.0.1:20001"};
  json doc = json::parse(caddy_config({r}, {}));
  const json& tls = doc["apps"]["http"]["servers"]["berth-tls"];
  EXPECT_EQ(tls["listen"], json::array({":443"}));
  EXPECT_EQ(tls["routes"][0]["match"][0]["host"], json::array({"app.test"}));
  EXPECT_EQ(doc["apps"]["tls"]["automation"]["policies"][0]["subjects"], json::array({"app.test"}));
  EXPECT_EQ(doc["apps"]["tls"]["automation"]["policies"][0]["issuers"][0]["module"], "internal");
  EXPECT_EQ(doc["apps"]["pki"]["certificate_authorities"]["local"]["install_trust"], false);
  // The route still answers plain HTTP too.
  EXPECT_EQ(doc["apps"]["http"]["servers"]["berth"]["routes"][0]["match"][0]["host"],
            json::array({"app.test"}));
}

TEST(IngressConfig, DrainingUpstreamsStayInThePoolOnARouteNothingMatches) {
  json doc = json::parse(caddy_config({}, {}, {"10.0.0.9:20009"}));
  const json& routes = doc["apps"]["http"]["servers"]["berth"]["routes"];
  ASSERT_EQ(routes.size(), 2u);  // the draining route, then the 404
  EXPECT_EQ(routes[0]["@id"], "berth-draining");
  EXPECT_EQ(routes[0]["match"][0]["host"], json::array({"berth-draining.invalid"}));
  EXPECT_EQ(routes[0]["handle"][0]["upstreams"][0]["dial"], "10.0.0.9:20009");
  EXPECT_FALSE(routes[0]["handle"][0].contains("health_checks"));
  EXPECT_EQ(routes[1]["handle"][0]["status_code"], 404);
  // Nothing draining: no such route.
  EXPECT_EQ(caddy_config({}, {}).find("berth-draining"), std::string::npos);
}

}  // namespace
}  // namespace berth

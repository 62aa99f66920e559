// Ingress: the loader's reading and checks of x-berth.ingress, and the proxy configuration
// (planner/ingress.h) read back as JSON, the way Caddy will read it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/load/loader.h"
#include "planner/ingress.h"

namespace berth {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Loaded {
  Diagnostics diag;
  std::optional<Stack> stack;
};

Loaded load_text(const std::string& yaml) {
  auto dir = std::filesystem::temp_directory_path() /
             ("berth-ingress-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "compose.yaml") << yaml;
  LoadOptions o;
  o.working_dir = dir.string();
  Loaded l;
  l.stack = load_stack(o, l.diag);
  std::filesystem::remove_all(dir);
  return l;
}

const Service& service(const Loaded& l, const std::string& name) {
  for (const auto& s : l.stack->services)
    if (s.name == name) return s;
  throw std::runtime_error("no service " + name);
}

TEST(IngressLoad, MapAndListForms) {
  auto l = load_text(R"(services:
  web:
    image: x
    x-berth:
      ingress: {host: app.example.com, port: 8080, health: /up, drain: 5s}
  api:
    image: x
    x-berth:
      ingress:
        - {port: 9000, path: /api}
        - {host: admin.example.com, port: 9001}
)");
  ASSERT_TRUE(l.diag.ok()) << l.diag.errors[0].str();
  const auto& web = service(l, "web").ingress;
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0].host, "app.example.com");
  EXPECT_EQ(web[0].port, 8080);
  EXPECT_EQ(web[0].path, "/");
  EXPECT_EQ(web[0].health, "/up");
  EXPECT_EQ(web[0].drain_ms, 5000);
  const auto& api = service(l, "api").ingress;
  ASSERT_EQ(api.size(), 2u);
  EXPECT_EQ(api[0].host, "");
  EXPECT_EQ(api[0].path, "/api");
  EXPECT_EQ(api[0].drain_ms, 30000);
  EXPECT_EQ(api[1].host, "admin.example.com");
  EXPECT_TRUE(l.diag.warnings.empty());
}

TEST(IngressLoad, HealthDefaultsToTheServicesOwnHttpCheckOnTheRoutesPort) {
  auto l = load_text(R"(services:
  web:
    image: x
    healthcheck: {test: ["CMD", "wget", "-qO-", "http://localhost:8080/up"]}
    x-berth:
      ingress: [{port: 8080}, {port: 9000, host: b.test}, {port: 8080, host: c.test, health: /ok}]
  shell:
    image: x
    healthcheck: {test: "curl -fsS http://127.0.0.1/healthz || exit 1"}
    x-berth: {ingress: {port: 80}}
  off:
    image: x
    healthcheck: {test: ["CMD", "wget", "-qO-", "http://localhost:8080/up"], disable: true}
    x-berth: {ingress: {port: 8080}}
)");
  ASSERT_TRUE(l.diag.ok()) << l.diag.errors[0].str();
  const auto& web = service(l, "web").ingress;
  EXPECT_EQ(web[0].health, "/up");
  EXPECT_EQ(web[1].health, "");     // the check asks another port
  EXPECT_EQ(web[2].health, "/ok");  // written: kept
  EXPECT_EQ(service(l, "shell").ingress[0].health, "/healthz");
  EXPECT_EQ(service(l, "off").ingress[0].health, "");
}

TEST(IngressHealth, PathOfAnHttpCheck) {
  using V = std::vector<std::string>;
  EXPECT_EQ(health_path_of({"CMD", "curl", "-f", "http://localhost:3000/api/up"}, 3000), "/api/up");
  EXPECT_EQ(health_path_of({"CMD", "curl", "-f", "http://localhost"}, 80), "/");
  EXPECT_EQ(health_path_of({"CMD-SHELL", "wget -q 'http://[::1]:81/h' && true"}, 81), "/h");
  EXPECT_EQ(health_path_of({"CMD-SHELL", "curl http://0.0.0.0:81/h;exit 0"}, 81), "/h");
  EXPECT_EQ(health_path_of({"CMD", "curl", "http://db:5432/"}, 5432), "");  // not its own
  EXPECT_EQ(health_path_of({"CMD", "curl", "http://localhost:8080/up?full=1"}, 8080), "");
  EXPECT_EQ(health_path_of({"CMD", "pg_isready"}, 5432), "");
  EXPECT_EQ(health_path_of(V{"NONE"}, 80), "");
  EXPECT_EQ(health_path_of(V{}, 80), "");
  // The first URL on the route's port wins, after one on another port.
  EXPECT_EQ(
      health_path_of({"CMD-SHELL", "curl http://localhost:9/a && curl http://localhost:8/b"}, 8),
      "/b");
}

struct BadCase {
  const char* ingress;
  const char* message;
  const char* location;
};

TEST(IngressLoad, MistakesNameWhatAndWhere) {
  const BadCase cases[] = {
      {"{host: app.example.com}", "x-berth.ingress has no port", "compose.yaml:5:16"},
      {"{port: 70000}", "x-berth.ingress.port 70000 is out of range", "compose.yaml:5:23"},
      {"{port: http}", "port", "compose.yaml:5:23"},
      {"{port: 80, path: api}", "x-berth.ingress.path 'api' is not a plain absolute path",
       "compose.yaml:5:33"},
      {"{port: 80, health: '/up?x=1'}", "is not a plain absolute path", "compose.yaml:5:35"},
      {"{port: 80, host: 'http://a.example'}", "is not a host name", "compose.yaml:5:27"},
      {"{port: 80, hots: a}", "unknown key 'hots' in x-berth.ingress", "compose.yaml:5:27"},
      {"[8080]", "x-berth.ingress", "compose.yaml:5:17"},
  };
  for (const auto& k : cases) {
    auto l =
        load_text(std::string("services:\n  web:\n    image: x\n    x-berth:\n      ingress: ") +
                  k.ingress + "\n");
    ASSERT_FALSE(l.diag.ok()) << k.ingress;
    std::string text = l.diag.errors[0].str();
    EXPECT_NE(text.find(k.message), std::string::npos) << k.ingress << " -> " << text;
    EXPECT_NE(text.find(std::string(k.location) + ": "), std::string::npos)
        << k.ingress << " -> " << text;
  }
}

Inventory load_inv(const std::string& yaml, Diagnostics& diag) {
  auto dir = std::filesystem::temp_directory_path() /
             ("berth-ingress-inv-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "hosts.yaml") << yaml;
  Inventory inv = load_inventory((dir / "hosts.yaml").string(), diag);
  std::filesystem::remove_all(dir);
  return inv;
}

TEST(IngressInventory, Defaults) {
  Diagnostics diag;
  Inventory inv = load_inv("hosts:\n  h1: {address: ssh://root@10.0.0.1}\n", diag);
  ASSERT_TRUE(diag.ok()) << diag.errors[0].message;
  EXPECT_EQ(inv.ingress.image, "caddy:2");
  EXPECT_EQ(inv.ingress.http_port, 80);
  EXPECT_EQ(inv.ingress.https_port, 443);
  EXPECT_TRUE(inv.ingress.hosts.empty());  // every host
  EXPECT_EQ(inv.hosts[0].private_address, "10.0.0.1");
}

TEST(IngressInventory, Settings) {
  Diagnostics diag;
  Inventory inv = load_inv(
      "ingress: {image: 'proxy:1', http_port: 8080, https_port: 8443, hosts: [h2]}\n"
      "hosts:\n  h1: {address: ssh://root@10.0.0.1, private_address: 192.168.1.1}\n"
      "  h2: {address: 'ssh://u@h2.example:2222'}\n",
      diag);
  ASSERT_TRUE(diag.ok()) << diag.errors[0].message;
  EXPECT_EQ(inv.ingress.image, "proxy:1");
  EXPECT_EQ(inv.ingress.http_port, 8080);
  EXPECT_EQ(inv.ingress.https_port, 8443);
  EXPECT_EQ(inv.ingress.hosts, std::vector<std::string>{"h2"});
  EXPECT_EQ(inv.hosts[0].private_address, "192.168.1.1");
  EXPECT_EQ(inv.hosts[1].private_address, "h2.example");
}

TEST(IngressInventory, Mistakes) {
  Diagnostics diag;
  load_inv("ingress: {hosts: [h9]}\nhosts:\n  h1: {address: ssh://root@10.0.0.1}\n", diag);
  ASSERT_FALSE(diag.ok());
  EXPECT_THAT(diag.errors[0].message, HasSubstr("'h9'"));
  EXPECT_THAT(diag.errors[0].location.str(), HasSubstr("hosts.yaml:1:18"));
  Diagnostics d2;
  load_inv("ingress: {http_port: 0}\nhosts:\n  h1: {address: ssh://root@10.0.0.1}\n", d2);
  ASSERT_FALSE(d2.ok());
  EXPECT_THAT(d2.errors[0].message, HasSubstr("1-65535"));
}

ProxyRoute route(std::string stack, std::string service, std::string host, std::string path,
                 std::vector<std::string> upstreams, std::string health = "") {
  ProxyRoute p;
  p.stack = std::move(stack);
  p.service = std::move(service);
  p.route.host = std::move(host);
  p.route.path = std::move(path);
  p.route.port = 8080;
  p.route.health = std::move(health);
  p.upstreams = std::move(upstreams);
  return p;
}

TEST(IngressConfig, RoutesMostSpecificFirstWithUpstreamsAndHealth) {
  std::vector<ProxyRoute> routes = {
      route("shop", "web", "", "/", {"10.0.0.1:20000", "10.0.0.2:20000"}, "/up"),
      route("shop", "api", "", "/api", {"10.0.0.1:20001"}),
      route("blog", "web", "blog.example.com", "/", {"10.0.0.3:20000"}),
  };
  ProxySettings s;
  s.http_port = 8081;
  json doc = json::parse(caddy_config(routes, s));
  // Loopback of the proxy's own network namespace: reached through the Engine API only.
  EXPECT_EQ(doc["admin"]["listen"], "localhost:2019");
  EXPECT_EQ(doc["apps"]["http"]["grace_period"], "30000ms");
  const json& server = doc["apps"]["http"]["servers"]["berth"];
  EXPECT_EQ(server["listen"], json::array({":8081"}));
  const json& r = server["routes"];
  ASSERT_EQ(r.size(), 4u);
  // Last, a 404 for what no route claims (Caddy alone would answer an empty 200).
  EXPECT_EQ(r[3]["handle"][0]["status_code"], 404);
  EXPECT_FALSE(r[3].contains("match"));
  EXPECT_FALSE(doc["apps"].contains("tls"));
  // The named host first, then /api before the catch-all /.
  EXPECT_EQ(r[0]["match"][0]["host"], json::array({"blog.example.com"}));
  EXPECT_FALSE(r[0]["match"][0].contains("path"));
  EXPECT_EQ(r[1]["match"][0]["path"], json::array({"/api", "/api/*"}));
  EXPECT_FALSE(r[2].contains("match"));
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(r[k]["terminal"], true);
  const json& web = r[2]["handle"][0];
  EXPECT_EQ(web["handler"], "reverse_proxy");
  EXPECT_EQ(web["upstreams"],
            json::parse(R"([{"dial":"10.0.0.1:20000"},{"dial":"10.0.0.2:20000"}])"));
  EXPECT_EQ(web["load_balancing"]["selection_policy"]["policy"], "round_robin");
  EXPECT_EQ(web["health_checks"]["active"]["uri"], "/up");
  EXPECT_EQ(web["health_checks"]["passive"]["max_fails"], 1);
  // No health path: passive checks only.
  EXPECT_FALSE(r[1]["handle"][0]["health_checks"].contains("active"));
}

TEST(IngressConfig, SameInputsSameBytesAndEmptyRouteAnswers503) {
  std::vector<ProxyRoute> a = {route("s", "web", "a.example", "/", {}),
                               route("s", "api", "a.example", "/v1", {"10.0.0.1:20001"})};
  std::vector<ProxyRoute> b = {a[1], a[0]};
  EXPECT_EQ(caddy_config(a, {}), caddy_config(b, {}));
  json doc = json::parse(caddy_config(a, {}));
  const json& last = doc["apps"]["http"]["servers"]["berth"]["routes"][1]["handle"][0];
  EXPECT_EQ(last["handler"], "static_response");
  EXPECT_EQ(last["status_code"], 503);
}

TEST(IngressConfig, TwoStacksClaimingOneRouteIsAnErrorNamingBoth) {
  auto second = route("blog", "site", "app.example.com", "/", {});
  second.route.location = SourceLocation{"blog/compose.yaml", 7, 9};
  std::vector<ProxyRoute> routes = {route("shop", "web", "app.example.com", "/", {}), second,
                                    route("shop", "web", "app.example.com", "/", {}),
                                    route("blog", "site", "app.example.com", "/blog", {})};
  Diagnostics d = check_route_conflicts(routes);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0].str().rfind("blog/compose.yaml:7:9", 0), 0u) << d.errors[0].str();
  EXPECT_NE(d.errors[0].message.find("stack shop (service web) and by stack blog (service site)"),
            std::string::npos)
      << d.errors[0].message;
}

}  // namespace
}  // namespace berth

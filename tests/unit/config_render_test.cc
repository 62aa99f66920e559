// `berth config`: the shapes `docker compose config` (Compose v2) prints, from a loaded stack
// (docs/config.md). tests/config_compare.py checks the same against docker-compose itself.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "engine/load/loader.h"
#include "engine/load/scalars.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Loads `compose` as <tmp>/<stack>/compose.yaml, with `files` beside it; the directory goes
// when the test ends.
class Project {
 public:
  explicit Project(const std::string& compose, std::map<std::string, std::string> files = {}) {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("berth-config-" + std::to_string(getpid()) + "-" + std::to_string(++n)) / "shop";
    fs::create_directories(dir_);
    files["compose.yaml"] = compose;
    for (const auto& [name, text] : files) {
      fs::create_directories((dir_ / name).parent_path());
      std::ofstream(dir_ / name) << text;
    }
    LoadOptions o;
    o.working_dir = dir_.string();
    stack_ = load_stack(o, diag_);
  }
  ~Project() { fs::remove_all(dir_.parent_path()); }
  const Stack& stack() const { return stack_; }
  const Diagnostics& diag() const { return diag_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  ordered_json json() const { return render_config_json(stack_); }
  ordered_json service(const std::string& name) const { return json()["services"][name]; }

 private:
  fs::path dir_;
  Diagnostics diag_;
  Stack stack_;
};

TEST(ConfigRender, DurationsAreWrittenAsGoWritesThem) {
  using load::format_duration;
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(90'000'000'000), "1m30s");
  EXPECT_EQ(format_duration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(format_duration(5'425'250'000'000), "1h30m25.25s");
  EXPECT_EQ(format_duration(500'000'000), "500ms");
  EXPECT_EQ(format_duration(1'500'000'000), "1.5s");
  EXPECT_EQ(format_duration(1'500'000), "1.5ms");
  EXPECT_EQ(format_duration(2'000), "2µs");
  EXPECT_EQ(format_duration(7), "7ns");
  EXPECT_EQ(format_duration(-60'000'000'000), "-1m0s");
}

TEST(ConfigRender, ServiceKeysHaveComposeShapes) {
  Project p(R"(services:
  web:
    image: nginx:1.27
    command: nginx -g "daemon off;"
    environment: [MODE=prod, EMPTY=]
    ports: ["8080:80", "127.0.0.1:53:53/udp", "9000"]
    extra_hosts: ["db.local:10.0.0.5"]
    depends_on: [db]
    healthcheck: {test: curl -f http://localhost, interval: 90s, timeout: 1500ms, retries: 3}
    stop_grace_period: 1m
    restart: unless-stopped
  db: {image: postgres:16}
)");
  ASSERT_TRUE(p.diag().ok());
  ordered_json web = p.service("web");
  EXPECT_EQ(web["image"], "nginx:1.27");
  EXPECT_EQ(web["command"], ordered_json({"nginx", "-g", "daemon off;"}));
  EXPECT_TRUE(web["entrypoint"].is_null()) << "JSON always has entrypoint, null = the image's";
  EXPECT_EQ(web["environment"], ordered_json({{"EMPTY", ""}, {"MODE", "prod"}}));
  EXPECT_EQ(web["ports"][0],
            ordered_json(
                {{"mode", "ingress"}, {"target", 80}, {"published", "8080"}, {"protocol", "tcp"}}));
  EXPECT_EQ(web["ports"][1]["host_ip"], "127.0.0.1");
  EXPECT_EQ(web["ports"][1]["protocol"], "udp");
  EXPECT_FALSE(web["ports"][2].contains("published")) << "an ephemeral port has none";
  EXPECT_EQ(web["extra_hosts"], ordered_json({"db.local=10.0.0.5"}));
  EXPECT_EQ(web["depends_on"]["db"],
            ordered_json({{"condition", "service_started"}, {"required", true}}));
  EXPECT_EQ(web["healthcheck"]["test"], ordered_json({"CMD-SHELL", "curl -f http://localhost"}));
  EXPECT_EQ(web["healthcheck"]["interval"], "1m30s");
  EXPECT_EQ(web["healthcheck"]["timeout"], "1.5s");
  EXPECT_EQ(web["healthcheck"]["retries"], 3);
  EXPECT_EQ(web["stop_grace_period"], "1m0s");
  EXPECT_EQ(web["restart"], "unless-stopped");
  EXPECT_EQ(web["networks"], ordered_json({{"default", nullptr}}));
  EXPECT_FALSE(p.service("db").contains("restart")) << "restart: no is Compose's default";
  EXPECT_EQ(p.json()["networks"]["default"], ordered_json({{"name", "shop_default"}}));
}

TEST(ConfigRender, VolumesAreLongSyntax) {
  Project p(R"(services:
  app:
    image: app
    volumes: [data:/data, ./site:/srv:ro, /anon]
volumes:
  data: {labels: {backup: daily}}
)",
            {{"site/index.html", "<h1>shop</h1>"}});
  ASSERT_TRUE(p.diag().ok()) << p.diag().errors.front().str();
  ordered_json v = p.service("app")["volumes"];
  EXPECT_EQ(v[0], ordered_json({{"type", "volume"},
                                {"source", "data"},
                                {"target", "/data"},
                                {"volume", ordered_json::object()}}));
  EXPECT_EQ(v[1], ordered_json({{"type", "bind"},
                                {"source", p.path("site")},
                                {"target", "/srv"},
                                {"read_only", true},
                                {"bind", {{"create_host_path", true}}}}));
  EXPECT_EQ(
      v[2],
      ordered_json({{"type", "volume"}, {"target", "/anon"}, {"volume", ordered_json::object()}}));
  EXPECT_EQ(p.json()["volumes"]["data"],
            ordered_json({{"name", "shop_data"}, {"labels", {{"backup", "daily"}}}}));
}

TEST(ConfigRender, DeployAmountsAreWrittenAsComposeWritesThem) {
  Project p(R"(services:
  api:
    image: api
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.5", memory: 512M, pids: 100}
        reservations: {cpus: "2", memory: 1GiB}
      placement:
        constraints: [node.labels.zone==a]
        preferences: [{spread: node.labels.rack}]
        max_replicas_per_node: 2
      update_config: {parallelism: 2, delay: 10s, order: start-first}
)");
  ASSERT_TRUE(p.diag().ok());
  ordered_json d = p.service("api")["deploy"];
  EXPECT_EQ(d["replicas"], 3);
  EXPECT_EQ(d["resources"]["limits"],
            ordered_json({{"cpus", 0.5}, {"memory", "536870912"}, {"pids", 100}}));
  EXPECT_TRUE(d["resources"]["reservations"]["cpus"].is_number_integer());
  EXPECT_EQ(d["resources"]["reservations"]["memory"], "1073741824");
  EXPECT_EQ(d["placement"]["constraints"], ordered_json({"node.labels.zone==a"}));
  EXPECT_EQ(d["placement"]["preferences"], ordered_json({{{"spread", "node.labels.rack"}}}));
  EXPECT_EQ(d["placement"]["max_replicas_per_node"], 2);
  EXPECT_EQ(d["update_config"],
            ordered_json({{"parallelism", 2}, {"delay", "10s"}, {"order", "start-first"}}));
  EXPECT_FALSE(d.contains("rollback_config")) << "all defaults: left out";
}

TEST(ConfigRender, SecretsAreReferencesNotVolumesAndSecretValuesAreMasked) {
  Project p(R"(services:
  db:
    image: postgres
    environment: {DB_PASSWORD: hunter2, API_KEY: k, MONKEY: banana}
    build: {context: ., args: {NPM_TOKEN: t, MODE: ci}}
    secrets: [db_pass, {source: tls, target: cert.pem}]
    configs: [{source: conf, target: /etc/app.conf}]
secrets:
  db_pass: {file: ./pass.txt}
  tls: {file: ./tls.pem}
configs:
  conf: {file: ./app.conf}
)",
            {{"pass.txt", "hunter2"}, {"tls.pem", "cert"}, {"app.conf", "listen 80;"}});
  ASSERT_TRUE(p.diag().ok()) << p.diag().errors.front().str();
  ordered_json db = p.service("db");
  EXPECT_EQ(db["environment"]["DB_PASSWORD"], "(sensitive)");
  EXPECT_EQ(db["environment"]["API_KEY"], "(sensitive)");
  EXPECT_EQ(db["environment"]["MONKEY"], "banana");
  EXPECT_EQ(db["build"]["args"], ordered_json({{"MODE", "ci"}, {"NPM_TOKEN", "(sensitive)"}}));
  EXPECT_THAT(render_config_yaml(p.stack()), Not(HasSubstr("hunter2")));
  EXPECT_EQ(db["secrets"],
            ordered_json({{{"source", "db_pass"}, {"target", "/run/secrets/db_pass"}},
                          {{"source", "tls"}, {"target", "cert.pem"}}}));
  EXPECT_EQ(db["configs"], ordered_json({{{"source", "conf"}, {"target", "/etc/app.conf"}}}));
  EXPECT_FALSE(db.contains("volumes")) << "secrets and configs are not printed as volumes";
  EXPECT_EQ(p.json()["secrets"]["db_pass"],
            ordered_json({{"name", "shop_db_pass"}, {"file", p.path("pass.txt")}}));
  EXPECT_EQ(p.json()["configs"]["conf"]["file"], p.path("app.conf"));
  // What runs: the files are delivered where Compose puts them (docs/files.md).
  std::vector<std::string> targets;
  for (const FileSpec& f : p.stack().services[0].spec.files) targets.push_back(f.target);
  EXPECT_THAT(targets,
              ElementsAre("/etc/app.conf", "/run/secrets/cert.pem", "/run/secrets/db_pass"));
}

TEST(ConfigRender, TopLevelKeysAndBerthsOwnSettings) {
  Project p("x-berth: {strategy: spread}\nservices:\n  a: {image: x, network_mode: host}\n");
  ASSERT_TRUE(p.diag().ok());
  ordered_json j = p.json();
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ElementsAre("name", "services", "x-berth")) << "sorted, as Compose's JSON";
  EXPECT_EQ(j["name"], "shop");
  EXPECT_EQ(j["x-berth"]["strategy"], "spread");
  EXPECT_FALSE(j["services"]["a"].contains("networks")) << "network_mode: no default network";
}

TEST(ConfigRender, IngressRoutesStayUnderTheServicesXBerth) {
  Project p(R"(services:
  web:
    image: x
    healthcheck: {test: ["CMD", "wget", "-qO-", "http://localhost:8080/up"]}
    x-berth:
      ingress:
        - {host: app.test, port: 8080, tls: internal, drain: 90s}
        - {port: 9000, path: /api}
)");
  ASSERT_TRUE(p.diag().ok()) << p.diag().errors[0].str();
  ordered_json routes = p.service("web")["x-berth"]["ingress"];
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0], ordered_json::parse(R"({"drain": "1m30s", "health": "/up",
      "host": "app.test", "path": "/", "port": 8080, "tls": "internal"})"));
  EXPECT_EQ(routes[1], ordered_json::parse(R"({"drain": "30s", "path": "/api", "port": 9000})"));
  EXPECT_FALSE(p.service("web").contains("ports"));
}

TEST(ConfigRender, YamlQuotesStringsEscapesDollarsAndRereadsTheSame) {
  Project p(R"(services:
  a:
    image: x
    environment: {FLAG: 'yes', CODE: '0123', E: '1e3', PRICE: "$$5", "on": "1"}
)");
  ASSERT_TRUE(p.diag().ok());
  std::string text = render_config_yaml(p.stack());
  EXPECT_THAT(text, HasSubstr("\"on\": \"1\""));
  EXPECT_THAT(text, Not(HasSubstr("command"))) << "YAML leaves out what is not set";
  YAML::Node env = YAML::Load(text)["services"]["a"]["environment"];
  EXPECT_EQ(env["FLAG"].Tag(), "!");
  EXPECT_EQ(env["FLAG"].as<std::string>(), "yes");
  EXPECT_EQ(env["CODE"].as<std::string>(), "0123");
  EXPECT_EQ(env["E"].as<std::string>(), "1e3");
  EXPECT_EQ(env["PRICE"].as<std::string>(), "$$5") << "so the output loads as the same file";
  EXPECT_EQ(p.service("a")["environment"]["PRICE"], "$$5");
}

}  // namespace
}  // namespace berth

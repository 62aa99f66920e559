// The loader's forms, one by one: interpolation, .env, merging several files, anchors and merge
// keys, profiles, units, ports, discovery and the stack name, `berth config` round trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "engine/load/interpolate.h"
#include "engine/load/loader.h"
#include "engine/load/scalars.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Dir {
 public:
  Dir() {
    static int n = 0;
    path_ = (fs::temp_directory_path() / ("berth-forms-" + std::to_string(getpid()) + "-" +
                                          std::to_string(++n))).string();
    fs::create_directories(path_);
  }
  ~Dir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    fs::create_directories(fs::path(path_ + "/" + name).parent_path());
    std::ofstream(path_ + "/" + name) << text;
    return path_ + "/" + name;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Stack load(const Dir& d, LoadOptions o, Diagnostics& diag) {
  if (o.working_dir.empty()) o.working_dir = d.path();
  return load_stack(o, diag);
}

std::string interp(const std::string& text, const load::Variables& vars) {
  Diagnostics diag;
  std::string out = load::interpolate(text, vars, {"f", 1, 1}, diag);
  return diag.ok() ? out : "ERROR: " + diag.errors.front().message;
}

TEST(Interpolation, EveryForm) {
  load::Variables v = {{"SET", "x"}, {"EMPTY", ""}};
  EXPECT_EQ(interp("${SET}", v), "x");
  EXPECT_EQ(interp("$SET/y", v), "x/y");
  EXPECT_EQ(interp("${UNSET}", v), "");
  EXPECT_EQ(interp("${UNSET:-d}", v), "d");
  EXPECT_EQ(interp("${EMPTY:-d}", v), "d");
  EXPECT_EQ(interp("${EMPTY-d}", v), "");
  EXPECT_EQ(interp("${UNSET-d}", v), "d");
  EXPECT_EQ(interp("${SET:+alt}", v), "alt");
  EXPECT_EQ(interp("${EMPTY:+alt}", v), "");
  EXPECT_EQ(interp("${EMPTY+alt}", v), "alt");
  EXPECT_EQ(interp("${UNSET+alt}", v), "");
  EXPECT_EQ(interp("${SET:?boom}", v), "x");
  EXPECT_EQ(interp("${EMPTY?boom}", v), "");
  EXPECT_EQ(interp("${EMPTY:?boom}", v), "ERROR: required variable EMPTY is empty: boom");
  EXPECT_EQ(interp("${UNSET?boom}", v), "ERROR: required variable UNSET is missing: boom");
  EXPECT_EQ(interp("${UNSET:-${SET}-more}", v), "x-more");
  EXPECT_EQ(interp("${UNSET:-${ALSO:-deep}}", v), "deep");
  EXPECT_EQ(interp("$$SET and $${SET}", v), "$SET and ${SET}");
  EXPECT_EQ(interp("cost: 5$", v), "cost: 5$");
  EXPECT_EQ(interp("${SET", v), "ERROR: unterminated '${' in a value");
}

TEST(DotEnv, QuotesCommentsExportCrlfMultilineReferences) {
  Dir d;
  std::string path = d.write(".env",
                             "# comment\r\nexport A=1\r\nB = two words # note\nC='lit ${A} \\n'\n"
                             "D=\"esc\\tx ${A}\"\nE=\"line1\nline2\"\nF=${A}${B}\nG=\n");
  Diagnostics diag;
  auto vars = load::read_env_file(path, {}, diag);
  ASSERT_TRUE(diag.ok()) << diag.errors.front().str();
  EXPECT_EQ(vars->at("A"), "1");
  EXPECT_EQ(vars->at("B"), "two words");
  EXPECT_EQ(vars->at("C"), "lit ${A} \\n");
  EXPECT_EQ(vars->at("D"), "esc\tx 1");
  EXPECT_EQ(vars->at("E"), "line1\nline2");
  EXPECT_EQ(vars->at("F"), "1two words");
  EXPECT_EQ(vars->at("G"), "");
}

TEST(Loader, EnvironmentWinsOverDotEnvAndEnvFileFeedsServices) {
  Dir d;
  d.write(".env", "TAG=from-dotenv\nPORT=8080\n");
  d.write("app.env", "FROM_FILE=yes\nTAG=ignored-here\n");
  d.write("compose.yaml",
          "services:\n  web:\n    image: app:${TAG}\n    env_file: app.env\n"
          "    environment: [\"PORT=$PORT\", \"PASSTHROUGH\"]\n");
  Diagnostics diag;
  LoadOptions o;
  o.environment = {{"TAG", "from-env"}, {"PASSTHROUGH", "p"}};
  Stack s = load(d, o, diag);
  ASSERT_TRUE(diag.ok()) << diag.errors.front().str();
  const Service& web = s.services.at(0);
  EXPECT_EQ(web.spec.image, "app:from-env");
  EXPECT_EQ(web.spec.environment.at("FROM_FILE"), "yes");
  EXPECT_EQ(web.spec.environment.at("PORT"), "8080");
  EXPECT_EQ(web.spec.environment.at("PASSTHROUGH"), "p");
}

TEST(Loader, SeveralFilesMergeTheComposeWay) {
  Dir d;
  d.write("compose.yaml",
          "services:\n  web:\n    image: app:1\n    command: [a, b]\n    environment: {A: '1', B: '2'}\n"
          "    ports: [\"80:80\"]\n    volumes: [\"./one:/data\", \"./logs:/logs\"]\n"
          "    labels: [x=1]\n");
  d.write("prod.yaml",
          "services:\n  web:\n    image: app:2\n    command: [c]\n    environment: [B=3, C=4]\n"
          "    ports: [\"443:443\"]\n    volumes: [\"./two:/data\"]\n    labels: {y: '2'}\n");
  for (const char* dir : {"one", "two", "logs"}) d.write(std::string(dir) + "/f", dir);
  Diagnostics diag;
  LoadOptions o;
  o.files = {"compose.yaml", "prod.yaml"};
  Stack s = load(d, o, diag);
  ASSERT_TRUE(diag.ok()) << diag.errors.front().str();
  const ContainerSpec& w = s.services.at(0).spec;
  EXPECT_EQ(w.image, "app:2");
  EXPECT_THAT(*w.command, ElementsAre("c"));
  EXPECT_EQ(w.environment, (std::map<std::string, std::string>{{"A", "1"}, {"B", "3"}, {"C", "4"}}));
  ASSERT_EQ(w.ports.size(), 2u);
  ASSERT_EQ(w.files.size(), 2u);  // relative bind mounts are delivered (docs/files.md)
  EXPECT_EQ(w.files[0].source, "two");
  EXPECT_EQ(w.labels, (std::map<std::string, std::string>{{"x", "1"}, {"y", "2"}}));
}

TEST(Loader, OverrideFileBesideTheMainOneIsMerged) {
  Dir d;
  d.write("compose.yaml", "services:\n  web:\n    image: app:1\n");
  d.write("compose.override.yaml", "services:\n  web:\n    image: app:dev\n");
  Diagnostics diag;
  Stack s = load(d, {}, diag);
  ASSERT_TRUE(diag.ok());
  EXPECT_EQ(s.services.at(0).spec.image, "app:dev");
  EXPECT_EQ(s.files.size(), 2u);
}

TEST(Loader, AnchorsAndMergeKeys) {
  Dir d;
  d.write("compose.yaml",
          "x-common: &common\n  image: app:1\n  environment: {A: '1'}\n"
          "x-more: &more\n  restart: always\n"
          "services:\n  a:\n    <<: *common\n  b:\n    <<: [*common, *more]\n    image: app:2\n");
  Diagnostics diag;
  Stack s = load(d, {}, diag);
  ASSERT_TRUE(diag.ok()) << diag.errors.front().str();
  EXPECT_EQ(s.find_service("a")->spec.image, "app:1");
  EXPECT_EQ(s.find_service("b")->spec.image, "app:2");
  EXPECT_EQ(s.find_service("b")->spec.restart, "always");
  EXPECT_EQ(s.find_service("b")->spec.environment.at("A"), "1");
}

TEST(Loader, ProfilesEnableServices) {
  Dir d;
  d.write("compose.yaml",
          "services:\n  web: {image: x}\n  debug: {image: y, profiles: [dev]}\n");
  Diagnostics diag;
  EXPECT_EQ(load(d, {}, diag).services.size(), 1u);
  LoadOptions o;
  o.profiles = {"dev"};
  EXPECT_EQ(load(d, o, diag).services.size(), 2u);
}

TEST(Loader, DependsOnListAndMapForms) {
  Dir d;
  d.write("compose.yaml",
          "services:\n  db: {image: x}\n  cache: {image: x}\n"
          "  web:\n    image: x\n    depends_on: {db: {condition: service_healthy}, cache: {}}\n"
          "  job:\n    image: x\n    depends_on: [db]\n");
  Diagnostics diag;
  Stack s = load(d, {}, diag);
  ASSERT_TRUE(diag.ok());
  EXPECT_EQ(s.find_service("web")->depends_on.size(), 2u);
  EXPECT_EQ(s.find_service("web")->depends_on[0].condition, "service_healthy");  // file order
  EXPECT_EQ(s.find_service("job")->depends_on[0].condition, "service_started");
}

TEST(Scalars, BytesDurationsCpus) {
  EXPECT_EQ(load::parse_bytes("512M"), 512LL << 20);
  EXPECT_EQ(load::parse_bytes("1.5GiB"), 3LL << 29);
  EXPECT_EQ(load::parse_bytes("1gb"), 1LL << 30);
  EXPECT_EQ(load::parse_bytes("100k"), 102400);
  EXPECT_EQ(load::parse_bytes("1024"), 1024);
  EXPECT_FALSE(load::parse_bytes("12 apples"));
  EXPECT_EQ(load::parse_duration("1m30s"), 90'000'000'000LL);
  EXPECT_EQ(load::parse_duration("500ms"), 500'000'000LL);
  EXPECT_EQ(load::parse_duration("1.5h"), 5400'000'000'000LL);
  EXPECT_FALSE(load::parse_duration("10"));
  EXPECT_EQ(load::parse_cpus("0.5"), 500'000'000);
  EXPECT_EQ(load::parse_int("010"), 10);
  EXPECT_FALSE(load::parse_bool("yes"));
}

TEST(Scalars, PortSpecs) {
  std::string err;
  auto p = load::parse_port("127.0.0.1:8000-8001:80-81/udp", &err);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].host_ip, "127.0.0.1");
  EXPECT_EQ(p[1].host_port, 8001);
  EXPECT_EQ(p[1].container_port, 81);
  EXPECT_EQ(p[1].protocol, "udp");
  p = load::parse_port("80", &err);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].host_port, 0);
  EXPECT_TRUE(load::parse_port("a:b", &err).empty());
}

TEST(Loader, StackNameRules) {
  Dir d;
  std::string sub = d.write("My_App.Dir/compose.yaml", "services:\n  a: {image: x}\n");
  Diagnostics diag;
  LoadOptions o;
  o.working_dir = fs::path(sub).parent_path().string();
  EXPECT_EQ(load_stack(o, diag).name, "my_appdir");
  d.write("My_App.Dir/compose.yaml", "name: Named\nservices:\n  a: {image: x}\n");
  EXPECT_EQ(load_stack(o, diag).name, "named");
  o.project_name = "flag";
  EXPECT_EQ(load_stack(o, diag).name, "flag");
}

TEST(Config, YamlRereadsWithTheSameValues) {
  Dir d;
  d.write("compose.yaml",
          "services:\n  a:\n    image: x\n    environment: {FLAG: 'yes', CODE: '0123', E: '1e3'}\n");
  Diagnostics diag;
  Stack s = load(d, {}, diag);
  ASSERT_TRUE(diag.ok());
  YAML::Node back = YAML::Load(render_config_yaml(s));
  auto env = back["services"]["a"]["environment"];
  EXPECT_EQ(env["FLAG"].Tag(), "!");
  EXPECT_EQ(env["FLAG"].as<std::string>(), "yes");
  EXPECT_EQ(env["CODE"].as<std::string>(), "0123");
  EXPECT_EQ(render_config_json(s)["services"]["a"]["environment"]["E"], "1e3");
}

}  // namespace
}  // namespace berth

// Every malformed stack gets one clear message with file:line:col, and nothing else happens
// (issue 2, item 7). Each row: the stack, the text the user must see, where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/load/loader.h"

namespace berth {
namespace {

struct Case {
  const char* name;
  std::string yaml;
  const char* message;   // substring of the first error's text
  const char* location;  // "compose.yaml:LINE:COL" (or "compose.yaml:LINE", or "" for none)
};

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() /
           ("berth-loader-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + std::to_string(rand()));
  std::filesystem::create_directories(d);
  return d.string();
}

Diagnostics load_text(const std::string& yaml, std::map<std::string, std::string> env = {}) {
  std::string dir = temp_dir();
  std::ofstream(dir + "/compose.yaml") << yaml;
  LoadOptions o;
  o.working_dir = dir;
  o.environment = std::move(env);
  Diagnostics diag;
  load_stack(o, diag);
  std::filesystem::remove_all(dir);
  return diag;
}

std::string nest(int depth) {
  std::string s = "services:\n  a:\n    labels:\n      x: ";
  for (int i = 0; i < depth; ++i) s += "[";
  for (int i = 0; i < depth; ++i) s += "]";
  return s + "\n";
}

// Eight levels of nine aliases each: a few hundred bytes that expand to 9^8 nodes.
std::string alias_bomb() {
  std::string s = "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  const std::string names = "abcdefgh";
  for (size_t k = 1; k < names.size(); ++k) {
    s += std::string("x-") + names[k] + ": &" + names[k] + " [";
    for (int i = 0; i < 9; ++i) s += std::string(i ? "," : "") + "*" + names[k - 1];
    s += "]\n";
  }
  return s + "services:\n  a:\n    image: x\n";
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"bad yaml", "services:\n  web:\n    image: [x\n", "invalid YAML", "compose.yaml:4:1"},
      {"tab indentation", "services:\n\tweb:\n", "invalid YAML", "compose.yaml:2:1"},
      {"unknown top key", "services:\n  web: {image: x}\nservise: {}\n",
       "unknown key 'servise' in the top level", "compose.yaml:3:1"},
      {"unknown service key", "services:\n  web:\n    imgae: x\n",
       "unknown key 'imgae' in service web (did you mean 'image'?)", "compose.yaml:3:5"},
      {"unknown deploy key", "services:\n  web:\n    image: x\n    deploy:\n      replica: 2\n",
       "unknown key 'replica' in deploy (did you mean 'replicas'?)", "compose.yaml:5:7"},
      {"replicas not a number", "services:\n  web:\n    image: x\n    deploy: {replicas: abc}\n",
       "'replicas' must be a whole number, got 'abc'", "compose.yaml:4:24"},
      {"negative replicas", "services:\n  web:\n    image: x\n    deploy: {replicas: -1}\n",
       "replicas must be between 0 and 1000000, got -1", "compose.yaml:4:24"},
      {"replicas with global", "services:\n  web:\n    image: x\n    deploy: {mode: global, replicas: 2}\n",
       "replicas cannot be set with mode: global", "compose.yaml:4:38"},
      {"bad mode", "services:\n  web:\n    image: x\n    deploy: {mode: everywhere}\n",
       "unknown deploy mode 'everywhere'", "compose.yaml:4:20"},
      {"ports as a map", "services:\n  web:\n    image: x\n    ports: {a: 1}\n",
       "'ports' must be a list", "compose.yaml:4:12"},
      {"bad port", "services:\n  web:\n    image: x\n    ports: [\"80:80:80:80\"]\n",
       "bad port '80:80:80:80'", "compose.yaml:4:13"},
      {"port out of range", "services:\n  web:\n    image: x\n    ports: [\"70000:80\"]\n",
       "bad port '70000:80': bad host port '70000'", "compose.yaml:4:13"},
      {"bad protocol", "services:\n  web:\n    image: x\n    ports: [\"80/xtp\"]\n",
       "unknown protocol 'xtp'", "compose.yaml:4:13"},
      {"environment a number", "services:\n  web:\n    image: x\n    environment: 5\n",
       "'environment' must be a mapping or a list, not a single value", "compose.yaml:4:18"},
      {"missing required var :?", "services:\n  web:\n    image: \"${TAG:?set TAG first}\"\n",
       "required variable TAG is missing: set TAG first", "compose.yaml:3:12"},
      {"missing required var ?", "services:\n  web:\n    image: \"app:${TAG?no tag}\"\n",
       "required variable TAG is missing: no tag", "compose.yaml:3:12"},
      {"unterminated ${", "services:\n  web:\n    image: \"app:${TAG\"\n",
       "unterminated '${'", "compose.yaml:3:12"},
      {"bad variable name", "services:\n  web:\n    image: \"${-x}\"\n",
       "invalid variable reference '${-x}'", "compose.yaml:3:12"},
      {"depends_on cycle",
       "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n"
       "  c:\n    image: x\n    depends_on: [a]\n",
       "depends_on has a cycle: a -> b -> c -> a", "compose.yaml:10:18"},
      {"unknown dependency", "services:\n  a:\n    image: x\n    depends_on: [db]\n",
       "depends on unknown service 'db'", "compose.yaml:4:18"},
      {"bad condition", "services:\n  a:\n    image: x\n    depends_on: {b: {condition: started}}\n  b: {image: x}\n",
       "unknown condition 'started'", "compose.yaml:4:33"},
      {"bad byte value", "services:\n  a:\n    image: x\n    mem_limit: 12 apples\n",
       "'mem_limit' must be a byte value such as 512m or 1.5GiB, got '12 apples'", "compose.yaml:4:16"},
      {"bad memory reservation",
       "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations: {memory: 1XB}\n",
       "'reservations.memory' must be a byte value", "compose.yaml:6:32"},
      {"bad cpus", "services:\n  a:\n    image: x\n    deploy: {resources: {limits: {cpus: lots}}}\n",
       "'limits.cpus' must be a number of CPUs such as 0.5, got 'lots'", "compose.yaml:4:41"},
      {"bad duration", "services:\n  a:\n    image: x\n    stop_grace_period: 10 minutes\n",
       "'stop_grace_period' must be a duration such as 30s or 1m30s", "compose.yaml:4:24"},
      {"bad healthcheck interval",
       "services:\n  a:\n    image: x\n    healthcheck: {test: [CMD, true], interval: 5x}\n",
       "'healthcheck.interval' must be a duration", "compose.yaml:4:48"},
      {"bad healthcheck test", "services:\n  a:\n    image: x\n    healthcheck: {test: [RUN, true]}\n",
       "healthcheck.test must start with CMD, CMD-SHELL or NONE", "compose.yaml:4:25"},
      {"container_name with replicas",
       "services:\n  a:\n    image: x\n    container_name: one\n    deploy: {replicas: 2}\n",
       "container_name cannot be used with more than one replica", "compose.yaml:4:5"},
      {"duplicate key", "services:\n  a:\n    image: x\n    image: y\n",
       "duplicate key 'image' (first at line 3)", "compose.yaml:4:5"},
      {"two documents", "services:\n  a: {image: x}\n---\nservices: {}\n",
       "more than one YAML document", "compose.yaml"},
      {"undeclared volume", "services:\n  a:\n    image: x\n    volumes: [\"data:/data\"]\n",
       "named volume 'data' is not declared in the top-level volumes", "compose.yaml:4:15"},
      {"relative volume target", "services:\n  a:\n    image: x\n    volumes: [\"./d:data\"]\n",
       "a volume target must be an absolute path, got 'data'", "compose.yaml:4:15"},
      {"undeclared network", "services:\n  a:\n    image: x\n    networks: [back]\n",
       "network 'back' is not declared in the top-level networks", "compose.yaml:4:16"},
      {"bad constraint", "services:\n  a:\n    image: x\n    deploy: {placement: {constraints: [\"zone=a\"]}}\n",
       "bad placement constraint 'zone=a'", "compose.yaml:4:40"},
      {"bad preference", "services:\n  a:\n    image: x\n    deploy: {placement: {preferences: [zone]}}\n",
       "a placement preference must be `spread: node.labels.KEY`", "compose.yaml:4:40"},
      {"negative max per node",
       "services:\n  a:\n    image: x\n    deploy: {placement: {max_replicas_per_node: -2}}\n",
       "max_replicas_per_node cannot be negative", "compose.yaml:4:49"},
      {"bad restart", "services:\n  a:\n    image: x\n    restart: sometimes\n",
       "bad restart policy 'sometimes'", "compose.yaml:4:14"},
      {"bad update order", "services:\n  a:\n    image: x\n    deploy: {update_config: {order: random}}\n",
       "unknown order 'random'", "compose.yaml:4:37"},
      {"bad failure action",
       "services:\n  a:\n    image: x\n    deploy: {update_config: {failure_action: explode}}\n",
       "unknown failure_action 'explode'", "compose.yaml:4:46"},
      {"missing env_file", "services:\n  a:\n    image: x\n    env_file: missing.env\n",
       "env_file 'missing.env' cannot be read", "compose.yaml:4:15"},
      {"no image no build", "services:\n  a:\n    command: [x]\n",
       "the service has neither 'image' nor 'build'", "compose.yaml:3:5"},
      {"no services", "name: x\n", "the stack has no services", "compose.yaml:1:1"},
      {"empty file", "", "the file is empty", "compose.yaml:1:1"},
      {"list at top", "- a\n- b\n", "the top level must be a mapping, not a list", "compose.yaml:1:1"},
      {"service is a list", "services:\n  a: [1, 2]\n", "'services.a' must be a mapping, not a list",
       "compose.yaml:2:6"},
      {"command unterminated quote", "services:\n  a:\n    image: x\n    command: echo 'hi\n",
       "'command' has an unterminated quote", "compose.yaml:4:14"},
      {"bad x-berth strategy", "x-berth: {strategy: random}\nservices:\n  a: {image: x}\n",
       "unknown strategy 'random'", "compose.yaml:1:21"},
      {"bad merge key", "services:\n  a:\n    <<: 5\n    image: x\n",
       "a merge key (<<) needs a mapping or a list of mappings", "compose.yaml:3:9"},
      {"deep nesting", nest(600), "nested too deeply", "compose.yaml:4:506"},
      {"alias bomb", alias_bomb(), "more than a million nodes", "compose.yaml:1:10"},
      {"binary garbage", std::string("\x01\x02\xff\xfe services", 12), "", ""},
  };
  return all;
}

TEST(LoaderErrors, EachMalformedStackGetsOneClearMessageWithItsLocation) {
  ASSERT_GE(cases().size(), 40u);
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Diagnostics diag = load_text(c.yaml);
    ASSERT_FALSE(diag.errors.empty()) << "no error for " << c.name;
    std::string text = diag.errors.front().str();
    EXPECT_THAT(text, ::testing::HasSubstr(c.message));
    EXPECT_EQ(text.find("what()"), std::string::npos);
    if (*c.location) {
      EXPECT_EQ(diag.errors.front().location.file.substr(
                    diag.errors.front().location.file.rfind('/') + 1) +
                    (diag.errors.front().location.line
                         ? ":" + std::to_string(diag.errors.front().location.line) +
                               (diag.errors.front().location.column
                                    ? ":" + std::to_string(diag.errors.front().location.column)
                                    : "")
                         : ""),
                c.location)
          << text;
    }
  }
}

TEST(LoaderErrors, EveryProblemIsReportedAtOnce) {
  Diagnostics diag = load_text(
      "services:\n  a:\n    imgae: x\n  b:\n    image: y\n    deploy: {replicas: lots}\n");
  ASSERT_GE(diag.errors.size(), 3u);  // a's unknown key, a has no image, b's replicas
}

TEST(LoaderErrors, UnsupportedComposeKeysWarnButLoad) {
  Diagnostics diag =
      load_text("services:\n  a:\n    image: x\n    ulimits: {nofile: 1024}\n    devices: [\"/dev/x\"]\n");
  EXPECT_TRUE(diag.errors.empty()) << diag.errors.front().str();
  ASSERT_EQ(diag.warnings.size(), 2u);
  EXPECT_THAT(diag.warnings[0].str(),
              ::testing::HasSubstr("compose.yaml:4:5: service a: 'ulimits' is not supported"));
}

TEST(LoaderErrors, ObsoleteVersionIsAWarning) {
  Diagnostics diag = load_text("version: \"3.8\"\nservices:\n  a: {image: x}\n");
  EXPECT_TRUE(diag.errors.empty());
  ASSERT_EQ(diag.warnings.size(), 1u);
  EXPECT_THAT(diag.warnings[0].str(), ::testing::HasSubstr("'version' is obsolete"));
}

}  // namespace
}  // namespace berth

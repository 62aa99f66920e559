// The project's files in the loader (docs/files.md): relative bind mounts, configs: and
// secrets: become delivered files with a digest; the spec hash follows their content and
// their place relative to the project, never the absolute path or a secret's value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/load/loader.h"
#include "planner/model_json.h"
#include "planner/spec.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A project directory of its own per test, removed afterwards.
struct Project {
  fs::path dir;
  explicit Project(const std::string& tag = "p") {
    static int n = 0;
    dir = fs::temp_directory_path() /
          ("berth-files-" + std::to_string(getpid()) + "-" + std::to_string(++n)) / tag;
    fs::create_directories(dir);
  }
  ~Project() { fs::remove_all(dir.parent_path()); }
  void write(const std::string& rel, const std::string& text, unsigned mode = 0644) const {
    fs::create_directories((dir / rel).parent_path());
    std::ofstream(dir / rel) << text;
    ::chmod((dir / rel).c_str(), mode);
  }
  Stack load(Diagnostics& diag, std::map<std::string, std::string> env = {}) const {
    LoadOptions o;
    o.working_dir = dir.string();
    o.environment = std::move(env);
    return load_stack(o, diag);
  }
  Stack load_ok(std::map<std::string, std::string> env = {}) const {
    Diagnostics diag;
    Stack s = load(diag, std::move(env));
    EXPECT_TRUE(diag.ok()) << diag.errors.front().str();
    return s;
  }
  std::string first_error() const {
    Diagnostics diag;
    load(diag);
    return diag.errors.empty() ? "(no error)" : diag.errors.front().str();
  }
};

std::string hash_of(const Stack& s, const std::string& service) {
  return spec_hash(canonical_spec(s, *s.find_service(service)));
}

constexpr const char* kStack = R"(name: demo
services:
  web:
    image: busybox
    volumes:
      - ./conf/app.conf:/etc/app/app.conf:ro
      - ./html:/www
      - /etc/hosts:/host-hosts:ro
    configs: [site]
    secrets:
      - db_password
      - source: api_token
        target: token
        mode: 0440
        uid: "103"
        gid: "104"
  other:
    image: busybox
    configs:
      - source: motd
        target: /etc/motd
        mode: "600"
configs:
  site: {file: ./conf/site.conf}
  motd: {content: "hello ${WHO}"}
secrets:
  db_password: {file: ./secrets/db.txt}
  api_token: {environment: API_TOKEN}
)";

void write_project(const Project& p) {
  p.write("compose.yaml", kStack);
  p.write("conf/app.conf", "listen 80;\n");
  p.write("conf/site.conf", "site\n");
  p.write("html/index.html", "<h1>hi</h1>\n");
  p.write("html/run.sh", "#!/bin/sh\n", 0775);
  p.write("secrets/db.txt", "hunter2\n", 0600);
  p.write(".env", "WHO=world\n");
}

const FileSpec& file_at(const Service& s, const std::string& target) {
  for (const FileSpec& f : s.spec.files)
    if (f.target == target) return f;
  ADD_FAILURE() << "no file at " << target;
  static FileSpec none;
  return none;
}

TEST(FilesLoad, EveryFormBecomesADeliveredFile) {
  Project p;
  write_project(p);
  Stack s = p.load_ok({{"API_TOKEN", "s3cr3t-token"}});
  const Service& web = *s.find_service("web");
  ASSERT_EQ(web.spec.mounts.size(), 1u);  // only the absolute path stays a bind mount
  EXPECT_EQ(web.spec.mounts[0].source, "/etc/hosts");
  ASSERT_EQ(web.spec.files.size(), 5u);

  const FileSpec& conf = file_at(web, "/etc/app/app.conf");
  EXPECT_EQ(conf.kind, "bind");
  EXPECT_EQ(conf.source, "conf/app.conf");
  EXPECT_TRUE(conf.read_only);
  EXPECT_EQ(conf.mode, 0444);  // 0644 as Git keeps it, less write bits for :ro
  EXPECT_EQ(conf.content_hash, sha256_hex("listen 80;\n"));

  const FileSpec& html = file_at(web, "/www");
  EXPECT_TRUE(html.directory);
  EXPECT_EQ(html.source, "html");
  EXPECT_EQ(html.mode, 0755);

  const FileSpec& site = file_at(web, "/site");  // a config's default target
  EXPECT_EQ(site.kind, "config");
  EXPECT_EQ(site.mode, 0444);
  EXPECT_EQ(site.source, "conf/site.conf");

  const FileSpec& db = file_at(web, "/run/secrets/db_password");
  EXPECT_EQ(db.kind, "secret");
  EXPECT_EQ(db.mode, 0400);
  EXPECT_EQ(db.source, "secrets/db.txt");
  EXPECT_TRUE(db.content.empty());                      // read again at apply, never kept
  EXPECT_NE(db.content_hash, sha256_hex("hunter2\n"));  // keyed by the secret's name

  const FileSpec& token = file_at(web, "/run/secrets/token");
  EXPECT_EQ(token.mode, 0440);
  EXPECT_EQ(token.uid, 103);
  EXPECT_EQ(token.gid, 104);
  EXPECT_EQ(token.variable, "API_TOKEN");
  EXPECT_EQ(token.content, "s3cr3t-token");

  const FileSpec& motd = file_at(*s.find_service("other"), "/etc/motd");
  EXPECT_EQ(motd.content, "hello world");  // content: is interpolated
  EXPECT_EQ(motd.mode, 0600);              // a quoted mode is octal, as in compose-go
}

TEST(FilesLoad, HashIgnoresWhereTheProjectIsAndFollowsTheContent) {
  Project a("checkout"), b("elsewhere");
  write_project(a);
  write_project(b);
  const std::map<std::string, std::string> env = {{"API_TOKEN", "t"}};
  Stack sa = a.load_ok(env), sb = b.load_ok(env);
  EXPECT_EQ(hash_of(sa, "web"), hash_of(sb, "web"));
  EXPECT_THAT(canonical_spec(sa, *sa.find_service("web")).dump(), Not(HasSubstr(a.dir.string())));

  b.write("conf/app.conf", "listen 8080;\n");
  Stack edited = b.load_ok(env);
  EXPECT_NE(hash_of(edited, "web"), hash_of(sa, "web"));
  EXPECT_EQ(hash_of(edited, "other"), hash_of(sa, "other"));  // it does not mount app.conf

  b.write("html/new.css", "p{}\n");
  EXPECT_NE(hash_of(b.load_ok(env), "web"), hash_of(edited, "web"));
  ::chmod((b.dir / "html/new.css").c_str(), 0755);  // the executable bit is content too
  Stack exec = b.load_ok(env);
  b.write("html/new.css", "p{}\n", 0664);  // a group-writable checkout is still 0644
  EXPECT_NE(hash_of(exec, "web"), hash_of(b.load_ok(env), "web"));
  b.write("html/new.css", "p{}\n", 0644);
  Stack plain = b.load_ok(env);
  b.write("html/new.css", "p{}\n", 0664);
  EXPECT_EQ(hash_of(plain, "web"), hash_of(b.load_ok(env), "web"));

  Stack other_token = a.load_ok({{"API_TOKEN", "u"}});
  EXPECT_NE(hash_of(other_token, "web"), hash_of(sa, "web"));
}

TEST(FilesLoad, SecretValuesAreInNoPrintedJson) {
  Project p;
  write_project(p);
  Stack s = p.load_ok({{"API_TOKEN", "s3cr3t-token"}});
  for (const Service& svc : s.services)
    EXPECT_THAT(canonical_spec(s, svc).dump(), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(stack_to_json(s).dump(), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(render_config_json(s).dump(), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(render_config_yaml(s), Not(HasSubstr("s3cr3t")));
  // Only a saved plan carries it, to apply without re-reading the environment.
  auto back = stack_from_json(stack_to_json(s, /*reveal_secrets=*/true));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(file_at(*back->find_service("web"), "/run/secrets/token").content, "s3cr3t-token");
}

TEST(FilesLoad, RefusesWhatCannotBeDelivered) {
  const std::string head = "services:\n  web:\n    image: b\n";
  const struct {
    std::string service_and_top, error;
  } cases[] = {
      {"    volumes: [\"../up.conf:/x\"]\n",
       "compose.yaml:4:15: service web: bind mount source '../up.conf' is outside the project "
       "directory"},
      {"    volumes: [\"./nope.conf:/x\"]\n", "nope.conf does not exist in the project directory"},
      {"    read_only: true\n    volumes: [\"./a.conf:/etc/a.conf\"]\n", "read_only: true"},
      {"    tmpfs: [/run]\n    secrets: [s]\nsecrets:\n  s: {file: a.conf}\n",
       "/run/secrets/s is inside the tmpfs at /run"},
      {"    volumes: [\"./a.conf:/s\"]\n    configs: [s]\nconfigs:\n  s: {file: a.conf}\n",
       "two files are delivered to /s"},
      {"    secrets: [s]\nsecrets:\n  s: {environment: NOT_SET_ANYWHERE}\n",
       "secrets.s comes from $NOT_SET_ANYWHERE, which is not set"},
      {"    secrets: [s]\nsecrets:\n  s: {file: a.conf, environment: X}\n",
       "needs exactly one of file:, environment:"},
      {"    configs: [c]\nconfigs:\n  c: {fil: a.conf}\n",
       "unknown key 'fil' in configs.c (did you mean 'file'?)"},
      {"    configs: [{source: c, mode: 0999}]\nconfigs:\n  c: {file: a.conf}\n",
       "bad file mode '0999'"},
      {"    secrets: [s]\nsecrets:\n  s: {file: ../s.txt}\n", "outside the project directory"},
  };
  Project p;
  p.write("a.conf", "a");
  for (const auto& c : cases) {
    p.write("compose.yaml", head + c.service_and_top);
    EXPECT_THAT(p.first_error(), HasSubstr(c.error)) << c.service_and_top;
  }
}

TEST(FilesLoad, ExternalOnesAreAWarningAndNotDelivered) {
  Project p;
  p.write("compose.yaml",
          "services:\n  web:\n    image: b\n    secrets: [s]\n"
          "secrets:\n  s: {external: true, name: shared}\n");
  Diagnostics diag;
  Stack s = p.load(diag);
  ASSERT_TRUE(diag.ok()) << diag.errors.front().str();
  EXPECT_TRUE(s.services[0].spec.files.empty());
  ASSERT_GE(diag.warnings.size(), 2u);
  std::string all;
  for (const Warning& w : diag.warnings) all += w.str() + "\n";
  EXPECT_THAT(all, HasSubstr("secrets.s is external"));
  EXPECT_THAT(all, HasSubstr("'name' is not supported"));
}

}  // namespace
}  // namespace berth

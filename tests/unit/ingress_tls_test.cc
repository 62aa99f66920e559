// HTTPS of ingress routes: `tls: {cert, key}` as the loader checks and hashes it, the
// inventory's `ingress.acme:`, and both in the proxy configuration (planner/ingress.h) and the
// plan (planner/ingress_plan.h). Certificates: tests/fixtures/tls/README.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/load/loader.h"
#include "planner/ingress_plan.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const fs::path kFixtures = fs::path(BERTH_SOURCE_DIR) / "tests/fixtures/tls";

// A project directory with the fixtures under tls/, and compose.yaml.
class Project {
 public:
  Project() {
    dir_ = fs::temp_directory_path() /
           ("berth-tls-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(dir_ / "tls");
    for (const char* f : {"app.test.crt", "app.test.key", "other.key"})
      fs::copy_file(kFixtures / f, dir_ / "tls" / f);
  }
  ~Project() { fs::remove_all(dir_); }
  const fs::path& dir() const { return dir_; }

  std::optional<Stack> load(const std::string& tls, Diagnostics& diag) {
    std::ofstream(dir_ / "compose.yaml")
        << "services:\n  web:\n    image: x\n    x-berth:\n      ingress: {host: app.test, "
           "port: 80, tls: "
        << tls << "}\n";
    LoadOptions o;
    o.working_dir = dir_.string();
    return load_stack(o, diag);
  }

 private:
  fs::path dir_;
};

TEST(IngressTlsLoad, CertificateFilesAreCheckedAndHashed) {
  Project p;
  Diagnostics diag;
  auto stack = p.load("{cert: tls/app.test.crt, key: ./tls/app.test.key}", diag);
  ASSERT_TRUE(diag.ok()) << diag.errors[0].str();
  const IngressRoute& r = stack->services[0].ingress[0];
  EXPECT_EQ(r.tls, "files");
  EXPECT_EQ(r.tls_cert, "tls/app.test.crt");
  EXPECT_EQ(r.tls_key, "tls/app.test.key");
  ASSERT_EQ(r.tls_digest.size(), 32u);
  // The label holds the digest, never the files' content.
  std::string label = ingress_routes_text(stack->services[0].ingress);
  EXPECT_THAT(label, HasSubstr(r.tls_digest));
  EXPECT_THAT(label, ::testing::Not(HasSubstr("PRIVATE")));
  // Another certificate for the same key is another digest: the replicas roll.
  std::ofstream(p.dir() / "tls/app.test.crt", std::ios::app) << "\n";
  Diagnostics d2;
  auto again = p.load("{cert: tls/app.test.crt, key: tls/app.test.key}", d2);
  ASSERT_TRUE(d2.ok()) << d2.errors[0].str();
  EXPECT_NE(again->services[0].ingress[0].tls_digest, r.tls_digest);
}

struct BadTls {
  const char* tls;
  const char* message;
  const char* location;
};

TEST(IngressTlsLoad, MistakesNameWhatAndWhere) {
  const BadTls cases[] = {
      {"{cert: tls/app.test.crt}", "x-berth.ingress.tls has no key", "compose.yaml:5:48"},
      {"{cert: /etc/ssl/a.crt, key: tls/app.test.key}", "is not inside the project directory",
       "compose.yaml:5:55"},
      {"{cert: ../a.crt, key: tls/app.test.key}", "'../a.crt' is not inside the project",
       "compose.yaml:5:55"},
      {"{cert: tls/missing.crt, key: tls/app.test.key}", "tls/missing.crt", "compose.yaml:5:48"},
      {"{cert: tls/app.test.key, key: tls/app.test.key}", "holds no PEM certificate",
       "compose.yaml:5:48"},
      {"{cert: tls/app.test.crt, key: tls/app.test.crt}", "holds no PEM private key",
       "compose.yaml:5:48"},
      {"{cert: tls/app.test.crt, key: tls/other.key}", "is not the private key of the certificate",
       "compose.yaml:5:48"},
      {"{cert: tls/app.test.crt, key: tls/app.test.key, ca: x}", "unknown key 'ca'",
       "compose.yaml:5:96"},
      {"letsencrypt", "must be `internal`, `acme` or {cert: FILE, key: FILE}", "compose.yaml:5:48"},
  };
  for (const BadTls& k : cases) {
    Project p;
    Diagnostics diag;
    p.load(k.tls, diag);
    ASSERT_FALSE(diag.ok()) << k.tls;
    std::string text = diag.errors[0].str();
    EXPECT_THAT(text, HasSubstr(k.message)) << k.tls;
    EXPECT_THAT(text, HasSubstr(std::string(k.location) + ": ")) << k.tls << " -> " << text;
  }
}

TEST(IngressTlsLoad, TheCertificateMustNameTheRoutesHost) {
  Project p;
  std::ofstream(p.dir() / "compose.yaml")
      << "services:\n  web:\n    image: x\n    x-berth:\n      ingress: {host: shop.test, "
         "port: 80, tls: {cert: tls/app.test.crt, key: tls/app.test.key}}\n";
  LoadOptions o;
  o.working_dir = p.dir().string();
  Diagnostics diag;
  load_stack(o, diag);
  ASSERT_FALSE(diag.ok());
  EXPECT_THAT(diag.errors[0].str(), HasSubstr("is not valid for host shop.test"));
}

Inventory load_inv(const std::string& yaml, Diagnostics& diag) {
  Project p;  // its tls/ holds a PEM certificate for ca_root
  std::ofstream(p.dir() / "hosts.yaml") << yaml;
  return load_inventory((p.dir() / "hosts.yaml").string(), diag);
}

const char* kTwoHosts =
    "hosts:\n  h1: {address: ssh://root@10.0.0.1}\n  h2: {address: ssh://root@10.0.0.2}\n";

TEST(IngressTlsInventory, AcmeSettings) {
  Diagnostics diag;
  Inventory inv = load_inv(std::string("ingress:\n  acme: {email: ops@example.com, host: h2, ca: "
                                       "'https://ca.test/dir', ca_root: tls/app.test.crt}\n") +
                               kTwoHosts,
                           diag);
  ASSERT_TRUE(diag.ok()) << diag.errors[0].str();
  EXPECT_EQ(inv.ingress.acme.host, "h2");
  EXPECT_EQ(inv.ingress.acme.email, "ops@example.com");
  EXPECT_EQ(inv.ingress.acme.ca, "https://ca.test/dir");
  EXPECT_THAT(inv.ingress.acme.ca_root_pem, HasSubstr("BEGIN CERTIFICATE"));
  // One proxy host: it is the ACME host; the CA defaults to Let's Encrypt.
  Diagnostics d2;
  Inventory one = load_inv(std::string("ingress: {hosts: [h1], acme: {}}\n") + kTwoHosts, d2);
  ASSERT_TRUE(d2.ok()) << d2.errors[0].str();
  EXPECT_EQ(one.ingress.acme.host, "h1");
  EXPECT_THAT(one.ingress.acme.ca, HasSubstr("letsencrypt.org"));
  // No acme: no ACME host.
  Diagnostics d3;
  EXPECT_EQ(load_inv(kTwoHosts, d3).ingress.acme.host, "");
}

TEST(IngressTlsInventory, AcmeMistakes) {
  const std::pair<const char*, const char*> cases[] = {
      {"ingress: {acme: {}}\n", "needs `host:` when several hosts run an ingress proxy"},
      {"ingress: {hosts: [h1], acme: {host: h2}}\n", "'h2' is not a host that runs an ingress"},
      {"ingress: {acme: {host: h1, ca: 'http://ca.test'}}\n", "is not an https:// URL"},
      {"ingress: {acme: {host: h1, ca_root: tls/none.pem}}\n", "none.pem"},
      {"ingress: {acme: {host: h1, ca_root: tls/app.test.key}}\n", "holds no PEM certificate"},
      {"ingress: {acme: {host: h1, mail: a}}\n", "unknown key 'mail'"},
  };
  for (const auto& [yaml, message] : cases) {
    Diagnostics diag;
    load_inv(std::string(yaml) + kTwoHosts, diag);
    ASSERT_FALSE(diag.ok()) << yaml;
    EXPECT_THAT(diag.errors[0].str(), HasSubstr(message)) << yaml;
    EXPECT_THAT(diag.errors[0].str(), HasSubstr("hosts.yaml:1:")) << yaml;
  }
}

Upstream replica(const std::string& tls, const std::string& digest = "") {
  Upstream u;
  u.stack = "shop";
  u.service = "web";
  u.container = "web-1";
  u.host = "h1";
  u.address = "10.0.0.1";
  IngressBinding b;
  b.route.host = "app.test";
  b.route.port = 80;
  b.route.tls = tls;
  b.route.tls_digest = digest;
  b.host_port = 20001;
  u.bindings = {b};
  return u;
}

TEST(IngressTlsConfig, CertificateFilesLoadWhereTheProxyHoldsThem) {
  const std::string d = "0123456789abcdef0123456789abcdef";
  IngressSettings settings;
  json doc = json::parse(proxy_config({replica("files", d)}, "h1", settings, {d}));
  const json& tls = doc["apps"]["tls"];
  ASSERT_EQ(tls["certificates"]["load_files"].size(), 1u);
  EXPECT_EQ(tls["certificates"]["load_files"][0]["certificate"], "/data/berth/tls/" + d + ".crt");
  EXPECT_EQ(tls["certificates"]["load_files"][0]["key"], "/data/berth/tls/" + d + ".key");
  EXPECT_FALSE(tls.contains("automation"));  // no issuer is asked for that name
  const json& server = doc["apps"]["http"]["servers"]["berth-tls"];
  EXPECT_EQ(server["automatic_https"]["skip_certificates"], json::array({"app.test"}));
  EXPECT_EQ(server["routes"][0]["match"][0]["host"], json::array({"app.test"}));
  EXPECT_FALSE(doc["apps"].contains("pki"));
  // A proxy without that certificate serves the route on HTTP only, and loads no file.
  json without = json::parse(proxy_config({replica("files", d)}, "h1", settings, {}));
  EXPECT_FALSE(without["apps"].contains("tls"));
  EXPECT_FALSE(without["apps"]["http"]["servers"].contains("berth-tls"));
  EXPECT_EQ(without["apps"]["http"]["servers"]["berth"]["routes"][0]["match"][0]["host"],
            json::array({"app.test"}));
}

TEST(IngressTlsConfig, ProxyHoldsItsRunningCertificatesAndTheStacks) {
  const std::string a(32, 'a'), b(32, 'b');
  std::string running = proxy_config({replica("files", a)}, "h1", {}, {a});
  IngressRoute mine;
  mine.tls = "files";
  mine.tls_digest = b;
  EXPECT_EQ(proxy_certificates(running, {mine}), (std::vector<std::string>{a, b}));
  EXPECT_EQ(proxy_certificates("", {}), std::vector<std::string>{});
  EXPECT_EQ(proxy_certificates("not json", {mine}), std::vector<std::string>{b});
}

TEST(IngressTlsConfig, AcmeOnlyOnTheAcmeHost) {
  IngressSettings settings;
  settings.acme.host = "h2";
  settings.acme.email = "ops@example.com";
  settings.acme.ca = "https://ca.test/dir";
  settings.acme.ca_root_pem = "-----BEGIN CERTIFICATE-----\n";
  json on = json::parse(proxy_config({replica("acme")}, "h2", settings, {}));
  const json& policy = on["apps"]["tls"]["automation"]["policies"][0];
  EXPECT_EQ(policy["subjects"], json::array({"app.test"}));
  EXPECT_EQ(policy["issuers"][0]["module"], "acme");
  EXPECT_EQ(policy["issuers"][0]["ca"], "https://ca.test/dir");
  EXPECT_EQ(policy["issuers"][0]["email"], "ops@example.com");
  EXPECT_EQ(policy["issuers"][0]["trusted_roots_pem_files"],
            json::array({"/data/" + acme_root_file(settings.acme.ca_root_pem)}));
  EXPECT_TRUE(on["apps"]["http"]["servers"].contains("berth-tls"));
  // HTTP keeps answering there (and Caddy answers the CA's HTTP-01 challenges on it).
  EXPECT_EQ(on["apps"]["http"]["servers"]["berth"]["listen"], json::array({":80"}));
  json off = json::parse(proxy_config({replica("acme")}, "h1", settings, {}));
  EXPECT_FALSE(off["apps"].contains("tls"));
  EXPECT_FALSE(off["apps"]["http"]["servers"].contains("berth-tls"));
}

}  // namespace
}  // namespace berth

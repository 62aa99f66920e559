// HTTPS of ingress routes (issue 10) on the lab of tests/integration/ingress_fixture.h:
// `tls: internal` with Caddy's own CA, `tls: {cert, key}` with a certificate from a test CA
// (served by every proxy, key kept out of output, rotated), and `tls: acme` against a private
// ACME CA on the lab (the only kind this lab may contact).
#include "ingress_fixture.h"

namespace berth::testing {
namespace {

using ::testing::HasSubstr;

class IngressTls : public Ingress {};

TEST_F(IngressTls, TlsInternalAnswersHttpsWithCaddysOwnRoot) {
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

TEST_F(IngressTls, TlsFilesServeTheStacksCertificateOnEveryProxyAndRotate) {
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

TEST_F(IngressTls, TlsAcmeObtainsACertificateOnTheAcmeHostOnly) {
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

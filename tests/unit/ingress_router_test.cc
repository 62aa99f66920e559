// The ingress router's part of `tls: {cert, key}` (engine/ingress.h) over the in-memory
// provider: the proxy is created with its data volume and gets the stack's certificate and key
// in it before it starts; a certificate changed since the plan creates nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/ingress.h"
#include "engine/load/loader.h"
#include "fake_fleet.h"
#include "tar_reader.h"

namespace berth {
namespace {

namespace fs = std::filesystem;
using testing::FakeFleet;
using ::testing::HasSubstr;

class IngressRouterTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-router-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "tls");
    const fs::path fixtures = fs::path(BERTH_SOURCE_DIR) / "tests/fixtures/tls";
    for (const char* f : {"app.test.crt", "app.test.key"})
      fs::copy_file(fixtures / f, dir_ / "tls" / f, fs::copy_options::overwrite_existing);
    std::ofstream(dir_ / "compose.yaml")
        << "name: shop\nservices:\n  web:\n    image: busybox\n    x-berth:\n      ingress: "
           "{host: app.test, port: 80, tls: {cert: tls/app.test.crt, key: tls/app.test.key}}\n";
    LoadOptions o;
    o.working_dir = dir_.string();
    Diagnostics diag;
    stack_ = load_stack(o, diag);
    ASSERT_TRUE(diag.ok()) << diag.errors[0].str();
    digest_ = stack_.services[0].ingress[0].tls_digest;
    ProxyChange proxy;
    proxy.host = "h1";
    proxy.action = "create";
    proxy.certificates = {digest_};
    Upstream web;  // a replica already serving the route
    web.stack = "shop";
    web.service = "web";
    web.container = "web-1";
    web.host = "h1";
    web.bindings = {{stack_.services[0].ingress[0], 20001}};
    plan_.ingress.before = {web};
    plan_.ingress.settings.image = "busybox";
    plan_.ingress.proxies = {proxy};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<Error> prepare() {
    IngressRouter router(stack_, plan_, fleet_.fleet, 1);
    return router.prepare([](const std::string&, const std::string&) {});
  }

  fs::path dir_;
  Stack stack_;
  Plan plan_;
  std::string digest_;
  FakeFleet fleet_{{"h1"}};
};

TEST_F(IngressRouterTls, TheProxyGetsTheCertificateInItsDataVolumeBeforeItStarts) {
  ASSERT_TRUE(prepare().empty());
  testing::FakeProvider& h1 = *fleet_.hosts[0];
  auto tar = h1.archives_in.find(std::string(kProxyContainer) + " " + kProxyDataPath);
  ASSERT_NE(tar, h1.archives_in.end());
  auto items = testing::read_tar(tar->second);
  const testing::TarItem* cert = testing::find_item(items, "berth/tls/" + digest_ + ".crt");
  const testing::TarItem* key = testing::find_item(items, "berth/tls/" + digest_ + ".key");
  ASSERT_TRUE(cert && key);
  EXPECT_EQ(cert->mode, 0644u);
  EXPECT_EQ(key->mode, 0600u);
  std::ifstream in(dir_ / "tls/app.test.key");
  EXPECT_EQ(key->data, std::string(std::istreambuf_iterator<char>(in), {}));
  // The configuration it starts with loads that file.
  std::string config = h1.archives_in[std::string(kProxyContainer) + " /etc/berth"];
  EXPECT_THAT(config, HasSubstr("/data/berth/tls/" + digest_ + ".crt"));
  EXPECT_THAT(h1.running(), ::testing::Contains(std::string(kProxyContainer)));
  // Its data lives in the named volume.
  ContainerCreate req = proxy_container(plan_.ingress.settings);
  ASSERT_EQ(req.spec.mounts.size(), 1u);
  EXPECT_EQ(req.spec.mounts[0].source, kProxyDataVolume);
  EXPECT_EQ(req.spec.mounts[0].target, kProxyDataPath);
}

TEST_F(IngressRouterTls, ACertificateChangedSinceThePlanCreatesNothing) {
  std::ofstream(dir_ / "tls/app.test.crt", std::ios::app) << "\n";
  std::vector<Error> errors = prepare();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].message, HasSubstr("changed since the plan was made"));
  EXPECT_THAT(errors[0].str(), HasSubstr("compose.yaml:6:"));
  for (const std::string& call : fleet_.hosts[0]->calls)
    EXPECT_THAT(call, ::testing::Not(HasSubstr("create")));
}

}  // namespace
}  // namespace berth

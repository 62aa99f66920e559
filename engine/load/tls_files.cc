// A route's certificate and key files (engine/load/tls_files.h). OpenSSL stays in here.
#include "engine/load/tls_files.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "engine/load/project_files.h"
#include "planner/spec.h"

namespace berth::load {
namespace {

Error input_error(std::string message, std::string hint) {
  Error e{ErrorKind::kInput, {}, "", "", std::move(message), {}};
  e.hint = std::move(hint);
  return e;
}

// One regular file through read_delivered, so its limits and messages apply.
Result<std::vector<ProjectEntry>> read_one(const FileSpec& f, const std::string& project_dir) {
  auto entries = read_delivered(f, project_dir);
  if (!entries.ok()) return entries.error();
  if (entries->size() != 1 || entries->front().type != ProjectEntry::Type::kFile)
    return input_error(fmt::format("x-berth.ingress.tls.{} '{}' is not a file", f.target, f.source),
                       "name a PEM file");
  return entries;
}

// The key must be the certificate's and the certificate must name the host: otherwise Caddy
// would only fail at apply, on every proxy, or serve a certificate browsers reject.
Status check_pair(const TlsFiles& t, const IngressRoute& r) {
  std::unique_ptr<BIO, decltype(&BIO_free)> cb(
      BIO_new_mem_buf(t.certificate.data(), static_cast<int>(t.certificate.size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert)
    return input_error(
        fmt::format("x-berth.ingress.tls.cert '{}' holds no PEM certificate", r.tls_cert),
        "give the certificate (and its chain) in PEM, `-----BEGIN CERTIFICATE-----`");
  std::unique_ptr<BIO, decltype(&BIO_free)> kb(
      BIO_new_mem_buf(t.key.data(), static_cast<int>(t.key.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key)
    return input_error(fmt::format("x-berth.ingress.tls.key '{}' holds no PEM private key "
                                   "(or one protected by a passphrase)",
                                   r.tls_key),
                       "give the certificate's private key in PEM, without a passphrase");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return input_error(fmt::format("x-berth.ingress.tls.key '{}' is not the private key of the "
                                   "certificate in '{}'",
                                   r.tls_key, r.tls_cert),
                       "give the key the certificate was issued for");
  if (X509_check_host(cert.get(), r.host.data(), r.host.size(), 0, nullptr) != 1)
    return input_error(
        fmt::format("the certificate in '{}' is not valid for host {}", r.tls_cert, r.host),
        "use a certificate whose subject alternative names include that host name");
  return ok_status();
}

}  // namespace

Result<TlsFiles> read_tls_files(const IngressRoute& route, const std::string& project_dir) {
  FileSpec cert;  // kinds and names only key the digests (engine/load/project_files.h)
  cert.kind = "config";
  cert.name = "ingress-tls-cert";
  cert.target = "cert";
  cert.source = route.tls_cert;
  FileSpec key = cert;
  key.kind = "secret";
  key.name = "ingress-tls-key";
  key.target = "key";
  key.source = route.tls_key;
  TlsFiles t;
  auto c = read_one(cert, project_dir);
  if (!c.ok()) return c.error();
  auto k = read_one(key, project_dir);
  if (!k.ok()) return k.error();
  // The key's digest is keyed by its name, so the label holds no bare hash of the key.
  t.digest = sha256_hex(content_digest(cert, *c) + "\n" + content_digest(key, *k)).substr(0, 32);
  t.certificate = std::move(c->front().data);
  t.key = std::move(k->front().data);
  if (Status st = check_pair(t, route); !st.ok()) return st.error();
  return t;
}

}  // namespace berth::load

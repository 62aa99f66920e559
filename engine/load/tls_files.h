// The certificate and key of an ingress route with `tls: {cert: FILE, key: FILE}`
// (docs/ingress.md). The loader reads them to check the pair and put their digest in the spec;
// apply reads them again to deliver them into every proxy and checks that the digest is still
// the same. Both call read_tls_files, so what is hashed is exactly what is delivered.
#pragma once

#include <string>

#include "planner/ingress.h"
#include "planner/result.h"

namespace berth::load {

struct TlsFiles {
  std::string certificate;  // PEM: the certificate, then any intermediates
  std::string key;          // PEM: its private key (a secret: never printed or labelled)
  std::string digest;       // IngressRoute::tls_digest
};

// Reads route.tls_cert and route.tls_key below project_dir and checks them: PEM, the key
// belongs to the certificate, and the certificate names route.host. Errors are kInput without
// a location (the caller knows where the route was written).
Result<TlsFiles> read_tls_files(const IngressRoute& route, const std::string& project_dir);

}  // namespace berth::load

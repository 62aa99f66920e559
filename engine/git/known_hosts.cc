#include "engine/git/known_hosts.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <sstream>

#include "engine/git/errors.h"
#include "engine/git/process.h"

namespace berth::git {
namespace {

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// The key type is the blob's first field: a 4-byte big-endian length, then the name.
std::string key_type(const std::string& key) {
  if (key.size() < 4) return "unknown";
  auto len = (static_cast<size_t>(static_cast<unsigned char>(key[0])) << 24) |
             (static_cast<size_t>(static_cast<unsigned char>(key[1])) << 16) |
             (static_cast<size_t>(static_cast<unsigned char>(key[2])) << 8) |
             static_cast<size_t>(static_cast<unsigned char>(key[3]));
  if (len == 0 || len > key.size() - 4) return "unknown";
  return key.substr(4, len);
}

// What the known_hosts files say about one host.
struct Listing {
  bool match = false;
  bool revoked = false;
  std::string match_file;
  std::set<std::string> types;  // key types listed for the host (other keys)
};

// Adds what `ssh-keygen -F` finds for `spec` in `file`.
Status scan_file(const std::string& spec, const std::string& file, const std::string& type,
                 const std::string& key_b64, Listing* listing) {
  auto run = run_process({"ssh-keygen", "-F", spec, "-f", file}, "", {},
                         "install the OpenSSH client (apt-get install openssh-client)");
  if (!run.ok()) return run.error();
  std::istringstream lines(run->out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string marker, hosts, ktype, blob;
    if (line[0] == '@') words >> marker;
    words >> hosts >> ktype >> blob;
    if (marker == "@cert-authority") continue;  // host certificates: libssh2 does not use them
    if (ktype != type) {
      listing->types.insert(ktype);
    } else if (blob == key_b64) {
      if (marker == "@revoked")
        listing->revoked = true;
      else
        listing->match = true;
      listing->match_file = file;
    } else {
      listing->types.insert(ktype + " (a different key)");
    }
  }
  return ok_status();
}

}  // namespace

std::vector<std::string> default_known_hosts() {
  std::vector<std::string> files;
  if (const char* home = std::getenv("HOME"); home && *home)
    files.push_back(std::string(home) + "/.ssh/known_hosts");
  files.push_back("/etc/ssh/ssh_known_hosts");
  return files;
}

std::string key_fingerprint(const std::string& key) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), md, &len, EVP_sha256(), nullptr);
  std::string b64 = base64(std::string(reinterpret_cast<char*>(md), len));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

Status check_host_key(const std::string& host, int port, const std::string& key,
                      const std::vector<std::string>& files) {
  std::string spec = port == 22 ? host : "[" + host + "]:" + std::to_string(port);
  std::string type = key_type(key);
  Listing listing;
  for (const auto& file : files) {
    if (::access(file.c_str(), R_OK) != 0) continue;
    if (auto st = scan_file(spec, file, type, base64(key), &listing); !st.ok()) return st;
  }
  if (listing.match && !listing.revoked) return ok_status();
  std::string what = "the " + type + " host key of " + spec + " (" + key_fingerprint(key) + ")";
  std::string add = "ssh-keyscan -t " + type + (port == 22 ? "" : " -p " + std::to_string(port)) +
                    " " + host + " >> ~/.ssh/known_hosts";
  if (listing.revoked)
    return make_error(ErrorKind::kHost, what + " is marked @revoked in " + listing.match_file,
                      "the host's key must be replaced before berth connects");
  bool changed = listing.types.count(type + " (a different key)") > 0;
  if (changed)
    return make_error(ErrorKind::kHost,
                      what + " has CHANGED: known_hosts lists another " + type + " key for it",
                      "someone may be intercepting the connection; if the host was rebuilt, remove "
                      "the old key (ssh-keygen -R " +
                          spec + ") and add the new one after checking it");
  std::string others = join_names(listing.types);
  return make_error(
      ErrorKind::kHost,
      what + " is not in known_hosts" + (others.empty() ? "" : " (it lists only: " + others + ")"),
      "check the fingerprint with the host's owner, then add it: " + add);
}

}  // namespace berth::git

// SSH host key checking against OpenSSH known_hosts files. Internal to engine/git/.
//
// The lookup is `ssh-keygen -F` (so hashed entries and [host]:port entries match as they do
// for ssh); the key libssh2 was shown is compared with the listed keys of its type. A host key
// that is not listed is refused, never added: the user adds it after checking it.
#pragma once

#include <string>
#include <vector>

#include "planner/result.h"

namespace berth::git {

// The files checked when the caller names none: ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts.
std::vector<std::string> default_known_hosts();

// ok when `key` (the host key blob in SSH wire format) is listed for host:port in one of
// `files` and not @revoked; else kHost naming the host, the key's type and SHA256 fingerprint,
// whether it is unknown or changed, and how to add it.
Status check_host_key(const std::string& host, int port, const std::string& key,
                      const std::vector<std::string>& files);

// "SHA256:<base64>", as ssh-keygen -l prints it.
std::string key_fingerprint(const std::string& key);

}  // namespace berth::git

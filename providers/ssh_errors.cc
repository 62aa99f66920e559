#include "providers/ssh_errors.h"

#include <fmt/format.h>

namespace berth {
namespace {

bool has(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace

Error classify_ssh_failure(const std::string& host, const std::string& target,
                           const std::string& err, const std::string& fallback) {
  auto e = [&](std::string message, std::string hint) {
    return Error{ErrorKind::kHost, {}, host, "", std::move(message), std::move(hint)};
  };
  if (has(err, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
    return e(fmt::format("the host key of {} has CHANGED since it was recorded in known_hosts",
                         target),
             "if the host was rebuilt, verify its new key and replace the old entry "
             "(ssh-keygen -R HOST); otherwise someone may be intercepting the connection");
  if (has(err, "Host key verification failed") || has(err, "No ED25519 host key is known") ||
      has(err, "host key is not known"))
    return e(fmt::format("the host key of {} is unknown (not in known_hosts)", target),
             "verify the key and add it: ssh-keyscan HOST >> ~/.ssh/known_hosts");
  // A stream-local channel the master could not open (the master prints this, then closes the
  // channel): checked before "Connection refused", which it contains.
  // sshd gives the same reason whether its socket is gone or forwarding is now refused.
  if (has(err, "open failed: connect failed") || has(err, "open failed: administratively"))
    return e(fmt::format("the Docker daemon on {} does not answer on its socket (is it running?)",
                         target),
             "start it on the host (systemctl start docker)");
  if (has(err, "Permission denied"))
    return e(fmt::format("ssh authentication to {} was refused", target),
             "check the user in the address, your key (ssh-add -l) and the host's authorized_keys");
  if (has(err, "timed out"))
    return e(fmt::format("cannot connect to {}: connection timed out", target),
             "check the address, the network and that sshd runs on the host");
  if (has(err, "Connection refused"))
    return e(fmt::format("cannot connect to {}: connection refused (is sshd running?)", target),
             "start sshd on the host or fix the port in the address");
  if (has(err, "No route to host") || has(err, "Network is unreachable"))
    return e(fmt::format("cannot connect to {}: no route to host", target),
             "check the address and the network between here and the host");
  if (has(err, "Could not resolve hostname"))
    return e(fmt::format("cannot resolve the host name in {}", target), "check the address");
  if (has(err, "command not found") || has(err, "docker: not found"))
    return e(fmt::format("docker is not installed on {} (or not on the PATH of its ssh user)",
                         target),
             "install Docker on the host");
  if (has(err, "unknown command") || has(err, "is not a docker command"))
    return e(fmt::format("docker on {} is too old for `docker system dial-stdio`", target),
             "upgrade Docker on the host to 18.09 or newer");
  if (has(err, "Cannot connect to the Docker daemon") || has(err, "docker daemon running") ||
      has(err, "failed to open the raw stream connection"))  // dial-stdio of docker 20.10
    return e(fmt::format("the Docker daemon on {} is not running", target),
             "start it on the host (systemctl start docker)");
  if (has(err, "permission denied") && has(err, "docker.sock"))
    return e(fmt::format("the ssh user on {} may not use the Docker socket", target),
             "add the user to the docker group on the host");
  std::string detail = last_line(err);
  return e(detail.empty() ? fallback : fmt::format("{}: {}", fallback, detail), "");
}

}  // namespace berth

#include "planner/address.h"

#include <fmt/format.h>


namespace berth {

Result<SshTarget> parse_ssh_address(const std::string& name, const std::string& address) {
  auto bad = [&] {
    return Error{ErrorKind::kInput, {}, name, "", fmt::format("bad ssh address '{}'", address),
                 "write ssh://[user@]host[:port]"};
  };
  if (address.rfind("ssh://", 0) != 0) return bad();
  SshTarget t;
  std::string rest = address.substr(6);
  t.display = rest;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    t.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return bad();
    t.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad();
      t.port = rest.substr(close + 2);
    }
  } else if (auto colon = rest.find(':'); colon != std::string::npos) {
    t.host = rest.substr(0, colon);
    t.port = rest.substr(colon + 1);
    if (t.port.empty()) return bad();
  } else {
    t.host = rest;
  }
  // A path or a user with '@' left over is not an address ssh would take.
  if (t.host.empty() || t.host.find('/') != std::string::npos ||
      t.host.find('@') != std::string::npos ||
      (!t.port.empty() && t.port.find_first_not_of("0123456789") != std::string::npos))
    return bad();
  return t;
}

std::string ssh_address_host(const std::string& address) {
  auto target = parse_ssh_address("", address);
  return target.ok() ? target->host : "";
}

}  // namespace berth

// The one parser of ssh://[user@]host[:port] addresses: the inventory's checks, the SSH
// transport and the cross-host checks all use it.
#pragma once

#include <string>

#include "planner/result.h"

namespace berth {

struct SshTarget {
  std::string user, host, port;  // port "" = ssh's default (or ~/.ssh/config's)
  std::string display;           // user@host:port as written, for messages
};

// `name` is the inventory host, for the error. Accepts IPv6 in brackets: ssh://u@[::1]:2222.
Result<SshTarget> parse_ssh_address(const std::string& name, const std::string& address);

// The host part of an ssh://[user@]host[:port] address; "" for other schemes or a bad address.
std::string ssh_address_host(const std::string& address);

}  // namespace berth

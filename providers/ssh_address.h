// The one parser of ssh://[user@]host[:port] addresses (the transport, cross-host checks and
// ssh_address_host in providers/provider.h all use it). Internal to providers/.
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

}  // namespace berth

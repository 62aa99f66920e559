// Cross-host reachability (issue 4): a container reaches a stack service that runs on another
// host through that service's published ports, by name. Each container gets extra_hosts
// entries "<service>:<address of a host running it>" for the stack's services that publish
// ports and have no replica on its own host (same-host services resolve through the network's
// DNS alias instead). Limits: one address per name (the first host by name), only published
// ports answer, and the entries are not hashed, so they are refreshed when the container is
// next recreated, not when the other service moves.
#pragma once

#include <string>
#include <vector>

#include "planner/model.h"
#include "planner/plan.h"

namespace berth {

std::vector<std::string> derived_extra_hosts(const Stack& stack, const Plan& plan,
                                             const Inventory& inventory, const Service& service,
                                             const std::string& host);

// The IP address of an inventory host's ssh:// address ("" for unix:// or unresolvable).
std::string host_ip(const Host& host);

}  // namespace berth

// The ingress part of a plan (docs/ingress.md): host ports for new ingress replicas, which
// replicas every proxy sends to before and after, and what changes on each proxy host.
#pragma once

#include <string>
#include <vector>

#include "planner/plan.h"

namespace berth {

// The first port of the range berth assigns to ingress replicas, and how many there are.
inline constexpr int kIngressPortBase = 20000;
inline constexpr int kIngressPortCount = 10000;

// The ingress proxy's container on `host` (named kProxyContainer), or nullptr: the one rule
// observe, the plan and the lock use to find it.
const ObservedContainer* find_proxy(const ObservedHost& host);

// Whether any service of the stack has ingress routes.
bool has_ingress(const Stack& stack);

// The hosts that run a proxy: the inventory's ingress.hosts, else every host.
std::vector<std::string> proxy_hosts(const Inventory& inventory);

// Every running ingress replica (io.berth.ingress label, any stack) on the reachable hosts.
std::vector<Upstream> observed_upstreams(const Observed& observed, const Inventory& inventory);

// The replica a create, recreate or move of an ingress service starts, with its ports.
Upstream planned_upstream(const Stack& stack, const Service& service, const Change& change,
                          const Inventory& inventory);

// The configuration of the proxy on `host` (caddy_config): the routes of `upstreams` as that
// host sees them, the `tls: files` certificates it holds, ACME when it is the ACME host.
std::string proxy_config(const std::vector<Upstream>& upstreams, const std::string& host,
                         const IngressSettings& settings,
                         const std::vector<std::string>& certificates,
                         const std::vector<std::string>& draining = {});

// This stack's routes whose certificate files berth delivers to every proxy (`tls: files`).
std::vector<IngressRoute> delivered_tls(const Stack& stack);

// Fills plan.ingress and each new ingress replica's Change::ingress_ports: ports in
// [kIngressPortBase, +kIngressPortCount) that nothing on the host publishes and no other new
// replica there takes, the same for the same inputs (a hash of stack, service, slot and route
// picks where the search starts). Two stacks claiming one host name and path are blockers.
// Proxies are planned only when some stack on the fleet has ingress routes.
void plan_ingress(const Stack& stack, const Observed& observed, const Inventory& inventory,
                  Plan& plan);

}  // namespace berth

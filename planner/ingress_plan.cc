// The ingress part of a plan (planner/ingress_plan.h).
#include "planner/ingress_plan.h"

#include <algorithm>
#include <map>
#include <set>

namespace berth {
namespace {

const Host* find_host(const Inventory& inv, const std::string& name) {
  for (const Host& h : inv.hosts)
    if (h.name == name) return &h;
  return nullptr;
}

std::string short_name(const std::string& service, const std::string& slot) {
  return service + "-" + slot;
}

// FNV-1a: a stable start for the port search, the same on every machine.
uint32_t stable_hash(const std::string& text) {
  uint32_t h = 2166136261u;
  for (unsigned char ch : text) h = (h ^ ch) * 16777619u;
  return h;
}

// Host ports taken on each host: published by any container, declared by an ingress label
// (a stopped replica keeps its claim), or fixed by this plan's new replicas.
std::map<std::string, std::set<int>> taken_ports(const Stack& stack, const Observed& observed,
                                                 const Plan& plan) {
  std::map<std::string, std::set<int>> taken;
  for (const ObservedHost& h : observed.hosts)
    for (const ObservedContainer& c : h.containers) {
      taken[h.name].insert(c.published_ports.begin(), c.published_ports.end());
      for (const IngressBinding& b : parse_ingress_label(c.label(kIngressLabel)))
        taken[h.name].insert(b.host_port);
    }
  for (const Change& c : plan.changes)
    if (const Service* s = stack.find_service(c.service); s && c.action != Action::kRemove)
      for (const PortSpec& p : s->spec.ports)
        if (p.host_port > 0) taken[c.host].insert(p.host_port);
  return taken;
}

void assign_ports(const Stack& stack, const Observed& observed, Plan& plan) {
  auto taken = taken_ports(stack, observed, plan);
  for (Change& c : plan.changes) {
    c.ingress_ports.clear();
    const Service* s = stack.find_service(c.service);
    bool starts =
        c.action == Action::kCreate || c.action == Action::kRecreate || c.action == Action::kMove;
    if (!s || !starts || s->ingress.empty()) continue;
    for (size_t k = 0; k < s->ingress.size(); ++k) {
      uint32_t at =
          stable_hash(stack.name + "/" + s->name + "/" + c.slot + "/" + std::to_string(k)) %
          kIngressPortCount;
      int port = 0;
      for (int tried = 0; tried < kIngressPortCount && port == 0; ++tried) {
        int candidate = kIngressPortBase + static_cast<int>((at + tried) % kIngressPortCount);
        if (taken[c.host].insert(candidate).second) port = candidate;
      }
      c.ingress_ports.push_back(port);
    }
  }
}

// An ingress replica the proxies send to: up, and not failing its own health check (the
// service's check is what a route without `health` relies on between runs).
bool serves(const ObservedContainer& c) {
  return counts_as_running(c) && c.health != "unhealthy" && !c.label(kIngressLabel).empty();
}

Upstream observed_upstream(const ObservedHost& h, const ObservedContainer& c,
                           const Inventory& inv) {
  Upstream u;
  u.stack = c.label(labels::kStack);
  u.service = c.label(labels::kService);
  u.container = short_name(u.service, c.label(labels::kSlot));
  u.container_id = c.id;
  u.host = h.name;
  if (const Host* host = find_host(inv, h.name)) u.address = host->private_address;
  u.bindings = parse_ingress_label(c.label(kIngressLabel));
  return u;
}

// The upstreams once the plan is carried out: those running now, less every replica the plan
// removes or replaces, plus every replica it starts.
std::vector<Upstream> upstreams_after(const Stack& stack, const Observed& observed,
                                      const Inventory& inv, const Plan& plan) {
  std::set<std::string> leaving;
  for (const Change& c : plan.changes)
    if (c.action == Action::kRemove || c.action == Action::kRecreate || c.action == Action::kMove)
      leaving.insert(c.container_id);
  std::vector<Upstream> after;
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) continue;
    for (const ObservedContainer& c : h.containers)
      if (serves(c) && !leaving.count(c.id)) after.push_back(observed_upstream(h, c, inv));
  }
  for (const Change& c : plan.changes)
    if (const Service* s = stack.find_service(c.service); s && !c.ingress_ports.empty())
      after.push_back(planned_upstream(stack, *s, c, inv));
  return after;
}

ProxyChange proxy_change(const std::string& stack, const ObservedHost& h,
                         const IngressSettings& settings, const std::vector<Upstream>& before,
                         const std::vector<Upstream>& after, const std::string& config) {
  ProxyChange p;
  p.host = h.name;
  const ObservedContainer* proxy = find_proxy(h);
  if (!proxy) {
    p.action = "create";
  } else {
    p.container_id = proxy->id;
    if (proxy->label(labels::kSpecHash) != proxy_spec_key(settings) || !counts_as_running(*proxy))
      p.action = "recreate";
  }
  p.reload = !p.action.empty() || h.proxy_config != config;
  if (p.action.empty()) p.running_config = h.proxy_config;
  // By stack and replica: two stacks may both have a web-1. Another stack's are shown with
  // their stack's name.
  auto name = [&](const Upstream& u) {
    return u.stack == stack ? u.container : u.stack + "/" + u.container;
  };
  std::map<std::string, std::string> was, will;  // replica name -> key
  for (const Upstream& u : before) was[name(u)] = u.key();
  for (const Upstream& u : after) will[name(u)] = u.key();
  for (const auto& [n, key] : will) {
    auto it = was.find(n);
    if (it == was.end())
      p.added.push_back(n);
    else if (it->second != key)
      p.switched.push_back(n);
  }
  for (const auto& [n, key] : was)
    if (!will.count(n)) p.removed.push_back(n);
  return p;
}

}  // namespace

int IngressPlan::changes() const {
  int n = 0;
  for (const ProxyChange& p : proxies) n += p.reload ? 1 : 0;
  return n;
}

std::vector<std::string> proxy_hosts(const Inventory& inventory) {
  if (!inventory.ingress.hosts.empty()) return inventory.ingress.hosts;
  std::vector<std::string> all;
  for (const Host& h : inventory.hosts) all.push_back(h.name);
  return all;
}

std::vector<Upstream> observed_upstreams(const Observed& observed, const Inventory& inv) {
  std::vector<Upstream> out;
  for (const ObservedHost& h : observed.hosts) {
    if (!h.reachable) continue;
    for (const ObservedContainer& c : h.containers)
      if (serves(c)) out.push_back(observed_upstream(h, c, inv));
  }
  return out;
}

Upstream planned_upstream(const Stack& stack, const Service& s, const Change& c,
                          const Inventory& inv) {
  Upstream u;
  u.stack = stack.name;
  u.service = s.name;
  u.container = short_name(s.name, c.slot);
  u.host = c.host;
  if (const Host* host = find_host(inv, c.host)) u.address = host->private_address;
  for (size_t k = 0; k < s.ingress.size() && k < c.ingress_ports.size(); ++k)
    u.bindings.push_back({s.ingress[k], c.ingress_ports[k]});
  return u;
}

std::string proxy_config(const std::vector<Upstream>& upstreams, const std::string& host,
                         const IngressSettings& settings,
                         const std::vector<std::string>& certificates,
                         const std::vector<std::string>& draining) {
  ProxySettings s = proxy_settings(upstreams);
  s.certificates = certificates;
  if (!settings.acme.host.empty() && settings.acme.host == host) s.acme = settings.acme;
  return caddy_config(proxy_routes(upstreams, host), s, draining);
}

const ObservedContainer* find_proxy(const ObservedHost& host) {
  for (const ObservedContainer& c : host.containers)
    if (c.name == kProxyContainer) return &c;
  return nullptr;
}

bool has_ingress(const Stack& stack) {
  return std::any_of(stack.services.begin(), stack.services.end(),
                     [](const Service& s) { return !s.ingress.empty(); });
}

std::vector<IngressRoute> delivered_tls(const Stack& stack) {
  std::vector<IngressRoute> out;
  for (const Service& s : stack.services)
    for (const IngressRoute& r : s.ingress)
      if (r.tls == "files") out.push_back(r);
  return out;
}

void plan_ingress(const Stack& stack, const Observed& observed, const Inventory& inv, Plan& plan) {
  assign_ports(stack, observed, plan);
  plan.ingress = IngressPlan{};
  IngressPlan& ing = plan.ingress;
  ing.settings = inv.ingress;
  ing.before = observed_upstreams(observed, inv);
  std::vector<Upstream> after = upstreams_after(stack, observed, inv, plan);
  if (after.empty() && !has_ingress(stack)) return;
  std::vector<ProxyRoute> routes = proxy_routes(after, "");
  // This stack's own routes carry where they were written, for the conflict message.
  for (ProxyRoute& r : routes)
    if (const Service* s = stack.find_service(r.service); s && r.stack == stack.name)
      for (const IngressRoute& mine : s->ingress)
        if (mine.host == r.route.host && mine.path == r.route.path)
          r.route.location = mine.location;
  // Routes already served first: a conflict then names the running one first and points at
  // the route of the stack being planned.
  std::stable_partition(routes.begin(), routes.end(),
                        [&](const ProxyRoute& r) { return r.stack != stack.name; });
  for (const Error& e : check_route_conflicts(routes).errors) plan.blockers.push_back(e);
  const std::vector<IngressRoute> delivered = delivered_tls(stack);
  for (const std::string& name : proxy_hosts(inv)) {
    const ObservedHost* h = observed.find_host(name);
    if (!h || !h->reachable) continue;
    std::vector<std::string> certs = proxy_certificates(h->proxy_config, delivered);
    std::string config = proxy_config(after, name, inv.ingress, certs);
    ing.proxies.push_back(proxy_change(stack.name, *h, inv.ingress, ing.before, after, config));
    ing.proxies.back().certificates = std::move(certs);
  }
  plan.summary.proxies = ing.changes();
}

}  // namespace berth

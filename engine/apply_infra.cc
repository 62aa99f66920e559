// The stack's networks and volumes, and the images of what is about to start: the steps of an
// apply before and after its replicas change (engine/apply_run.h).
#include <fmt/format.h>

#include <set>

#include "engine/apply_run.h"
#include "engine/container_request.h"
#include "engine/parallel.h"

namespace berth {
namespace {

// The stack's spec for a network or volume key, named as the plan says.
template <class Spec>
Spec infra_spec(const std::vector<Spec>& specs, const InfraChange& r) {
  Spec spec;
  for (const auto& s : specs)
    if (s.key == r.key) spec = s;
  spec.name = r.name;
  return spec;
}

const char* infra_kind(const InfraChange& r) {
  return r.kind == InfraChange::Kind::kNetwork ? "network" : "volume";
}

Status create_one(ApplyRun& run, Provider& p, const InfraChange& r) {
  std::map<std::string, std::string> l = {{labels::kStack, run.stack.name}};
  if (r.kind == InfraChange::Kind::kNetwork) {
    l[labels::kNetwork] = r.key;
    auto got = p.create_network(infra_spec(run.stack.networks, r), l);
    return got.ok() ? ok_status() : Status(got.error());
  }
  l[labels::kVolume] = r.key;
  auto got = p.create_volume(infra_spec(run.stack.volumes, r), l);
  return got.ok() ? ok_status() : Status(got.error());
}

}  // namespace

void create_infra(ApplyRun& run, const std::vector<size_t>& hosts) {
  run.check(parallel_for(hosts.size(), run.options.max_parallel, [&](size_t k) {
    const std::string& host = run.fleet.inventory.hosts[hosts[k]].name;
    Provider& p = *run.fleet.providers[hosts[k]];
    for (const InfraChange& r : run.plan.infra) {
      if (r.host != host || r.action != Action::kCreate || run.host_failed(host)) continue;
      if (Status st = create_one(run, p, r); !st.ok()) return run.fail(host, st.error());
      run.done(host, "", fmt::format("created {} {}", infra_kind(r), r.name));
    }
  }));
}

// Pulls or builds, on each host, the images of the services about to start there.
void prepare_images(ApplyRun& run, const std::vector<size_t>& hosts) {
  run.check(parallel_for(hosts.size(), run.options.max_parallel, [&](size_t k) {
    const std::string& host = run.fleet.inventory.hosts[hosts[k]].name;
    Provider& p = *run.fleet.providers[hosts[k]];
    std::set<std::string> services;
    for (const Change& c : run.plan.changes)
      if (c.host == host && c.action != Action::kRemove && c.action != Action::kUpdate)
        services.insert(c.service);
    std::set<std::string> ready;  // images already checked on this host: ask once each
    for (const std::string& name : services) {
      const Service* s = run.stack.find_service(name);
      if (!s || run.host_failed(host)) continue;
      std::string image = service_image(run.stack, *s);
      if (!ready.insert(image).second) continue;
      auto present = p.image_present(image);
      if (!present.ok()) return run.fail(host, present.error());
      if (*present) continue;
      auto report = [&](const std::string& line) { run.progress.step(host, name, line); };
      Status st = s->build ? p.build_image(*s->build, image, report) : p.pull_image(image, report);
      if (!st.ok()) {
        Error e = st.error();
        e.service = name;
        return run.fail(host, e);
      }
      run.done(host, name, fmt::format("{} image {}", s->build ? "built" : "pulled", image));
    }
  }));
}

void remove_unused_infra(ApplyRun& run) {
  run.check(parallel_for(run.plan.infra.size(), run.options.max_parallel, [&](size_t k) {
    const InfraChange& r = run.plan.infra[k];
    if (r.action != Action::kRemove || run.host_failed(r.host)) return;
    Provider& p = run.provider(r.host);
    Status st = r.kind == InfraChange::Kind::kNetwork
                    ? p.remove_network(r.id.empty() ? r.name : r.id)
                    : p.remove_volume(r.name);
    if (!st.ok()) return run.fail(r.host, st.error());
    run.done(r.host, "", fmt::format("removed {} {}", infra_kind(r), r.name));
  }));
}

}  // namespace berth

// One replica change at a time: create, update in place, remove; and the pieces replacements
// share (engine/rollout.cc does recreates and moves).
#include <fmt/format.h>

#include "engine/apply_run.h"
#include "engine/container_request.h"
#include "engine/cross_host.h"
#include "engine/deliver_files.h"

namespace berth {

Error with_context(Error e, const std::string& host, const std::string& service) {
  if (e.host.empty()) e.host = host;
  if (e.service.empty()) e.service = service;
  return e;
}

Nanos stop_timeout(const Service* s) {
  return s && s->spec.stop_grace_period > 0 ? s->spec.stop_grace_period : 10'000'000'000;
}

// Creates and starts the replica on `host`; returns the new container's id.
Result<std::string> start_replica(ApplyRun& run, const Service& s, const Change& c,
                                  const std::string& name, const std::string& prev_spec) {
  ReplicaContext ctx{c.slot, prev_spec, run.options.commit,
                     derived_extra_hosts(run.stack, run.plan, run.fleet.inventory, s, c.host)};
  ctx.ingress_ports = c.ingress_ports;
  ContainerCreate req = container_request(run.stack, s, ctx);
  req.name = name;
  Provider& p = run.provider(c.host);
  auto id = p.create_container(req);
  if (!id.ok()) return with_context(id.error(), c.host, s.name);
  Status st = deliver_files(p, run.stack, s, *id);
  if (st.ok()) st = p.start_container(*id);
  if (!st.ok()) {
    (void)p.remove_container(*id, true);
    return with_context(st.error(), c.host, s.name);
  }
  return id;
}

Status route_away(ApplyRun& run, const Upstream& leaving) {
  if (leaving.bindings.empty()) return ok_status();
  if (Status st = run.ingress.route({}, {leaving.key()}); !st.ok()) return st;
  int64_t waited = run.ingress.drain(leaving);
  if (waited > 0)
    run.progress.step(leaving.host, leaving.service,
                      fmt::format("drained {} in {} ms", leaving.container, waited));
  return ok_status();
}

void route_created(ApplyRun& run, const Service& s, const std::vector<const Change*>& direct) {
  std::vector<Upstream> arriving;
  for (const Change* c : direct)
    if (c->action == Action::kCreate && !c->ingress_ports.empty() && !run.host_failed(c->host))
      arriving.push_back(run.ingress.planned(s, *c));
  if (arriving.empty()) return;
  if (Status st = run.ingress.route(arriving, {}); !st.ok())
    run.fail(st.error().host, with_context(st.error(), st.error().host, s.name));
}

void prepare_proxies(ApplyRun& run) {
  if (!run.ingress.active()) return;
  auto done = [&](const std::string& host, const std::string& text) { run.done(host, "", text); };
  for (Error& e : run.ingress.prepare(done)) run.fail(e.host, std::move(e));
}

Status remove_replica(Provider& p, const std::string& id, Nanos timeout) {
  if (Status st = p.stop_container(id, timeout); !st.ok()) return st;
  return p.remove_container(id, true);
}

namespace {

Status create(ApplyRun& run, const Service& s, const Change& c) {
  auto id = start_replica(run, s, c, c.container, "");
  if (!id.ok()) return id.error();
  run.done(c.host, s.name, fmt::format("created {}", c.container));
  return ok_status();
}

bool has_field(const Change& c, const std::string& prefix) {
  for (const FieldChange& f : c.fields)
    if (f.path.rfind(prefix, 0) == 0) return true;
  return false;
}

// In place: a replica parked aside by a run that stopped half-way gets its name back, new
// limits and restart policy are set, a stopped replica is started.
Status update(ApplyRun& run, const Service& s, const Change& c) {
  Provider& p = run.provider(c.host);
  if (has_field(c, "name"))
    if (Status st = p.rename_container(c.container_id, c.container); !st.ok())
      return with_context(st.error(), c.host, s.name);
  if (has_field(c, "limits") || has_field(c, "restart"))
    if (Status st = p.update_container(c.container_id, s.spec.limits, s.spec.restart); !st.ok())
      return with_context(st.error(), c.host, s.name);
  if (has_field(c, "state")) {
    if (Status st = p.start_container(c.container_id); !st.ok())
      return with_context(st.error(), c.host, s.name);
    if (Status st = wait_container_ready(run, c.host, s.name, c.container_id); !st.ok())
      return with_context(st.error(), c.host, s.name);
  }
  run.done(c.host, s.name,
           has_field(c, "name")
               ? fmt::format("put back {} (left parked by an earlier run)", c.container)
           : has_field(c, "state") ? fmt::format("started {}", c.container)
                                   : fmt::format("updated {} in place", c.container));
  return ok_status();
}

Status remove(ApplyRun& run, const Change& c) {
  const Service* s = run.stack.find_service(c.service);
  if (Status away = route_away(run, run.ingress.current(c.container_id)); !away.ok())
    return with_context(away.error(), away.error().host, c.service);
  Status st = remove_replica(run.provider(c.host), c.container_id, stop_timeout(s));
  if (!st.ok()) return with_context(st.error(), c.host, c.service);
  run.done(c.host, c.service, fmt::format("removed {}", c.container));
  return ok_status();
}

}  // namespace

Status run_change(ApplyRun& run, const Change& c) {
  if (c.action == Action::kRemove) return remove(run, c);
  const Service* s = run.stack.find_service(c.service);
  if (!s) {
    return Error{ErrorKind::kInternal,
                 {},
                 c.host,
                 c.service,
                 "the plan names a service the stack does not have",
                 ""};
  }
  switch (c.action) {
    case Action::kCreate: return create(run, *s, c);
    case Action::kUpdate: return update(run, *s, c);
    default:
      return Error{ErrorKind::kInternal,
                   {},
                   c.host,
                   c.service,
                   "a replacement reached run_change; it goes through the rollout",
                   ""};
  }
}

}  // namespace berth

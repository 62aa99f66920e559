// One replica change at a time: create, update in place, replace (recreate/move) with rollback,
// remove. Replacement keeps the old container, renamed, until the new one is ready, so a failed
// rollout can put it back without knowing how it was made.
#include <fmt/format.h>

#include "engine/apply_run.h"
#include "engine/container_request.h"
#include "engine/cross_host.h"
#include "engine/deliver_files.h"

namespace berth {
namespace {

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

Status remove_replica(Provider& p, const std::string& id, Nanos timeout) {
  if (Status st = p.stop_container(id, timeout); !st.ok()) return st;
  return p.remove_container(id, true);
}

Status create(ApplyRun& run, const Service& s, const Change& c) {
  auto id = start_replica(run, s, c, c.container, "");
  if (!id.ok()) return id.error();
  run.done(c.host, s.name, fmt::format("created {}", c.container));
  return ok_status();
}

Status update(ApplyRun& run, const Service& s, const Change& c) {
  Status st = run.provider(c.host).update_container(c.container_id, s.spec.limits, s.spec.restart);
  if (!st.ok()) return with_context(st.error(), c.host, s.name);
  run.done(c.host, s.name, fmt::format("updated {} in place", c.container));
  return ok_status();
}

// Recreate (same host) or move (from_host -> host), ordered per update_config.order.
Status replace(ApplyRun& run, const Service& s, const Change& c) {
  const bool move = c.action == Action::kMove;
  const std::string old_host = move ? c.from_host : c.host;
  Provider& old_p = run.provider(old_host);
  auto old = old_p.inspect_container(c.container_id);
  if (!old.ok()) return with_context(old.error(), old_host, s.name);
  const std::string prev_spec = old->label(labels::kSpec);
  const std::string parked = c.container + "-berth-old";
  // A move always starts the new replica first: the old host keeps serving until then.
  const bool start_first = move || s.update_config.order == "start-first";
  Nanos timeout = stop_timeout(&s);

  if (!start_first)
    if (Status st = old_p.stop_container(c.container_id, timeout); !st.ok())
      return with_context(st.error(), old_host, s.name);
  if (!move)
    if (Status st = old_p.rename_container(c.container_id, parked); !st.ok())
      return with_context(st.error(), old_host, s.name);

  auto fresh = start_replica(run, s, c, c.container, prev_spec);
  Status ready = fresh.ok() ? wait_container_ready(run, c.host, s.name, *fresh)
                            : Status(fresh.error());
  if (!ready.ok() && s.update_config.failure_action != "continue") {
    // Roll back: drop the new replica, put the old one back as it was.
    if (fresh.ok()) (void)remove_replica(run.provider(c.host), *fresh, timeout);
    if (!move) (void)old_p.rename_container(c.container_id, c.container);
    (void)old_p.start_container(c.container_id);
    Error e = with_context(ready.error(), c.host, s.name);
    e.message += fmt::format("; kept the previous {} running ({})", c.container,
                             s.update_config.failure_action == "rollback" ? "rolled back"
                                                                          : "rollout paused");
    return e;
  }
  if (Status st = remove_replica(old_p, c.container_id, timeout); !st.ok())
    return with_context(st.error(), old_host, s.name);
  if (move)
    run.done(c.host, s.name, fmt::format("moved {} from {}", c.container, c.from_host));
  else
    run.done(c.host, s.name, fmt::format("recreated {}", c.container));
  return ready.ok() ? ok_status() : Status(with_context(ready.error(), c.host, s.name));
}

Status remove(ApplyRun& run, const Change& c) {
  const Service* s = run.stack.find_service(c.service);
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
    return Error{ErrorKind::kInternal, {}, c.host, c.service,
                 "the plan names a service the stack does not have", ""};
  }
  switch (c.action) {
    case Action::kCreate: return create(run, *s, c);
    case Action::kUpdate: return update(run, *s, c);
    default: return replace(run, *s, c);
  }
}

}  // namespace berth

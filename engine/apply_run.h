// Internal to apply: the state one run shares between its phases and worker threads.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "engine/apply.h"
#include "engine/ingress.h"

namespace berth {

struct ApplyRun {
  const Stack& stack;
  const Plan& plan;
  Fleet& fleet;
  const ApplyOptions& options;
  Progress& progress;
  IngressRouter ingress;            // the proxies, when the plan has any (engine/ingress.h)
  std::vector<HostReport> reports;  // by fleet index
  std::vector<char> failed;         // by fleet index; guarded by mu
  std::vector<Error> errors;        // not tied to a host; guarded by mu
  std::mutex mu;

  ApplyRun(const Stack& s, const Plan& p, Fleet& f, const ApplyOptions& o, Progress& pr);

  int host_index(const std::string& host) const { return fleet.index_of(host); }
  Provider& provider(const std::string& host) { return *fleet.providers[host_index(host)]; }
  bool host_failed(const std::string& host);
  // Records a failure on a host: later steps skip it.
  void fail(const std::string& host, Error e);
  void done(const std::string& host, const std::string& service, const std::string& text);
  // Keeps an error that is not one host's (a worker that threw).
  void check(const Status& st);
  bool stop_requested() const { return options.interrupted && options.interrupted(); }
  void emit(Event e) { berth::emit(progress, std::move(e)); }
  void outcome(RolloutOutcome o);
  std::vector<RolloutOutcome> rollouts;  // guarded by mu
};

// Carries out a create, an in-place update or a removal on its host. Errors name the host and
// service. Recreates and moves go through roll_service.
Status run_change(ApplyRun& run, const Change& change);

// Replaces the service's replicas (recreates and moves) in batches, per its update_config:
// start-first or stop-first (Change::stop_first), health + monitor per replica, delay between
// batches, failure_action (rollback | pause | continue) beyond max_failure_ratio
// (engine/rollout.cc, docs/rollouts.md).
void roll_service(ApplyRun& run, const Service& s, const std::vector<const Change*>& rolling);

// Ingress services: `leaving` stops receiving requests on every proxy, then what it has in
// flight finishes (at most its route's drain) before it may stop. Fails when a proxy did not
// load; a replica without ingress passes at once.
Status route_away(ApplyRun& run, const Upstream& leaving);

// The proxies the plan creates or replaces, each loaded with what runs now; a host whose proxy
// fails is failed.
void prepare_proxies(ApplyRun& run);
// The proxies start sending to the replicas of `direct` created on hosts that did not fail (a
// create that failed failed its host). Their health checks keep requests off one not ready yet.
void route_created(ApplyRun& run, const Service& s, const std::vector<const Change*>& direct);

// The plan's networks and volumes created on `hosts` (fleet indexes), and the images of the
// services about to start there pulled or built; after the replicas, the networks and volumes
// the plan removes (engine/apply_infra.cc). A failure fails its host.
void create_infra(ApplyRun& run, const std::vector<size_t>& hosts);
void prepare_images(ApplyRun& run, const std::vector<size_t>& hosts);
void remove_unused_infra(ApplyRun& run);

// Pieces shared by the steps (engine/apply_steps.cc).
Error with_context(Error e, const std::string& host, const std::string& service);
Nanos stop_timeout(const Service* s);
// Creates and starts the replica of `c` on c.host under `name`; returns the new container's id.
Result<std::string> start_replica(ApplyRun& run, const Service& s, const Change& c,
                                  const std::string& name, const std::string& prev_spec);
Status remove_replica(Provider& p, const std::string& id, Nanos timeout);

// Waits until every placed replica of `service` meets `condition` (service_healthy: health
// "healthy", or running with no health check; service_completed_successfully: exited 0;
// service_started: running), up to `timeout` (0: options.health_timeout) for each replica.
Status wait_for_service(ApplyRun& run, const std::string& service, const std::string& condition,
                        Nanos timeout = 0);

// Waits until one container is healthy (or running, with no health check). Used by rollouts.
Status wait_container_ready(ApplyRun& run, const std::string& host, const std::string& service,
                            const std::string& id);

// Then watches it for `monitor`: it must keep running, not restart, not turn unhealthy.
Status monitor_container(ApplyRun& run, const std::string& host, const std::string& service,
                         const std::string& id, Nanos monitor);

// What a failed replica said last: its last health-check output and its last log lines, one
// line ("" when there is nothing).
std::string failure_detail(Provider& p, const std::string& id);

}  // namespace berth

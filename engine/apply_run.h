// Internal to apply: the state one run shares between its phases and worker threads.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "engine/apply.h"

namespace berth {

struct ApplyRun {
  const Stack& stack;
  const Plan& plan;
  Fleet& fleet;
  const ApplyOptions& options;
  Progress& progress;
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
};

// Carries out one replica change on its host(s). Errors name the host and service.
Status run_change(ApplyRun& run, const Change& change);

// Waits until every placed replica of `service` meets `condition` (service_healthy: health
// "healthy", or running with no health check; service_completed_successfully: exited 0;
// service_started: running), up to options.health_timeout.
Status wait_for_service(ApplyRun& run, const std::string& service, const std::string& condition);

// Waits until one container is healthy (or running, with no health check). Used by rollouts.
Status wait_container_ready(ApplyRun& run, const std::string& host, const std::string& service,
                            const std::string& id);

}  // namespace berth

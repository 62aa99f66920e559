// Waiting for replicas to become ready: health checks, completion, or simply running.
#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "engine/apply_run.h"

namespace berth {
namespace {

enum class Readiness { kWaiting, kReady, kFailed };

struct Verdict {
  Readiness readiness;
  std::string why;  // for kFailed
};

Verdict judge(const ObservedContainer& c, const std::string& condition) {
  if (condition == "service_completed_successfully") {
    if (c.state == "exited" || c.state == "dead") {
      if (c.exit_code == 0) return {Readiness::kReady, ""};
      return {Readiness::kFailed, fmt::format("{} exited with code {}", c.name, c.exit_code)};
    }
    return {Readiness::kWaiting, ""};
  }
  if (c.state == "exited" || c.state == "dead")
    return {Readiness::kFailed, fmt::format("{} exited with code {}", c.name, c.exit_code)};
  if (condition == "service_healthy" || condition == "ready") {
    if (c.health == "unhealthy") return {Readiness::kFailed, fmt::format("{} is unhealthy", c.name)};
    if (c.health == "healthy") return {Readiness::kReady, ""};
    if (c.health.empty() && c.state == "running") return {Readiness::kReady, ""};
    return {Readiness::kWaiting, ""};
  }
  return {c.state == "running" ? Readiness::kReady : Readiness::kWaiting, ""};
}

// Polls one container (by id or name) on a host until it is ready, fails or time runs out.
Status wait_one(ApplyRun& run, const std::string& host, const std::string& service,
                const std::string& id, const std::string& condition) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::nanoseconds(run.options.health_timeout);
  auto pause = std::chrono::milliseconds(50);
  Provider& p = run.provider(host);
  while (true) {
    auto c = p.inspect_container(id);
    if (!c.ok()) return c.error();
    Verdict v = judge(*c, condition);
    if (v.readiness == Readiness::kReady) return ok_status();
    if (v.readiness == Readiness::kFailed)
      return Error{ErrorKind::kHost, {}, host, service, v.why,
                   fmt::format("see `berth logs {}`", service)};
    if (run.stop_requested())
      return Error{ErrorKind::kInterrupted, {}, host, service,
                   fmt::format("interrupted while waiting for {}", c->name), ""};
    if (clock::now() > deadline) {
      return Error{ErrorKind::kHost, {}, host, service,
                   fmt::format("{} did not become {} within {}s", c->name,
                               condition == "service_completed_successfully" ? "complete"
                                                                              : "healthy",
                               run.options.health_timeout / 1'000'000'000),
                   fmt::format("check its health check and `berth logs {}`", service)};
    }
    std::this_thread::sleep_for(pause);
    // Back off gently: health checks run every few seconds at best.
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

}  // namespace

Status wait_container_ready(ApplyRun& run, const std::string& host, const std::string& service,
                            const std::string& id) {
  return wait_one(run, host, service, id, "ready");
}

Status wait_for_service(ApplyRun& run, const std::string& service, const std::string& condition) {
  const Service* s = run.stack.find_service(service);
  if (!s) return ok_status();  // an optional dependency on a disabled service
  for (const ReplicaPlacement& r : run.plan.placements) {
    if (r.service != service) continue;
    if (run.host_failed(r.host)) {
      return Error{ErrorKind::kHost, {}, r.host, service,
                   fmt::format("dependency {} could not be started on host {}", service, r.host),
                   ""};
    }
    Status st = wait_one(run, r.host, service, container_name(run.stack, *s, r.slot), condition);
    if (!st.ok()) return st;
  }
  return ok_status();
}

}  // namespace berth

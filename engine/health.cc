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
  if (condition == "service_healthy" || condition == "ready" || condition == "eventually_healthy") {
    // A later check can still pass: --wait keeps waiting through "unhealthy" until its timeout.
    if (c.health == "unhealthy" && condition != "eventually_healthy")
      return {Readiness::kFailed, fmt::format("{} is unhealthy", c.name)};
    if (c.health == "healthy") return {Readiness::kReady, ""};
    if (c.health.empty() && c.state == "running") return {Readiness::kReady, ""};
    return {Readiness::kWaiting, ""};
  }
  return {c.state == "running" ? Readiness::kReady : Readiness::kWaiting, ""};
}

// Polls one container (by id or name) on a host until it is ready, fails or time runs out.
Status wait_one(ApplyRun& run, const std::string& host, const std::string& service,
                const std::string& id, const std::string& condition, Nanos timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::nanoseconds(timeout);
  auto pause = std::chrono::milliseconds(50);
  Provider& p = run.provider(host);
  while (true) {
    auto c = p.inspect_container(id);
    if (!c.ok()) return c.error();
    Verdict v = judge(*c, condition);
    if (v.readiness == Readiness::kReady) return ok_status();
    if (v.readiness == Readiness::kFailed)
      return Error{ErrorKind::kHost, {},    host,
                   service,          v.why, fmt::format("see `berth logs {}`", service)};
    if (run.stop_requested())
      return Error{ErrorKind::kInterrupted,
                   {},
                   host,
                   service,
                   fmt::format("interrupted while waiting for {}", c->name),
                   ""};
    if (clock::now() > deadline) {
      return Error{
          ErrorKind::kHost,
          {},
          host,
          service,
          fmt::format("{} did not become {} within {}s", c->name,
                      condition == "service_completed_successfully" ? "complete" : "healthy",
                      timeout / 1'000'000'000),
          fmt::format("check its health check and `berth logs {}`", service)};
    }
    std::this_thread::sleep_for(pause);
    // Back off gently: health checks run every few seconds at best.
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
}

}  // namespace

Status monitor_container(ApplyRun& run, const std::string& host, const std::string& service,
                         const std::string& id, Nanos monitor) {
  using clock = std::chrono::steady_clock;
  Provider& p = run.provider(host);
  auto first = p.inspect_container(id);
  if (!first.ok()) return first.error();
  const int restarts = first->restart_count;
  const auto until = clock::now() + std::chrono::nanoseconds(monitor);
  // Polls a few times a second: a replica that exits or restarts during `monitor` fails it.
  while (clock::now() < until) {
    if (run.stop_requested())
      return Error{ErrorKind::kInterrupted,
                   {},
                   host,
                   service,
                   fmt::format("interrupted while watching {}", first->name),
                   ""};
    auto c = p.inspect_container(id);
    if (!c.ok()) return c.error();
    std::string why;
    if (c->state != "running")
      why = fmt::format("{} {} (exit code {})", c->name, c->state, c->exit_code);
    else if (c->restart_count != restarts)
      why = fmt::format("{} restarted", c->name);
    else if (c->health == "unhealthy")
      why = fmt::format("{} turned unhealthy", c->name);
    if (!why.empty())
      return Error{
          ErrorKind::kHost,
          {},
          host,
          service,
          fmt::format("{} within the {} s monitor period", why, static_cast<double>(monitor) / 1e9),
          fmt::format("see `berth logs {}`", service)};
    auto left = until - clock::now();
    std::this_thread::sleep_for(std::min<clock::duration>(left, std::chrono::milliseconds(250)));
  }
  return ok_status();
}

std::string failure_detail(Provider& p, const std::string& id) {
  std::string out;
  if (auto c = p.inspect_container(id); c.ok() && !c->health_output.empty())
    out = "last health check: " + c->health_output;
  std::string logs;
  LogOptions options;
  options.tail = "10";
  (void)p.logs(id, options, [&](int, const std::string& text) { logs += text; });
  while (!logs.empty() && (logs.back() == '\n' || logs.back() == ' ')) logs.pop_back();
  if (!logs.empty()) out += (out.empty() ? "" : "; ") + std::string("last log lines: ") + logs;
  for (char& ch : out)
    if (ch == '\n') ch = '|';
  return out;
}

Status wait_container_ready(ApplyRun& run, const std::string& host, const std::string& service,
                            const std::string& id) {
  return wait_one(run, host, service, id, "ready", run.options.health_timeout);
}

Status wait_for_service(ApplyRun& run, const std::string& service, const std::string& condition,
                        Nanos timeout) {
  if (timeout <= 0) timeout = run.options.health_timeout;
  const Service* s = run.stack.find_service(service);
  if (!s) return ok_status();  // an optional dependency on a disabled service
  for (const ReplicaPlacement& r : run.plan.placements) {
    if (r.service != service) continue;
    if (run.host_failed(r.host)) {
      return Error{ErrorKind::kHost,
                   {},
                   r.host,
                   service,
                   fmt::format("dependency {} could not be started on host {}", service, r.host),
                   ""};
    }
    Status st =
        wait_one(run, r.host, service, container_name(run.stack, *s, r.slot), condition, timeout);
    if (!st.ok()) return st;
  }
  return ok_status();
}

}  // namespace berth

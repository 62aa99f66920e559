// berth logs [SERVICE...]: the stack's container logs from every host, prefixed by replica.
#include <fmt/format.h>

#include <iostream>
#include <mutex>
#include <set>

#include "cmd/commands.h"
#include "engine/observe.h"
#include "engine/parallel.h"

namespace berth::cli {
namespace {

struct LogsFlags {
  std::vector<std::string> services;
  bool follow = false;
  std::string tail = "all";
  bool timestamps = false;
};

struct Target {
  size_t host;
  std::string id, name;
};

int run_logs(const StackOptions& stack, const LogsFlags& f) {
  auto opened = open_reported(plan_request(stack));
  if (!opened.ok()) return report_error(opened.error());
  for (const auto& s : f.services) {
    if (!opened->stack.find_service(s))
      return report_error(Error{ErrorKind::kUsage, {}, "", s, "no such service in the stack",
                                "see `berth config` for the services"});
  }
  Observed observed = observe(opened->stack.name, opened->fleet, stack.parallel);
  std::set<std::string> wanted(f.services.begin(), f.services.end());
  std::vector<Target> targets;
  for (size_t i = 0; i < observed.hosts.size(); ++i) {
    if (!observed.hosts[i].reachable) std::cerr << "warning: " << observed.hosts[i].error.str() << "\n";
    for (const auto& c : observed.hosts[i].containers)
      if (c.owned_by(observed.stack) && (wanted.empty() || wanted.count(c.label(labels::kService))))
        targets.push_back({i, c.id, c.name});
  }
  std::mutex mu;
  size_t width = 0;
  for (const auto& t : targets) width = std::max(width, t.name.size());
  LogOptions options{f.follow, f.tail, f.timestamps};
  int failures = 0;
  // Every replica streams on its own thread so `--follow` interleaves them as they come.
  Status all = parallel_for(targets.size(), static_cast<int>(targets.size()), [&](size_t k) {
    const Target& t = targets[k];
    std::string partial;
    auto sink = [&](int stream, const std::string& text) {
      partial += text;
      size_t nl;
      std::lock_guard<std::mutex> guard(mu);
      while ((nl = partial.find('\n')) != std::string::npos) {
        (stream == 2 ? std::cerr : std::cout)
            << fmt::format("{:<{}} | {}\n", t.name, width, partial.substr(0, nl)) << std::flush;
        partial.erase(0, nl + 1);
      }
    };
    Status st = opened->fleet.providers[t.host]->logs(t.id, options, sink);
    std::lock_guard<std::mutex> guard(mu);
    if (!partial.empty()) std::cout << fmt::format("{:<{}} | {}\n", t.name, width, partial);
    if (!st.ok()) {
      ++failures;
      std::cerr << "error: " << st.error().str() << "\n";
    }
  });
  if (!all.ok()) return report_error(all.error());
  return failures ? 1 : 0;
}

}  // namespace

void add_logs_command(CLI::App& app, StackOptions& stack, int& exit_code) {
  auto f = std::make_shared<LogsFlags>();
  CLI::App* sub = app.add_subcommand("logs", "Show the logs of the stack's replicas");
  sub->add_option("services", f->services, "Services (default: all)")->type_name("SERVICE");
  sub->add_flag("-f,--follow", f->follow, "Keep streaming");
  sub->add_option("-n,--tail", f->tail, "Lines from the end of each log (default: all)");
  sub->add_flag("-t,--timestamps", f->timestamps, "Show timestamps");
  sub->callback([&stack, &exit_code, f] { exit_code = run_logs(stack, *f); });
}

}  // namespace berth::cli

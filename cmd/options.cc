#include "cmd/options.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>

extern char** environ;

namespace berth::cli {

void add_stack_options(CLI::App& app, StackOptions& o) {
  app.add_option("-f,--file", o.files, "Compose file(s), merged in order")->type_name("FILE");
  app.add_option("-p,--project-name", o.project_name, "Stack name");
  app.add_option("--project-directory", o.project_directory, "Working directory of the stack");
  app.add_option("--env-file", o.env_files, "Variables file(s) (default: .env)")->type_name("FILE");
  app.add_option("--profile", o.profiles, "Enable a profile");
  app.add_option("-i,--inventory", o.inventory,
                 "Hosts file (default: berth.hosts.yaml beside the stack, else the local engine)")
      ->type_name("FILE");
  app.add_option("--ssh-option", o.ssh_options, "Extra ssh -o option, e.g. IdentityFile=~/k")
      ->type_name("OPT");
  app.add_option("--parallel", o.parallel, "Hosts worked on at once")->check(CLI::Range(1, 1024));
  app.add_flag("--no-color", o.no_color, "No colors in live progress (so does NO_COLOR=1)");
}

void add_rollout_flags(CLI::App& sub, bool& skip_unreachable, int& health_timeout_seconds) {
  sub.add_flag("--skip-unreachable", skip_unreachable,
               "Work on the reachable hosts only; what may run on the others is left alone");
  sub.add_option("--health-timeout", health_timeout_seconds,
                 "Seconds to wait for a replica to become healthy")
      ->check(CLI::Range(1, 86400));
}

void add_repo_options(CLI::App& sub, RepoOptions& o, bool required) {
  auto repo = sub.add_option("--repo", o.repo, "Git repository URL or path")->type_name("URL");
  if (required) repo->required();
  sub.add_option("--ref", o.ref, "Branch, tag or commit (default: the remote's HEAD)");
  sub.add_option("--path", o.path, "The stack's directory inside the repository")->type_name("DIR");
  sub.add_option("--cache-dir", o.cache_dir,
                 "Git cache (default: $XDG_CACHE_HOME/berth/git or ~/.cache/berth/git)")
      ->type_name("DIR");
}

PlanRequest plan_request(const StackOptions& o) {
  PlanRequest r;
  r.load.files = o.files;
  r.load.project_name = o.project_name;
  r.load.env_files = o.env_files;
  r.load.profiles = o.profiles;
  r.load.working_dir = o.project_directory;
  r.load.interrupted = interrupted;  // SIGINT/SIGTERM stop a long load (engine/load/loader.h)
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) r.load.environment[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (r.load.project_name.empty() && r.load.environment.count("COMPOSE_PROJECT_NAME"))
    r.load.project_name = r.load.environment["COMPOSE_PROJECT_NAME"];
  r.inventory_path = o.inventory;
  r.provider.ssh_options = o.ssh_options;
  r.max_parallel = o.parallel;
  return r;
}

SyncOptions sync_options(const StackOptions& stack, const RepoOptions& repo) {
  PlanRequest request = plan_request(stack);
  SyncOptions o;
  o.url = repo.repo;
  o.ref = repo.ref;
  o.path = repo.path;
  o.cache.cache_root = repo.cache_dir;
  o.cache.interrupted = interrupted;
  o.inventory = stack.inventory;
  o.files = stack.files;
  o.project_name = request.load.project_name;
  o.env_files = stack.env_files;
  o.profiles = stack.profiles;
  o.environment = request.load.environment;
  o.provider = request.provider;
  o.max_parallel = stack.parallel;
  o.apply.max_parallel = stack.parallel;
  o.apply.interrupted = interrupted;
  return o;
}

bool report_diagnostics(const Diagnostics& diag) {
  for (const auto& w : diag.warnings) std::cerr << "warning: " << w.str() << "\n";
  for (const auto& e : diag.errors) std::cerr << "error: " << e.str() << "\n";
  return !diag.errors.empty();
}

Result<Planned> open_reported(const PlanRequest& request) {
  Diagnostics diag;
  auto opened = open_stack(request, diag);
  report_diagnostics(diag);
  return opened;
}

int report_error(const Error& e) {
  std::cerr << "error: " << e.str() << "\n";
  return exit_code_for(e.kind);
}

bool stdin_is_tty() { return isatty(STDIN_FILENO); }
bool stdout_is_tty() { return isatty(STDOUT_FILENO); }

bool confirm(const std::string& question) {
  std::cout << question << "\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
            << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

int json_needs_yes(bool json, bool yes, const char* command) {
  if (!json || yes) return 0;
  return report_error(Error{ErrorKind::kUsage,
                            {},
                            "",
                            "",
                            fmt::format("{} --json streams events on stdout and cannot ask for "
                                        "confirmation there",
                                        command),
                            fmt::format("review with `berth plan`, then run `berth {} --json "
                                        "--yes`",
                                        command)});
}

namespace {
std::atomic<bool> g_interrupted{false};
// The first signal asks the run to stop cleanly (finish or roll back the batch in progress,
// release the locks); a second one stops at once, as kill -9 would: the next apply converges.
void on_signal(int) {
  if (g_interrupted.exchange(true)) _exit(130);
}
}  // namespace

bool interrupted() { return g_interrupted; }

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace berth::cli

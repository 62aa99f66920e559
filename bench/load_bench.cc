// Loader benchmark: time and peak memory of load_stack (engine/load/loader.h) on generated
// stacks of growing size, to show that both grow linearly with the file (issue 7, item 6).
//
//   load_bench [--runs N] [--sizes 100K,1M,10M]
//   load_bench --generate DIR SIZE     (writes DIR/compose.yaml and DIR/.env, for profiling)
//
// Each size is loaded in a child process of its own (this executable with --child), so the
// peak RSS reported (wait4's ru_maxrss) is that load's alone. Prints one line per size:
// bytes, services, median / min / max wall time of N loads, median CPU time (user + system,
// steadier than wall time when other work shares the cores), peak RSS. Figures are recorded
// in docs/benchmarks.md, section Loader.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/load/loader.h"

namespace fs = std::filesystem;

namespace {

// One service as real files write them: most of the common keys, an interpolated tag, a
// dependency on the previous service, a deploy section.
std::string service_text(int i) {
  return fmt::format(R"(  svc-{0}:
    image: "registry.example.com/team/app-{0}:${{TAG:-1.0}}"
    command: ["/bin/app", "--port", "80{1:02}", "--name", "svc-{0}"]
    environment:
      APP_NAME: svc-{0}
      LOG_LEVEL: info
      DATABASE_URL: postgres://db:5432/app{0}
    labels:
      - "com.example.team=core"
      - "com.example.index={0}"
    ports:
      - "{2}:80"
    volumes:
      - data-{3}:/var/lib/app
      - ./conf/{0}.conf:/etc/app.conf:ro
    networks: [front, back]
    depends_on: [{4}]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost/health"]
      interval: 30s
      timeout: 5s
      retries: 3
    deploy:
      replicas: 2
      resources:
        reservations: {{cpus: "0.05", memory: 32M}}
        limits: {{cpus: "0.5", memory: 256M}}
      placement:
        constraints: ["node.labels.zone!=c"]
)",
                     i, i % 100, 10000 + i % 50000, i % 100,
                     i == 0 ? std::string() : fmt::format("svc-{}", i - 1));
}

// A stack of about `bytes` bytes; returns the number of services.
int generate(const fs::path& dir, size_t bytes) {
  fs::create_directories(dir);
  std::string text = "name: bench\nservices:\n";
  int n = 0;
  while (text.size() < bytes) text += service_text(n++);
  text += "networks:\n  front: {}\n  back: {}\nvolumes:\n";
  for (int v = 0; v < std::min(n, 100); ++v) text += fmt::format("  data-{}: {{}}\n", v);
  std::ofstream(dir / "compose.yaml") << text;
  std::ofstream(dir / ".env") << "TAG=2.1\n";
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Child: load the stack `runs` times, print each wall and CPU time in seconds.
int child(const std::string& dir, int runs) {
  for (int r = 0; r < runs; ++r) {
    berth::LoadOptions o;
    o.working_dir = dir;
    berth::Diagnostics diag;
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_seconds();
    berth::Stack stack = berth::load_stack(o, diag);
    double t = seconds_since(t0), cpu = cpu_seconds() - c0;
    if (!diag.ok()) {
      fmt::print(stderr, "load failed: {}\n", diag.errors.front().str());
      return 1;
    }
    fmt::print("{} {} {}\n", t, cpu, stack.services.size());
  }
  return 0;
}

size_t parse_size(const std::string& s) {
  size_t n = std::stoul(s);
  char unit = s.empty() ? ' ' : s.back();
  return unit == 'K' ? n << 10 : unit == 'M' ? n << 20 : n;
}

// Parent: run one child for a size, collect its times and peak RSS.
void measure(const std::string& self, const std::string& label, size_t bytes, int runs) {
  fs::path dir = fs::temp_directory_path() / fmt::format("berth-load-bench-{}-{}", getpid(), label);
  int services = generate(dir, bytes);
  size_t actual = fs::file_size(dir / "compose.yaml");
  int out[2];
  if (pipe(out) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    std::string r = std::to_string(runs);
    execl(self.c_str(), self.c_str(), "--child", dir.c_str(), r.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  std::vector<double> times, cpus;
  FILE* f = fdopen(out[0], "r");
  double t, cpu;
  size_t loaded;
  while (f && fscanf(f, "%lf %lf %zu", &t, &cpu, &loaded) == 3) {
    times.push_back(t);
    cpus.push_back(cpu);
  }
  if (f) fclose(f);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  fs::remove_all(dir);
  if (times.empty()) {
    fmt::print("{:>6}  failed (status {})\n", label, status);
    return;
  }
  std::sort(times.begin(), times.end());
  std::sort(cpus.begin(), cpus.end());
  fmt::print("{:>5} {:>9} B {:>6} services  wall median {:7.1f} ms (min {:7.1f}, max {:7.1f})  "
             "CPU median {:7.1f} ms  {} runs  peak RSS {:6.1f} MiB\n",
             label, actual, services, times[times.size() / 2] * 1e3, times.front() * 1e3,
             times.back() * 1e3, cpus[cpus.size() / 2] * 1e3, times.size(),
             ru.ru_maxrss / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "--child") return child(args[1], std::stoi(args[2]));
  if (args.size() == 3 && args[0] == "--generate") {
    fmt::print("{} services\n", generate(args[1], parse_size(args[2])));
    return 0;
  }
  int runs = 10;
  std::string sizes = "100K,1M,10M";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--runs") runs = std::stoi(args[i + 1]);
    else if (args[i] == "--sizes") sizes = args[i + 1];
  }
  std::string self = fs::read_symlink("/proc/self/exe").string();
  size_t start = 0;
  while (start <= sizes.size()) {
    size_t comma = sizes.find(',', start);
    std::string label = sizes.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!label.empty()) measure(self, label, parse_size(label), runs);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return 0;
}

// The packer at fleet scale (issue 3): placements/s, peak memory, hosts used vs the lower bound.
//
//   build/bench/placement_bench            # the table in docs/placement.md
//
// Instances are generated with splitmix64 and integer arithmetic only, so every machine builds
// the same ones. Hosts are all the same size (16 CPUs, 64 GiB) unless said otherwise; demand
// per replica per dimension is drawn uniformly from a percentage range of a host.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "planner/placement.h"

namespace {

using namespace berth;

struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % (hi - lo + 1)); }
};

constexpr NanoCpus kHostCpu = 16 * kNanoCpusPerCpu;
constexpr Bytes kHostMem = 64LL << 30;

struct Instance {
  Stack stack;
  Inventory inventory;
  Observed observed;
};

// `services` services of `replicas` each; demand per dimension in [lo, hi] per-mille of a host.
Instance generate(int hosts, int services, int replicas, int lo, int hi, uint64_t seed,
                  bool heterogeneous = false, bool constrained = false) {
  Instance in;
  Rng rng{seed};
  in.stack.name = "bench";
  in.observed.stack = "bench";
  for (int i = 0; i < hosts; ++i) {
    Host h;
    h.name = fmt::format("h{:05d}", i);
    h.labels["zone"] = fmt::format("z{}", i % 3);
    in.inventory.hosts.push_back(h);
    ObservedHost o;
    o.name = h.name;
    o.reachable = true;
    int scale = heterogeneous ? 1 + i % 4 : 1;  // 16..64 CPUs
    o.capacity = {kHostCpu * scale / (heterogeneous ? 2 : 1), kHostMem * scale / (heterogeneous ? 2 : 1), 0};
    in.observed.hosts.push_back(o);
  }
  for (int s = 0; s < services; ++s) {
    Service svc;
    svc.name = fmt::format("s{:05d}", s);
    svc.replicas = replicas;
    svc.spec.image = "app";
    svc.reservations.nano_cpus = kHostCpu / 1000 * rng.between(lo, hi);
    svc.reservations.memory = kHostMem / 1000 * rng.between(lo, hi);
    if (constrained && s % 4 == 0) svc.placement.constraints.push_back({"node.labels.zone", false, "z0", {}});
    in.stack.services.push_back(svc);
  }
  return in;
}

int64_t lower_bound(const Instance& in) {
  __int128 cpu = 0, mem = 0;
  for (const auto& s : in.stack.services) {
    cpu += (__int128)s.reservations.nano_cpus * s.replicas;
    mem += (__int128)s.reservations.memory * s.replicas;
  }
  auto ceil_div = [](__int128 a, int64_t b) { return static_cast<int64_t>((a + b - 1) / b); };
  return std::max(ceil_div(cpu, kHostCpu), ceil_div(mem, kHostMem));
}

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

void run(const char* mix, int hosts, int services, int replicas, int lo, int hi,
         bool heterogeneous = false, bool constrained = false) {
  if (hosts == 0) {  // auto: 1.3x the lower bound, so the ratio measures the packer, not the fleet
    Instance probe = generate(1, services, replicas, lo, hi, 42);
    hosts = static_cast<int>(lower_bound(probe) * 13 / 10 + 1);
  }
  Instance in = generate(hosts, services, replicas, lo, hi, 42, heterogeneous, constrained);
  auto t0 = std::chrono::steady_clock::now();
  PlacementResult r = place(in.stack, in.inventory, in.observed, Strategy::kBinpack);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::set<std::string> used;
  for (const auto& p : r.placements) used.insert(p.host);
  int64_t lb = lower_bound(in);
  fmt::print("| {} | {} | {} | {:.3f} s | {:.0f} | {} MiB | {} | {} | {} |\n", mix,
             int64_t(services) * replicas, hosts, secs, r.placements.size() / std::max(secs, 1e-9),
             peak_rss_mib(), used.size(), lb,
             heterogeneous || r.unplaced.size() ? fmt::format("{} unplaced", r.unplaced.size())
                                                : fmt::format("{:.3f}x", double(used.size()) / lb));
}

// 2-D vector packing with a known optimum: each host is filled exactly by three items (the
// triplet construction of Caprara & Toth's class 10), then the items are shuffled.
void triplets(int bins) {
  Instance in;
  Rng rng{7};
  in.stack.name = in.observed.stack = "bench";
  for (int b = 0; b < bins; ++b) {
    int64_t c1 = rng.between(kHostCpu / 4, kHostCpu / 2), c2 = rng.between(kHostCpu / 4, kHostCpu / 2);
    int64_t m1 = rng.between(kHostMem / 4, kHostMem / 2), m2 = rng.between(kHostMem / 4, kHostMem / 2);
    int64_t cs[3] = {c1, c2, kHostCpu - c1 - c2}, ms[3] = {m1, m2, kHostMem - m1 - m2};
    for (int k = 0; k < 3; ++k) {
      Service s;
      s.name = fmt::format("t{:06d}", static_cast<int>(rng.next() % 1000000) * 3 + k);
      s.spec.image = "app";
      s.reservations = {cs[k], ms[k], 0};
      in.stack.services.push_back(s);
    }
  }
  std::sort(in.stack.services.begin(), in.stack.services.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (int i = 0; i < bins * 2; ++i) {
    Host h;
    h.name = fmt::format("h{:05d}", i);
    in.inventory.hosts.push_back(h);
    ObservedHost o{h.name, true, {}, "", "", {kHostCpu, kHostMem, 0}};
    in.observed.hosts.push_back(o);
  }
  auto t0 = std::chrono::steady_clock::now();
  PlacementResult r = place(in.stack, in.inventory, in.observed, Strategy::kBinpack);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::set<std::string> used;
  for (const auto& p : r.placements) used.insert(p.host);
  fmt::print("| triplets (class 10 construction), optimum {} | {} | {} | {:.3f} s | - | {} MiB | {} | {} | {:.3f}x |\n",
             bins, bins * 3, bins * 2, secs, peak_rss_mib(), used.size(), bins,
             double(used.size()) / bins);
}

}  // namespace

int main() {
  fmt::print("| mix | replicas | hosts | time | placements/s | peak RSS | hosts used | lower bound | ratio |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|\n");
  // Standard mix: demand 0.5-5 % of a host per dimension, fleet 1.3x the lower bound.
  run("0.5-5 %", 0, 10, 10, 5, 50);
  run("0.5-5 %", 0, 100, 100, 5, 50);
  run("0.5-5 %", 0, 100, 1000, 5, 50);
  run("0.5-5 %", 0, 1000, 1000, 5, 50);
  run("5-25 %", 0, 100, 100, 50, 250);
  run("5-25 %", 0, 1000, 100, 50, 250);
  run("0.5-5 %, zone!=z0 on 1/4 of services", 0, 100, 1000, 5, 50, false, true);
  run("0.5-5 %, hosts of 8-32 CPUs", 3000, 100, 1000, 5, 50, true);
  // The scale target: 1,000,000 replicas on 10,000 hosts (demand 0.1-1.5 %).
  run("0.1-1.5 %", 10000, 1000, 1000, 1, 15);
  triplets(300);
  return 0;
}

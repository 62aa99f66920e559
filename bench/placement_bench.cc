// The packer on generated instances (issue 11): time, placements/s, peak memory, hosts used
// against the lower bound. Not a test: it prints the tables of docs/placement.md.
//
//   build/bench/placement_bench [fleet|uniform|ct|ct-exact|scale|all]   # default all
//
// ct-exact (not in all: it takes minutes) compares the packer with the optimum on the
// two smallest sizes of Caprara-Toth instances (bench/vector_packing_exact.h).
//
// Instances come from bench/placement_instances.h and bench/caprara_toth.h (splitmix64,
// integer arithmetic: every machine builds the same ones). One thread, one run per row.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <set>
#include <string>

#include "bench/caprara_toth.h"
#include "bench/placement_instances.h"
#include "bench/vector_packing_exact.h"
#include "planner/placement.h"

namespace {

using namespace bench;

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Outcome {
  double secs = 0, cpu = 0;  // wall clock; CPU time of this process (less noisy when shared)
  size_t placed = 0, unplaced = 0, used = 0;
};

Outcome place_world(const World& w) {
  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  berth::PlacementResult r =
      berth::place(w.stack, w.inventory, w.observed, berth::Strategy::kBinpack);
  Outcome o;
  o.secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  o.cpu = cpu_seconds() - c0;
  std::set<std::string> used;
  for (const auto& p : r.placements) used.insert(p.host);
  o.placed = r.placements.size();
  o.unplaced = r.unplaced.size();
  o.used = used.size();
  return o;
}

void header() {
  fmt::print(
      "| mix | replicas | hosts | time | CPU time | peak RSS | hosts used | bound | ratio |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|\n");
}

void row(const std::string& mix, const Instance& in, const World& w) {
  Outcome o = place_world(w);
  int64_t lb = lower_bound(in);
  std::string ratio = o.unplaced ? fmt::format("{} unplaced", o.unplaced)
                                 : fmt::format("{:.3f}x", double(o.used) / lb);
  fmt::print("| {} | {} | {} | {:.3f} s | {:.3f} s | {} MiB | {} | {} | {} |\n", mix,
             o.placed + o.unplaced, in.hosts, o.secs, o.cpu, peak_rss_mib(), o.used, lb, ratio);
  std::fflush(stdout);
}

void fleet_rows() {
  // 10k / 100k / 1M replicas on 100 / 1,000 / 10,000 hosts; the fleet grows to 1.05x the
  // bound when the drawn sizes would not fit (the row says how many hosts it had).
  for (int scale : {1, 10, 100}) {
    for (uint64_t seed : {1, 2, 3}) {
      Instance in = services_fleet(10000 * scale, 100 * scale, seed);
      in.hosts = std::max<int>(in.hosts, static_cast<int>(lower_bound(in) * 21 / 20 + 1));
      row(fmt::format("services fleet, 6 sizes 0.3-2 %, seed {}", seed), in, to_world(in));
    }
  }
}

void uniform_rows() {
  row("0.5-5 %", uniform_mix(10, 10, 5, 50, 42), to_world(uniform_mix(10, 10, 5, 50, 42)));
  for (auto [services, replicas] : {std::pair{100, 100}, {100, 1000}, {1000, 1000}}) {
    Instance in = uniform_mix(services, replicas, 5, 50, 42);
    row("0.5-5 %", in, to_world(in));
  }
  for (auto [services, replicas] : {std::pair{100, 100}, {1000, 100}}) {
    Instance in = uniform_mix(services, replicas, 50, 250, 42);
    row("5-25 %", in, to_world(in));
  }
  {
    Instance in = uniform_mix(100, 1000, 5, 50, 42);
    World w = to_world(in);
    for (size_t s = 0; s < w.stack.services.size(); s += 4)
      w.stack.services[s].placement.constraints.push_back({"node.labels.zone", false, "z0", {}});
    row("0.5-5 %, zone!=z0 on 1/4 of services", in, w);
  }
  // The scale target: 1,000,000 replicas on 10,000 hosts (demand 0.1-1.5 %).
  Instance big = uniform_mix(1000, 1000, 1, 15, 42, 10000);
  row("0.1-1.5 %", big, to_world(big));
  Instance t = triplets(300, 7);
  row("triplets, optimum 300", t, to_world(t));
}

void caprara_toth_rows() {
  fmt::print(
      "| class | instances | mean ratio to bound | worst | mean ratio to strong bound "
      "| total time |\n|---|---|---|---|---|---|\n");
  double sum_all = 0, sum_strong_all = 0;
  for (int cls = 1; cls <= 10; ++cls) {
    double sum = 0, worst = 0, sum_strong = 0, secs = 0;
    int count = 0;
    for (int size = 0; size < 4; ++size) {
      for (int index = 0; index < 10; ++index, ++count) {
        Instance in = caprara_toth(cls, caprara_toth_size(cls, size), index);
        Outcome o = place_world(to_world(in));
        double r = double(o.used) / lower_bound(in);
        if (o.unplaced) r = 99;
        sum += r, worst = std::max(worst, r), secs += o.secs;
        sum_strong += double(o.used) / strong_bound(in);
      }
    }
    fmt::print("| {} | {} | {:.3f}x | {:.3f}x | {:.3f}x | {:.3f} s |\n", cls, count, sum / count,
               worst, sum_strong / count, secs);
    sum_all += sum / count, sum_strong_all += sum_strong / count;
  }
  fmt::print("| 1-10 | 400 | {:.3f}x | | {:.3f}x | |\n", sum_all / 10, sum_strong_all / 10);
}

// The packer against the optimum on the Caprara-Toth instances of n = 25 and 50 (class 10:
// 24 and 51), where the exact search can often prove the optimum within its node limit. Then,
// over all 400 instances, the least mean ratio to the bound that any packer could reach: each
// instance counts at its proven optimum where the search found one, else at the strong bound
// (both lower bounds on the optimum), beside the packer's own mean from the same run.
void caprara_toth_exact_rows() {
  fmt::print(
      "| class | n | instances | optimum proven | packer at the optimum | optimum / bound (mean) "
      "| packer / optimum (mean) |\n|---|---|---|---|---|---|---|\n");
  double least[11] = {0}, packer[11] = {0};
  for (int cls = 1; cls <= 10; ++cls) {
    for (int size = 0; size < 4; ++size) {
      int n = caprara_toth_size(cls, size), proven = 0, at_optimum = 0;
      double over_bound = 0, over_optimum = 0;
      for (int index = 0; index < 10; ++index) {
        Instance in = caprara_toth(cls, n, index);
        int64_t used = static_cast<int64_t>(place_world(to_world(in)).used);
        const double bound = static_cast<double>(lower_bound(in));
        packer[cls] += used / bound / 40;
        int64_t floor = strong_bound(in);
        if (size < 2) {
          ExactPacking best = exact_packing(in, used, floor, 20'000'000);
          if (best.proven) {
            ++proven;
            at_optimum += used == best.hosts;
            over_bound += best.hosts / bound;
            over_optimum += double(used) / best.hosts;
            floor = best.hosts;
          }
        }
        least[cls] += floor / bound / 40;
      }
      if (size >= 2) continue;
      if (proven == 0)
        fmt::print("| {} | {} | 10 | 0 | | | |\n", cls, n);
      else
        fmt::print("| {} | {} | 10 | {} | {} | {:.3f}x | {:.3f}x |\n", cls, n, proven, at_optimum,
                   over_bound / proven, over_optimum / proven);
      std::fflush(stdout);
    }
  }
  fmt::print(
      "\n| class | packer, mean ratio to bound | least any packer can reach (proven optimum or "
      "strong bound) |\n|---|---|---|\n");
  double least_all = 0, packer_all = 0;
  for (int cls = 1; cls <= 10; ++cls) {
    fmt::print("| {} | {:.4f}x | {:.4f}x |\n", cls, packer[cls], least[cls]);
    least_all += least[cls] / 10, packer_all += packer[cls] / 10;
  }
  fmt::print("| 1-10 | {:.4f}x | {:.4f}x |\n", packer_all, least_all);
}

}  // namespace

int main(int argc, char** argv) {
  std::string only = argc > 1 ? argv[1] : "all";
  if (only == "all" || only == "fleet" || only == "uniform") header();
  if (only == "all" || only == "fleet") fleet_rows();
  if (only == "all" || only == "uniform") uniform_rows();
  if (only == "scale") {  // the speed target alone: 1,000,000 replicas on 10,000 hosts
    header();
    Instance big = uniform_mix(1000, 1000, 1, 15, 42, 10000);
    row("0.1-1.5 %", big, to_world(big));
    Instance fleet = services_fleet(1000000, 10000, 3);
    fleet.hosts = std::max<int>(fleet.hosts, static_cast<int>(lower_bound(fleet) * 21 / 20 + 1));
    row("services fleet, seed 3", fleet, to_world(fleet));
  }
  if (only == "ct-exact") caprara_toth_exact_rows();
  if (only == "all" || only == "ct") {
    if (only == "all") fmt::print("\n");
    caprara_toth_rows();
  }
  return 0;
}

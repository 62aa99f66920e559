// Local search after the fill, for small stacks (planner/placement_kinds.h; docs/placement.md).
//
// It closes the fresh host the fill loaded least, puts its replicas in a pool and fits the pool
// into the other hosts in use (bins). A step moves one or two pool replicas into a bin,
// directly or in exchange for one or two replicas there, which join the pool: the exchange
// that leaves the pool lightest, weighing a replica by the square of its share of a host, so
// the pool keeps small replicas, the easiest to fit somewhere. Tabu rules keep the search from
// undoing itself: a replica that entered a bin stays there for a few steps, and one that left a
// bin may not go back for as long. After each step, moves between bins (one replica to another
// bin, or two swapped) that make full bins fuller gather the room left into fewer bins. When
// the pool empties a host is saved and the next lightest is closed; when the work budget runs
// out first, the last packing in which every replica had a host stays. This is the consistent
// neighbourhood search of Buljubasic & Vasquez (2016) for two-dimensional vector packing, in a
// small form.
//
// Deterministic: integer arithmetic, a work counter instead of the clock, ties to the first
// bin in host order and the first replica in pool order.
#include <algorithm>
#include <limits>

#include "planner/placement_kinds.h"

namespace berth::pack {
namespace {

constexpr int64_t kTenure = 10;  // steps a tabu rule lasts

struct Replica {
  int kind = 0;
  int64_t weight = 0;  // the square of its share of the largest host, in kScale units
  int bin = -1;        // -1: in the pool
  int left_bin = -1;   // the bin it left last, closed to it until step `left_until`
  int64_t left_until = 0;
  int64_t entered_until = 0;  // it entered its bin recently: it stays until this step
};

struct Move {
  int in[2] = {-1, -1};  // pool replicas that go into `bin`
  int bin = -1;
  int out[2] = {-1, -1};  // replicas of `bin` that go to the pool
  int64_t gain = std::numeric_limits<int64_t>::min();
};

Resources plus(Resources a, const Resources& b) {
  return a += b;
}
Resources minus(Resources a, const Resources& b) {
  return a -= b;
}

struct Search {
  std::vector<Kind>& kinds;
  std::vector<HostState>& hosts;
  int64_t budget;
  std::vector<size_t> bins;                  // host index of each bin, in host order
  std::vector<bool> open;                    // per bin: replicas may go there
  std::vector<Resources> empty_room;         // per bin: its room without this run's replicas
  std::vector<std::vector<int>> on;          // per bin: its replicas
  std::vector<std::vector<int8_t>> allowed;  // [kind][bin]: the kind's constraints hold
  std::vector<Replica> reps;
  std::vector<int> pool;
  std::vector<int8_t> scratch;  // exchanges_into's per-replica marks
  int64_t step = 0;

  int nbins() const { return static_cast<int>(bins.size()); }
  const Resources& need(int r) const { return kinds[reps[r].kind].demand.resources; }
  Resources& room(int b) { return hosts[bins[b]].free; }

  void put(int r, int b) {
    room(b) -= need(r);
    on[b].push_back(r);
    reps[r].bin = b;
  }
  void take_out(int r) {
    int b = reps[r].bin;
    room(b) += need(r);
    std::erase(on[b], r);
    reps[r].bin = -1;
  }
  void to_pool(int r) {
    int b = reps[r].bin;
    take_out(r);
    reps[r].left_bin = b, reps[r].left_until = step + kTenure;
    pool.push_back(r);
  }

  bool may_enter(int r, int b) const {
    const Replica& x = reps[r];
    return open[b] && allowed[x.kind][b] && !(x.left_bin == b && x.left_until > step);
  }

  // The best exchange that puts pool replicas p (and q, if >= 0) into bin b, offered to `best`
  // (ties keep the first found).
  void exchanges_into(int p, int q, int b, Move& best) {
    auto offer = [&](int o1, int o2, int64_t gain) {
      if (gain > best.gain) best = {{p, q}, b, {o1, o2}, gain};
    };
    Resources n = need(p);
    int64_t w = reps[p].weight;
    if (q >= 0) n += need(q), w += reps[q].weight;
    --budget;
    if (fits(n, room(b))) return offer(-1, -1, w);
    if (!fits(n, empty_room[b])) return;  // even an emptied bin cannot take them
    const std::vector<int>& list = on[b];
    // Per replica of the bin: 0 it stays (entered recently), 1 it may leave, 2 it makes room
    // alone. A pair is only worth it when neither makes room alone (weights are positive).
    std::vector<int8_t>& out = scratch;
    out.assign(list.size(), 0);
    for (size_t i = 0; i < list.size(); ++i) {
      if (reps[list[i]].entered_until > step) continue;
      out[i] = fits(n, plus(room(b), need(list[i]))) ? 2 : 1;
      if (out[i] == 2) offer(list[i], -1, w - reps[list[i]].weight);
    }
    for (size_t i = 0; i < list.size(); ++i) {
      budget -= static_cast<int64_t>(list.size() - i);
      if (out[i] != 1) continue;
      Resources with_i = plus(room(b), need(list[i]));
      for (size_t j = i + 1; j < list.size(); ++j)
        if (out[j] == 1 && fits(n, plus(with_i, need(list[j]))))
          offer(list[i], list[j], w - reps[list[i]].weight - reps[list[j]].weight);
    }
  }

  // One tabu step between the pool and the bins; false when no exchange is possible.
  bool exchange_step() {
    Move best;
    for (size_t i = 0; i < pool.size(); ++i)
      for (size_t j = i; j < pool.size(); ++j) {  // j == i: pool[i] alone
        int p = pool[i], q = j > i ? pool[j] : -1;
        for (int b = 0; b < nbins(); ++b)
          if (may_enter(p, b) && (q < 0 || may_enter(q, b))) exchanges_into(p, q, b, best);
      }
    if (best.bin < 0) return false;
    ++step;
    for (int r : best.out)
      if (r >= 0) to_pool(r);
    for (int r : best.in)
      if (r >= 0) {
        std::erase(pool, r);
        put(r, best.bin);
        reps[r].entered_until = step + kTenure;
      }
    return true;
  }

  // How full bin b would be with `free` left: the square of its used shares, summed.
  int64_t fullness(int b, const Resources& free) {
    const Resources& cap = hosts[bins[b]].capacity;
    int64_t u = share(cap.nano_cpus - free.nano_cpus, cap.nano_cpus) +
                share(cap.memory - free.memory, cap.memory);
    return u * u;
  }

  // Moves replica r of bin a to bin b, or swaps it with one there, if that makes the two bins
  // fuller in total (the fuller gets fuller); true if it did.
  bool gather(int r, int a, int b) {
    const Resources& n = need(r);
    int64_t before = fullness(a, room(a)) + fullness(b, room(b));
    Resources ra = plus(room(a), n);
    --budget;
    if (fits(n, room(b))) {
      if (fullness(a, ra) + fullness(b, minus(room(b), n)) <= before) return false;
      take_out(r);
      put(r, b);
      return true;
    }
    for (int q : on[b]) {
      const Resources& m = need(q);
      --budget;
      if (!allowed[reps[q].kind][a] || !fits(m, ra)) continue;
      Resources rb = plus(room(b), m);
      if (!fits(n, rb) || fullness(a, minus(ra, m)) + fullness(b, minus(rb, n)) <= before) continue;
      take_out(r), take_out(q);
      put(r, b), put(q, a);
      return true;
    }
    return false;
  }

  // One pass of gather() over every replica in a bin and every other open bin.
  void gather_all() {
    for (int a = 0; a < nbins(); ++a)
      for (size_t x = 0; open[a] && x < on[a].size() && budget > 0; ++x)
        for (int b = 0; b < nbins(); ++b)
          if (b != a && open[b] && allowed[reps[on[a][x]].kind][b] && gather(on[a][x], a, b)) {
            --x;  // on[a][x] is another replica now
            break;
          }
  }

  // The open fresh bin with the least load (sum of shares), or -1.
  int lightest(const std::vector<HostLoad>& load) {
    int best = -1;
    int64_t best_load = 0;
    for (int b = 0; b < nbins(); ++b) {
      if (!open[b] || !load[bins[b]].fresh || on[b].empty()) continue;
      int64_t sum = 0;
      for (int r : on[b]) sum += kinds[reps[r].kind].norm[0] + kinds[reps[r].kind].norm[1];
      if (best < 0 || sum < best_load) best = b, best_load = sum;
    }
    return best;
  }

  // Whether the other open bins have room for bin b's replicas at all (in total).
  bool others_have_room(int b) {
    Resources total, needed;
    for (int c = 0; c < nbins(); ++c)
      if (open[c] && c != b) total += room(c);
    for (int r : on[b]) needed += need(r);
    return needed.nano_cpus <= total.nano_cpus && needed.memory <= total.memory;
  }

  std::vector<int> where() const {
    std::vector<int> w(reps.size());
    for (size_t r = 0; r < reps.size(); ++r) w[r] = reps[r].bin;
    return w;
  }
  void place_as(const std::vector<int>& w) {
    for (int b = 0; b < nbins(); ++b) room(b) = empty_room[b], on[b].clear();
    pool.clear();
    for (size_t r = 0; r < reps.size(); ++r) put(static_cast<int>(r), w[r]);
  }

  void run(const std::vector<HostLoad>& load) {
    std::vector<int> complete = where();
    for (int b; (b = lightest(load)) >= 0 && others_have_room(b);) {
      open[b] = false;
      while (!on[b].empty()) to_pool(on[b].back());
      while (!pool.empty() && budget > 0 && exchange_step()) gather_all();
      if (!pool.empty()) break;
      complete = where();
    }
    place_as(complete);
  }
};

// The bins (hosts in use), their replicas of this run and what the kinds may use.
void build(Search& s, const std::vector<HostLoad>& load) {
  Resources largest;
  for (size_t hi = 0; hi < s.hosts.size(); ++hi) {
    if (load[hi].items.empty() && s.hosts[hi].free == s.hosts[hi].capacity) continue;
    s.bins.push_back(hi);
    largest.nano_cpus = std::max(largest.nano_cpus, s.hosts[hi].capacity.nano_cpus);
    largest.memory = std::max(largest.memory, s.hosts[hi].capacity.memory);
  }
  const int n = s.nbins();
  s.open.assign(n, true);
  s.on.assign(n, {});
  s.allowed.assign(s.kinds.size(), std::vector<int8_t>(n));
  for (size_t ki = 0; ki < s.kinds.size(); ++ki)
    for (int b = 0; b < n; ++b)
      s.allowed[ki][b] = satisfies_constraints(*s.kinds[ki].service, s.hosts[s.bins[b]], nullptr);
  for (int b = 0; b < n; ++b) {
    s.empty_room.push_back(s.hosts[s.bins[b]].free);
    for (auto [ki, m] : load[s.bins[b]].items) {
      const Resources& d = s.kinds[ki].demand.resources;
      int64_t sh = share(d.nano_cpus, largest.nano_cpus) + share(d.memory, largest.memory);
      for (int64_t j = 0; j < m; ++j) {
        s.on[b].push_back(static_cast<int>(s.reps.size()));
        s.reps.push_back({ki, sh * sh / kScale, b});
        s.empty_room[b] += d;
      }
    }
  }
}

}  // namespace

void search_fewer_hosts(std::vector<Kind>& kinds, std::vector<HostState>& hosts,
                        std::vector<HostLoad>& load, int64_t budget) {
  Search s{kinds, hosts, budget};
  build(s, load);
  s.run(load);
  // Back to per-host counts of kinds, in kind order.
  for (int b = 0; b < s.nbins(); ++b) {
    std::vector<int> ks;
    for (int r : s.on[b]) ks.push_back(s.reps[r].kind);
    std::sort(ks.begin(), ks.end());
    auto& items = load[s.bins[b]].items;
    items.clear();
    for (int ki : ks)
      if (!items.empty() && items.back().first == ki)
        ++items.back().second;
      else
        items.push_back({ki, 1});
  }
}

}  // namespace berth::pack

// The order of PlacementResult::placements (planner/placement.h): by service, slot as a number,
// host.
#include <algorithm>
#include <climits>
#include <string_view>

#include "planner/placement_internal.h"

namespace berth::pack {

void sort_placements(const Stack& stack, std::vector<ReplicaPlacement>& placements) {
  std::map<std::string_view, uint32_t> rank;  // service name -> its rank in name order
  for (const Service& s : stack.services) rank.emplace(s.name, 0);
  uint32_t next = 0;
  for (auto& [name, r] : rank) r = next++;
  struct Key {
    uint32_t service;
    int slot;  // slot_number, or INT_MAX for a slot that is not a number (global services)
    uint32_t index;
  };
  std::vector<Key> keys(placements.size());
  const std::string* last = nullptr;
  uint32_t last_rank = 0;
  for (size_t i = 0; i < placements.size(); ++i) {
    const ReplicaPlacement& p = placements[i];
    if (!last || *last != p.service) last = &p.service, last_rank = rank.at(p.service);
    int n = slot_number(p.slot);
    keys[i] = {last_rank, n < 0 ? INT_MAX : n, static_cast<uint32_t>(i)};
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.service != b.service) return a.service < b.service;
    if (a.slot != b.slot) return a.slot < b.slot;
    const ReplicaPlacement &x = placements[a.index], &y = placements[b.index];
    if (x.slot != y.slot) return x.slot < y.slot;
    if (x.host != y.host) return x.host < y.host;
    return a.index < b.index;
  });
  // In place, cycle by cycle (a sorted copy would add ~100 bytes a replica to the peak).
  std::vector<bool> done(keys.size());
  for (size_t start = 0; start < keys.size(); ++start) {
    if (done[start]) continue;
    ReplicaPlacement first = std::move(placements[start]);
    size_t at = start;
    for (; keys[at].index != start; at = keys[at].index) {
      placements[at] = std::move(placements[keys[at].index]);
      done[at] = true;
    }
    placements[at] = std::move(first);
    done[at] = true;
  }
}

}  // namespace berth::pack

#include "engine/parallel.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace berth {

void parallel_for(size_t n, int max_parallel, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  size_t workers = std::min<size_t>(n, std::max(1, max_parallel));
  if (workers == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  // Workers pull the next index, so a slow host only holds its own worker.
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace berth

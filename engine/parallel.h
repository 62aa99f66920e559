// Bounded parallel fan-out over hosts (or any indexed work).
#pragma once

#include <cstddef>
#include <functional>

namespace berth {

// Calls fn(i) for every i in [0, n), at most `max_parallel` at once, each on a worker thread;
// returns when all are done. fn must not throw (library code returns Results).
void parallel_for(size_t n, int max_parallel, const std::function<void(size_t)>& fn);

}  // namespace berth

// Bounded parallel fan-out over hosts (or any indexed work).
#pragma once

#include <cstddef>
#include <functional>

#include "planner/result.h"

namespace berth {

// Calls fn(i) for every i in [0, n), at most `max_parallel` at once, each on a worker thread;
// returns when all are done. fn should not throw (library code returns Results); if it does, the
// exception never ends the process: the remaining work still runs, and the first exception comes
// back as a kInternal error naming what it said.
[[nodiscard]] Status parallel_for(size_t n, int max_parallel,
                                  const std::function<void(size_t)>& fn);

}  // namespace berth

#include "engine/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace berth {
namespace {

// Runs fn(i), turning anything it throws into the first error kept in `first`.
void guarded(const std::function<void(size_t)>& fn, size_t i, std::mutex& mu, std::string& first) {
  std::string what;
  try {
    fn(i);
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an unknown exception";
  }
  std::lock_guard<std::mutex> guard(mu);
  if (first.empty()) first = what.empty() ? "an exception" : what;
}

}  // namespace

Status parallel_for(size_t n, int max_parallel, const std::function<void(size_t)>& fn) {
  if (n == 0) return ok_status();
  std::mutex mu;
  std::string first;
  size_t workers = std::min<size_t>(n, std::max(1, max_parallel));
  if (workers == 1) {
    for (size_t i = 0; i < n; ++i) guarded(fn, i, mu, first);
  } else {
    // Workers pull the next index, so a slow host only holds its own worker.
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (size_t w = 0; w < workers; ++w)
      threads.emplace_back([&] {
        for (size_t i = next++; i < n; i = next++) guarded(fn, i, mu, first);
      });
    for (auto& t : threads) t.join();
  }
  if (first.empty()) return ok_status();
  return Error{ErrorKind::kInternal,
               {},
               "",
               "",
               "berth hit an internal error in a worker (" + first + ")",
               "please report it with the command you ran"};
}

}  // namespace berth

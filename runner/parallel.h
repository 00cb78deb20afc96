// Runs independent tasks on a fixed number of threads. Tasks are indexed; each writes only its
// own result slot, so the outcome does not depend on scheduling (determinism across runs).
#ifndef BURNRATE_RUNNER_PARALLEL_H_
#define BURNRATE_RUNNER_PARALLEL_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace burnrate {

// Number of threads to use for `requested` (0 = every core).
inline unsigned ThreadCount(unsigned requested) {
  if (requested > 0) return requested;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

// Calls task(i) for every i in [0, count) on up to `threads` threads; returns when all are
// done. `task` must be safe to call concurrently for different i.
inline void ParallelFor(size_t count, unsigned threads, const std::function<void(size_t)>& task) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) task(i);
  };
  const unsigned n = static_cast<unsigned>(std::min<size_t>(threads, count));
  if (n <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
}

}  // namespace burnrate

#endif  // BURNRATE_RUNNER_PARALLEL_H_

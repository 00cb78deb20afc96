// Runs independent tasks on a fixed number of threads. Tasks are indexed; each writes only its
// own result slot, so the outcome does not depend on scheduling (determinism across runs).
#ifndef BURNRATE_RUNNER_PARALLEL_H_
#define BURNRATE_RUNNER_PARALLEL_H_

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace burnrate {

// Cores this process may use: the CPU affinity mask (taskset, Slurm's cgroup cpusets), capped
// by a cgroup v2 CPU quota (a Kubernetes CPU limit: /sys/fs/cgroup/cpu.max "QUOTA PERIOD").
inline unsigned AvailableCores() {
  unsigned cores = std::thread::hardware_concurrency();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    cores = static_cast<unsigned>(CPU_COUNT(&set));
  }
  std::ifstream max_file("/sys/fs/cgroup/cpu.max");
  std::string quota;
  double period = 0;
  if (max_file >> quota >> period && quota != "max" && period > 0) {
    try {
      const double limit = std::ceil(std::stod(quota) / period);
      if (limit >= 1 && limit < cores) cores = static_cast<unsigned>(limit);
    } catch (...) {  // unreadable quota: keep the affinity count
    }
  }
  return std::max(cores, 1u);
}

// Number of threads to use for `requested` (0 = every core available to the process).
inline unsigned ThreadCount(unsigned requested) {
  if (requested > 0) return requested;
  return AvailableCores();
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
  for (unsigned t = 0; t < n; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // the system gives no more threads: those started share the work
    }
  }
  if (pool.empty()) worker();
  for (std::thread& t : pool) t.join();
}

}  // namespace burnrate

#endif  // BURNRATE_RUNNER_PARALLEL_H_

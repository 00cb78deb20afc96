// A fixed set of threads running submitted tasks in order, with a bounded wait queue: the
// simulation service's workers (one simulation per thread, STYLE rule 5).
#ifndef BURNRATE_RPC_WORKER_POOL_H_
#define BURNRATE_RPC_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace burnrate {

// Thread-safe. The destructor runs the tasks still queued, then joins the threads.
class WorkerPool {
 public:
  // REQUIRES: threads >= 1.
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` and returns its ticket (> 0), or 0 (task dropped) when max_queued tasks
  // already wait. A task starts as soon as a thread is free.
  uint64_t TrySubmit(std::function<void()> task);
  // Removes a task that has not started: true when it was still waiting (it will never run),
  // false when it started already (or never existed).
  bool CancelQueued(uint64_t ticket);

  std::size_t threads() const { return threads_.size(); }
  // Tasks running or waiting now.
  std::size_t busy() const;

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::pair<uint64_t, std::function<void()>>> queue_;
  uint64_t next_ticket_ = 1;
  std::size_t running_ = 0;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace burnrate

#endif  // BURNRATE_RPC_WORKER_POOL_H_

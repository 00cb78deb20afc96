// A fixed set of threads running submitted tasks in order, with a bounded wait queue: the
// simulation service's workers (one simulation per thread, STYLE rule 5).
#ifndef BURNRATE_RPC_WORKER_POOL_H_
#define BURNRATE_RPC_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
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

  // Queues `task`; false (task dropped) when max_queued tasks already wait. A task starts as
  // soon as a thread is free.
  bool TrySubmit(std::function<void()> task);

  std::size_t threads() const { return threads_.size(); }
  // Tasks running or waiting now.
  std::size_t busy() const;

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace burnrate

#endif  // BURNRATE_RPC_WORKER_POOL_H_

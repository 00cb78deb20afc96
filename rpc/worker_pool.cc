#include "rpc/worker_pool.h"

#include <algorithm>
#include <utility>

namespace burnrate {

WorkerPool::WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

uint64_t WorkerPool::TrySubmit(std::function<void()> task) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A free thread takes the task at once; otherwise it waits, up to max_queued_ of them.
    const std::size_t free = threads_.size() - std::min(threads_.size(), running_);
    if (queue_.size() >= free + max_queued_) return 0;
    ticket = next_ticket_++;
    queue_.emplace_back(ticket, std::move(task));
  }
  wake_.notify_one();
  return ticket;
}

bool WorkerPool::CancelQueued(uint64_t ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->first == ticket) {
      queue_.erase(it);
      return true;
    }
  }
  return false;
}

std::size_t WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_ + queue_.size();
}

void WorkerPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      task = std::move(queue_.front().second);
      queue_.pop_front();
      ++running_;
    }
    task();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
  }
}

}  // namespace burnrate

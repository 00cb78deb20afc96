// Factories of the built-in queue policies (one file each; see the file for the rule).
#ifndef BURNRATE_SCHEDULER_QUEUE_POLICIES_H_
#define BURNRATE_SCHEDULER_QUEUE_POLICIES_H_

#include <memory>

#include "scheduler/policy.h"

namespace burnrate {

std::unique_ptr<QueuePolicy> NewFifoQueue();          // fifo.cc
std::unique_ptr<QueuePolicy> NewFifoSkipQueue();      // fifo_skip.cc
std::unique_ptr<QueuePolicy> NewFifoBackfillQueue();  // fifo_backfill.cc
std::unique_ptr<QueuePolicy> NewSjfQueue();           // sjf.cc

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_QUEUE_POLICIES_H_

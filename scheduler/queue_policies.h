// Factories of the built-in queue policies (one file each; see the file for the rule) and the
// declarations of their arguments.
#ifndef BURNRATE_SCHEDULER_QUEUE_POLICIES_H_
#define BURNRATE_SCHEDULER_QUEUE_POLICIES_H_

#include <memory>
#include <vector>

#include "scheduler/policy.h"
#include "scheduler/policy_args.h"

namespace burnrate {

std::unique_ptr<QueuePolicy> NewFifoQueue();          // fifo.cc
std::unique_ptr<QueuePolicy> NewFifoSkipQueue();      // fifo_skip.cc
std::unique_ptr<QueuePolicy> NewFifoBackfillQueue();  // fifo_backfill.cc
std::unique_ptr<QueuePolicy> NewSjfQueue();           // sjf.cc

// priority.cc
std::vector<ArgSpec> PriorityArgs();
std::unique_ptr<QueuePolicy> NewPriorityQueue(const PolicyArgs& args);
// srtf.cc: srtf (oracle, preemptive), sjf-est and srtf-est (estimated durations)
std::vector<ArgSpec> SrtfArgs();
std::vector<ArgSpec> EstimateArgs();
std::unique_ptr<QueuePolicy> NewSrtfQueue(const PolicyArgs& args);
std::unique_ptr<QueuePolicy> NewSjfEstQueue(const PolicyArgs& args);
std::unique_ptr<QueuePolicy> NewSrtfEstQueue(const PolicyArgs& args);
// tiresias_las.cc
std::vector<ArgSpec> TiresiasArgs();
std::unique_ptr<QueuePolicy> NewTiresiasQueue(const PolicyArgs& args);
// fair_share.cc: fair-share (weighted GPU shares, quotas, borrowing, reclaim) and drf
std::vector<ArgSpec> FairShareArgs();
std::vector<ArgSpec> DrfArgs();
std::unique_ptr<QueuePolicy> NewFairShareQueue(const PolicyArgs& args);
std::unique_ptr<QueuePolicy> NewDrfQueue(const PolicyArgs& args);
// themis_ftf.cc
std::vector<ArgSpec> ThemisArgs();
std::unique_ptr<QueuePolicy> NewThemisQueue(const PolicyArgs& args);

}  // namespace burnrate

#endif  // BURNRATE_SCHEDULER_QUEUE_POLICIES_H_

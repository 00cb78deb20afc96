// What happened to one job in one run: the per-job rows of reports (jobs.csv).
// A plain value type filled by the simulation at the horizon; reports only read it.
#ifndef BURNRATE_SIM_MODEL_JOB_RECORD_H_
#define BURNRATE_SIM_MODEL_JOB_RECORD_H_

#include <cstdint>
#include <string>

namespace burnrate {

// Times are seconds since the scenario start (doubles: this is an edge type for reports).
// Events that did not happen before the horizon are -1.
struct JobRecord {
  std::string name;
  std::string tenant;
  uint32_t gpus = 0;  // Gang size in GPUs.
  std::string pool;   // Pool the job ran on; "" if it never started.
  int32_t priority = 0;
  double submit_s = 0;
  double start_s = -1;   // First start; -1: still queued at the horizon.
  double finish_s = -1;  // -1: not finished before the horizon.
  // Run time in seconds of its last attempt on the pool it ran on (on the reference GPU if it
  // never started).
  double runtime_s = 0;
  uint32_t nodes = 0;  // Nodes the gang spanned; 0 if it never started.
  uint32_t preemptions = 0;  // Times the job was stopped and queued again.
  double gpu_hours_lost = 0;  // Held GPU-time that did not count toward completion.
  uint32_t failures = 0;      // Times a hardware failure stopped it (part of preemptions).
  double gpu_hours_checkpointing = 0;  // GPU-time spent writing checkpoints.
  double checkpoint_interval_s = 0;    // Of its last attempt (set by its rule); 0 = none.
};

}  // namespace burnrate

#endif  // BURNRATE_SIM_MODEL_JOB_RECORD_H_

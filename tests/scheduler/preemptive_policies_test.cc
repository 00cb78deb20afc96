// Behaviour of the preemptive and fair queue policies on small hand-checked scenarios.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "scheduler/registry.h"
#include "tests/sim/test_scenarios.h"

namespace burnrate {
namespace {

using testing::AddJob;
using testing::OnePool;

RunOutput Run(const ScenarioModel& s, const std::string& queue,
              std::map<std::string, std::string> args = {}) {
  RunOptions o;
  o.keep_job_records = true;
  o.check_invariants = true;
  auto r = Simulate(s, PolicySpec(queue, "first-fit", "in-order", std::move(args)), 1, o);
  if (!r.ok()) throw std::runtime_error(std::string(r.status().message()));
  return *std::move(r);
}

const JobRecord& Rec(const RunOutput& out, const std::string& name) {
  for (const JobRecord& j : out.jobs) {
    if (j.name == name) return j;
  }
  throw std::runtime_error("no job " + name);
}

JobSpec& Job(ScenarioModel& s, double submit_h, uint32_t gpus, double duration_h,
             const std::string& name, int32_t priority = 0, const std::string& tenant = "default") {
  AddJob(s, submit_h, gpus, duration_h, name);
  s.jobs.back().priority = priority;
  s.jobs.back().tenant = tenant;
  return s.jobs.back();
}

TEST_CASE("priority: a high-priority job evicts a low one and the loss since its checkpoint is "
          "counted",
          "[scheduler][preemption]") {
  ScenarioModel s = OnePool(1, 2, 2);
  JobSpec& low = Job(s, 0, 2, 10, "low", 0);
  low.checkpoint_interval = kHour;
  Job(s, 2.5, 2, 1, "high", 5);
  const RunOutput out = Run(s, "priority");
  // high starts at once (2.5 h); low kept 2 h of its 2.5 h (checkpoint each hour), lost 0.5 h
  // on 2 GPUs, and resumes at 3.5 h with 8 h left: done at 11.5 h.
  CHECK(Rec(out, "high").start_s == Approx(2.5 * 3600));
  CHECK(Rec(out, "high").finish_s == Approx(3.5 * 3600));
  CHECK(Rec(out, "low").preemptions == 1);
  CHECK(Rec(out, "low").gpu_hours_lost == Approx(1.0));
  CHECK(Rec(out, "low").finish_s == Approx(11.5 * 3600));
  CHECK(out.result.summary().preemptions() == 1);
  CHECK(out.result.summary().gpu_hours_lost() == Approx(1.0));
  // fifo never preempts: high waits for low.
  const RunOutput fifo = Run(s, "fifo");
  CHECK(Rec(fifo, "high").start_s == Approx(10 * 3600));
  CHECK(fifo.result.summary().preemptions() == 0);
}

TEST_CASE("priority: victims are the ones that lose the least work, and no more than needed",
          "[scheduler][preemption]") {
  ScenarioModel s = OnePool(1, 4, 2);
  // Four 1-GPU low jobs; b checkpoints every 10 min (loses little), the others never.
  Job(s, 0, 1, 10, "a", 0);
  Job(s, 0, 1, 10, "b", 0).checkpoint_interval = 10 * kMinute;
  Job(s, 0, 1, 10, "c", 0);
  Job(s, 0, 1, 10, "d", 1);  // higher than the others: evicted last
  Job(s, 1.05, 1, 1, "urgent", 5);
  const RunOutput out = Run(s, "priority");
  CHECK(Rec(out, "urgent").start_s == Approx(1.05 * 3600));
  CHECK(Rec(out, "b").preemptions == 1);  // lost 3 min; a or c would lose 63 min
  CHECK(Rec(out, "a").preemptions == 0);
  CHECK(Rec(out, "c").preemptions == 0);
  CHECK(Rec(out, "d").preemptions == 0);
  CHECK(out.result.summary().preemptions() == 1);
  CHECK(Rec(out, "b").gpu_hours_lost == Approx(0.05));
}

TEST_CASE("priority: equal priorities never preempt; preempt=false turns eviction off",
          "[scheduler][preemption]") {
  ScenarioModel s = OnePool(1, 1, 2);
  Job(s, 0, 1, 5, "first", 3);
  Job(s, 1, 1, 1, "same", 3);
  Job(s, 1, 1, 1, "higher", 4);
  CHECK(Run(s, "priority").result.summary().preemptions() == 1);  // only "higher" evicts
  const RunOutput off = Run(s, "priority", {{"preempt", "false"}});
  CHECK(off.result.summary().preemptions() == 0);
  // Without eviction, higher still goes before same (priority order).
  CHECK(Rec(off, "higher").start_s < Rec(off, "same").start_s);
}

TEST_CASE("srtf: a short job evicts the longest running one; sjf never evicts",
          "[scheduler][preemption]") {
  ScenarioModel s = OnePool(1, 1, 2);
  Job(s, 0, 1, 10, "long");
  Job(s, 1, 1, 1, "short");
  const RunOutput srtf = Run(s, "srtf");
  CHECK(Rec(srtf, "short").start_s == Approx(3600));
  CHECK(Rec(srtf, "short").finish_s == Approx(2 * 3600));
  CHECK(Rec(srtf, "long").finish_s == Approx(12 * 3600));  // lost its first hour
  const RunOutput sjf = Run(s, "sjf");
  CHECK(Rec(sjf, "short").start_s == Approx(10 * 3600));
}

TEST_CASE("srtf: a long job arriving later never evicts a shorter one", "[scheduler]") {
  ScenarioModel s = OnePool(1, 1, 2);
  Job(s, 0, 1, 2, "short");
  Job(s, 1, 1, 5, "long");
  const RunOutput out = Run(s, "srtf");
  CHECK(out.result.summary().preemptions() == 0);
  CHECK(Rec(out, "short").finish_s == Approx(2 * 3600));
}

TEST_CASE("sjf-est and srtf-est order by the user's estimate, not the true duration",
          "[scheduler]") {
  ScenarioModel s = OnePool(1, 1, 3);
  Job(s, 0, 1, 1, "blocker");
  Job(s, 0.5, 1, 10, "claims-short").estimate = kHour;  // a lie: runs 10 h
  Job(s, 0.5, 1, 2, "claims-long").estimate = 20 * kHour;
  const RunOutput est = Run(s, "sjf-est");
  CHECK(Rec(est, "claims-short").start_s == Approx(3600));
  CHECK(Rec(est, "claims-long").start_s == Approx(11 * 3600));
  const RunOutput oracle = Run(s, "sjf");
  CHECK(Rec(oracle, "claims-long").start_s == Approx(3600));
}

TEST_CASE("sjf-est learns a tenant's durations from its completed jobs", "[scheduler]") {
  ScenarioModel s = OnePool(1, 1, 5);
  Job(s, 0, 1, 1, "fast-1", 0, "fast");  // runs 0-1 h: fast's history says 1 h
  Job(s, 0, 1, 8, "slow-1", 0, "slow");  // runs 1-9 h: slow's history says 8 h
  Job(s, 8.5, 1, 3, "blocker", 0, "other");  // runs 9-12 h
  // Both wait for the blocker, neither with an estimate; slow-2 arrived first, but the
  // histories say fast's jobs take 1 h and slow's 8 h, so fast-2 goes first.
  Job(s, 10, 1, 3, "slow-2", 0, "slow");
  Job(s, 10.5, 1, 3, "fast-2", 0, "fast");
  const RunOutput out = Run(s, "sjf-est", {{"default_estimate", "1h"}});
  CHECK(Rec(out, "fast-2").start_s == Approx(12 * 3600));
  CHECK(Rec(out, "slow-2").start_s == Approx(15 * 3600));
  // Without history (fifo order among equal default estimates) slow-2 would go first.
  const RunOutput fifo = Run(s, "fifo");
  CHECK(Rec(fifo, "slow-2").start_s == Approx(12 * 3600));
}

TEST_CASE("tiresias-las: a job crossing a queue threshold is preempted by a newer one",
          "[scheduler][preemption]") {
  ScenarioModel s = OnePool(1, 1, 2);
  Job(s, 0, 1, 10, "old");
  Job(s, 0.5, 1, 0.5, "new");
  // Threshold 1 GPU-hour: at 0.5 h both are in queue 0 (FIFO: old keeps running); at 1 h old
  // crosses into queue 1 and new takes the GPU.
  const RunOutput out = Run(s, "tiresias-las", {{"thresholds_gpu_hours", "1"}});
  CHECK(Rec(out, "new").start_s == Approx(3600).margin(1));
  CHECK(Rec(out, "new").finish_s == Approx(1.5 * 3600).margin(1));
  CHECK(Rec(out, "old").preemptions == 1);
  // With a gang: 2 GPUs attain service twice as fast (the second dimension).
  ScenarioModel g = OnePool(1, 2, 2);
  Job(g, 0, 2, 10, "wide");
  Job(g, 0.1, 2, 0.5, "new");
  const RunOutput wide = Run(g, "tiresias-las", {{"thresholds_gpu_hours", "1"}});
  CHECK(Rec(wide, "new").start_s == Approx(0.5 * 3600).margin(1));
}

TEST_CASE("tiresias-las: starvation promotion brings a long-waiting job back to the top queue",
          "[scheduler][preemption]") {
  ScenarioModel s = OnePool(1, 1, 5);
  // Demoted to queue 1 after 1 GPU-h; checkpoints every 15 min, as Tiresias assumes.
  Job(s, 0, 1, 3, "victim").checkpoint_interval = 15 * kMinute;
  for (int i = 0; i < 40; ++i) {      // a stream of short queue-0 jobs from 1 h on
    Job(s, 1 + 0.25 * i, 1, 0.25, "short-" + std::to_string(i));
  }
  const RunOutput plain = Run(s, "tiresias-las", {{"thresholds_gpu_hours", "1"}});
  const RunOutput promoted =
      Run(s, "tiresias-las", {{"thresholds_gpu_hours", "1"}, {"promote_knob", "1"}});
  // Without promotion the victim waits for the whole stream (10 h of short jobs) and ends at
  // 13 h; with knob 1 it is promoted after waiting as long as it had run and finishes far
  // earlier, between short jobs.
  CHECK(Rec(plain, "victim").finish_s == Approx(13 * 3600).margin(1));
  CHECK(Rec(promoted, "victim").finish_s < Rec(plain, "victim").finish_s - 3 * 3600);
}

TEST_CASE("fair-share: a tenant reclaims its share of lent GPUs by preemption",
          "[scheduler][preemption][fairness]") {
  ScenarioModel s = OnePool(1, 8, 2);
  for (int i = 0; i < 8; ++i) Job(s, 0, 1, 10, "x" + std::to_string(i), 0, "x");
  for (int i = 0; i < 4; ++i) Job(s, 1, 1, 2, "y" + std::to_string(i), 0, "y");
  const RunOutput out = Run(s, "fair-share");
  // Two active tenants of weight 1 on 8 GPUs: y is entitled to 4 and gets them at once.
  for (int i = 0; i < 4; ++i) CHECK(Rec(out, "y" + std::to_string(i)).start_s == Approx(3600));
  CHECK(out.result.summary().preemptions() == 4);
  const RunOutput kept = Run(s, "fair-share", {{"preempt", "false"}});
  CHECK(kept.result.summary().preemptions() == 0);
  CHECK(Rec(kept, "y0").start_s == Approx(10 * 3600));
}

TEST_CASE("fair-share: quotas bound the reclaim and max_gpus bounds borrowing",
          "[scheduler][fairness]") {
  ScenarioModel s = OnePool(1, 8, 2);
  for (int i = 0; i < 8; ++i) Job(s, 0, 1, 10, "x" + std::to_string(i), 0, "x");
  for (int i = 0; i < 4; ++i) Job(s, 1, 1, 2, "y" + std::to_string(i), 0, "y");
  s.tenants.push_back({"y", 1.0, 2, 0});  // y guaranteed 2 GPUs only
  const RunOutput quota = Run(s, "fair-share");
  CHECK(quota.result.summary().preemptions() == 2);
  s.tenants.clear();
  s.tenants.push_back({"x", 1.0, 0, 6});  // x may never hold more than 6
  const RunOutput limited = Run(s, "fair-share");
  CHECK(Rec(limited, "x6").start_s > 0);  // waited although GPUs were idle at time 0
  CHECK(Rec(limited, "x7").start_s > 0);
  // At 1 h y takes the 2 idle GPUs and reclaims 2 more from x (6 held > 4 entitled).
  for (int i = 0; i < 4; ++i) CHECK(Rec(limited, "y" + std::to_string(i)).start_s == 3600);
  CHECK(limited.result.summary().preemptions() == 2);
}

TEST_CASE("fair-share: weights split the cluster in proportion", "[scheduler][fairness]") {
  ScenarioModel s = OnePool(1, 8, 2);
  for (int i = 0; i < 8; ++i) Job(s, 0, 1, 10, "a" + std::to_string(i), 0, "a");
  for (int i = 0; i < 8; ++i) Job(s, 0, 1, 10, "b" + std::to_string(i), 0, "b");
  s.tenants.push_back({"a", 3.0, 0, 0});
  const RunOutput out = Run(s, "fair-share");
  int a_first = 0, b_first = 0;
  for (const JobRecord& j : out.jobs) {
    if (j.start_s == 0) (j.tenant == "a" ? a_first : b_first)++;
  }
  CHECK(a_first == 6);  // 3:1 of 8 GPUs
  CHECK(b_first == 2);
}

TEST_CASE("drf: the tenant with the smaller dominant share goes first", "[scheduler][fairness]") {
  ScenarioModel s = OnePool(1, 4, 2);
  s.pools[0].cpus_per_node = 40;
  // a's jobs are CPU-heavy (40 cores: a dominant share of 1 each); b's use 1 GPU only (0.25).
  for (int i = 0; i < 4; ++i) Job(s, 0, 1, 10, "a" + std::to_string(i), 0, "a").cpus = 40;
  for (int i = 0; i < 4; ++i) Job(s, 0, 1, 10, "b" + std::to_string(i), 0, "b");
  const auto count = [](const RunOutput& out, const std::string& tenant) {
    int n = 0;
    for (const JobRecord& j : out.jobs) n += j.start_s == 0 && j.tenant == tenant;
    return n;
  };
  const RunOutput fifo = Run(s, "fifo");
  CHECK(count(fifo, "a") == 4);
  const RunOutput drf = Run(s, "drf");
  // a0 first (both at 0, lower id); then b while b's share (0.25, 0.5, 0.75) < a's 1.
  CHECK(count(drf, "a") == 1);
  CHECK(count(drf, "b") == 3);
}

TEST_CASE("themis-ftf: short jobs of a late tenant are not stuck behind a long backlog",
          "[scheduler][fairness]") {
  ScenarioModel s = OnePool(1, 4, 10);
  for (int i = 0; i < 12; ++i) Job(s, 0, 1, 20, "big" + std::to_string(i), 0, "big");
  for (int i = 0; i < 4; ++i) Job(s, 1, 1, 1, "small" + std::to_string(i), 0, "small");
  const auto worst_small = [](const RunOutput& out) {
    double worst = 0;
    for (const JobRecord& j : out.jobs) {
      if (j.tenant == "small") worst = std::max(worst, (j.finish_s - j.submit_s) / 3600.0);
    }
    return worst;
  };
  const RunOutput fifo = Run(s, "fifo");
  const RunOutput themis = Run(s, "themis-ftf");
  CHECK(worst_small(fifo) > 59);  // behind three waves of 20 h jobs
  CHECK(worst_small(themis) < 3);  // takes expired leases within a lease or two
  CHECK(themis.result.summary().preemptions() > 0);
}

TEST_CASE("policy arguments are checked against each policy's declaration", "[scheduler]") {
  CHECK(MakeQueuePolicy("tiresias-las", {{"thresholds_gpu_hours", "1,10"}}).ok());
  const auto bad = MakeQueuePolicy("tiresias-las", {{"thresholds_gpu_hours", "10,1"}});
  REQUIRE(!bad.ok());
  CHECK(std::string(bad.status().message()).find("strictly increasing") != std::string::npos);
  const auto unknown = MakeQueuePolicy("priority", {{"premept", "true"}});
  REQUIRE(!unknown.ok());
  CHECK(std::string(unknown.status().message()).find("allowed: preempt") != std::string::npos);
  const auto none = MakeQueuePolicy("fifo", {{"x", "1"}});
  REQUIRE(!none.ok());
  CHECK(std::string(none.status().message()).find("takes none") != std::string::npos);
  CHECK(!MakeQueuePolicy("themis-ftf", {{"lease", "soon"}}).ok());
  CHECK(MakeQueuePolicy("themis-ftf", {{"lease", "10m"}}).ok());
  CHECK(!MakeQueuePolicy("fair-share", {{"preempt", "yes"}}).ok());
}

}  // namespace
}  // namespace burnrate

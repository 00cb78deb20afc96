// The request-level service engine: every request is simulated.
//
// Semantics:
// - A replica has service.concurrency request slots. A request holds one slot for
//   service_s / speed (rounded to the microsecond); its prefill part is prefill_s / speed.
//   latency = finish - arrival, wait = start - arrival, TTFT = wait + prefill / speed. With
//   slo_latency_s > 0 a served request meets the SLO when its latency (TTFT if slo_on_ttft) is
//   <= slo_latency_s.
// - shared-queue: one central FCFS queue over every slot of the ready replicas (M/G/c, what
//   Erlang C models). Waiting requests sit in a ring buffer; slots in a min-heap of (free time,
//   slot id), so the slot idle the longest takes the next request (with mixed speeds, not the
//   fastest: pull-based workers). Processed lazily: before an
//   arrival at time a, queued requests start on the slots freeing at or before a. A new replica
//   takes queued requests at once. Slots of draining or killed replicas leave the heap when they
//   reach its top. A slot keeps the record of its request in service; stats are recorded at its
//   completion; a killed replica's requests in service are dropped.
// - round-robin / least-outstanding: the load balancer assigns each request on arrival to a
//   ready (not draining) replica: round-robin cycles over the ready replicas in id order;
//   least-outstanding takes the one with the fewest outstanding (waiting + in service)
//   requests, ties to the lowest id, exactly (an indexed min-heap keyed (count, id): O(log R)).
//   Each replica serves its own FIFO with its slots (a min-heap of slot free times, stored flat
//   per replica): start = max(arrival, earliest free slot), so start and finish are known at
//   dispatch. A global min-heap of dispatched requests by finish time keeps the outstanding
//   counts and records stats at completion.
// - max_wait (> 0): a request whose wait would exceed it is dropped and never takes a slot.
//   Per-replica routing knows it at dispatch (FIFO), and counts the drop then; shared-queue
//   (and the holding FIFO below) drops a request when a slot reaches it too late, or at the
//   first AdvanceTo by which its deadline has passed.
// - No ready replica: per-replica routing holds requests in an engine-level FIFO until a
//   replica is added (then routes them in order, starting no earlier than the addition);
//   shared-queue keeps them in its queue.
// - DrainReplica: no new request; returns when its accepted requests are done (>= now).
//   KillReplica: its unfinished requests (in service or in its own queue) are dropped now: the
//   window counts them at once, the totals and months when they leave the heap.
// - Observe: busy slot-seconds are the service time dispatched minus the part still ahead
//   (every slot's queue after `now` is contiguous, because every dispatched request arrived by
//   `now`), so Observe costs O(slots of live replicas), independent of the queue lengths.
// - Finish(horizon): arrivals stop at the horizon; every arrived request is served to the end
//   by the replicas still serving. Requests left with no replica: dropped when the service has
//   a max_wait (they would time out), otherwise unfinished.
// - Equal times: a slot freeing at t serves a request arriving at t; AdvanceTo(t) settles the
//   slots freeing at or before t, so a kill at t drops what started at t.
// - Months are by arrival. Revenue and tokens count served requests. Means are exact (integer
//   sums); quantiles come from LatencyHistograms (2^-10 relative).
// - Deterministic: no unordered containers; all randomness is in the LoadProcess.
// - Hot path: no allocation per request (ring buffers, flat heaps and a slab of in-flight
//   records that grow amortised), no maps.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "serve/engine.h"
#include "serve/latency_histogram.h"
#include "serve/load.h"
#include "sim/model/money.h"

namespace burnrate {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

enum class Routing { kRoundRobin, kLeastOutstanding, kSharedQueue };

// A request that has arrived.
struct Request {
  SimTime arrival = 0;
  RequestWork work;
  uint32_t month = kNone;  // index into the months, kNone outside them
};

// A request given a slot: start and finish are fixed.
struct InService {
  Request req;
  SimTime start = 0;
  SimTime finish = 0;
  Duration prefill_us = 0;
};

// FIFO on a power-of-two ring; grows by doubling, never shrinks.
template <typename T>
class Ring {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& front() { return buf_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  void push_back(const T& x) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & mask_] = x;
    ++size_;
  }

 private:
  void Grow() {
    std::vector<T> bigger(std::max<size_t>(16, 2 * buf_.size()));
    for (size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & mask_];
    buf_ = std::move(bigger);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }
  std::vector<T> buf_;
  size_t head_ = 0, size_ = 0, mask_ = 0;
};

// Binary min-heap on a vector with Less(a, b); replace_top is pop + push in one sift.
template <typename T, typename Less>
class MinHeap {
 public:
  bool empty() const { return v_.empty(); }
  size_t size() const { return v_.size(); }
  const T& top() const { return v_[0]; }
  void push(const T& x) {
    size_t i = v_.size();
    v_.push_back(x);
    while (i > 0) {
      const size_t p = (i - 1) / 2;
      if (!Less()(x, v_[p])) break;
      v_[i] = v_[p];
      i = p;
    }
    v_[i] = x;
  }
  void pop() {
    const T last = v_.back();
    v_.pop_back();
    if (!v_.empty()) SiftDown(last);
  }
  void replace_top(const T& x) { SiftDown(x); }

 private:
  void SiftDown(const T& x) {
    const size_t n = v_.size();
    size_t i = 0;
    while (true) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && Less()(v_[c + 1], v_[c])) ++c;
      if (!Less()(v_[c], x)) break;
      v_[i] = v_[c];
      i = c;
    }
    v_[i] = x;
  }
  std::vector<T> v_;
};

struct SlotEntry {
  SimTime free;
  uint32_t slot;
};
struct SlotLess {
  bool operator()(const SlotEntry& a, const SlotEntry& b) const {
    return a.free < b.free || (a.free == b.free && a.slot < b.slot);
  }
};

struct InflightEntry {
  SimTime finish;
  uint32_t index;    // into the in-flight slab
  uint32_t replica;
};
struct InflightLess {
  bool operator()(const InflightEntry& a, const InflightEntry& b) const {
    return a.finish < b.finish;
  }
};

// Ready replicas keyed (outstanding, id), the minimum on top; O(log R) per change.
class LeastOutstandingIndex {
 public:
  bool empty() const { return heap_.empty(); }
  uint32_t top() const { return static_cast<uint32_t>(heap_[0] & kIdMask); }
  void Insert(uint32_t r, uint64_t count) {
    if (pos_.size() <= r) pos_.resize(r + 1, kNone);
    heap_.push_back(Key(count, r));
    pos_[r] = static_cast<uint32_t>(heap_.size() - 1);
    SiftUp(heap_.size() - 1);
  }
  void Erase(uint32_t r) {
    const size_t i = pos_[r];
    pos_[r] = kNone;
    const uint64_t last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    heap_[i] = last;
    pos_[Id(last)] = static_cast<uint32_t>(i);
    SiftUp(i);
    SiftDown(pos_[Id(last)]);
  }
  bool Contains(uint32_t r) const { return r < pos_.size() && pos_[r] != kNone; }
  void Increment(uint32_t r) {
    const size_t i = pos_[r];
    heap_[i] += uint64_t{1} << 32;
    SiftDown(i);
  }
  void Decrement(uint32_t r) {
    const size_t i = pos_[r];
    heap_[i] -= uint64_t{1} << 32;
    SiftUp(i);
  }

 private:
  static constexpr uint64_t kIdMask = 0xffffffffu;
  static uint64_t Key(uint64_t count, uint32_t r) {
    return (std::min<uint64_t>(count, kIdMask) << 32) | r;
  }
  static uint32_t Id(uint64_t key) { return static_cast<uint32_t>(key & kIdMask); }
  void SiftUp(size_t i) {
    const uint64_t x = heap_[i];
    while (i > 0) {
      const size_t p = (i - 1) / 2;
      if (heap_[p] <= x) break;
      heap_[i] = heap_[p];
      pos_[Id(heap_[i])] = static_cast<uint32_t>(i);
      i = p;
    }
    heap_[i] = x;
    pos_[Id(x)] = static_cast<uint32_t>(i);
  }
  void SiftDown(size_t i) {
    const uint64_t x = heap_[i];
    const size_t n = heap_.size();
    while (true) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && heap_[c + 1] < heap_[c]) ++c;
      if (heap_[c] >= x) break;
      heap_[i] = heap_[c];
      pos_[Id(heap_[i])] = static_cast<uint32_t>(i);
      i = c;
    }
    heap_[i] = x;
    pos_[Id(x)] = static_cast<uint32_t>(i);
  }
  std::vector<uint64_t> heap_;
  std::vector<uint32_t> pos_;  // by replica id
};

class RequestEngine final : public ServiceEngine {
 public:
  RequestEngine(const ServiceSpec& service, Routing routing, std::unique_ptr<LoadProcess> load,
                std::vector<MonthSpan> months)
      : spec_(service),
        routing_(routing),
        k_(service.concurrency),
        max_wait_(service.max_wait),
        slo_us_(service.slo_latency_s > 0 ? SecondsToTime(service.slo_latency_s) : 0),
        has_revenue_(service.usd_per_request != 0 || service.usd_per_1k_input_tokens != 0 ||
                     service.usd_per_1k_output_tokens != 0),
        load_(std::move(load)),
        months_(std::move(months)),
        month_totals_(months_.size()) {}

  absl::Status AdvanceTo(SimTime t) override;
  void AddReplica(uint32_t r, double speed) override;
  SimTime DrainReplica(uint32_t r) override;
  void KillReplica(uint32_t r) override;
  ServiceWindow Observe() override;
  absl::StatusOr<ServiceTotals> Finish(SimTime horizon) override;

 private:
  enum class State : uint8_t { kAbsent, kReady, kDraining, kDead };

  bool Shared() const { return routing_ == Routing::kSharedQueue; }
  Duration ScaledUs(double seconds, uint32_t r) const {
    const double us = seconds * us_per_ref_s_[r] + 0.5;
    return us < 9e18 ? static_cast<Duration>(us) : Duration{9'000'000'000'000'000'000};
  }
  uint32_t MonthOf(SimTime a) {
    while (month_cursor_ < months_.size() && a >= months_[month_cursor_].end) ++month_cursor_;
    return month_cursor_ < months_.size() && a >= months_[month_cursor_].begin
               ? static_cast<uint32_t>(month_cursor_)
               : kNone;
  }

  void Arrive(SimTime a, const RequestWork& w);
  void RecordServed(const InService& x);
  void Drop(const Request& q, bool in_window);
  void NoReplica(const Request& q);
  void AccrueAvailable();
  void ExpireWaiting(Ring<Request>& fifo, SimTime t);
  // Service time ahead of `t` and slots busy at `t`, over the live replicas.
  void ScanSlots(SimTime t, Duration* ahead_us, uint64_t* busy_slots);

  // shared-queue
  uint32_t ReadySlotBy(SimTime t);
  void CompleteSlot(uint32_t s);
  void StartOnTopSlot(uint32_t s, const Request& q, SimTime start);
  void StartQueued(SimTime t);

  // round-robin / least-outstanding
  uint32_t PickReplica();
  void Dispatch(const Request& q, SimTime t);
  void PopCompletions(SimTime t);
  void RemoveFromRouting(uint32_t r);

  const ServiceSpec spec_;
  const Routing routing_;
  const uint32_t k_;
  const Duration max_wait_;
  const Duration slo_us_;
  const bool has_revenue_;
  std::unique_ptr<LoadProcess> load_;
  const std::vector<MonthSpan> months_;
  std::vector<ServiceMonth> month_totals_;
  size_t month_cursor_ = 0;

  // Load lookahead.
  bool has_next_ = false, load_done_ = false, finished_ = false;
  SimTime next_at_ = 0;
  RequestWork next_work_;

  SimTime now_ = 0;

  // Replicas, by id; slots of replica r are [r * k_, (r + 1) * k_).
  std::vector<State> state_;
  std::vector<double> us_per_ref_s_;  // 1e6 / speed
  std::vector<SimTime> slot_free_;    // per-replica routing: a min-heap per replica
  std::vector<uint32_t> live_;        // replicas not dead that may still have work
  uint32_t ready_replicas_ = 0;
  uint64_t ready_slots_ = 0;

  // shared-queue
  Ring<Request> queue_;
  MinHeap<SlotEntry, SlotLess> slot_heap_;
  std::vector<InService> slot_req_;
  std::vector<uint8_t> slot_busy_;  // slot_req_ holds a request not yet recorded

  // round-robin / least-outstanding
  Ring<Request> held_;  // no ready replica yet
  std::vector<uint32_t> rr_;  // ready replicas, ascending id
  size_t rr_next_ = 0;
  LeastOutstandingIndex lo_;
  std::vector<uint64_t> outstanding_;  // by replica
  uint64_t outstanding_total_ = 0;
  std::vector<InService> inflight_;
  std::vector<uint32_t> inflight_free_;
  MinHeap<InflightEntry, InflightLess> inflight_heap_;

  // Window since the last Observe.
  SimTime last_observe_ = 0, last_accrue_ = 0;
  double win_arrivals_ = 0, win_ref_work_s_ = 0, win_available_us_ = 0, win_dropped_ = 0;
  Duration busy_dispatched_us_ = 0;  // slot time of every request given a slot, minus kills
  Duration busy_at_last_observe_ = 0;

  // Totals.
  uint64_t arrived_ = 0, served_ = 0, dropped_ = 0, unfinished_ = 0, slo_met_ = 0;
  double revenue_usd_ = 0;
  Int128 sum_latency_us_ = 0, sum_wait_us_ = 0;
  LatencyHistogram latency_, wait_, ttft_;
};

// ---------------------------------------------------------------------------------------------
// Common.

absl::Status RequestEngine::AdvanceTo(SimTime t) {
  if (finished_) return absl::FailedPreconditionError("AdvanceTo after Finish");
  if (t < now_) t = now_;
  while (!load_done_) {
    if (!has_next_) {
      absl::StatusOr<bool> got = load_->Next(&next_at_, &next_work_);
      if (!got.ok()) return got.status();
      if (!*got) {
        load_done_ = true;
        break;
      }
      has_next_ = true;
    }
    if (next_at_ >= t) break;
    has_next_ = false;
    Arrive(std::max(next_at_, now_), next_work_);
  }
  if (Shared()) {
    StartQueued(t);
    ExpireWaiting(queue_, t);
  } else {
    PopCompletions(t);
    ExpireWaiting(held_, t);
  }
  now_ = t;
  return absl::OkStatus();
}

void RequestEngine::Arrive(SimTime a, const RequestWork& w) {
  ++arrived_;
  win_arrivals_ += 1;
  win_ref_work_s_ += w.service_s;
  const Request q{a, w, MonthOf(a)};
  if (q.month != kNone) month_totals_[q.month].arrived += 1;
  if (Shared()) {
    StartQueued(a);
    if (queue_.empty()) {
      const uint32_t s = ReadySlotBy(a);
      if (s != kNone) {
        CompleteSlot(s);
        StartOnTopSlot(s, q, a);
        return;
      }
    }
    queue_.push_back(q);
  } else {
    PopCompletions(a);
    if (ready_replicas_ == 0) {
      held_.push_back(q);
    } else {
      Dispatch(q, a);
    }
  }
}

void RequestEngine::RecordServed(const InService& x) {
  ++served_;
  const Duration latency = x.finish - x.req.arrival;
  const Duration wait = x.start - x.req.arrival;
  const Duration ttft = wait + x.prefill_us;
  latency_.Add(latency);
  wait_.Add(wait);
  ttft_.Add(ttft);
  sum_latency_us_ += latency;
  sum_wait_us_ += wait;
  const bool met = slo_us_ > 0 && (spec_.slo_on_ttft ? ttft : latency) <= slo_us_;
  if (met) ++slo_met_;
  const double revenue = has_revenue_ ? RequestRevenue(spec_, x.req.work) : 0.0;
  revenue_usd_ += revenue;
  if (x.req.month != kNone) {
    ServiceMonth& m = month_totals_[x.req.month];
    m.served += 1;
    if (met) m.slo_met += 1;
    m.revenue_usd += revenue;
    m.input_tokens += x.req.work.input_tokens;
    m.output_tokens += x.req.work.output_tokens;
  }
}

void RequestEngine::Drop(const Request& q, bool in_window) {
  ++dropped_;
  if (in_window) win_dropped_ += 1;
  if (q.month != kNone) month_totals_[q.month].dropped += 1;
}

void RequestEngine::NoReplica(const Request& q) {
  if (max_wait_ > 0) {
    Drop(q, true);
  } else {
    ++unfinished_;
  }
}

void RequestEngine::AccrueAvailable() {
  win_available_us_ += static_cast<double>(ready_slots_) * static_cast<double>(now_ - last_accrue_);
  last_accrue_ = now_;
}

void RequestEngine::ExpireWaiting(Ring<Request>& fifo, SimTime t) {
  if (max_wait_ <= 0) return;
  // FIFO by arrival: the expired requests are a prefix.
  while (!fifo.empty() && fifo.front().arrival + max_wait_ < t) {
    Drop(fifo.front(), true);
    fifo.pop_front();
  }
}

void RequestEngine::ScanSlots(SimTime t, Duration* ahead_us, uint64_t* busy_slots) {
  *ahead_us = 0;
  *busy_slots = 0;
  size_t kept = 0;
  for (const uint32_t r : live_) {
    if (state_[r] == State::kDead) continue;
    bool busy_replica = false;
    const SimTime* slots = &slot_free_[size_t{r} * k_];
    for (uint32_t j = 0; j < k_; ++j) {
      if (slots[j] > t) {
        *ahead_us += slots[j] - t;
        ++*busy_slots;
        busy_replica = true;
      }
    }
    // A draining replica with nothing left will never work again.
    if (state_[r] == State::kReady || busy_replica) live_[kept++] = r;
  }
  live_.resize(kept);
}

void RequestEngine::AddReplica(uint32_t r, double speed) {
  if (finished_ || !(speed > 0)) return;
  if (r >= state_.size()) {
    state_.resize(size_t{r} + 1, State::kAbsent);
    us_per_ref_s_.resize(size_t{r} + 1, 0.0);
    outstanding_.resize(size_t{r} + 1, 0);
    slot_free_.resize((size_t{r} + 1) * k_, 0);
    if (Shared()) {
      slot_req_.resize((size_t{r} + 1) * k_);
      slot_busy_.resize((size_t{r} + 1) * k_, 0);
    }
  }
  if (state_[r] != State::kAbsent) return;  // ids are never reused
  AccrueAvailable();
  state_[r] = State::kReady;
  us_per_ref_s_[r] = 1e6 / speed;
  ++ready_replicas_;
  ready_slots_ += k_;
  live_.push_back(r);
  const size_t first = size_t{r} * k_;
  for (uint32_t j = 0; j < k_; ++j) slot_free_[first + j] = now_;
  if (Shared()) {
    for (uint32_t j = 0; j < k_; ++j) slot_heap_.push({now_, static_cast<uint32_t>(first + j)});
    StartQueued(now_);
    return;
  }
  if (routing_ == Routing::kRoundRobin) {
    const auto it = rr_.insert(std::upper_bound(rr_.begin(), rr_.end(), r), r);
    if (static_cast<size_t>(it - rr_.begin()) < rr_next_) ++rr_next_;
  } else {
    lo_.Insert(r, outstanding_[r]);
  }
  while (!held_.empty()) {
    const Request q = held_.front();
    held_.pop_front();
    Dispatch(q, now_);
  }
}

SimTime RequestEngine::DrainReplica(uint32_t r) {
  if (r >= state_.size() || state_[r] == State::kAbsent || state_[r] == State::kDead) return now_;
  SimTime done = now_;
  const SimTime* slots = &slot_free_[size_t{r} * k_];
  for (uint32_t j = 0; j < k_; ++j) done = std::max(done, slots[j]);
  if (state_[r] == State::kDraining) return done;
  AccrueAvailable();
  state_[r] = State::kDraining;
  --ready_replicas_;
  ready_slots_ -= k_;
  if (!Shared()) RemoveFromRouting(r);
  return done;
}

void RequestEngine::KillReplica(uint32_t r) {
  if (r >= state_.size() || state_[r] == State::kAbsent || state_[r] == State::kDead) return;
  AccrueAvailable();
  if (state_[r] == State::kReady) {
    --ready_replicas_;
    ready_slots_ -= k_;
    if (!Shared()) RemoveFromRouting(r);
  }
  state_[r] = State::kDead;
  const size_t first = size_t{r} * k_;
  for (uint32_t j = 0; j < k_; ++j) {
    const SimTime free = slot_free_[first + j];
    if (free > now_) busy_dispatched_us_ -= free - now_;  // the work it will not do
  }
  if (Shared()) {
    for (size_t s = first; s < first + k_; ++s) {
      if (!slot_busy_[s]) continue;
      slot_busy_[s] = 0;
      if (slot_req_[s].finish <= now_) {
        RecordServed(slot_req_[s]);
      } else {
        Drop(slot_req_[s].req, true);
      }
    }
  } else {
    // Its in-flight entries stay in the heap and count in the totals as dropped when popped.
    win_dropped_ += static_cast<double>(outstanding_[r]);
    outstanding_total_ -= outstanding_[r];
    outstanding_[r] = 0;
  }
}

ServiceWindow RequestEngine::Observe() {
  AccrueAvailable();
  Duration ahead_us = 0;
  uint64_t busy_slots = 0;
  ScanSlots(now_, &ahead_us, &busy_slots);
  const Duration busy_accrued = busy_dispatched_us_ - ahead_us;
  ServiceWindow w;
  w.length = now_ - last_observe_;
  w.arrivals = win_arrivals_;
  w.ref_work_s = win_ref_work_s_;
  w.available_slot_s = win_available_us_ / 1e6;
  w.busy_slot_s = TimeToSeconds(busy_accrued - busy_at_last_observe_);
  if (Shared()) {
    w.waiting = static_cast<double>(queue_.size());
    w.outstanding = w.waiting + static_cast<double>(busy_slots);
  } else {
    w.outstanding = static_cast<double>(outstanding_total_ + held_.size());
    w.waiting = w.outstanding - static_cast<double>(busy_slots);
  }
  w.dropped = win_dropped_;
  last_observe_ = now_;
  busy_at_last_observe_ = busy_accrued;
  win_arrivals_ = win_ref_work_s_ = win_available_us_ = win_dropped_ = 0;
  return w;
}

absl::StatusOr<ServiceTotals> RequestEngine::Finish(SimTime horizon) {
  if (finished_) return absl::FailedPreconditionError("Finish called twice");
  absl::Status st = AdvanceTo(horizon);
  if (!st.ok()) return st;
  finished_ = true;
  if (Shared()) {
    StartQueued(kTimeInfinity);  // every ready slot takes requests until the queue is empty
    while (!queue_.empty()) {
      NoReplica(queue_.front());
      queue_.pop_front();
    }
    for (uint32_t s = 0; s < slot_busy_.size(); ++s) CompleteSlot(s);
  } else {
    while (!held_.empty()) {  // held only while no replica is ready
      NoReplica(held_.front());
      held_.pop_front();
    }
    PopCompletions(kTimeInfinity);
  }

  ServiceTotals t;
  t.arrived = static_cast<double>(arrived_);
  t.served = static_cast<double>(served_);
  t.dropped = static_cast<double>(dropped_);
  t.unfinished = static_cast<double>(unfinished_);
  t.slo_met = static_cast<double>(slo_met_);
  t.revenue_usd = revenue_usd_;
  if (served_ > 0) {
    const double n = static_cast<double>(served_);
    t.mean_latency_s = static_cast<double>(sum_latency_us_) / n / 1e6;
    t.mean_wait_s = static_cast<double>(sum_wait_us_) / n / 1e6;
    t.p50_latency_s = latency_.QuantileSeconds(0.50);
    t.p95_latency_s = latency_.QuantileSeconds(0.95);
    t.p99_latency_s = latency_.QuantileSeconds(0.99);
    t.max_latency_s = latency_.MaxSeconds();
    t.p99_wait_s = wait_.QuantileSeconds(0.99);
    t.p50_ttft_s = ttft_.QuantileSeconds(0.50);
    t.p99_ttft_s = ttft_.QuantileSeconds(0.99);
  }
  t.months = month_totals_;
  return t;
}

// ---------------------------------------------------------------------------------------------
// shared-queue.

// Pops the slots of draining (recording their last request) and killed replicas that reach the
// top by `t`; returns the top slot if it is ready and free by `t`, else kNone.
uint32_t RequestEngine::ReadySlotBy(SimTime t) {
  while (!slot_heap_.empty()) {
    const SlotEntry& e = slot_heap_.top();
    if (e.free > t) return kNone;
    const State st = state_[e.slot / k_];
    if (st == State::kReady) return e.slot;
    if (st == State::kDraining) CompleteSlot(e.slot);
    slot_heap_.pop();
  }
  return kNone;
}

void RequestEngine::CompleteSlot(uint32_t s) {
  if (!slot_busy_[s]) return;
  slot_busy_[s] = 0;
  RecordServed(slot_req_[s]);
}

// REQUIRES: s is the heap's top, its previous request recorded.
void RequestEngine::StartOnTopSlot(uint32_t s, const Request& q, SimTime start) {
  const uint32_t r = s / k_;
  const Duration service = ScaledUs(q.work.service_s, r);
  InService& x = slot_req_[s];
  x.req = q;
  x.start = start;
  x.finish = start + service;
  x.prefill_us = q.work.prefill_s > 0 ? ScaledUs(q.work.prefill_s, r) : 0;
  slot_busy_[s] = 1;
  slot_free_[s] = x.finish;
  busy_dispatched_us_ += service;
  slot_heap_.replace_top({x.finish, s});
}

// Starts queued requests on the slots freeing at or before t, in order of their free times.
void RequestEngine::StartQueued(SimTime t) {
  while (!queue_.empty()) {
    const uint32_t s = ReadySlotBy(t);
    if (s == kNone) return;
    const SimTime free = slot_heap_.top().free;
    CompleteSlot(s);
    if (max_wait_ > 0) {
      while (!queue_.empty() &&
             std::max(free, queue_.front().arrival) - queue_.front().arrival > max_wait_) {
        Drop(queue_.front(), true);
        queue_.pop_front();
      }
      if (queue_.empty()) return;  // the slot stays idle on top
    }
    const Request& q = queue_.front();
    StartOnTopSlot(s, q, std::max(free, q.arrival));
    queue_.pop_front();
  }
}

// ---------------------------------------------------------------------------------------------
// round-robin / least-outstanding.

uint32_t RequestEngine::PickReplica() {
  if (routing_ == Routing::kLeastOutstanding) return lo_.top();
  if (rr_next_ >= rr_.size()) rr_next_ = 0;
  return rr_[rr_next_++];
}

// REQUIRES: a ready replica; t >= q.arrival.
void RequestEngine::Dispatch(const Request& q, SimTime t) {
  const uint32_t r = PickReplica();
  SimTime* slots = &slot_free_[size_t{r} * k_];
  const SimTime start = std::max(t, slots[0]);
  if (max_wait_ > 0 && start - q.arrival > max_wait_) {
    Drop(q, true);
    return;
  }
  const Duration service = ScaledUs(q.work.service_s, r);
  const SimTime finish = start + service;
  // Replace the earliest free slot and restore the heap of the replica's slots.
  size_t i = 0;
  while (true) {
    size_t c = 2 * i + 1;
    if (c >= k_) break;
    if (c + 1 < k_ && slots[c + 1] < slots[c]) ++c;
    if (slots[c] >= finish) break;
    slots[i] = slots[c];
    i = c;
  }
  slots[i] = finish;
  busy_dispatched_us_ += service;

  uint32_t index;
  if (inflight_free_.empty()) {
    index = static_cast<uint32_t>(inflight_.size());
    inflight_.emplace_back();
  } else {
    index = inflight_free_.back();
    inflight_free_.pop_back();
  }
  InService& x = inflight_[index];
  x.req = q;
  x.start = start;
  x.finish = finish;
  x.prefill_us = q.work.prefill_s > 0 ? ScaledUs(q.work.prefill_s, r) : 0;
  inflight_heap_.push({finish, index, r});
  ++outstanding_[r];
  ++outstanding_total_;
  if (routing_ == Routing::kLeastOutstanding) lo_.Increment(r);
}

// Records the requests finishing at or before t.
void RequestEngine::PopCompletions(SimTime t) {
  while (!inflight_heap_.empty() && inflight_heap_.top().finish <= t) {
    const InflightEntry e = inflight_heap_.top();
    inflight_heap_.pop();
    const InService& x = inflight_[e.index];
    if (state_[e.replica] == State::kDead) {
      Drop(x.req, false);  // the window counted it at the kill
    } else {
      RecordServed(x);
      --outstanding_[e.replica];
      --outstanding_total_;
      if (routing_ == Routing::kLeastOutstanding && state_[e.replica] == State::kReady) {
        lo_.Decrement(e.replica);
      }
    }
    inflight_free_.push_back(e.index);
  }
}

void RequestEngine::RemoveFromRouting(uint32_t r) {
  if (routing_ == Routing::kLeastOutstanding) {
    if (lo_.Contains(r)) lo_.Erase(r);
    return;
  }
  const auto it = std::lower_bound(rr_.begin(), rr_.end(), r);
  if (it == rr_.end() || *it != r) return;
  const size_t p = static_cast<size_t>(it - rr_.begin());
  rr_.erase(it);
  if (p < rr_next_) --rr_next_;  // the cycle continues with the same next replica
}

}  // namespace

const std::vector<std::string>& RoutingNames() {
  static const std::vector<std::string>* const kNames =
      new std::vector<std::string>{"round-robin", "least-outstanding", "shared-queue"};
  return *kNames;
}

absl::StatusOr<std::unique_ptr<ServiceEngine>> MakeRequestEngine(
    const ServiceSpec& service, std::unique_ptr<LoadProcess> load, std::vector<MonthSpan> months) {
  Routing routing;
  if (service.routing == "round-robin") {
    routing = Routing::kRoundRobin;
  } else if (service.routing == "least-outstanding") {
    routing = Routing::kLeastOutstanding;
  } else if (service.routing == "shared-queue") {
    routing = Routing::kSharedQueue;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("service '", service.name,
                                                   "': unknown routing '", service.routing,
                                                   "' (one of: ",
                                                   absl::StrJoin(RoutingNames(), ", "), ")"));
  }
  if (service.concurrency == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("service '", service.name, "': concurrency must be at least 1"));
  }
  if (load == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("service '", service.name, "': no load"));
  }
  return std::unique_ptr<ServiceEngine>(
      new RequestEngine(service, routing, std::move(load), std::move(months)));
}

}  // namespace burnrate

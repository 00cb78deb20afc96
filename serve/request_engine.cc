// The request-level service engine: every request is simulated.
//
// Semantics:
// - A replica has service.concurrency request slots. A request holds one slot for
//   service_s / speed (rounded to the microsecond); its prefill part is prefill_s / speed.
//   latency = finish - arrival, wait = start - arrival, TTFT = wait + prefill / speed. With
//   slo_latency_s > 0 a served request meets the SLO when its latency (TTFT if slo_on_ttft) is
//   <= slo_latency_s.
// - shared-queue: one central FCFS queue over every slot of the ready replicas (M/G/c, what
//   Erlang C models). The next request takes the slot with the least (free time, replica id,
//   slot number): the slot idle the longest (with mixed speeds, not the fastest: pull-based
//   workers). Processed lazily: before an arrival at time a, queued requests start on the slots
//   freeing at or before a. A new replica takes queued requests at once. A slot keeps the
//   record of its request in service; stats are recorded when the slot is taken again, when a
//   draining replica's request is found done (at the latest by the next Observe, AddReplica or
//   DrainReplica), at a kill or at Finish; a killed replica's requests in service are dropped.
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
// - Observe: busy slot-seconds are the service time dispatched minus the part still ahead of
//   `now` (every slot's queue after `now` is contiguous, because every dispatched request
//   arrived by `now`). Per-replica routing: a replica with n outstanding requests has min(n, k)
//   busy slots, and its work ahead is sum(slot free) - k now when n >= k, else sum(finish of the
//   outstanding) - n now (both sums kept per replica): O(live replicas). shared-queue: the busy
//   slots are those in the busy heap below (their work ahead kept): O(1) plus the slots
//   found free since the previous call (each costs one heap pop, once per request at most).
//   Independent of the concurrency and of the queue lengths.
// - Finish(horizon): arrivals stop at the horizon; every arrived request is served to the end
//   by the replicas still serving. Requests left with no replica: dropped when the service has
//   a max_wait (they would time out), otherwise unfinished.
// - Equal times: a slot freeing at t serves a request arriving at t; AdvanceTo(t) settles the
//   slots freeing at or before t, so a kill at t drops what started at t (and did not finish by
//   t: a zero-length request is done when it starts, also when AddReplica starts it).
// - Months are by arrival. Revenue and tokens count served requests. Means are exact (integer
//   sums); quantiles come from LatencyHistograms (2^-10 relative).
// - Deterministic: no unordered containers; all randomness is in the LoadProcess.
// - Hot path: no allocation per request (ring buffers, flat heaps and a slab of in-flight
//   records that grow amortised), no maps.
//
// Memory: proportional to the live replicas (ready, draining, or still holding requests), not
// to the replica ids ever seen. The World's ids (dense, never reused) map to internal indices
// (4 bytes per id ever); an internal index owns k = concurrency slots in the per-slot arrays
// and returns to a free list once its replica is gone: at a kill, or when a drained replica's
// last request is done. Entries left behind in the heaps and queues carry the World id, so
// they are recognised as stale and skipped; the shared queue's slot structures are compacted
// when the stale entries outnumber the live ones. The per-slot arrays hold k x (the most
// replicas live at once) slots; the slot structures at most about twice that.
//
// shared-queue slot structures, ordered by (free time, World id, slot number). `settled_`: the
// time up to which the slots freed have been moved out of the busy heap (Observe, AddReplica
// and DrainReplica move them).
//   idle_:  a FIFO of slots free by settled_, in order (moved from the busy heap in heap order,
//           or added by AddReplica at settled_, before the slots added at the same time with
//           larger ids);
//   busy_:  a min-heap of the slots with free time > settled_ (their requests in service);
//   late_:  a min-heap of the slots that took a zero-length request starting at settled_
//           (free at settled_ again, so they belong neither to busy_ nor to the end of idle_).
// Every idle or late key is below every busy key, so the next slot is the least of idle_'s
// front and late_'s top, else busy_'s top: the same slot, in the same order, as one heap over
// all slots. While requests wait there is no idle slot, so a busy slot freeing takes the next
// request in place (one sift, as with one heap).
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

// Test only (declared in tests/serve/request_engine_test.cc).
size_t RequestEngineSlotCapacityForTest(const ServiceEngine& engine);

namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kGone = kNone - 1;  // a World id whose replica is gone (ix_of_)
constexpr uint32_t kDrainingBit = uint32_t{1} << 31;  // ix_of_: its replica is draining

enum class Routing { kRoundRobin, kLeastOutstanding, kSharedQueue };

// A request that has arrived.
struct Request {
  SimTime arrival = 0;
  RequestWork work;
  uint32_t month = kNone;   // index into the months, kNone outside them
  uint32_t server = kNone;  // in flight (per-replica routing): the World id of its replica
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
  size_t capacity() const { return buf_.size(); }
  T& front() { return buf_[head_]; }
  const T& front() const { return buf_[head_]; }
  const T& back() const { return buf_[(head_ + size_ - 1) & mask_]; }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  void pop_back() { --size_; }
  void push_back(const T& x) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & mask_] = x;
    ++size_;
  }
  // Removes the elements matching `pred`, keeping the others in order.
  template <typename Pred>
  void RemoveIf(Pred pred) {
    size_t kept = 0;
    for (size_t i = 0; i < size_; ++i) {
      const T x = buf_[(head_ + i) & mask_];
      if (pred(x)) continue;
      buf_[(head_ + kept) & mask_] = x;
      ++kept;
    }
    size_ = kept;
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
  size_t capacity() const { return v_.capacity(); }
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
    if (!v_.empty()) SiftDown(0, last);
  }
  void replace_top(const T& x) { SiftDown(0, x); }
  // Removes the elements matching `pred` and restores the heap: O(size).
  template <typename Pred>
  void RemoveIf(Pred pred) {
    v_.erase(std::remove_if(v_.begin(), v_.end(), pred), v_.end());
    for (size_t i = v_.size() / 2; i-- > 0;) SiftDown(i, v_[i]);
  }

 private:
  // Places x (by value: it may be an element) at i or below.
  void SiftDown(size_t i, const T x) {
    const size_t n = v_.size();
    while (true) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n) c += static_cast<size_t>(Less()(v_[c + 1], v_[c]));  // no branch
      if (!Less()(v_[c], x)) break;
      v_[i] = v_[c];
      i = c;
    }
    v_[i] = x;
  }
  std::vector<T> v_;
};

// A shared-queue slot: ordered by (free, World id, slot number); `tie` packs the last two.
struct SlotEntry {
  SimTime free;
  uint64_t tie;
};
__extension__ typedef unsigned __int128 UInt128;
struct SlotLess {
  // One 128-bit comparison (free times are >= 0): no branch to mispredict in the sifts.
  static UInt128 Key(const SlotEntry& e) {
    return (static_cast<UInt128>(static_cast<uint64_t>(e.free)) << 64) | e.tie;
  }
  bool operator()(const SlotEntry& a, const SlotEntry& b) const { return Key(a) < Key(b); }
};
inline uint64_t Tie(uint32_t world, uint32_t j) { return (uint64_t{world} << 32) | j; }
inline uint32_t WorldOf(const SlotEntry& e) { return static_cast<uint32_t>(e.tie >> 32); }
inline uint32_t SlotOf(const SlotEntry& e) { return static_cast<uint32_t>(e.tie); }

struct InflightEntry {
  SimTime finish;
  uint32_t index;    // into the in-flight slab
  uint32_t replica;  // internal index (stale when the slab record's server is not its World id)
};
struct InflightLess {
  bool operator()(const InflightEntry& a, const InflightEntry& b) const {
    return a.finish < b.finish;
  }
};

// Ready replicas keyed (outstanding, World id), the minimum on top; O(log R) per change.
// Addressed by internal index.
class LeastOutstandingIndex {
 public:
  bool empty() const { return heap_.empty(); }
  uint32_t top() const { return heap_[0].ix; }
  void Insert(uint32_t ix, uint32_t world, uint64_t count) {
    if (pos_.size() <= ix) pos_.resize(size_t{ix} + 1, kNone);
    heap_.push_back({Key(count, world), ix});
    pos_[ix] = static_cast<uint32_t>(heap_.size() - 1);
    SiftUp(heap_.size() - 1);
  }
  void Erase(uint32_t ix) {
    const size_t i = pos_[ix];
    pos_[ix] = kNone;
    const Node last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    heap_[i] = last;
    pos_[last.ix] = static_cast<uint32_t>(i);
    SiftUp(i);
    SiftDown(pos_[last.ix]);
  }
  bool Contains(uint32_t ix) const { return ix < pos_.size() && pos_[ix] != kNone; }
  void Increment(uint32_t ix) {
    const size_t i = pos_[ix];
    heap_[i].key += uint64_t{1} << 32;
    SiftDown(i);
  }
  void Decrement(uint32_t ix) {
    const size_t i = pos_[ix];
    heap_[i].key -= uint64_t{1} << 32;
    SiftUp(i);
  }

 private:
  struct Node {
    uint64_t key;  // (outstanding << 32) | World id
    uint32_t ix;
  };
  static constexpr uint64_t kIdMask = 0xffffffffu;
  static uint64_t Key(uint64_t count, uint32_t world) {
    return (std::min<uint64_t>(count, kIdMask) << 32) | world;
  }
  void SiftUp(size_t i) {
    const Node x = heap_[i];
    while (i > 0) {
      const size_t p = (i - 1) / 2;
      if (heap_[p].key <= x.key) break;
      heap_[i] = heap_[p];
      pos_[heap_[i].ix] = static_cast<uint32_t>(i);
      i = p;
    }
    heap_[i] = x;
    pos_[x.ix] = static_cast<uint32_t>(i);
  }
  void SiftDown(size_t i) {
    const Node x = heap_[i];
    const size_t n = heap_.size();
    while (true) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n) c += static_cast<size_t>(heap_[c + 1].key < heap_[c].key);
      if (heap_[c].key >= x.key) break;
      heap_[i] = heap_[c];
      pos_[heap_[i].ix] = static_cast<uint32_t>(i);
      i = c;
    }
    heap_[i] = x;
    pos_[x.ix] = static_cast<uint32_t>(i);
  }
  std::vector<Node> heap_;
  std::vector<uint32_t> pos_;  // by internal index
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

  // Slots the per-slot arrays have room for, plus the entries the shared queue's slot
  // structures have room for (test only).
  size_t SlotCapacity() const {
    return std::max({slot_free_.capacity(), slot_req_.capacity(), slot_busy_.capacity()}) +
           idle_.capacity() + late_.capacity() + busy_.capacity();
  }

 private:
  enum class State : uint8_t { kFree, kReady, kDraining };
  enum class Src : uint8_t { kIdle, kLate, kBusy };

  // A live replica, at its internal index: what the hot path reads (one cache line).
  struct alignas(64) Replica {
    // Per-replica routing.
    Int128 sum_free = 0;       // of its k slot free times
    Int128 sum_finish = 0;     // of its outstanding requests' finish times
    uint64_t outstanding = 0;  // dispatched, not finished (finish > the last completion pop)
    double us_per_ref_s = 0;   // 1e6 / speed
    uint32_t world = kNone;
    State state = State::kFree;
  };
  // The rest, at the same index.
  struct ReplicaBook {
    uint32_t alloc_pos = 0;   // in alloc_
    SimTime done = 0;         // once draining: when its accepted requests are done
    // shared-queue, once draining.
    uint32_t busy = 0;        // slots whose request is not recorded yet
    uint32_t entries = 0;     // its entries in idle_, late_ and busy_ (k while ready)
  };

  // The shared-queue slot the next request takes.
  struct Top {
    Src src;
    uint32_t ix;
    SimTime free;
    uint64_t tie;
    size_t slot;  // in the per-slot arrays
  };

  bool Shared() const { return routing_ == Routing::kSharedQueue; }
  static Duration ScaledUs(double seconds, double us_per_ref_s) {
    const double us = seconds * us_per_ref_s + 0.5;
    return us < 9e18 ? static_cast<Duration>(us) : Duration{9'000'000'000'000'000'000};
  }
  size_t SlotIndex(uint32_t ix, uint32_t j) const { return size_t{ix} * k_ + j; }
  // The internal index of World id r, or kNone / kGone.
  uint32_t IndexOf(uint32_t r) const {
    const uint32_t v = r < ix_of_.size() ? ix_of_[r] : kNone;
    return v < kGone ? v & ~kDrainingBit : v;
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

  // Internal indices.
  uint32_t Allocate(uint32_t world);
  void Retire(uint32_t ix);

  // shared-queue
  bool TopReadySlot(SimTime t, Top* top);
  [[gnu::noinline]] void DiscardTop(Src src, uint32_t v);
  void PopFrom(Src src);
  void RecordSlot(size_t s);
  void EndDrainingSlot(uint32_t ix, uint32_t j);
  void StartOnTop(const Top& top, const Request& q, SimTime start);
  void StartQueued(SimTime t);
  void Settle(SimTime t);
  void MaybeCompact();

  // round-robin / least-outstanding
  uint32_t PickReplica();
  void Dispatch(const Request& q, SimTime t);
  void PopCompletions(SimTime t);
  void RemoveFromRouting(uint32_t ix);
  // Work ahead of `t` on the replica's slots, and its busy slots at `t` (a waiting request
  // means every slot is busy). REQUIRES: the completions by t popped, every dispatched request
  // arrived by t.
  Duration AheadUs(const Replica& rep, SimTime t) const {
    const Int128 ahead = rep.outstanding >= k_
                             ? rep.sum_free - static_cast<Int128>(k_) * t
                             : rep.sum_finish - static_cast<Int128>(rep.outstanding) * t;
    return static_cast<Duration>(ahead);
  }
  uint64_t BusySlots(const Replica& rep) const {
    return std::min<uint64_t>(rep.outstanding, k_);
  }

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

  // Replicas. ix_of_ by World id: the internal index (| kDrainingBit once draining), kNone (not
  // added yet) or kGone (the shared queue's hot path checks a slot with one load). The slots of
  // internal index i are [i * k_, (i + 1) * k_) in the per-slot arrays.
  std::vector<uint32_t> ix_of_;
  std::vector<Replica> info_;      // by internal index
  std::vector<ReplicaBook> book_;  // by internal index
  std::vector<uint32_t> free_ix_;  // internal indices to reuse
  std::vector<uint32_t> alloc_;    // internal indices in use, any order
  std::vector<SimTime> slot_free_;  // per-replica routing: a min-heap per replica
  uint32_t ready_replicas_ = 0;
  uint64_t ready_slots_ = 0;

  // shared-queue
  Ring<Request> queue_;
  Ring<SlotEntry> idle_;
  std::vector<SlotEntry> moved_;  // AddReplica's scratch
  MinHeap<SlotEntry, SlotLess> late_;
  MinHeap<SlotEntry, SlotLess> busy_;
  SimTime settled_ = 0;
  Duration busy_ahead_us_ = 0;  // sum of (free - settled_) over the live entries of busy_
  uint64_t busy_n_ = 0;
  uint64_t stale_ = 0;  // entries of gone replicas in idle_, late_ and busy_
  std::vector<InService> slot_req_;
  std::vector<uint8_t> slot_busy_;  // slot_req_ holds a request not yet recorded

  // round-robin / least-outstanding
  Ring<Request> held_;        // no ready replica yet
  std::vector<uint32_t> rr_;  // ready replicas' internal indices, ascending World id
  size_t rr_next_ = 0;
  LeastOutstandingIndex lo_;
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
    if (!queue_.empty()) StartQueued(a);
    if (queue_.empty()) {
      Top top;
      if (TopReadySlot(a, &top)) {
        RecordSlot(top.slot);
        StartOnTop(top, q, a);
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

uint32_t RequestEngine::Allocate(uint32_t world) {
  uint32_t ix;
  if (!free_ix_.empty()) {
    ix = free_ix_.back();
    free_ix_.pop_back();
  } else {
    ix = static_cast<uint32_t>(info_.size());
    info_.emplace_back();
    book_.emplace_back();
    const size_t slots = info_.size() * size_t{k_};
    if (Shared()) {
      slot_req_.resize(slots);
      slot_busy_.resize(slots, 0);
    } else {
      slot_free_.resize(slots, 0);
    }
  }
  info_[ix] = Replica{};
  info_[ix].world = world;
  book_[ix] = ReplicaBook{};
  book_[ix].alloc_pos = static_cast<uint32_t>(alloc_.size());
  alloc_.push_back(ix);
  ix_of_[world] = ix;
  return ix;
}

// REQUIRES: nothing refers to the replica's slots any more but stale entries (counted in
// its book's entries), its in-flight records (recognised by their server) and, if it was
// drained, no request of it unrecorded.
void RequestEngine::Retire(uint32_t ix) {
  const ReplicaBook& book = book_[ix];
  stale_ += book.entries;
  ix_of_[info_[ix].world] = kGone;
  const uint32_t last = alloc_.back();
  alloc_[book.alloc_pos] = last;
  book_[last].alloc_pos = book.alloc_pos;
  alloc_.pop_back();
  info_[ix] = Replica{};
  book_[ix] = ReplicaBook{};
  free_ix_.push_back(ix);
}

void RequestEngine::AddReplica(uint32_t r, double speed) {
  if (finished_ || !(speed > 0)) return;
  if (r >= ix_of_.size()) ix_of_.resize(size_t{r} + 1, kNone);
  if (ix_of_[r] != kNone) return;  // ids are never reused
  AccrueAvailable();
  if (Shared()) {
    Settle(now_);  // the slots free by now go ahead of the new ones
    MaybeCompact();
  }
  const uint32_t ix = Allocate(r);
  Replica& rep = info_[ix];
  rep.state = State::kReady;
  rep.us_per_ref_s = 1e6 / speed;
  ++ready_replicas_;
  ready_slots_ += k_;
  const size_t first = SlotIndex(ix, 0);
  if (Shared()) {
    for (size_t s = first; s < first + k_; ++s) slot_req_[s].finish = now_;
    book_[ix].entries = k_;
    // In key order: idle slots free at now of replicas with larger ids (added now too) go after.
    moved_.clear();
    while (!idle_.empty() && idle_.back().free == now_ && WorldOf(idle_.back()) > r) {
      moved_.push_back(idle_.back());
      idle_.pop_back();
    }
    for (uint32_t j = 0; j < k_; ++j) idle_.push_back({now_, Tie(r, j)});
    for (size_t i = moved_.size(); i-- > 0;) idle_.push_back(moved_[i]);
    StartQueued(now_);
    return;
  }
  std::fill(slot_free_.begin() + static_cast<std::ptrdiff_t>(first),
            slot_free_.begin() + static_cast<std::ptrdiff_t>(first + k_), now_);
  rep.sum_free = static_cast<Int128>(k_) * now_;
  if (routing_ == Routing::kRoundRobin) {
    const auto it = rr_.insert(
        std::upper_bound(rr_.begin(), rr_.end(), r,
                         [this](uint32_t world, uint32_t i) { return world < info_[i].world; }),
        ix);
    if (static_cast<size_t>(it - rr_.begin()) < rr_next_) ++rr_next_;
  } else {
    lo_.Insert(ix, r, 0);
  }
  while (!held_.empty()) {
    const Request q = held_.front();
    held_.pop_front();
    Dispatch(q, now_);
  }
  PopCompletions(now_);  // zero-length requests just started are done
}

SimTime RequestEngine::DrainReplica(uint32_t r) {
  const uint32_t ix = IndexOf(r);
  if (ix >= kGone) return now_;  // not added, killed, or drained and done
  if (info_[ix].state == State::kDraining) return std::max(now_, book_[ix].done);
  AccrueAvailable();
  --ready_replicas_;
  ready_slots_ -= k_;
  if (!Shared()) {
    Replica& rep = info_[ix];
    rep.state = State::kDraining;
    ix_of_[r] |= kDrainingBit;
    RemoveFromRouting(ix);
    const SimTime* slots = &slot_free_[SlotIndex(ix, 0)];
    const SimTime done = std::max(now_, *std::max_element(slots, slots + k_));
    book_[ix].done = done;
    if (rep.outstanding == 0) Retire(ix);
    return done;
  }
  Settle(now_);  // while it is ready: its slots free by now are in idle_ or late_
  info_[ix].state = State::kDraining;
  ix_of_[r] |= kDrainingBit;
  // Its requests done by now are recorded at once; the others are in busy_.
  SimTime done = now_;
  uint32_t busy = 0;
  const size_t first = SlotIndex(ix, 0);
  for (size_t s = first; s < first + k_; ++s) {
    done = std::max(done, slot_req_[s].finish);
    if (slot_busy_[s] == 0) continue;
    if (slot_req_[s].finish <= now_) {
      RecordSlot(s);
    } else {
      ++busy;
    }
  }
  book_[ix].busy = busy;
  book_[ix].done = done;
  if (busy == 0) Retire(ix);  // its idle entries become stale
  return done;
}

void RequestEngine::KillReplica(uint32_t r) {
  const uint32_t ix = IndexOf(r);
  if (ix >= kGone) return;
  AccrueAvailable();
  Replica& rep = info_[ix];
  const bool was_ready = rep.state == State::kReady;
  if (was_ready) {
    --ready_replicas_;
    ready_slots_ -= k_;
    if (!Shared()) RemoveFromRouting(ix);
  }
  if (Shared()) {
    const size_t first = SlotIndex(ix, 0);
    for (size_t s = first; s < first + k_; ++s) {
      const SimTime free = slot_req_[s].finish;
      // In busy_: a ready replica's slots free after settled_; a draining one's unrecorded.
      if (was_ready ? free > settled_ : slot_busy_[s] != 0) {
        busy_ahead_us_ -= free - settled_;
        --busy_n_;
      }
      if (free > now_) busy_dispatched_us_ -= free - now_;  // the work it will not do
      if (slot_busy_[s] == 0) continue;
      slot_busy_[s] = 0;
      if (slot_req_[s].finish <= now_) {
        RecordServed(slot_req_[s]);
      } else {
        Drop(slot_req_[s].req, true);
      }
    }
  } else {
    busy_dispatched_us_ -= AheadUs(rep, now_);  // the work it will not do
    // Its in-flight entries stay in the heap and count in the totals as dropped when popped.
    win_dropped_ += static_cast<double>(rep.outstanding);
    outstanding_total_ -= rep.outstanding;
  }
  Retire(ix);
}

ServiceWindow RequestEngine::Observe() {
  AccrueAvailable();
  Duration ahead_us = 0;
  uint64_t busy_slots = 0;
  if (Shared()) {
    Settle(now_);
    ahead_us = busy_ahead_us_;  // settled_ == now_
    busy_slots = busy_n_;
  } else {
    for (const uint32_t ix : alloc_) {
      ahead_us += AheadUs(info_[ix], now_);
      busy_slots += BusySlots(info_[ix]);
    }
  }
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
    // The requests still in their slots, by World id and slot.
    std::vector<uint32_t> order = alloc_;
    std::sort(order.begin(), order.end(),
              [this](uint32_t a, uint32_t b) { return info_[a].world < info_[b].world; });
    for (const uint32_t ix : order) {
      for (uint32_t j = 0; j < k_; ++j) RecordSlot(SlotIndex(ix, j));
    }
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

// Finds the slot with the least key, free by `t`, of a ready replica, discarding stale entries
// and ending draining replicas' slots found on the way; false if the least key is not free by
// t.
inline bool RequestEngine::TopReadySlot(SimTime t, Top* top) {
  while (true) {
    const SlotEntry* e;
    Src src;
    if (!idle_.empty()) {
      e = &idle_.front();
      src = Src::kIdle;
      if (!late_.empty() && SlotLess()(late_.top(), *e)) {
        e = &late_.top();
        src = Src::kLate;
      }
    } else if (!late_.empty()) {
      e = &late_.top();
      src = Src::kLate;
    } else if (!busy_.empty()) {
      e = &busy_.top();
      src = Src::kBusy;
    } else {
      return false;
    }
    if (e->free > t) return false;
    const uint32_t ix = ix_of_[WorldOf(*e)];
    if (ix < kDrainingBit) {  // ready
      *top = {src, ix, e->free, e->tie, SlotIndex(ix, SlotOf(*e))};
      return true;
    }
    DiscardTop(src, ix);
  }
}

// The least entry (from `src`) is stale (v >= kGone) or a draining replica's: it goes.
void RequestEngine::DiscardTop(Src src, uint32_t v) {
  const SlotEntry x = src == Src::kIdle ? idle_.front() : src == Src::kLate ? late_.top()
                                                                            : busy_.top();
  PopFrom(src);
  if (v >= kGone) {
    --stale_;
    return;
  }
  if (src == Src::kBusy) {
    busy_ahead_us_ -= x.free - settled_;
    --busy_n_;
  }
  EndDrainingSlot(v & ~kDrainingBit, SlotOf(x));
}

void RequestEngine::PopFrom(Src src) {
  switch (src) {
    case Src::kIdle:
      idle_.pop_front();
      return;
    case Src::kLate:
      late_.pop();
      return;
    case Src::kBusy:
      busy_.pop();
      return;
  }
}

void RequestEngine::RecordSlot(size_t s) {
  if (slot_busy_[s] == 0) return;
  slot_busy_[s] = 0;
  RecordServed(slot_req_[s]);
}

// A draining replica's slot entry left the slot structures, its request (if any) done.
void RequestEngine::EndDrainingSlot(uint32_t ix, uint32_t j) {
  ReplicaBook& book = book_[ix];
  const size_t s = SlotIndex(ix, j);
  if (slot_busy_[s] != 0) {
    RecordSlot(s);
    --book.busy;
  }
  --book.entries;
  if (book.busy == 0) Retire(ix);
}

// REQUIRES: top from TopReadySlot, still on top; the slot's previous request recorded.
inline void RequestEngine::StartOnTop(const Top& top, const Request& q, SimTime start) {
  const size_t s = top.slot;
  const double us_per_ref_s = info_[top.ix].us_per_ref_s;
  const Duration service = ScaledUs(q.work.service_s, us_per_ref_s);
  InService& x = slot_req_[s];
  x.req = q;
  x.start = start;
  x.finish = start + service;
  x.prefill_us = q.work.prefill_s > 0 ? ScaledUs(q.work.prefill_s, us_per_ref_s) : 0;
  slot_busy_[s] = 1;
  busy_dispatched_us_ += service;
  const SlotEntry next{x.finish, top.tie};
  if (top.src == Src::kBusy) {  // free > settled_, and finish >= free
    busy_ahead_us_ += x.finish - top.free;
    busy_.replace_top(next);
    return;
  }
  PopFrom(top.src);
  if (x.finish > settled_) {
    busy_ahead_us_ += x.finish - settled_;
    ++busy_n_;
    busy_.push(next);
  } else {
    late_.push(next);  // a zero-length request starting at settled_
  }
}

// Starts queued requests on the slots freeing at or before t, in order of their keys.
void RequestEngine::StartQueued(SimTime t) {
  while (!queue_.empty()) {
    Top top;
    if (!TopReadySlot(t, &top)) return;
    RecordSlot(top.slot);
    if (max_wait_ > 0) {
      while (!queue_.empty() &&
             std::max(top.free, queue_.front().arrival) - queue_.front().arrival > max_wait_) {
        Drop(queue_.front(), true);
        queue_.pop_front();
      }
      if (queue_.empty()) return;  // the slot stays idle on top
    }
    const Request& q = queue_.front();
    StartOnTop(top, q, std::max(top.free, q.arrival));
    queue_.pop_front();
  }
}

// Moves the busy slots free by t (<= the time processed) to the end of idle_, in key order:
// ready replicas' slots wait there, draining ones' end (their request recorded); stale entries
// go. Then busy_ holds exactly the live slots busy after t.
void RequestEngine::Settle(SimTime t) {
  while (!busy_.empty() && busy_.top().free <= t) {
    const SlotEntry e = busy_.top();
    busy_.pop();
    const uint32_t v = ix_of_[WorldOf(e)];
    if (v >= kGone) {
      --stale_;
      continue;
    }
    busy_ahead_us_ -= e.free - settled_;
    --busy_n_;
    if (v < kDrainingBit) {
      idle_.push_back(e);
    } else {
      EndDrainingSlot(v & ~kDrainingBit, SlotOf(e));
    }
  }
  if (t <= settled_) return;
  busy_ahead_us_ -= static_cast<Duration>(busy_n_) * (t - settled_);
  settled_ = t;
}

// Drops the stale entries once they are the majority: O(entries), amortised O(1) per stale
// entry; keeps the slot structures within about twice the live slots.
void RequestEngine::MaybeCompact() {
  const size_t total = idle_.size() + late_.size() + busy_.size();
  if (2 * stale_ <= total) return;
  const auto stale = [this](const SlotEntry& e) { return ix_of_[WorldOf(e)] >= kGone; };
  idle_.RemoveIf(stale);
  late_.RemoveIf(stale);
  busy_.RemoveIf(stale);
  stale_ = 0;
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
  const uint32_t ix = PickReplica();
  Replica& rep = info_[ix];
  SimTime* slots = &slot_free_[SlotIndex(ix, 0)];
  const SimTime start = std::max(t, slots[0]);
  if (max_wait_ > 0 && start - q.arrival > max_wait_) {
    Drop(q, true);
    return;
  }
  const Duration service = ScaledUs(q.work.service_s, rep.us_per_ref_s);
  const SimTime finish = start + service;
  rep.sum_free += finish - slots[0];
  // Replace the earliest free slot and restore the heap of the replica's slots.
  size_t i = 0;
  while (true) {
    size_t c = 2 * i + 1;
    if (c >= k_) break;
    if (c + 1 < k_) c += static_cast<size_t>(slots[c + 1] < slots[c]);
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
  x.req.server = rep.world;
  x.start = start;
  x.finish = finish;
  x.prefill_us = q.work.prefill_s > 0 ? ScaledUs(q.work.prefill_s, rep.us_per_ref_s) : 0;
  inflight_heap_.push({finish, index, ix});
  ++rep.outstanding;
  rep.sum_finish += finish;
  ++outstanding_total_;
  if (routing_ == Routing::kLeastOutstanding) lo_.Increment(ix);
}

// Records the requests finishing at or before t.
void RequestEngine::PopCompletions(SimTime t) {
  while (!inflight_heap_.empty() && inflight_heap_.top().finish <= t) {
    const InflightEntry e = inflight_heap_.top();
    inflight_heap_.pop();
    const InService& x = inflight_[e.index];
    Replica& rep = info_[e.replica];
    if (rep.world != x.req.server) {
      Drop(x.req, false);  // its replica was killed; the window counted it at the kill
    } else {
      RecordServed(x);
      --rep.outstanding;
      rep.sum_finish -= x.finish;
      --outstanding_total_;
      if (rep.state == State::kReady) {
        if (routing_ == Routing::kLeastOutstanding) lo_.Decrement(e.replica);
      } else if (rep.outstanding == 0) {
        Retire(e.replica);  // drained and done
      }
    }
    inflight_free_.push_back(e.index);
  }
}

void RequestEngine::RemoveFromRouting(uint32_t ix) {
  if (routing_ == Routing::kLeastOutstanding) {
    if (lo_.Contains(ix)) lo_.Erase(ix);
    return;
  }
  const uint32_t world = info_[ix].world;
  const auto it =
      std::lower_bound(rr_.begin(), rr_.end(), world,
                       [this](uint32_t i, uint32_t w) { return info_[i].world < w; });
  if (it == rr_.end() || *it != ix) return;
  const size_t p = static_cast<size_t>(it - rr_.begin());
  rr_.erase(it);
  if (p < rr_next_) --rr_next_;  // the cycle continues with the same next replica
}

}  // namespace

size_t RequestEngineSlotCapacityForTest(const ServiceEngine& engine) {
  const auto* e = dynamic_cast<const RequestEngine*>(&engine);
  return e == nullptr ? 0 : e->SlotCapacity();
}

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

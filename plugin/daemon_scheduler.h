// SPDX-License-Identifier: Apache-2.0
// The scheduled job: every batching.interval it snapshots the unread messages, asks the
// planner what to notify, commits rows + pushes in one transaction, and feeds due pushes
// from the durable outbox to the push engine; results are recorded on the outbox and the
// notification rows (retries scheduled by the retry policy, dead tokens disabled).
//
// Threading: one thread of its own (start/stop); onResult() and wake() may be called
// from any thread. Owns nothing it is given; its Database must be its own connection.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/delivery.h"
#include "plugin/delivery_policy.h"
#include "storage/notification_store.h"

namespace vapush {

class Scheduler {
 public:
  // Decides one tick: rows, pushes and consumed messages for `batch`.
  using Planner = std::function<BatchOutcome(const TickSnapshot&, TimeMs now, int64_t batch)>;
  // When to try again after a failed attempt (`attempts` made so far), or nullopt to give
  // up.
  using RetryPolicy =
      std::function<std::optional<TimeMs>(int attempts, const DeliveryResult&, TimeMs now)>;
  // Observations for metrics/logs (optional).
  struct Hooks {
    std::function<void(int64_t batch, size_t rows, size_t pushes, int64_t duration_ms)> on_tick;
    std::function<void(const PushRequest&, const DeliveryResult&)> on_result;
    // Every tick commit's result (/healthz: plugin/health.h).
    std::function<void(const Status&)> on_commit;
  };

  Scheduler(const Config& config, Database& db, Clock& clock, Planner planner, PushSender* sender,
            RetryPolicy retry, Hooks hooks = {});
  ~Scheduler();

  void start();
  void stop();
  void onResult(DeliveryResult result);
  void wake();

  // Runs one tick now on the caller's thread (tests, vapushctl); returns the batch id or 0.
  // Not while the scheduler thread runs.
  int64_t tickNow();
  // One round of result recording and dispatch on the caller's thread (tests only).
  void pumpForTest();
  // One round of the scheduler thread's loop on the caller's thread (tests only; not while
  // the thread runs): results, the tick when due, dispatch, housekeeping. Returns how long
  // the loop would then wait (at most 250 ms).
  std::chrono::milliseconds runOnceForTest() { return runOnce(); }
  // Apps whose pushes are held (configuration error or invalid-token breaker); any
  // thread (/healthz).
  std::vector<AppHold> holds() const;

  static constexpr size_t kMaxMessagesPerTick = 2'000'000;
  static constexpr size_t kMaxPushesPerDispatch = 5'000;

 private:
  void run();
  std::chrono::milliseconds runOnce();
  int64_t tick(TimeMs now);
  void dispatch(TimeMs now);
  void applyResults(TimeMs now);
  void housekeeping(TimeMs now);
  // Applies the policy's decision on one result to `o` (and the device); logs, metrics.
  void apply(const PushRequest& push, const DeliveryResult& r, int attempts, TimeMs now,
             PushOutcome& o);
  void publishHolds();
  // Voids an earlier process's in-flight marks, once; false (and a backoff) on failure.
  bool releaseInFlight();
  // Storage refused work: none before kStorageBackoff has passed (steady clock).
  void backOff() { backoff_until_ = clock_.steadyNow() + kStorageBackoff; }
  bool backingOff() const { return clock_.steadyNow() < backoff_until_; }
  static constexpr std::chrono::milliseconds kStorageBackoff{1'000};
  static constexpr std::chrono::milliseconds kHousekeepingInterval{60'000};

  const Config& config_;
  Database& db_;
  NotificationStore store_;
  Clock& clock_;
  Planner planner_;
  PushSender* sender_;
  RetryPolicy retry_;
  Hooks hooks_;
  DeliveryPolicy policy_;  // scheduler thread only

  mutable std::mutex mutex_;
  std::vector<AppHold> holds_;  // guarded by mutex_
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::vector<DeliveryResult> results_;           // guarded by mutex_
  std::map<std::string, PushRequest> in_flight_;  // scheduler thread only
  std::map<std::string, int> attempts_;           // attempts before this one, by push id
  std::map<std::string, std::chrono::steady_clock::time_point> submitted_;  // by push id
  std::vector<PushOutcome> unrecorded_;   // outcomes the database refused (scheduler thread)
  std::vector<DeliveryResult> deferred_;  // results waiting for storage to recover
  bool released_ = false;
  // Intervals and deadlines are on the steady clock: a wall clock step (NTP, an admin)
  // neither stalls nor bursts them. The wall clock (nowMs) is only for stored times.
  using SteadyTime = std::chrono::steady_clock::time_point;
  SteadyTime backoff_until_{};  // no storage work before this after an error
  std::thread thread_;
  SteadyTime next_tick_{};  // scheduler thread only; set at construction and start()
  SteadyTime next_housekeeping_{};
};

}  // namespace vapush

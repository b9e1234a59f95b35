// SPDX-License-Identifier: Apache-2.0
// The batch tick loop and the outbox dispatcher.
#include "plugin/daemon_scheduler.h"

#include <algorithm>
#include <string>
#include <vector>

#include "plugin/log.h"
#include "plugin/metrics.h"
#include "storage/sqlite_repositories.h"

namespace vapush {

Scheduler::Scheduler(const Config& config, Database& db, Clock& clock, Planner planner,
                     PushSender* sender, RetryPolicy retry, Hooks hooks)
    : config_(config),
      db_(db),
      store_(db),
      clock_(clock),
      planner_(std::move(planner)),
      sender_(sender),
      retry_(std::move(retry)),
      hooks_(std::move(hooks)),
      policy_(config.delivery, clock),
      next_tick_(clock.steadyNow() + std::chrono::milliseconds(config.batching.interval_ms)) {
  releaseInFlight();
}

bool Scheduler::releaseInFlight() {
  // This scheduler owns the outbox now: whatever an earlier process had handed to its
  // push engine was lost with it and is due again (at most one duplicate, same push id).
  // Until that works, nothing is dispatched: stale marks would block their conversations.
  if (released_) return true;
  Status s = store_.releaseInFlight();
  if (!s.ok()) {
    log::error("dispatch.release_failed", {{"error", s.message}});
    backOff();
    return false;
  }
  released_ = true;
  return true;
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  next_tick_ = clock_.steadyNow() + std::chrono::milliseconds(config_.batching.interval_ms);
  thread_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::onResult(DeliveryResult result) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    results_.push_back(std::move(result));
  }
  cv_.notify_all();
}

void Scheduler::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

int64_t Scheduler::tickNow() { return tick(clock_.nowMs()); }

void Scheduler::pumpForTest() {
  applyResults(clock_.nowMs());
  dispatch(clock_.nowMs());
}

std::vector<AppHold> Scheduler::holds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return holds_;
}

void Scheduler::publishHolds() {
  std::vector<AppHold> holds = policy_.holds();
  std::lock_guard<std::mutex> lock(mutex_);
  holds_.swap(holds);
}

void Scheduler::run() {
  log::info("scheduler.started", {{"interval_ms", std::to_string(config_.batching.interval_ms)}});
  while (true) {
    const std::chrono::milliseconds wait = runOnce();
    std::unique_lock<std::mutex> lock(mutex_);
    if (stop_) break;
    cv_.wait_for(lock, wait, [this] { return stop_ || woken_ || !results_.empty(); });
    woken_ = false;
    if (stop_) break;
  }
  log::info("scheduler.stopped");
}

std::chrono::milliseconds Scheduler::runOnce() {
  using std::chrono::milliseconds;
  const milliseconds interval(config_.batching.interval_ms);
  const TimeMs now = clock_.nowMs();  // for stored times and message times only
  applyResults(now);
  if (clock_.steadyNow() >= next_tick_) {
    tick(now);
    // Keep the cadence; after a long stall (or a tick longer than the interval), start
    // again from now instead of bursting.
    next_tick_ += interval;
    const SteadyTime after = clock_.steadyNow();
    if (next_tick_ <= after) next_tick_ = after + interval;
  }
  dispatch(now);
  if (clock_.steadyNow() >= next_housekeeping_) {
    housekeeping(now);
    next_housekeeping_ = clock_.steadyNow() + kHousekeepingInterval;
  }
  SteadyTime wake_at = next_tick_;
  std::optional<TimeMs> due;
  if (sender_ != nullptr && store_.nextDue(due).ok() && due) {
    // A stored (wall) time: as far ahead on the steady clock (capped: the tick bounds it).
    const TimeMs ahead = std::clamp<TimeMs>(*due - clock_.nowMs(), 0, config_.batching.interval_ms);
    const SteadyTime due_at = clock_.steadyNow() + milliseconds(ahead);
    wake_at = std::min(wake_at, std::max(due_at, backoff_until_));
  }
  // Bounded wait: a wall step (stored due times) or a missed notification costs <= 250 ms.
  const auto left = std::chrono::duration_cast<milliseconds>(wake_at - clock_.steadyNow());
  return std::clamp(left, milliseconds(1), milliseconds(250));
}

int64_t Scheduler::tick(TimeMs now) {
  const auto started = clock_.steadyNow();
  TickSnapshot snapshot;
  Status s = store_.loadSnapshot(now, kMaxMessagesPerTick, snapshot);
  if (!s.ok()) {
    log::error("tick.load_failed", {{"error", s.message}});
    return 0;
  }
  if (snapshot.messages.empty() && snapshot.read_changed.empty()) return 0;
  int64_t batch = 0;
  s = store_.nextBatchId(batch);
  if (!s.ok()) {
    log::error("tick.batch_id_failed", {{"error", s.message}});
    return 0;
  }
  BatchOutcome outcome = planner_(snapshot, now, batch);
  outcome.batch = batch;
  outcome.started = now;
  s = store_.commitBatch(outcome, clock_.nowMs());
  if (hooks_.on_commit) hooks_.on_commit(s);
  if (!s.ok()) {
    // The chunks before the failure are written (each whole); the messages of the rest
    // are not consumed and are planned again at the next tick.
    log::error("tick.commit_failed", {{"batch", std::to_string(batch)}, {"error", s.message}});
    return 0;
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steadyNow() - started).count();
  log::info("tick.done", {{"batch", std::to_string(batch)},
                          {"messages", std::to_string(snapshot.messages.size())},
                          {"rows", std::to_string(outcome.rows.size())},
                          {"pushes", std::to_string(outcome.pushes.size())},
                          {"ms", std::to_string(ms)}});
  metrics().observe("vapush_tick_duration_seconds", {}, static_cast<double>(ms) / 1000.0);
  metrics().inc("vapush_tick_rows_total", {}, static_cast<double>(outcome.rows.size()));
  metrics().inc("vapush_tick_pushes_total", {}, static_cast<double>(outcome.pushes.size()));
  int64_t backlog = 0;
  if (store_.backlog(backlog).ok()) {
    metrics().set("vapush_unread_backlog", {}, static_cast<double>(backlog));
  }
  if (hooks_.on_tick) hooks_.on_tick(batch, outcome.rows.size(), outcome.pushes.size(), ms);
  return batch;
}

void Scheduler::dispatch(TimeMs now) {
  if (sender_ == nullptr || backingOff() || !releaseInFlight()) return;
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  std::vector<PushOutcome> dropped;
  Status s = store_.duePushes(now, kMaxPushesPerDispatch, due, attempts, &dropped);
  if (s.ok() && !dropped.empty()) {
    // Their device was removed or disabled after they were planned.
    s = store_.recordResults(dropped, now);
    if (s.ok()) log::info("dispatch.dropped", {{"pushes", std::to_string(dropped.size())}});
  }
  if (!s.ok()) {
    log::error("dispatch.load_failed", {{"error", s.message}});
    backOff();
    return;
  }
  if (due.empty()) return;
  // duePushes() returns only pushes not marked in flight, at most one per (device,
  // conversation), and a pair's next batch only once the previous one is recorded. The
  // map check guards against marks voided behind our back.
  std::vector<std::string> ids;
  std::vector<size_t> picked;
  std::vector<PushOutcome> held;
  for (size_t i = 0; i < due.size(); ++i) {
    if (in_flight_.count(due[i].id)) continue;
    // A held app's pushes wait, unchanged, until its next probe.
    const DeliveryPolicy::Admission a = policy_.admit(due[i].app);
    if (!a.send) {
      held.push_back(
          PushOutcome{due[i].id, RowState::Pending, attempts[i], a.until, "", "held: " + a.reason});
      continue;
    }
    ids.push_back(due[i].id);
    picked.push_back(i);
  }
  if (!held.empty()) {
    s = store_.recordResults(held, now);
    if (!s.ok()) {
      log::error("dispatch.hold_failed", {{"error", s.message}});
      backOff();
      return;
    }
    metrics().inc("vapush_pushes_held_total", {}, static_cast<double>(held.size()));
  }
  // Mark before handing over: a push we could not mark would be read again next round.
  s = store_.markInFlight(ids);
  if (!s.ok()) {
    log::error("dispatch.mark_failed",
               {{"pushes", std::to_string(ids.size())}, {"error", s.message}});
    backOff();
    return;
  }
  const auto submitted = clock_.steadyNow();
  std::vector<PushRequest> send;
  send.reserve(picked.size());
  for (const size_t i : picked) {
    attempts_[due[i].id] = attempts[i];
    submitted_[due[i].id] = submitted;
    in_flight_[due[i].id] = due[i];
    send.push_back(std::move(due[i]));
  }
  if (send.empty()) return;
  log::debug("dispatch.submit", {{"pushes", std::to_string(send.size())}});
  sender_->submit(std::move(send));
}

void Scheduler::applyResults(TimeMs now) {
  std::vector<DeliveryResult> results;
  results.swap(deferred_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    results.insert(results.end(), std::make_move_iterator(results_.begin()),
                   std::make_move_iterator(results_.end()));
    results_.clear();
  }
  // After storage trouble, retry what could not be recorded first; keep new results
  // (in order) until that works.
  if (!backingOff() && !unrecorded_.empty()) {
    if (store_.recordResults(unrecorded_, now).ok()) {
      log::info("dispatch.recorded_late", {{"pushes", std::to_string(unrecorded_.size())}});
      unrecorded_.clear();
    } else {
      backOff();
    }
  }
  if (backingOff() || !unrecorded_.empty()) {
    deferred_.swap(results);
    return;
  }
  std::vector<PushOutcome> outcomes;
  std::vector<std::pair<PushRequest, const DeliveryResult*>> done;
  outcomes.reserve(results.size());
  for (const DeliveryResult& r : results) {
    auto it = in_flight_.find(r.push_id);
    if (it == in_flight_.end()) continue;  // not ours any more (e.g. after a restart)
    done.emplace_back(std::move(it->second), &r);
    in_flight_.erase(it);
    const PushRequest& push = done.back().first;
    const int attempts = attempts_[r.push_id] + 1;
    attempts_.erase(r.push_id);
    const Labels labels = {{"provider", std::string(toString(push.platform))},
                           {"app", push.app},
                           {"result", std::string(toString(r.outcome))}};
    metrics().inc("vapush_pushes_total", labels);
    if (auto sit = submitted_.find(r.push_id); sit != submitted_.end()) {
      const auto latency = std::chrono::duration<double>(clock_.steadyNow() - sit->second);
      metrics().observe("vapush_provider_latency_seconds",
                        {{"provider", std::string(toString(push.platform))}}, latency.count());
      submitted_.erase(sit);
    }
    PushOutcome o{r.push_id, RowState::Failed, attempts, 0, r.provider_id, r.reason};
    apply(push, r, attempts, now, o);
    log::info("push.result", {{"push", r.push_id},
                              {"device", std::to_string(r.device)},
                              {"outcome", std::string(toString(r.outcome))},
                              {"state", std::string(toString(o.state))},
                              {"attempts", std::to_string(attempts)}});
    outcomes.push_back(std::move(o));
  }
  // One transaction (one disk sync) for the whole round: results arrive by the thousand.
  Status s = store_.recordResults(outcomes, now);
  if (!s.ok()) {
    // Kept and recorded later (the pushes stay marked in flight meanwhile, so they are not
    // sent again); if the process dies first, each is sent again once, with the same id.
    log::error("dispatch.record_failed",
               {{"pushes", std::to_string(outcomes.size())}, {"error", s.message}});
    unrecorded_.insert(unrecorded_.end(), std::make_move_iterator(outcomes.begin()),
                       std::make_move_iterator(outcomes.end()));
    backOff();
  }
  if (hooks_.on_result) {
    for (const auto& [push, r] : done) hooks_.on_result(push, *r);
  }
  publishHolds();
}

void Scheduler::apply(const PushRequest& push, const DeliveryResult& r, int attempts, TimeMs now,
                      PushOutcome& o) {
  const DeliveryPolicy::Decision d = policy_.onResult(push.app, push.token, r);
  SqliteDeviceRepository devices(db_);
  if (d.started) {
    const AppHold& h = *d.started;
    log::error("app.held", {{"app", h.app},
                            {"cause", std::string(toString(h.cause))},
                            {"reason", h.reason},
                            {"invalid_tokens", std::to_string(h.invalid_tokens)},
                            {"tokens", std::to_string(h.tokens)},
                            {"retry_in_ms", std::to_string(h.until - now)}});
    metrics().set("vapush_app_held", {{"app", h.app}}, 1);
    metrics().inc("vapush_app_holds_total",
                  {{"app", h.app}, {"cause", std::string(toString(h.cause))}});
  }
  if (d.recovered) {
    log::info("app.resumed", {{"app", push.app}});
    metrics().set("vapush_app_held", {{"app", push.app}}, 0);
  }
  for (const auto& [device, token] : d.restore) {
    // The breaker opened: devices disabled just before were probably not dead either.
    const Status s = devices.enableToken(device, token, now);
    log::warn("device.reenabled",
              {{"device", std::to_string(device)}, {"ok", s.ok() ? "yes" : s.message}});
  }
  if (d.action == DeliveryPolicy::Action::Hold) {
    o.state = RowState::Pending;
    o.next_attempt = d.until;
    o.error = "held: " + r.reason;
    return;
  }
  switch (r.outcome) {
    case DeliveryResult::Outcome::Delivered:
      o.state = RowState::Sent;
      o.error.clear();
      break;
    case DeliveryResult::Outcome::TokenInvalid: {
      // XEP-0357 §7: the next publish for this node answers item-not-found. Only the
      // token this push went to is dead: a device that re-registered meanwhile keeps
      // its new token, and this push is sent again, to that token.
      const Status s = devices.disableToken(r.device, push.token, now);
      if (s.notFound()) {
        o.state = RowState::Pending;
        o.next_attempt = now;
        log::info(
            "push.stale_token",
            {{"push", r.push_id}, {"device", std::to_string(r.device)}, {"reason", r.reason}});
        break;
      }
      metrics().inc("vapush_devices_disabled_total");
      log::warn("device.disabled", {{"device", std::to_string(r.device)},
                                    {"reason", r.reason},
                                    {"ok", s.ok() ? "yes" : s.message}});
      break;
    }
    case DeliveryResult::Outcome::RateLimited:
    case DeliveryResult::Outcome::Transient:
      if (auto when = retry_(attempts, r, now)) {
        o.state = RowState::Pending;
        o.next_attempt = *when;
        metrics().inc("vapush_retries_total");
      }
      break;
    case DeliveryResult::Outcome::Permanent:
    case DeliveryResult::Outcome::AppConfig:  // always held by the policy
      break;
  }
}

void Scheduler::housekeeping(TimeMs now) {
  int n = 0;
  Status s = store_.expireBefore(now - config_.batching.push_ttl_ms, now, n);
  if (s.ok() && n > 0) log::info("push.expired", {{"count", std::to_string(n)}});
  s = store_.prune(now - config_.batching.retention_ms, n);
  if (s.ok() && n > 0) log::info("storage.pruned", {{"rows", std::to_string(n)}});
  s = SqliteDeviceRepository(db_).purgeDisabled(now - config_.batching.disabled_device_retention_ms,
                                                n);
  if (s.ok() && n > 0) log::info("devices.purged", {{"count", std::to_string(n)}});
}

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// Delivery outcome policy: app holds and the invalid-token circuit breaker.
#include "plugin/delivery_policy.h"

#include <algorithm>

namespace vapush {

std::string_view toString(AppHold::Cause c) {
  switch (c) {
    case AppHold::Cause::ConfigError:
      return "config_error";
    case AppHold::Cause::InvalidTokenBreaker:
      return "invalid_token_breaker";
  }
  return "?";
}

void DeliveryPolicy::see(AppState& s, const std::string& token, bool invalid, TimeMs now) {
  s.events.emplace_back(now, token);
  auto [it, fresh] = s.tokens.try_emplace(token, Seen{now, invalid});
  if (fresh) {
    if (invalid) ++s.invalid;
    return;
  }
  if (it->second.invalid != invalid) s.invalid += invalid ? 1 : -1;
  it->second = Seen{now, invalid};
}

void DeliveryPolicy::prune(AppState& s, TimeMs now) {
  const TimeMs cutoff = now - config_.invalid_token_window_ms;
  while (!s.events.empty() && s.events.front().first < cutoff) {
    const auto& [at, token] = s.events.front();
    auto it = s.tokens.find(token);
    // Only the token's latest answer removes it; older events of it are just dropped.
    if (it != s.tokens.end() && it->second.at <= at) {
      if (it->second.invalid) --s.invalid;
      s.tokens.erase(it);
    }
    s.events.pop_front();
  }
  while (!s.disabled.empty() && s.disabled.front().first < cutoff) s.disabled.pop_front();
}

bool DeliveryPolicy::breakerTrips(const AppState& s) const {
  if (s.invalid < config_.invalid_token_min) return false;
  return static_cast<int64_t>(s.invalid) * 100 >
         static_cast<int64_t>(config_.invalid_token_share_percent) *
             static_cast<int64_t>(s.tokens.size());
}

DeliveryPolicy::Decision DeliveryPolicy::startOrExtendHold(AppState& s, const std::string& app,
                                                           AppHold::Cause cause,
                                                           const std::string& reason, TimeMs now) {
  Decision d;
  d.action = Action::Hold;
  if (s.hold && now < s.hold->until) {
    // Results of pushes sent before the hold began: the hold already covers them.
    d.until = s.hold->until;
    return d;
  }
  if (!s.hold) {
    s.hold_ms = config_.hold_min_ms;
    s.hold = AppHold{app, cause, reason, now, now + s.hold_ms, 0, 0};
    if (cause == AppHold::Cause::InvalidTokenBreaker) {
      s.hold->invalid_tokens = s.invalid;
      s.hold->tokens = static_cast<int>(s.tokens.size());
    }
    d.started = s.hold;
  } else {
    // A probe after the hold failed the same way: hold longer.
    s.hold_ms = std::min(s.hold_ms * 2, config_.hold_max_ms);
    s.hold->until = now + s.hold_ms;
    s.hold->reason = reason;
  }
  s.probes_left = 0;
  s.probes_granted_at = 0;
  d.until = s.hold->until;
  return d;
}

DeliveryPolicy::Decision DeliveryPolicy::onResult(const std::string& app, const std::string& token,
                                                  const DeliveryResult& r) {
  const TimeMs now = clock_.nowMs();
  AppState& s = apps_[app];
  prune(s, now);
  Decision d;
  using O = DeliveryResult::Outcome;
  switch (r.outcome) {
    case O::Delivered:
      see(s, token, false, now);
      if (s.hold) {
        // The provider accepts this app's pushes again (configuration fixed, or the
        // breaker's cause gone): back to normal, with a clean window.
        if (s.hold->cause == AppHold::Cause::InvalidTokenBreaker) {
          s.events.clear();
          s.tokens.clear();
          s.invalid = 0;
        }
        s.hold.reset();
        s.hold_ms = 0;
        d.recovered = true;
      }
      return d;
    case O::TokenInvalid:
      see(s, token, true, now);
      if (s.hold) {
        // While the app is held nothing is disabled: its answers are not trusted.
        return startOrExtendHold(s, app, s.hold->cause, s.hold->reason, now);
      }
      if (breakerTrips(s)) {
        d = startOrExtendHold(s, app, AppHold::Cause::InvalidTokenBreaker, r.reason, now);
        for (auto& [at, device] : s.disabled) d.restore.push_back(std::move(device));
        s.disabled.clear();
        return d;
      }
      s.disabled.emplace_back(now, std::make_pair(r.device, token));
      d.action = Action::Disable;
      return d;
    case O::AppConfig:
      return startOrExtendHold(s, app, AppHold::Cause::ConfigError, r.reason, now);
    case O::RateLimited:
    case O::Transient:
    case O::Permanent:
      break;
  }
  return d;
}

DeliveryPolicy::Admission DeliveryPolicy::admit(const std::string& app) {
  auto it = apps_.find(app);
  if (it == apps_.end() || !it->second.hold) return {};
  AppState& s = it->second;
  const TimeMs now = clock_.nowMs();
  if (now < s.hold->until) return {false, s.hold->until, s.hold->reason};
  // The hold is over: a few probes go out; the rest wait for their answers. Probes are
  // granted again if no answer settled the hold within hold_min (e.g. timeouts).
  if (s.probes_granted_at == 0 || now - s.probes_granted_at >= config_.hold_min_ms) {
    s.probes_granted_at = now;
    s.probes_left = kProbePushes;
  }
  if (s.probes_left > 0) {
    --s.probes_left;
    return {};
  }
  return {false, now + config_.hold_min_ms, s.hold->reason};
}

std::vector<AppHold> DeliveryPolicy::holds() const {
  std::vector<AppHold> out;
  for (const auto& [app, s] : apps_) {
    if (s.hold) out.push_back(*s.hold);
  }
  return out;
}

}  // namespace vapush

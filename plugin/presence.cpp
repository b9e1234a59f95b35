// SPDX-License-Identifier: Apache-2.0
// Presence tracker.
#include "plugin/presence.h"

#include <algorithm>
#include <functional>

#include "plugin/read_rules.h"

namespace vapush {

bool inUse(const ResourceState& s, TimeMs now, TimeMs idle_threshold) {
  if (s.hibernated_since != 0 && s.hibernated_since >= s.last_available) return false;
  switch (s.show) {
    case Show::Available:
    case Show::Chat:
    case Show::Dnd:  // busy, but looking at the app: the client shows messages itself
      return s.idle_since == 0 || now - s.idle_since < idle_threshold;
    case Show::Away:
    case Show::Xa:
    case Show::Unavailable:
      return false;
  }
  return false;
}

namespace {

bool gone(const ResourceState& s) { return s.show == Show::Unavailable || s.hibernated_since != 0; }

TimeMs lastNews(const ResourceState& s) { return std::max(s.since, s.hibernated_since); }

}  // namespace

PresenceTracker::Entry& PresenceTracker::entry(std::string_view bare, std::string_view resource) {
  auto& list = users_[std::string(bare)];
  for (auto& e : list) {
    if (e.resource == resource) return e;
  }
  if (list.size() >= max_per_user_) {
    // Forget the oldest: gone resources before ones that may still be in use.
    auto victim = std::min_element(list.begin(), list.end(), [](const Entry& a, const Entry& b) {
      if (gone(a.state) != gone(b.state)) return gone(a.state);
      return lastNews(a.state) < lastNews(b.state);
    });
    list.erase(victim);
    --count_;
    ++evicted_;
  }
  list.push_back(Entry{std::string(resource), {}, 0});
  ++count_;
  return list.back();
}

std::optional<TimeMs> PresenceTracker::onPresence(std::string_view bare, std::string_view resource,
                                                  Show show, TimeMs at,
                                                  std::optional<TimeMs> idle_since,
                                                  std::optional<TimeMs> delay,
                                                  std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& e = entry(bare, resource);
  const uint32_t id_hash =
      id.empty() ? 0 : static_cast<uint32_t>(std::hash<std::string_view>{}(id) | 1u);
  // ejabberd with a roster subscription delivers each explicit presence twice, same id.
  if (id_hash != 0 && id_hash == e.last_id_hash && e.state.show == show) return std::nullopt;
  // A delay stamp in the future is a wrong clock, not news from the future.
  const TimeMs when = std::min(delay.value_or(at), at);
  // A replayed presence never overrides what we learnt later.
  if (delay && e.state.since > when) return std::nullopt;
  auto active = [](Show s) { return s == Show::Available || s == Show::Chat || s == Show::Dnd; };
  const bool was_active = active(e.state.show) && e.state.hibernated_since == 0;
  const bool was_reading = showMeansReading(e.state.show) && e.state.hibernated_since == 0;
  e.last_id_hash = id_hash;
  if (show != e.state.show) e.state.since = when;
  e.state.show = show;
  e.state.idle_since = idle_since.value_or(0);
  if (active(show) && !was_active) {
    e.state.last_available = when;  // back from away/offline/hibernation on this device
  }
  if (show != Show::Unavailable) e.state.hibernated_since = 0;
  return cameBackAt(was_reading, show, when);
}

void PresenceTracker::onPublish(std::string_view bare, std::string_view resource, TimeMs at) {
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& e = entry(bare, resource);
  if (e.state.hibernated_since == 0) e.state.hibernated_since = at;
}

size_t PresenceTracker::prune(TimeMs older_than) {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t removed = 0;
  for (auto it = users_.begin(); it != users_.end();) {
    auto& list = it->second;
    const auto before = list.size();
    std::erase_if(list,
                  [&](const Entry& e) { return gone(e.state) && lastNews(e.state) < older_than; });
    removed += before - list.size();
    it = list.empty() ? users_.erase(it) : std::next(it);
  }
  count_ -= removed;
  return removed;
}

size_t PresenceTracker::resourceCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

size_t PresenceTracker::userCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return users_.size();
}

uint64_t PresenceTracker::evictedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return evicted_;
}

std::optional<ResourceState> PresenceTracker::state(std::string_view bare,
                                                    std::string_view resource) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = users_.find(std::string(bare));
  if (it == users_.end()) return std::nullopt;
  for (const auto& e : it->second) {
    if (e.resource == resource) return e.state;
  }
  return std::nullopt;
}

bool PresenceTracker::anyActive(std::string_view bare, std::string_view except, TimeMs now,
                                TimeMs idle_threshold) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = users_.find(std::string(bare));
  if (it == users_.end()) return false;
  for (const auto& e : it->second) {
    if (e.resource != except && inUse(e.state, now, idle_threshold)) return true;
  }
  return false;
}

}  // namespace vapush

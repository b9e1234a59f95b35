// SPDX-License-Identifier: Apache-2.0
// Presence tracker: the state of every resource of every user, from XEP-0356 presence
// (both namespaces), roster-subscription presence and the server's publishes, so the
// batcher can tell which devices are in use.
//
// Thread-safe: the XMPP thread writes, the scheduler thread reads.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugin/model.h"

namespace vapush {

struct ResourceState {
  Show show = Show::Unavailable;
  TimeMs since = 0;             // when the current show began
  TimeMs idle_since = 0;        // XEP-0319, 0 = not idle
  TimeMs hibernated_since = 0;  // the server published for it (offline/hibernated), 0 = no
  TimeMs last_available = 0;    // last time it became active again (came back)
};

// Read side used by the planner (fakeable in tests).
class PresenceView {
 public:
  virtual ~PresenceView() = default;
  virtual std::optional<ResourceState> state(std::string_view bare,
                                             std::string_view resource) const = 0;
  // True if a resource of `bare` other than `except` is in use at `now`.
  virtual bool anyActive(std::string_view bare, std::string_view except, TimeMs now,
                         TimeMs idle_threshold) const = 0;
};

// True when a resource in `s` counts as in use (RFC 6121 show + XEP-0319 idle): available,
// chat or dnd, not idle past `idle_threshold`, and not hibernated since it came online.
bool inUse(const ResourceState& s, TimeMs now, TimeMs idle_threshold);

class PresenceTracker : public PresenceView {
 public:
  // Resources kept per user: a client that picks a random resource per session adds one
  // each time, and ejabberd sends no unavailable for a dropped connection. Past the cap
  // the oldest is forgotten, gone ones (unavailable, hibernated) first.
  static constexpr size_t kDefaultMaxResourcesPerUser = 16;
  explicit PresenceTracker(size_t max_resources_per_user = kDefaultMaxResourcesPerUser)
      : max_per_user_(max_resources_per_user < 1 ? 1 : max_resources_per_user) {}

  // `delay` (XEP-0203) marks a replayed presence (Prosody at connect): it takes effect as
  // of its stamp and never overrides newer knowledge. `id` de-duplicates the second copy
  // ejabberd delivers when a roster subscription exists too. Returns the moment the
  // resource came back into use for reading (read_rules.h: cameBackAt), if it did.
  std::optional<TimeMs> onPresence(std::string_view bare, std::string_view resource, Show show,
                                   TimeMs at, std::optional<TimeMs> idle_since,
                                   std::optional<TimeMs> delay, std::string_view id);
  // The server published for `resource` (empty = unknown): that session is offline or
  // hibernated as of `at`.
  void onPublish(std::string_view bare, std::string_view resource, TimeMs at);
  // Forgets resources unavailable (or hibernated) since before `older_than`.
  size_t prune(TimeMs older_than);
  size_t resourceCount() const;
  size_t userCount() const;
  uint64_t evictedCount() const;  // resources forgotten because of the per-user cap

  // PresenceView
  std::optional<ResourceState> state(std::string_view bare,
                                     std::string_view resource) const override;
  bool anyActive(std::string_view bare, std::string_view except, TimeMs now,
                 TimeMs idle_threshold) const override;

 private:
  struct Entry {
    std::string resource;
    ResourceState state;
    uint32_t last_id_hash = 0;  // of the last presence applied, for de-duplication
  };
  Entry& entry(std::string_view bare, std::string_view resource);

  const size_t max_per_user_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Entry>> users_;
  size_t count_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace vapush

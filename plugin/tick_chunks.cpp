// SPDX-License-Identifier: Apache-2.0
// Tick outcome chunks (see tick_chunks.h).
#include "plugin/tick_chunks.h"

#include <string>
#include <string_view>
#include <unordered_map>

namespace vapush {

std::vector<OutcomeChunk> splitOutcome(const BatchOutcome& o, size_t max_rows) {
  // Each user's share, in the order users first appear (by index into `shares`).
  std::vector<OutcomeChunk> shares;
  std::unordered_map<std::string_view, size_t> share_of_user;
  auto share = [&](const std::string& user) -> OutcomeChunk& {
    auto [it, fresh] = share_of_user.try_emplace(user, shares.size());
    if (fresh) shares.emplace_back();
    return shares[it->second];
  };
  std::unordered_map<int64_t, size_t> share_of_message;
  std::unordered_map<int64_t, size_t> share_of_device;
  for (const auto& r : o.rows) {
    share(r.user).rows.push_back(&r);
    const size_t i = share_of_user[r.user];
    share_of_message.emplace(r.message_id, i);
    share_of_device.emplace(r.device, i);
  }
  for (const auto& p : o.pushes) {
    share(p.user).pushes.push_back(&p);
    share_of_device.emplace(p.device, share_of_user[p.user]);
  }
  OutcomeChunk first;  // what belongs to no user's share
  for (const int64_t id : o.consumed) {
    auto it = share_of_message.find(id);
    (it == share_of_message.end() ? first : shares[it->second]).consumed.push_back(id);
  }
  for (const auto& b : o.device_badges) {
    auto it = share_of_device.find(b.first);
    (it == share_of_device.end() ? first : shares[it->second]).device_badges.push_back(b);
  }
  for (const auto& h : o.read_handled) share(h.first).read_handled.push_back(h);

  std::vector<OutcomeChunk> chunks;
  chunks.push_back(std::move(first));
  size_t size = 0;
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  for (OutcomeChunk& s : shares) {
    const size_t n = s.rows.size() + s.pushes.size();
    if (size > 0 && size + n > max_rows) {
      chunks.emplace_back();
      size = 0;
    }
    OutcomeChunk& c = chunks.back();
    append(c.rows, s.rows);
    append(c.pushes, s.pushes);
    append(c.consumed, s.consumed);
    append(c.device_badges, s.device_badges);
    append(c.read_handled, s.read_handled);
    size += n;
  }
  return chunks;
}

}  // namespace vapush

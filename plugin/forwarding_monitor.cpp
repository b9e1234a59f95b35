// SPDX-License-Identifier: Apache-2.0
// Forwarding monitor (see forwarding_monitor.h).
#include "plugin/forwarding_monitor.h"

namespace vapush {

void ForwardingMonitor::onPrivilege(const std::string& domain, const std::string& privilege_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  servers_[domain].prosody = privilege_ns == "urn:xmpp:privilege:2";
}

std::optional<std::string> ForwardingMonitor::onPublish(const std::string& domain) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = servers_.find(domain);
  if (it == servers_.end()) return std::nullopt;  // server not known to be Prosody
  Server& s = it->second;
  if (!s.prosody || s.forwards || s.warned) return std::nullopt;
  if (++s.publishes < threshold_) return std::nullopt;
  s.warned = true;
  return warning(domain);
}

void ForwardingMonitor::onForwarded(const std::string& domain) {
  std::lock_guard<std::mutex> lock(mutex_);
  Server& s = servers_[domain];
  s.forwards = true;
  s.warned = false;
}

std::vector<std::string> ForwardingMonitor::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [domain, s] : servers_) {
    if (s.warned) out.push_back(warning(domain));
  }
  return out;
}

std::string ForwardingMonitor::warning(const std::string& domain) {
  return "Prosody server " + domain +
         " publishes but forwards no message copies: load mod_firewall with "
         "vapush-forward.pfw, or messages after the first of a hibernated session are "
         "missed and badges undercount";
}

}  // namespace vapush

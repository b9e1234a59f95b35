// SPDX-License-Identifier: Apache-2.0
// Notices a Prosody server that publishes but forwards no message copies. Prosody's
// mod_cloud_notify publishes only the first message of a hibernated session, so without
// the forwarding rules (packaging/prosody/vapush-forward.pfw) messages 2..N never reach
// vapush and the badge undercounts. ejabberd needs no rules (it publishes every message)
// and is never reported. Prosody is recognised by its XEP-0356 namespace
// (urn:xmpp:privilege:2; ejabberd 23.01 speaks :1).
//
// Thread-safe: the XMPP thread reports, the HTTP thread reads warnings().
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace vapush {

class ForwardingMonitor {
 public:
  // Publishes carrying a message, without a single forwarded copy, before it warns.
  explicit ForwardingMonitor(int threshold = 5) : threshold_(threshold) {}

  // The server `domain` announced its privileges in namespace `privilege_ns`.
  void onPrivilege(const std::string& domain, const std::string& privilege_ns);
  // A publish with a message for a user of `domain`. Returns the warning text once, the
  // first time the domain crosses the threshold.
  std::optional<std::string> onPublish(const std::string& domain);
  void onForwarded(const std::string& domain);
  // Current warnings, one per affected domain (for /healthz).
  std::vector<std::string> warnings() const;

 private:
  struct Server {
    bool prosody = false;
    bool forwards = false;
    int publishes = 0;
    bool warned = false;
  };
  static std::string warning(const std::string& domain);

  const int threshold_;
  mutable std::mutex mutex_;
  std::map<std::string, Server> servers_;
};

}  // namespace vapush

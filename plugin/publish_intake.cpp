// SPDX-License-Identifier: Apache-2.0
// XEP-0357 publish intake decisions.
#include "plugin/publish_intake.h"

#include <algorithm>
#include <cctype>

#include "plugin/message_text.h"
#include "plugin/registration.h"
#include "plugin/secret.h"
#include "plugin/text.h"

namespace vapush {
namespace {

PublishDecision refuse(PublishDecision::Verdict v, std::string text) {
  PublishDecision d;
  d.verdict = v;
  d.text = std::move(text);
  return d;
}

}  // namespace

std::string PublishRequest::option(const std::string& var) const {
  for (const auto& [k, v] : options) {
    if (k == var) return v;
  }
  return {};
}

PublishIntake::PublishIntake(const Config& config, DeviceRepository& devices, Crypto& crypto,
                             Clock& clock, std::function<Category(const std::string&)> categorize)
    : config_(config),
      devices_(devices),
      crypto_(crypto),
      clock_(clock),
      categorize_(std::move(categorize)) {}

void PublishIntake::fillMessage(const PublishRequest& r, PublishRecord& record) {
  record.has_message =
      r.has_summary && (!r.last_sender.empty() || !r.last_body.empty() || r.message_count > 0);
  if (!record.has_message) return;
  UnreadMessage& m = record.message;
  m.user = record.device.user;
  m.conversation = bareJid(r.last_sender);
  m.sender = r.last_sender;
  m.category = m.conversation.empty() ? Category::Chat : categorize_(m.conversation);
  m.body = storedBody(r.last_body, false);  // an encryption fallback is not worth showing
  m.message_time = clock_.nowMs();
  m.received = m.message_time;
  m.device_id = record.device.id;
}

PublishDecision PublishIntake::decide(const PublishRequest& r) {
  if (r.node.empty()) return refuse(PublishDecision::Verdict::BadRequest, "publish without node");
  // XEP-0357 §7: the user's server publishes, from its own (domain) JID. Anything else is
  // answered as an unknown node, revealing nothing.
  if (r.from.empty() || r.from.find_first_of("@/") != std::string::npos || r.from.size() > 1023) {
    return refuse(PublishDecision::Verdict::UnknownNode, "no such push node");
  }
  const std::string module = r.option("pushModule");
  if (!module.empty()) {
    // fpush publishes create devices: only servers we serve may make them.
    if (!fpushDomain(r.from))
      return refuse(PublishDecision::Verdict::UnknownNode, "no such push node");
    for (const auto& app : config_.apps) {
      if (std::find(app.push_modules.begin(), app.push_modules.end(), module) !=
          app.push_modules.end()) {
        return decideFpush(r, app);
      }
    }
    return refuse(PublishDecision::Verdict::UnknownNode,
                  "no app is configured for pushModule '" + module + "'");
  }
  Device device;
  const Status s = devices_.findByNode(r.node, device);
  if (s.code == Status::Code::Transient || s.code == Status::Code::Failed) {
    return refuse(PublishDecision::Verdict::Transient, "storage unavailable, retry later");
  }
  // A node is only valid for publishes from its owner's server; anything else looks
  // exactly like an unknown node.
  if (s.notFound() || domainOfJid(device.user) != domainOfJid(r.from)) {
    return refuse(PublishDecision::Verdict::UnknownNode, "no such push node");
  }
  if (!device.enabled) {
    // XEP-0357 §7: the app server tells the user's server to drop a dead registration.
    return refuse(PublishDecision::Verdict::UnknownNode, "device token is no longer valid");
  }
  if (!device.secret_hash.empty()) {
    const std::string secret = r.option("secret");
    if (secret.empty() || !crypto_.equals(crypto_.sha256Hex(secret), device.secret_hash)) {
      return refuse(PublishDecision::Verdict::Forbidden, "wrong or missing secret");
    }
  }
  PublishDecision d;
  d.record.device = device;
  d.record.device.last_publish = clock_.nowMs();
  fillMessage(r, d.record);
  return d;
}

bool PublishIntake::fpushDomain(const std::string& domain) const {
  const std::string d = lowerAscii(domain);
  const auto& list = config_.component.fpush_domains;
  return std::find(list.begin(), list.end(), d) != list.end();
}

PublishDecision PublishIntake::decideFpush(const PublishRequest& r, const AppConfig& app) {
  // fpush protocol (Monal): the node is the device token itself; nothing was registered.
  const std::string& token = r.node;
  if (const auto problem = tokenProblem(app.platform, token)) {
    // No device can ever have this node: as dead as an unknown one.
    return refuse(PublishDecision::Verdict::UnknownNode, "node is not a device token: " + *problem);
  }
  Device device;
  const Status s = devices_.findByNode(token, device);
  if (s.code == Status::Code::Transient || s.code == Status::Code::Failed) {
    return refuse(PublishDecision::Verdict::Transient, "storage unavailable, retry later");
  }
  const TimeMs now = clock_.nowMs();
  const std::string domain = lowerAscii(domainOfJid(r.from));
  if (s.notFound()) {
    std::chrono::milliseconds retry_after{0};
    if (!fpush_creations_.tryAcquire(domain, config_.limits.new_fpush_devices_per_minute,
                                     clock_.steadyNow(), std::chrono::minutes(1), retry_after)) {
      return refuse(PublishDecision::Verdict::Throttled,
                    "too many new devices from " + domain + ", retry later");
    }
    // The user is unknown to fpush-style clients: a stable pseudonymous owner per token.
    device = Device{};
    device.user = "fpush-" + crypto_.sha256Hex(token).substr(0, 16) + "@" + domain;
    device.app = app.name;
    device.platform = app.platform;
    device.token = token;
    device.node = token;
    device.protocol = Protocol::Fpush;
    device.created = now;
    device.updated = now;
  } else if (lowerAscii(domainOfJid(device.user)) != domain) {
    // Another served domain's user has this token (one phone, two accounts): theirs stays
    // untouched, and this server keeps its registration (`wait`, not `cancel`).
    return refuse(PublishDecision::Verdict::Conflict,
                  "device token is registered through another server");
  } else if (!device.enabled) {
    return refuse(PublishDecision::Verdict::UnknownNode, "device token is no longer valid");
  }
  PublishDecision d;
  d.record.device = device;
  d.record.device.last_publish = now;
  fillMessage(r, d.record);
  return d;
}

}  // namespace vapush

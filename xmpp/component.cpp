// SPDX-License-Identifier: Apache-2.0
// XEP-0114 component link with reconnect and backoff.
#include "xmpp/component.h"

#include <gloox/connectiontcpclient.h>

#include <thread>

#include "plugin/log.h"
#include "plugin/metrics.h"
#include "xmpp/xml_util.h"

namespace vapush::xmpp {

ComponentLink::ComponentLink(const ComponentConfig& config, StanzaHandler& handler,
                             size_t max_stanza_bytes)
    : gloox::Component(kNsComponent, config.host, config.jid, config.secret, config.port),
      config_(config),
      handler_(handler),
      backoff_ms_(config.reconnect_min_ms),
      next_attempt_(std::chrono::steady_clock::now()),
      rng_(std::random_device{}()),
      max_stanza_bytes_(max_stanza_bytes),
      guard_(max_stanza_bytes) {
  // XEP-0114 has no TLS or compression; without this gloox would set up GnuTLS
  // credentials it never uses.
  setTls(gloox::TLSDisabled);
  setCompression(false);
  registerConnectionListener(this);
  logInstance().registerLogHandler(gloox::LogLevelDebug, gloox::LogAreaAll, this);
}

ComponentLink::~ComponentLink() { removeConnectionListener(this); }

void ComponentLink::handleLog(gloox::LogLevel, gloox::LogArea area, const std::string& message) {
  // Raw XML may carry secrets and bodies: keep it at debug level.
  if (log::enabled(log::Level::Debug)) {
    log::debug("gloox", {{"area", std::to_string(static_cast<int>(area))}, {"msg", message}});
  }
}

void ComponentLink::handleReceivedData(const gloox::ConnectionBase* connection,
                                       const std::string& data) {
  received_bytes_ += data.size();
  guarded_.clear();
  skipped_.clear();
  const bool ok = guard_.feed(data, guarded_, skipped_);
  if (!guarded_.empty()) gloox::Component::handleReceivedData(connection, guarded_);
  for (const auto& s : skipped_) onSkipped(s);
  if (!ok && state() != gloox::StateDisconnected) {
    // Input the guard cannot follow is not XML: RFC 6120 §4.9.3.13 not-well-formed.
    log::error("xmpp.stream_broken", {{"reason", guard_.error()}});
    send(
        std::string("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                    "</stream:error>"));
    disconnect();
  }
}

void ComponentLink::onSkipped(const SkippedStanza& s) {
  metrics().inc("vapush_stanzas_dropped_total", {{"reason", "too_large"}});
  // Addresses and id only: the content is never looked at.
  log::warn("xmpp.stanza_too_large", {{"element", s.head_known ? s.name : "?"},
                                      {"type", s.type},
                                      {"id", s.id.substr(0, 64)},
                                      {"from", s.from.substr(0, 256)},
                                      {"bytes", std::to_string(s.bytes)},
                                      {"limit", std::to_string(max_stanza_bytes_)}});
  if (!authed() || !s.head_known || s.name != "iq" || (s.type != "get" && s.type != "set")) {
    return;  // messages and presences are dropped silently, like any unanswerable stanza
  }
  gloox::Tag request("iq");
  if (!s.id.empty()) request.addAttribute("id", s.id);
  if (!s.from.empty()) request.addAttribute("from", s.from);
  if (!s.to.empty()) request.addAttribute("to", s.to);
  // modify: the sender may retry with less. See docs/registration.md for publishes.
  sendTag(
      errorReply(&request, {"modify", "policy-violation",
                            "stanza larger than " + std::to_string(max_stanza_bytes_) + " bytes"}));
}

void ComponentLink::handleTag(gloox::Tag* tag) {
  if (authed() && tag != nullptr &&
      (tag->name() == "iq" || tag->name() == "message" || tag->name() == "presence")) {
    handler_.onStanza(*tag);
    return;
  }
  gloox::Component::handleTag(tag);
}

void ComponentLink::onConnect() {
  connected_ = true;
  connecting_ = false;
  backoff_ms_ = config_.reconnect_min_ms;
  log::info("xmpp.connected",
            {{"jid", config_.jid}, {"server", config_.host + ":" + std::to_string(config_.port)}});
  handler_.onConnected();
}

void ComponentLink::onDisconnect(gloox::ConnectionError e) {
  const bool was_connected = connected_.exchange(false);
  connecting_ = false;
  const char* why = "connection lost";
  switch (e) {
    case gloox::ConnStreamError:
      why = streamError() == gloox::StreamErrorNotAuthorized ? "handshake refused (secret?)"
                                                             : "stream error";
      break;
    case gloox::ConnConnectionRefused:
      why = "connection refused";
      break;
    case gloox::ConnDnsError:
      why = "host not found";
      break;
    case gloox::ConnAuthenticationFailed:
      why = "handshake refused (secret?)";
      break;
    case gloox::ConnUserDisconnected:
      why = "closed by us";
      break;
    default:
      break;
  }
  if (was_connected) handler_.onDisconnected();
  if (!stop_) scheduleReconnect(why);
}

void ComponentLink::scheduleReconnect(const char* why) {
  // Full jitter over [backoff/2, backoff], then double up to the cap.
  std::uniform_int_distribution<int> jitter(backoff_ms_ / 2, backoff_ms_);
  const int delay = jitter(rng_);
  next_attempt_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay);
  log::warn("xmpp.disconnected", {{"reason", why}, {"retry_in_ms", std::to_string(delay)}});
  backoff_ms_ = std::min(backoff_ms_ * 2, config_.reconnect_max_ms);
}

void ComponentLink::post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(posted_mutex_);
  posted_.push_back(std::move(task));
}

void ComponentLink::runPosted() {
  std::deque<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& t : tasks) t();
}

void ComponentLink::sendTag(gloox::Tag* tag) {
  if (!connected_) {
    delete tag;
    return;
  }
  send(tag);
}

void ComponentLink::run() {
  while (!stop_) {
    if (!connected_ && !connecting_) {
      const auto now = std::chrono::steady_clock::now();
      if (now < next_attempt_) {
        runPosted();
        const auto wait = std::min<std::chrono::steady_clock::duration>(
            next_attempt_ - now, std::chrono::milliseconds(50));
        std::this_thread::sleep_for(wait);
        continue;
      }
      connecting_ = true;
      ++reconnects_;
      guard_.reset();  // a new stream
      if (!connect(false)) {
        // gloox may or may not have called onDisconnect already.
        if (connecting_) {
          connecting_ = false;
          scheduleReconnect("connect failed");
        }
        continue;
      }
    }
    gloox::ConnectionError e = recv(20 * 1000);  // microseconds
    // gloox reads one socket buffer per recv(): drain what is already there (bounded) so
    // that all publishes of a burst share one group commit in afterReceive().
    for (int i = 0; i < kMaxReadsPerCommit && e == gloox::ConnNoError && connected_; ++i) {
      const uint64_t before = received_bytes_;
      e = recv(0);
      if (received_bytes_ == before) break;
    }
    if (e != gloox::ConnNoError && (connected_ || connecting_)) {
      connecting_ = false;
      if (connected_) {
        connected_ = false;
        handler_.onDisconnected();
      }
      if (!stop_) scheduleReconnect("receive failed");
    }
    runPosted();
    handler_.afterReceive();
  }
  if (connected_) {
    disconnect();
    connected_ = false;
  }
  runPosted();
}

}  // namespace vapush::xmpp

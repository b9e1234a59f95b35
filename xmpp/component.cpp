// SPDX-License-Identifier: Apache-2.0
// XEP-0114 component link with reconnect and backoff.
#include "xmpp/component.h"

#include <gloox/connectiontcpclient.h>

#include <thread>

#include "plugin/log.h"
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
      max_stanza_bytes_(max_stanza_bytes) {
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
  bytes_since_stanza_ += data.size();
  if (bytes_since_stanza_ > max_stanza_bytes_) {
    // RFC 6120 §4.9.3.13 policy-violation: drop the stream, reconnect with backoff.
    log::error("xmpp.stanza_too_large", {{"limit", std::to_string(max_stanza_bytes_)}});
    bytes_since_stanza_ = 0;
    send(
        std::string("<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                    "</stream:error>"));
    disconnect();
    return;
  }
  gloox::Component::handleReceivedData(connection, data);
}

void ComponentLink::handleTag(gloox::Tag* tag) {
  bytes_since_stanza_ = 0;
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

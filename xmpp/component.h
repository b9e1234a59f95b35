// SPDX-License-Identifier: Apache-2.0
// The XEP-0114 link to the chat server: gloox Component with reconnect, capped
// exponential backoff with jitter, and a run loop that hands every inbound stanza to a
// StanzaHandler as a raw gloox::Tag (so nothing is auto-answered behind our back).
//
// Threading: everything here runs on the thread that calls run(), except post() and
// requestStop(), which any thread may call.
#pragma once

#include <gloox/component.h>
#include <gloox/connectionlistener.h>
#include <gloox/loghandler.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <random>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "xmpp/stanza_guard.h"

namespace vapush::xmpp {

// Receives the component's traffic, on the XMPP thread.
class StanzaHandler {
 public:
  virtual ~StanzaHandler() = default;
  // Handshake accepted by the server.
  virtual void onConnected() = 0;
  // Link lost (or handshake refused); a reconnect is scheduled.
  virtual void onDisconnected() = 0;
  // One top-level <iq/>, <message/> or <presence/>. The tag is only valid during the call.
  virtual void onStanza(const gloox::Tag& stanza) = 0;
  // Called after each batch of received stanzas: the place for group commit and replies.
  virtual void afterReceive() = 0;
};

class ComponentLink : public gloox::Component,
                      public gloox::ConnectionListener,
                      public gloox::LogHandler {
 public:
  ComponentLink(const ComponentConfig& config, StanzaHandler& handler,
                size_t max_stanza_bytes = 1 << 20);
  ~ComponentLink() override;

  // Connects and serves until requestStop(); reconnects by itself. Returns after a clean
  // close of the stream.
  void run();
  void requestStop() { stop_ = true; }
  // Runs `task` on the XMPP thread at the next loop iteration.
  void post(std::function<void()> task);
  // Sends a stanza (XMPP thread only); takes ownership.
  void sendTag(gloox::Tag* tag);
  bool isConnected() const { return connected_; }
  uint64_t reconnects() const { return reconnects_; }

  // gloox::TagHandler (via ClientBase): intercepts stanzas once the handshake is done.
  void handleTag(gloox::Tag* tag) override;
  // gloox::ConnectionDataHandler (via ClientBase): bounds the size of one stanza, since
  // gloox's parser has no limit of its own. An oversized stanza is skipped alone (an IQ
  // get/set is answered policy-violation, modify); only a broken stream drops the link.
  void handleReceivedData(const gloox::ConnectionBase* connection,
                          const std::string& data) override;
  // gloox::ConnectionListener
  void onConnect() override;
  void onDisconnect(gloox::ConnectionError e) override;
  bool onTLSConnect(const gloox::CertInfo&) override { return true; }
  // gloox::LogHandler: gloox's own messages, at debug level only (they contain raw XML).
  void handleLog(gloox::LogLevel level, gloox::LogArea area, const std::string& message) override;

 private:
  void scheduleReconnect(const char* why);
  void runPosted();
  void onSkipped(const SkippedStanza& stanza);

  const ComponentConfig config_;
  StanzaHandler& handler_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  bool connecting_ = false;
  int backoff_ms_;
  std::chrono::steady_clock::time_point next_attempt_;
  std::mt19937 rng_;
  uint64_t reconnects_ = 0;
  const size_t max_stanza_bytes_;
  uint64_t received_bytes_ = 0;
  static constexpr int kMaxReadsPerCommit = 1024;
  StanzaGuard guard_;    // between the socket and gloox's parser; reset per connection
  std::string guarded_;  // what the guard let through, per read
  std::vector<SkippedStanza> skipped_;  // what it skipped, per read
  std::mutex posted_mutex_;
  std::deque<std::function<void()>> posted_;
};

}  // namespace vapush::xmpp

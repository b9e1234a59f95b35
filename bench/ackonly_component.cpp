// SPDX-License-Identifier: Apache-2.0
// Reference for the ingest benchmark: the least a gloox XEP-0114 component can do, answer
// every IQ set with an empty result at once (same gloox parser and send path, no storage).
//
//   bench_ackonly_component --port P --secret S [--jid push.localhost] [--seconds 600]
//       [--count-file F]   (F holds the number of IQs acknowledged, refreshed every 50 ms)
#include <gloox/component.h>
#include <gloox/connectionlistener.h>
#include <gloox/tag.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

class AckOnly : public gloox::Component, public gloox::ConnectionListener {
 public:
  AckOnly(const std::string& jid, const std::string& secret, int port)
      : gloox::Component("jabber:component:accept", "127.0.0.1", jid, secret, port) {
    setTls(gloox::TLSDisabled);
    setCompression(false);
    registerConnectionListener(this);
  }

  void handleTag(gloox::Tag* tag) override {
    if (authed() && tag != nullptr && tag->name() == "iq") {
      if (tag->findAttribute("type") == "set" || tag->findAttribute("type") == "get") {
        auto* r = new gloox::Tag("iq");
        r->setXmlns("jabber:component:accept");
        r->addAttribute("type", "result");
        r->addAttribute("id", tag->findAttribute("id"));
        r->addAttribute("from", tag->findAttribute("to"));
        r->addAttribute("to", tag->findAttribute("from"));
        send(r);
        ++acked_;
      }
      return;
    }
    gloox::Component::handleTag(tag);
  }

  void onConnect() override { connected_ = true; }
  void onDisconnect(gloox::ConnectionError) override { closed_ = true; }
  bool onTLSConnect(const gloox::CertInfo&) override { return true; }

  bool connected_ = false;
  bool closed_ = false;
  long acked_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string secret = "bench";
  std::string jid = "push.localhost";
  double seconds = 600;
  std::string count_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--port")
      port = std::atoi(argv[i + 1]);
    else if (k == "--secret")
      secret = argv[i + 1];
    else if (k == "--jid")
      jid = argv[i + 1];
    else if (k == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (k == "--count-file")
      count_file = argv[i + 1];
  }
  if (port <= 0) {
    std::fprintf(stderr, "usage: %s --port P --secret S [--jid J] [--seconds T]\n", argv[0]);
    return 2;
  }
  AckOnly c(jid, secret, port);
  if (!c.connect(false)) {
    std::fprintf(stderr, "ackonly: connect failed\n");
    return 1;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(seconds));
  long written = -1;
  auto last_write = std::chrono::steady_clock::now();
  while (!c.closed_ && std::chrono::steady_clock::now() < deadline) {
    if (c.recv(20 * 1000) != gloox::ConnNoError) break;
    const auto now = std::chrono::steady_clock::now();
    if (!count_file.empty() && c.acked_ != written &&
        now - last_write > std::chrono::milliseconds(50)) {
      std::ofstream(count_file + ".tmp") << c.acked_ << "\n";
      std::rename((count_file + ".tmp").c_str(), count_file.c_str());
      written = c.acked_;
      last_write = now;
    }
  }
  std::printf("acked=%ld\n", c.acked_);
  return 0;
}

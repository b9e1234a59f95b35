// SPDX-License-Identifier: Apache-2.0
// The operations endpoint (http.listen): GET /metrics (Prometheus text), GET /healthz
// (200 when connected to the chat server and the database is writable, else 503 with a
// JSON reason; "status":"degraded" with the held apps when some app's pushes are held), POST
// /admin/test-push?device=ID (loopback only; used by vapushctl). Runs its own thread (cpp-httplib).
// Callbacks are called on that thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace vapush {

struct HttpHandlers {
  std::function<bool()> xmpp_connected;
  // Empty string = writable; otherwise the reason.
  std::function<std::string()> database_problem;
  // Sends a test push to a device; returns HTTP status and a JSON body.
  std::function<std::pair<int, std::string>(int64_t device)> test_push;
  // JSON array of the apps whose pushes are held (configuration error, invalid-token
  // breaker); "[]" or empty when none.
  std::function<std::string()> held_apps;
  // Problems worth an operator's attention that do not make vapushd unhealthy.
  std::function<std::vector<std::string>()> warnings;
};

class HttpEndpoint {
 public:
  HttpEndpoint(HttpHandlers handlers);
  ~HttpEndpoint();
  // Binds `listen` ("127.0.0.1:9464", "[::1]:9464"); false with `error` when it can't.
  bool start(const std::string& listen, std::string& error);
  void stop();
  int port() const { return port_; }

 private:
  HttpHandlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// The operations endpoint (http.listen): GET /metrics (Prometheus text), GET /healthz
// (JSON: 200 "ok" or "degraded", 503 "unavailable", with the reasons; built from what is
// known in memory and the database filesystem's free space, never from a database query:
// plugin/health.h), POST /admin/test-push?device=ID (loopback only, "Authorization:
// Bearer <admin token>", rate-limited: plugin/admin_gate.h; used by vapushctl). Runs its
// own thread (cpp-httplib). Callbacks are called on that thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "plugin/health.h"

namespace httplib {
class Server;
}

namespace vapush {

class AdminGate;

struct HttpHandlers {
  std::function<bool()> xmpp_connected;
  // The last commit result of each database writer (plugin/health.h).
  std::function<std::map<std::string, CommitResult>()> commits;
  // The database file; /healthz reports the free space of its filesystem.
  std::string database_path;
  // Sends a test push to a device; returns HTTP status and a JSON body.
  std::function<std::pair<int, std::string>(int64_t device)> test_push;
  // Who may use admin actions; null = nobody.
  AdminGate* admin = nullptr;
  // JSON array of the apps whose pushes are held (configuration error, invalid-token
  // breaker); "[]" or empty when none.
  std::function<std::string()> held_apps;
  // Problems worth an operator's attention that do not make vapushd unhealthy.
  std::function<std::vector<std::string>()> warnings;
};

// Free space of the filesystem holding `path` (a file or directory); nullopt + `error`.
std::optional<DiskSpace> diskSpaceOf(const std::string& path, std::string& error);

class HttpEndpoint {
 public:
  HttpEndpoint(HttpHandlers handlers);
  ~HttpEndpoint();
  // Binds `listen` ("127.0.0.1:9464", "[::1]:9464"); false with `error` when it can't.
  bool start(const std::string& listen, std::string& error);
  void stop();
  int port() const { return port_; }

 private:
  void healthz(std::string& body, int& status) const;
  HttpHandlers handlers_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// /metrics, /healthz and the admin test push over cpp-httplib.
#include "plugin/daemon_http.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "plugin/log.h"
#include "plugin/metrics.h"

namespace vapush {

HttpEndpoint::HttpEndpoint(HttpHandlers handlers)
    : handlers_(std::move(handlers)), server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(4096);
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics().render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const bool xmpp = handlers_.xmpp_connected && handlers_.xmpp_connected();
    const std::string db = handlers_.database_problem ? handlers_.database_problem() : "";
    const bool ok = xmpp && db.empty();
    std::string held = handlers_.held_apps ? handlers_.held_apps() : "";
    if (held.empty()) held = "[]";
    const bool degraded = held != "[]";
    res.status = ok ? 200 : 503;
    // An app held by a configuration error keeps the daemon up (restarting would not
    // help) but says so: "degraded", which apps and why (also vapush_app_held).
    std::string body = std::string("{\"status\":\"") +
                       (!ok        ? "unavailable"
                        : degraded ? "degraded"
                                   : "ok") +
                       "\",\"xmpp\":\"" + (xmpp ? "connected" : "disconnected") +
                       "\",\"database\":\"" + (db.empty() ? "ok" : "unavailable") +
                       "\",\"delivery\":\"" + (degraded ? "held" : "ok") +
                       "\",\"held_apps\":" + held;
    if (handlers_.warnings) {
      nlohmann::json list = handlers_.warnings();
      body +=
          ",\"warnings\":" + list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    res.set_content(body + "}", "application/json");
  });
  server_->Post("/admin/test-push", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.remote_addr != "127.0.0.1" && req.remote_addr != "::1") {
      res.status = 403;
      res.set_content("{\"error\":\"loopback only\"}", "application/json");
      return;
    }
    if (!handlers_.test_push) {
      res.status = 503;
      res.set_content("{\"error\":\"dispatcher not available\"}", "application/json");
      return;
    }
    int64_t device = 0;
    try {
      device = std::stoll(req.get_param_value("device"));
    } catch (...) {
      res.status = 400;
      res.set_content("{\"error\":\"device=ID required\"}", "application/json");
      return;
    }
    auto [status, body] = handlers_.test_push(device);
    res.status = status;
    res.set_content(body, "application/json");
  });
}

HttpEndpoint::~HttpEndpoint() { stop(); }

bool HttpEndpoint::start(const std::string& listen, std::string& error) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    error = "http.listen must be HOST:PORT";
    return false;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    error = "http.listen: bad port in '" + listen + "'";
    return false;
  }
  port_ =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    error = "http.listen: cannot bind " + listen;
    return false;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  log::info("http.listening", {{"address", host + ":" + std::to_string(port_)}});
  return true;
}

void HttpEndpoint::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace vapush

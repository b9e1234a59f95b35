// SPDX-License-Identifier: Apache-2.0
// /metrics, /healthz and the admin test push over cpp-httplib.
#include "plugin/daemon_http.h"

#include <httplib.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "plugin/admin_gate.h"
#include "plugin/listen_address.h"
#include "plugin/log.h"
#include "plugin/metrics.h"

namespace vapush {

namespace {

using json = nlohmann::json;

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

}  // namespace

std::optional<DiskSpace> diskSpaceOf(const std::string& path, std::string& error) {
  std::string dir = path;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
  }
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    error = dir + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return DiskSpace{static_cast<uint64_t>(st.f_bavail) * st.f_frsize,
                   static_cast<uint64_t>(st.f_blocks) * st.f_frsize};
}

HttpEndpoint::HttpEndpoint(HttpHandlers handlers)
    : handlers_(std::move(handlers)), server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(4096);
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics().render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    std::string body;
    int status = 200;
    healthz(body, status);
    res.status = status;
    res.set_content(body, "application/json");
  });
  server_->Post("/admin/test-push", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.remote_addr != "127.0.0.1" && req.remote_addr != "::1") {
      answer(res, 403, {{"error", "loopback only"}});
      return;
    }
    std::chrono::seconds retry_after{0};
    const AdminGate::Verdict verdict =
        handlers_.admin == nullptr
            ? AdminGate::Verdict::Unauthorized
            : handlers_.admin->check(AdminGate::bearer(req.get_header_value("Authorization")),
                                     retry_after);
    if (verdict == AdminGate::Verdict::RateLimited) {
      res.set_header("Retry-After", std::to_string(retry_after.count()));
      answer(res, 429, {{"error", "too many admin requests; retry later"}});
      return;
    }
    if (verdict != AdminGate::Verdict::Allowed) {
      log::warn("admin.unauthorized", {{"path", req.path}, {"from", req.remote_addr}});
      res.set_header("WWW-Authenticate", "Bearer");
      answer(res, 401,
             {{"error", "admin token required (vapushctl sends it from the token file)"}});
      return;
    }
    if (!handlers_.test_push) {
      answer(res, 503, {{"error", "dispatcher not available"}});
      return;
    }
    int64_t device = 0;
    try {
      device = std::stoll(req.get_param_value("device"));
    } catch (...) {
      answer(res, 400, {{"error", "device=ID required"}});
      return;
    }
    auto [status, body] = handlers_.test_push(device);
    res.status = status;
    res.set_content(body, "application/json");
  });
}

HttpEndpoint::~HttpEndpoint() { stop(); }

void HttpEndpoint::healthz(std::string& body, int& status) const {
  HealthInput in;
  in.xmpp_connected = handlers_.xmpp_connected && handlers_.xmpp_connected();
  if (handlers_.commits) in.commits = handlers_.commits();
  in.disk = diskSpaceOf(handlers_.database_path, in.disk_error);
  std::string held = handlers_.held_apps ? handlers_.held_apps() : "";
  if (held.empty()) held = "[]";
  in.apps_held = held != "[]";
  const HealthReport report = evaluateHealth(in);
  status = report.http_status;
  json out = {{"status", report.status},
              {"xmpp", in.xmpp_connected ? "connected" : "disconnected"},
              {"database", report.database},
              // An app held by a configuration error keeps the daemon up (restarting
              // would not help) but says so: "degraded", which apps and why.
              {"delivery", in.apps_held ? "held" : "ok"},
              {"held_apps", json::parse(held, nullptr, false)},
              {"reasons", report.reasons}};
  if (in.disk) {
    out["disk"] = {{"free_bytes", in.disk->free_bytes}, {"total_bytes", in.disk->total_bytes}};
  }
  json commits = json::object();
  for (const auto& [writer, c] : in.commits) {
    commits[writer] = {{"at_ms", c.at}, {"ok", c.ok}};
    if (!c.ok) commits[writer]["error"] = c.error;
  }
  out["commits"] = commits;
  if (handlers_.warnings) out["warnings"] = handlers_.warnings();
  body = out.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool HttpEndpoint::start(const std::string& listen, std::string& error) {
  const auto address = parseListenAddress(listen, error);
  if (!address) {
    error = "http.listen: " + error;
    return false;
  }
  const std::string& host = address->host;
  const int port = address->port;
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

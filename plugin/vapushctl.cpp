// SPDX-License-Identifier: Apache-2.0
// vapushctl: operator's tool. Reads the database directly (WAL: safe next to a running
// vapushd) and talks to the running daemon over its HTTP endpoint (admin actions with the
// token from http.admin_token_file, docs/operations.md).
//   vapushctl [--config FILE] [--json] [--show-tokens] COMMAND ...
// Exit codes: 0 ok, 1 not found / daemon unreachable / delivery failed, 2 usage or config.
#include <httplib.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/listen_address.h"
#include "plugin/log.h"
#include "push/credentials.h"
#include "storage/database.h"
#include "storage/sqlite_repositories.h"

namespace {

using json = nlohmann::json;
using vapush::Database;
using vapush::Statement;

struct Options {
  std::string config = "/etc/vapush/vapush.yml";
  bool json = false;
  bool show_tokens = false;
  std::vector<std::string> args;
};

int usage() {
  std::cerr << "usage: vapushctl [--config FILE] [--json] [--show-tokens] COMMAND\n"
               "  check-config                 validate the config file\n"
               "  devices USER                 list a user's devices\n"
               "  device show|disable|enable ID\n"
               "  test-push ID                 send a test push through the running daemon\n"
               "                               (reads the admin token file: root or vapush)\n"
               "  notifications [--last N] [--user JID] [--state STATE]\n"
               "  stats                        counts by state, devices, backlog, health\n";
  return 2;
}

std::string token(const Options& o, const std::string& t) {
  return o.show_tokens ? t : vapush::log::redact(t);
}

json deviceJson(const Options& o, const vapush::Device& d) {
  return {{"id", d.id},
          {"user", d.user},
          {"app", d.app},
          {"platform", std::string(vapush::toString(d.platform))},
          {"token", token(o, d.token)},
          {"node", token(o, d.node)},
          {"resource", d.resource},
          {"protocol", std::string(vapush::toString(d.protocol))},
          {"enabled", d.enabled},
          {"last_publish", d.last_publish}};
}

// Prints rows as JSON or as an aligned table of `columns`.
void print(const Options& o, const json& rows, const std::vector<std::string>& columns) {
  if (o.json) {
    std::cout << rows.dump(2) << "\n";
    return;
  }
  std::vector<size_t> width;
  for (const auto& c : columns) width.push_back(c.size());
  auto cell = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  for (const auto& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      width[i] = std::max(width[i], std::min<size_t>(cell(r[columns[i]]).size(), 48));
    }
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    std::cout << columns[i] << std::string(width[i] - columns[i].size() + 2, ' ');
  }
  std::cout << "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string v = cell(r[columns[i]]).substr(0, 48);
      std::cout << v << std::string(width[i] - v.size() + 2, ' ');
    }
    std::cout << "\n";
  }
  if (rows.empty()) std::cout << "(none)\n";
}

std::optional<json> daemonGet(const vapush::Config& c, const std::string& path, int& status,
                              const std::string& admin_token = {}) {
  std::string error;
  const auto address = vapush::parseListenAddress(c.http.listen, error);
  if (!address) return std::nullopt;
  httplib::Client client(address->host, address->port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(15, 0);  // vapushd answers a test push within ~5 s
  auto res = admin_token.empty() ? client.Get(path)
                                 : client.Post(path, {{"Authorization", "Bearer " + admin_token}},
                                               "", "application/x-www-form-urlencoded");
  if (!res) return std::nullopt;
  status = res->status;
  return json::parse(res->body, nullptr, false);
}

// The admin token vapushd created (http.admin_token_file); only its user (and root) can
// read it. Empty with a message on stderr when unreadable.
std::string readAdminToken(const vapush::Config& c) {
  std::ifstream in(c.http.admin_token_file);
  std::string token;
  if (in) std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) {
    std::cerr << "vapushctl: cannot read the admin token '" << c.http.admin_token_file
              << "' (created by vapushd; run vapushctl as root or the vapush user)\n";
  }
  return token;
}

int run(const Options& o) {
  if (o.args.empty()) return usage();
  const std::string& cmd = o.args[0];
  const vapush::ConfigResult loaded = vapush::loadConfig(o.config);
  if (!loaded.config) {
    std::cerr << "vapushctl: config error: " << loaded.error->toString() << "\n";
    return 2;
  }
  const vapush::Config& config = *loaded.config;
  if (cmd == "check-config") {
    for (const auto& app : config.apps) {
      if (const auto problem = vapush::push::credentialProblem(app)) {
        std::cerr << "vapushctl: config error: apps[" << app.name << "]: " << *problem << "\n";
        return 2;
      }
    }
    if (o.json) {
      std::cout << json{{"config", o.config}, {"ok", true}, {"apps", config.apps.size()}}.dump()
                << "\n";
    } else {
      std::cout << o.config << ": OK\n";
    }
    return 0;
  }
  std::string error;
  // Only `device enable|disable` writes; nothing here creates or upgrades a database.
  const bool writes =
      cmd == "device" && o.args.size() == 3 && (o.args[1] == "disable" || o.args[1] == "enable");
  auto db = Database::openExisting(config.storage.sqlite, writes, error);
  if (!db) {
    std::cerr << "vapushctl: " << error << "\n";
    return 1;
  }
  vapush::SqliteDeviceRepository devices(*db);
  if (cmd == "devices" && o.args.size() == 2) {
    std::vector<vapush::Device> list;
    devices.listByUser(o.args[1], list);
    json rows = json::array();
    for (const auto& d : list) rows.push_back(deviceJson(o, d));
    print(o, rows, {"id", "app", "platform", "resource", "protocol", "enabled", "token"});
    return list.empty() ? 1 : 0;
  }
  if (cmd == "device" && o.args.size() == 3) {
    vapush::Device d;
    int64_t id = 0;
    try {
      id = std::stoll(o.args[2]);
    } catch (...) {
      return usage();
    }
    if (!devices.findById(id, d).ok()) {
      std::cerr << "vapushctl: no device " << id << "\n";
      return 1;
    }
    if (o.args[1] == "disable" || o.args[1] == "enable") {
      const bool enable = o.args[1] == "enable";
      const vapush::Status s = devices.setEnabled(id, enable, vapush::SystemClock().nowMs());
      if (!s.ok()) {
        std::cerr << "vapushctl: " << s.message << "\n";
        return 1;
      }
      d.enabled = enable;
    } else if (o.args[1] != "show") {
      return usage();
    }
    const json j = deviceJson(o, d);
    if (o.json) {
      std::cout << j.dump(2) << "\n";
    } else {
      for (const auto& [k, v] : j.items())
        std::cout << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    }
    return 0;
  }
  if (cmd == "test-push" && o.args.size() == 2) {
    const std::string admin_token = readAdminToken(config);
    if (admin_token.empty()) return 1;
    int status = 0;
    auto body = daemonGet(config, "/admin/test-push?device=" + o.args[1], status, admin_token);
    if (!body) {
      std::cerr << "vapushctl: daemon unreachable at http.listen '" << config.http.listen << "'\n";
      return 1;
    }
    std::cout << (o.json ? body->dump(2) : body->dump()) << "\n";
    if (status == 202) std::cerr << "vapushctl: no answer yet; see event=push.test in the log\n";
    return status == 200 && (*body)["outcome"] == "delivered" ? 0 : 1;
  }
  if (cmd == "notifications") {
    int64_t last = 20;
    std::string user, state;
    for (size_t i = 1; i + 1 < o.args.size(); i += 2) {
      if (o.args[i] == "--last")
        last = std::stoll(o.args[i + 1]);
      else if (o.args[i] == "--user")
        user = o.args[i + 1];
      else if (o.args[i] == "--state")
        state = o.args[i + 1];
      else
        return usage();
    }
    Statement& st = db->prepare(
        "SELECT sys_id, user, device, conversation, category, state, attempts, last_error, "
        "batch, sys_created_on FROM sys_cs_message_notification WHERE (?='' OR user=?) AND "
        "(?='' OR state=?) ORDER BY sys_created_on DESC, sys_id LIMIT ?");
    st.reset().bind(1, user).bind(2, user).bind(3, state).bind(4, state).bind(5, last);
    json rows = json::array();
    while (st.step()) {
      rows.push_back({{"sys_id", st.text(0)},
                      {"user", st.text(1)},
                      {"device", st.int64(2)},
                      {"conversation", st.text(3)},
                      {"category", st.text(4)},
                      {"state", st.text(5)},
                      {"attempts", st.int64(6)},
                      {"last_error", st.text(7)},
                      {"batch", st.int64(8)},
                      {"created", st.int64(9)}});
    }
    print(o, rows, {"sys_id", "user", "conversation", "category", "state", "attempts", "batch"});
    return 0;
  }
  if (cmd == "stats") {
    json stats = {{"rows", json::object()}};
    Statement& st =
        db->prepare("SELECT state, count(*) FROM sys_cs_message_notification GROUP BY state");
    st.reset();
    while (st.step()) stats["rows"][st.text(0)] = st.int64(1);
    auto one = [&](const char* sql) {
      Statement& q = db->prepare(sql);
      const int64_t v = q.reset().step() ? q.int64(0) : 0;
      q.reset();
      return v;
    };
    stats["devices"] = one("SELECT count(*) FROM device");
    stats["devices_disabled"] = one("SELECT count(*) FROM device WHERE enabled=0");
    stats["unread_backlog"] = one("SELECT count(*) FROM unread_message WHERE notified_batch=0");
    stats["pushes_pending"] = one("SELECT count(*) FROM push WHERE state='pending'");
    int status = 0;
    auto health = daemonGet(config, "/healthz", status);
    stats["daemon"] = health ? *health : json("unreachable");
    if (o.json) {
      std::cout << stats.dump(2) << "\n";
    } else {
      for (const auto& [k, v] : stats.items()) std::cout << k << ": " << v.dump() << "\n";
    }
    return 0;
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      o.config = argv[++i];
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--show-tokens") {
      o.show_tokens = true;
    } else if (a == "--help" || a == "-h") {
      return usage();
    } else {
      o.args.push_back(a);
    }
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "vapushctl: " << e.what() << "\n";
    return 2;
  }
}

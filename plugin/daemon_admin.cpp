// SPDX-License-Identifier: Apache-2.0
// Admin token file and test pushes (see daemon_admin.h).
#include "plugin/daemon_admin.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "plugin/daemon_test_push.h"
#include "plugin/log.h"
#include "storage/database.h"
#include "storage/sqlite_repositories.h"

namespace vapush {

namespace {

constexpr size_t kTokenBytes = 32;

bool createTokenFile(const std::string& path, const std::string& token, std::string& error) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = tmp + ": " + std::strerror(errno);
    return false;
  }
  const std::string text = token + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = path + ": " + std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

std::string loadAdminTokenHash(const std::string& path, Crypto& crypto, bool& created,
                               std::string& error) {
  created = false;
  if (path.empty()) {
    error = "no admin token file (in-memory database and no http.admin_token_file)";
    return {};
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      error = path + ": " + std::strerror(errno);
      return {};
    }
    const std::string token = crypto.randomHex(kTokenBytes);
    if (!createTokenFile(path, token, error)) return {};
    created = true;
    return crypto.sha256Hex(token);
  }
  if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    return {};
  }
  if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0600) != 0) {
    error = path + ": readable by others and cannot chmod 600: " + std::strerror(errno);
    return {};
  }
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) {
    error = path + ": the admin token is missing or shorter than 16 characters";
    return {};
  }
  return crypto.sha256Hex(token);
}

bool TestPushes::claim(const DeliveryResult& r) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (detached_.erase(r.push_id) > 0) {
    waiting_.erase(r.push_id);
    log::info("push.test", {{"device", std::to_string(r.device)},
                            {"outcome", std::string(toString(r.outcome))},
                            {"reason", r.reason}});
    return true;
  }
  auto it = waiting_.find(r.push_id);
  if (it == waiting_.end()) return false;
  it->second.set_value(r);
  waiting_.erase(it);
  return true;
}

std::future<DeliveryResult> TestPushes::expect(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_[id].get_future();
}

bool TestPushes::detach(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (waiting_.count(id) == 0) return false;  // the result came meanwhile
  if (detached_.size() >= kMaxDetached) {     // results that never came: forget the oldest
    waiting_.erase(*detached_.begin());
    detached_.erase(detached_.begin());
  }
  detached_.insert(id);
  return true;
}

std::pair<int, std::string> sendTestPush(const Config& config, PushSender& sender,
                                         TestPushes& tests, Crypto& crypto,
                                         const Localizer& localizer, int64_t device_id) {
  std::string error;
  auto db = Database::open(config.storage.sqlite, error);
  if (!db) return {503, "{\"error\":\"database unavailable\"}"};
  SqliteDeviceRepository devices(*db);
  Device d;
  if (!devices.findById(device_id, d).ok()) return {404, "{\"error\":\"no such device\"}"};
  Preferences prefs;
  SqlitePreferencesRepository(*db).load(d.user, prefs);
  PushRequest p = testPushRequest(config, localizer, crypto.randomHex(16), d, prefs.language);
  auto result = tests.expect(p.id);
  sender.submit({p});
  // Bounded: an HTTP worker is not held for a slow provider; the outcome is then logged.
  if (result.wait_for(TestPushes::kWait) != std::future_status::ready) {
    if (tests.detach(p.id)) {
      log::info("push.test", {{"device", std::to_string(device_id)}, {"outcome", "pending"}});
      return {202, nlohmann::json{{"outcome", "pending"},
                                  {"push_id", p.id},
                                  {"note",
                                   "no answer from the provider yet; vapushd logs "
                                   "event=push.test with the outcome"}}
                       .dump()};
    }
  }
  const DeliveryResult r = result.get();
  log::info("push.test",
            {{"device", std::to_string(device_id)}, {"outcome", std::string(toString(r.outcome))}});
  return {200, nlohmann::json{{"outcome", std::string(toString(r.outcome))},
                              {"provider_id", r.provider_id},
                              {"reason", r.reason}}
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

}  // namespace vapush

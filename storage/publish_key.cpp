// SPDX-License-Identifier: Apache-2.0
// The managed publish-secret key file.
#include "storage/publish_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "plugin/commands.h"
#include "plugin/secret.h"

namespace vapush {
namespace {

constexpr size_t kKeyBytes = 32;

bool readKeys(const std::string& path, std::vector<std::string>& keys, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot read the publish-secret key file";
    return false;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.size() != 2 * kKeyBytes || !isHex(line)) {
      error = path + ":" + std::to_string(n) + ": expected a key of 64 hex digits";
      return false;
    }
    keys.push_back(line);
  }
  if (keys.empty()) {
    error = path + ": no key in the publish-secret key file";
    return false;
  }
  return true;
}

// Writes `text` to `path` (mode 0600) through a temporary file, durably.
bool writeFile(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  if (ok) ok = ::fchmod(fd, 0600) == 0;  // an old .tmp may have had other bits
  size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    ok = w > 0;
    if (ok) done += static_cast<size_t>(w);
  }
  if (ok) ok = ::fsync(fd) == 0;
  if (fd >= 0 && ::close(fd) != 0) ok = false;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    error = path + ": cannot create the publish-secret key file: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  const std::string dir = path.substr(0, path.find_last_of('/') + 1);
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

std::string publishKeyPath(const std::string& database) {
  if (database.empty() || database == ":memory:") return {};
  return database + ".publish-key";
}

bool loadPublishKeys(const Config& config, Crypto& crypto, PublishKeys& out, std::string& error) {
  out = PublishKeys{};
  if (!config.component.publish_secret_key.empty()) {
    // The operator's own key: changing it is a deliberate rotation of every secret.
    out.keys = {config.component.publish_secret_key};
    return true;
  }
  const std::string legacy = legacyPublishSecretKey(config, crypto);
  out.file = publishKeyPath(config.storage.sqlite);
  if (out.file.empty()) {
    out.keys = {crypto.randomHex(kKeyBytes), legacy};
    return true;
  }
  struct stat st {};
  if (::stat(out.file.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      error = out.file + ": " + std::strerror(errno);
      return false;
    }
    const std::string text =
        "# vapush publish-secret keys (README: Publish secrets). Keep secret, mode 0600.\n"
        "# The first key makes new secrets; the others are still accepted.\n" +
        crypto.randomHex(kKeyBytes) + "\n" + legacy + "\n";
    if (!writeFile(out.file, text, error)) return false;
    out.created = true;
  }
  if (!readKeys(out.file, out.keys, error)) return false;
  // Registrations of versions that derived the key from the component secret.
  if (std::find(out.keys.begin(), out.keys.end(), legacy) == out.keys.end()) {
    out.keys.push_back(legacy);
  }
  return true;
}

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
#include "storage/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vapush {

bool InstanceLock::acquire(const std::string& database_path, std::string& error) {
  if (database_path == ":memory:") return true;
  const std::string path = database_path + ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error = path + ": cannot open lock file: " + std::strerror(errno);
    return false;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    error = e == EWOULDBLOCK ? path + ": another vapushd is running on this database"
                             : path + ": cannot lock: " + std::strerror(e);
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  return true;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace vapush

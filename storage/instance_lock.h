// SPDX-License-Identifier: Apache-2.0
// One vapushd per database: an exclusive flock on "<database>.lock", held for the life of
// the process (the kernel releases it when the process dies, kill -9 included). A second
// daemon on the same database would void the first one's in-flight marks and send its
// pushes again.
#pragma once

#include <string>

namespace vapush {

class InstanceLock {
 public:
  // Takes the lock for `database_path` (":memory:" needs none). On failure returns false
  // and fills `error`, naming the lock file and, if known, why.
  bool acquire(const std::string& database_path, std::string& error);
  ~InstanceLock();

 private:
  int fd_ = -1;
};

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// A push's body arguments (plugin/localizer.h) in one column, separated by U+001F (unit
// separator), which never occurs in them (they are numbers and names).
#pragma once

#include <string>
#include <vector>

namespace vapush {

inline std::string joinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += '\x1f';
    out += args[i];
  }
  return out;
}

inline std::vector<std::string> splitArgs(const std::string& joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  size_t start = 0;
  for (size_t at; (at = joined.find('\x1f', start)) != std::string::npos; start = at + 1) {
    out.push_back(joined.substr(start, at - start));
  }
  out.push_back(joined.substr(start));
  return out;
}

}  // namespace vapush

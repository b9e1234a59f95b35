// SPDX-License-Identifier: Apache-2.0
#include "plugin/listen_address.h"

namespace vapush {

std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string& error) {
  const std::string quoted = "'" + std::string(text) + "'";
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    error = quoted + " is not HOST:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)";
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      error = quoted + ": an IPv6 address needs both brackets, e.g. [::1]:9464";
      return std::nullopt;
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    error = quoted + ": write an IPv6 address in brackets, e.g. [::1]:9464";
    return std::nullopt;
  }
  if (host.find_first_of(" \t[]/") != std::string_view::npos) {
    error = quoted + ": '" + std::string(host) + "' is not a host name or address";
    return std::nullopt;
  }
  long value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9' || value > 65535) {
      value = -1;
      break;
    }
    value = value * 10 + (c - '0');
  }
  if (port.empty() || port.size() > 5 || value < 0 || value > 65535) {
    error = quoted + ": the port must be a number from 0 to 65535";
    return std::nullopt;
  }
  return ListenAddress{std::string(host), static_cast<int>(value)};
}

}  // namespace vapush

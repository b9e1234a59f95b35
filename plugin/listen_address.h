// SPDX-License-Identifier: Apache-2.0
// http.listen values: "HOST:PORT" with an IPv6 host in brackets ("[::1]:9464"). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vapush {

struct ListenAddress {
  std::string host;  // without brackets
  int port = 0;      // 0 = any free port (tests)
};

// The address, or nullopt with `error` saying what is wrong with `text`.
std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string& error);

}  // namespace vapush

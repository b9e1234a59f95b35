// SPDX-License-Identifier: Apache-2.0
// The persistent publish-secret key file (issue 12 item 5): publish secrets must not
// depend on the component secret, or rotating that secret changes every registration's
// secret and the chat servers' publishes are answered forbidden (ejabberd then deletes
// the registrations).
//
// Without component.publish_secret_key_file, vapushd keeps its keys in
// <database>.publish-key (mode 0600), created at first start:
//   # comment lines
//   <current key, 64 hex digits: 32 random bytes>
//   <older keys, one per line: still accepted for the registrations made with them>
// At creation the older key is the one earlier versions derived from the component
// secret, so an upgrade keeps every registration's secret, and a later rotation of the
// component secret does too. To retire a key, see README "Publish secrets".
#pragma once

#include <string>
#include <vector>

#include "plugin/config.h"
#include "plugin/crypto.h"

namespace vapush {

struct PublishKeys {
  std::vector<std::string> keys;  // current first; never logged
  std::string file;               // where they came from ("" = configured or in memory)
  bool created = false;           // the file was created now
};

// The path of the managed key file for `database` ("" for ":memory:").
std::string publishKeyPath(const std::string& database);

// Loads the keys: the configured key (publish_secret_key_file) alone; else the managed
// file, created if missing. The key derived from the current component secret is always
// accepted as well (registrations of earlier versions). False with `error` when the
// file cannot be read, is malformed, or cannot be created.
bool loadPublishKeys(const Config& config, Crypto& crypto, PublishKeys& out, std::string& error);

}  // namespace vapush

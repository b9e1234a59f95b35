// SPDX-License-Identifier: Apache-2.0
// Typed readers of YAML values for the config reader (plugin/config.cpp). Each throws
// Fail with the node's line and a reason naming the key ("where.key: ..."). Internal to
// vapush_config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace vapush::config_yaml {

struct Fail {
  int line;
  std::string reason;
};

int lineOf(const YAML::Node& n);
[[noreturn]] void fail(const YAML::Node& n, std::string reason);

// Fails on any key of `map` not in `keys`.
void onlyKeys(const YAML::Node& map, const std::string& where,
              std::initializer_list<const char*> keys);
std::string str(const YAML::Node& map, const char* key, const std::string& where,
                std::string fallback = {});
bool boolean(const YAML::Node& map, const char* key, const std::string& where, bool fallback);
int64_t integer(const YAML::Node& map, const char* key, const std::string& where, int64_t fallback,
                int64_t min, int64_t max);

// The longest duration any setting takes: ten years. Larger values are refused rather
// than wrapped (a wrapped interval turns negative or tiny) and leave room to add them to
// a timestamp.
inline constexpr int64_t kMaxDurationMs = 3650LL * 86'400'000;
// "60s", "500ms", "2m", "1h", "7d" or a bare number of seconds, in ms, from min_ms to
// max_ms.
int64_t duration(const YAML::Node& map, const char* key, const std::string& where,
                 int64_t fallback_ms, int64_t min_ms, int64_t max_ms = kMaxDurationMs);
// "20%" or 20: a whole percentage between 1 and 100.
int percent(const YAML::Node& map, const char* key, const std::string& where, int fallback);
std::vector<std::string> strings(const YAML::Node& map, const char* key, const std::string& where);
// The first line of `file`, trailing spaces cut; fails at `at` when unreadable or empty.
std::string readSecretFile(const YAML::Node& at, const std::filesystem::path& file);
// `p` relative to the directory of `base_file` unless absolute.
std::filesystem::path relativeTo(const std::string& base_file, const std::string& p);

}  // namespace vapush::config_yaml

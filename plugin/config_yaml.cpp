// SPDX-License-Identifier: Apache-2.0
// Typed readers of YAML values for plugin/config.cpp; each failure names key and line.
#include "plugin/config_yaml.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

namespace vapush::config_yaml {

int lineOf(const YAML::Node& n) { return n.Mark().is_null() ? 0 : n.Mark().line + 1; }

[[noreturn]] void fail(const YAML::Node& n, std::string reason) {
  throw Fail{lineOf(n), std::move(reason)};
}

void onlyKeys(const YAML::Node& map, const std::string& where,
              std::initializer_list<const char*> keys) {
  if (!map.IsMap()) fail(map, where + ": expected a mapping");
  std::set<std::string> allowed(keys.begin(), keys.end());
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(kv.first, "unknown key '" + where + "." + key + "' (allowed: " + list + ")");
    }
  }
}

std::string str(const YAML::Node& map, const char* key, const std::string& where,
                std::string fallback) {
  const YAML::Node n = map[key];
  if (!n) return fallback;
  if (!n.IsScalar()) fail(n, where + "." + key + ": expected a string");
  return n.Scalar();
}

bool boolean(const YAML::Node& map, const char* key, const std::string& where, bool fallback) {
  const YAML::Node n = map[key];
  if (!n) return fallback;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    fail(n, where + "." + key + ": expected true or false");
  }
  return v;
}

int64_t integer(const YAML::Node& map, const char* key, const std::string& where, int64_t fallback,
                int64_t min, int64_t max) {
  const YAML::Node n = map[key];
  if (!n) return fallback;
  int64_t v = 0;
  if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v)) {
    fail(n, where + "." + key + ": expected an integer");
  }
  if (v < min || v > max) {
    fail(n, where + "." + key + ": must be between " + std::to_string(min) + " and " +
                std::to_string(max));
  }
  return v;
}

int64_t duration(const YAML::Node& map, const char* key, const std::string& where,
                 int64_t fallback_ms, int64_t min_ms, int64_t max_ms) {
  const YAML::Node n = map[key];
  if (!n) return fallback_ms;
  if (!n.IsScalar()) fail(n, where + "." + key + ": expected a duration like 60s");
  const std::string& s = n.Scalar();
  size_t pos = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  const std::string unit = s.substr(pos);
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  int64_t mult = -1;
  for (const auto& [u, m] : kUnits) {
    if (unit == u) mult = m;
  }
  if (pos == 0 || pos > 12 || mult < 0) {
    fail(n, where + "." + key + ": '" + s + "' is not a duration (use e.g. 500ms, 60s, 5m, 1h)");
  }
  // At most 12 digits: the number fits; the product may not.
  const int64_t number = std::stoll(s.substr(0, pos));
  if (number > max_ms / mult) {
    fail(n, where + "." + key + ": '" + s + "' is too long (at most " + std::to_string(max_ms) +
                " ms)");
  }
  const int64_t v = number * mult;
  if (v < min_ms) {
    fail(n, where + "." + key + ": must be at least " + std::to_string(min_ms) + " ms");
  }
  return v;
}

std::vector<std::string> strings(const YAML::Node& map, const char* key, const std::string& where) {
  std::vector<std::string> out;
  const YAML::Node n = map[key];
  if (!n || n.IsNull()) return out;
  if (!n.IsSequence()) fail(n, where + "." + key + ": expected a list");
  for (const auto& item : n) {
    if (!item.IsScalar()) fail(item, where + "." + key + ": expected a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

std::string readSecretFile(const YAML::Node& at, const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) fail(at, "cannot read secret_file '" + file.string() + "'");
  std::string secret;
  std::getline(in, secret);
  while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
  if (secret.empty()) fail(at, "secret_file '" + file.string() + "' is empty");
  return secret;
}

std::filesystem::path relativeTo(const std::string& base_file, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_absolute() || base_file.empty()) return path;
  return std::filesystem::path(base_file).parent_path() / path;
}

int percent(const YAML::Node& map, const char* key, const std::string& where, int fallback) {
  const YAML::Node n = map[key];
  if (!n) return fallback;
  std::string v = n.IsScalar() ? n.Scalar() : std::string();
  if (!v.empty() && v.back() == '%') v.pop_back();
  const bool digits = !v.empty() && v.size() <= 3 &&
                      std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int p = digits ? std::stoi(v) : -1;
  if (p < 1 || p > 100) fail(n, where + "." + key + ": expected a percentage from 1% to 100%");
  return p;
}

}  // namespace vapush::config_yaml

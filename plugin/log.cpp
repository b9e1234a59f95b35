// SPDX-License-Identifier: Apache-2.0
// Structured log sink (key=value or JSON lines).
#include "plugin/log.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace vapush::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};
std::atomic<bool> g_json{false};
std::mutex g_mutex;
FILE* g_out = nullptr;
std::string g_file;                 // empty = stderr
std::atomic<bool> g_reopen{false};  // set from a signal handler (SIGHUP)

const char* levelName(Level l) {
  switch (l) {
    case Level::Debug:
      return "debug";
    case Level::Info:
      return "info";
    case Level::Warn:
      return "warn";
    case Level::Error:
      return "error";
  }
  return "?";
}

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void appendKvValue(std::string& out, std::string_view s) {
  // Quoted (JSON-escaped) when it could break the line apart or forge a field: spaces,
  // quotes, '=', and every control character (a \r would let a value overwrite the
  // line on a terminal, a \n start a fake one).
  const bool quote = s.empty() || std::any_of(s.begin(), s.end(), [](char ch) {
                       const auto c = static_cast<unsigned char>(ch);
                       return c < 0x20 || c == 0x7f || c == ' ' || c == '"' || c == '=';
                     });
  if (!quote) {
    out += s;
    return;
  }
  appendJsonString(out, s);
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace

bool parseLevel(std::string_view s, Level& out) {
  for (Level l : {Level::Debug, Level::Info, Level::Warn, Level::Error}) {
    if (s == levelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool setup(Level level, bool json, const std::string& file) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_level = static_cast<int>(level);
  g_json = json;
  if (g_out != nullptr && g_out != stderr) std::fclose(g_out);
  g_out = stderr;
  g_file = file;
  if (!file.empty()) {
    FILE* f = std::fopen(file.c_str(), "a");
    if (f == nullptr) return false;
    g_out = f;
  }
  return true;
}

void requestReopen() { g_reopen.store(true); }

bool reopenIfRequested() {
  if (!g_reopen.exchange(false)) return false;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_file.empty()) return false;
    FILE* f = std::fopen(g_file.c_str(), "a");
    if (f == nullptr) return false;  // keep writing to the old file rather than nowhere
    if (g_out != nullptr && g_out != stderr) std::fclose(g_out);
    g_out = f;
  }
  info("log.reopened", {{"file", g_file}});
  return true;
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (g_json) {
    line += "{\"ts\":\"" + timestamp() + "\",\"level\":\"" + levelName(level) + "\",\"event\":";
    appendJsonString(line, event);
    for (const auto& [k, v] : fields) {
      line += ',';
      appendJsonString(line, k);
      line += ':';
      appendJsonString(line, v);
    }
    line += "}\n";
  } else {
    line += "ts=" + timestamp() + " level=" + levelName(level) + " event=";
    appendKvValue(line, event);
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      appendKvValue(line, v);
    }
    line += '\n';
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  FILE* out = g_out != nullptr ? g_out : stderr;
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

std::string redact(std::string_view s) {
  if (s.size() <= 6) return std::string(s.size(), '*');
  return std::string(s.substr(0, 6)) + "...(" + std::to_string(s.size()) + ")";
}

}  // namespace vapush::log

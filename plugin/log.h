// SPDX-License-Identifier: Apache-2.0
// Structured logging: one line per event, key=value (default) or JSON, with levels.
// Thread-safe. Never pass tokens, secrets or message bodies above Debug: use redact().
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace vapush::log {

enum class Level {
  Debug,  // stanza-level detail; may contain bodies (operators opt in)
  Info,   // lifecycle and per-batch events
  Warn,   // something degraded but the process carries on
  Error,  // something failed and needs attention
};

using Field = std::pair<std::string_view, std::string>;

// Configures the sink. `file` empty = stderr. Returns false if the file can't be opened.
bool setup(Level level, bool json, const std::string& file);
// Asks for the log file to be reopened (logrotate moved it): async-signal-safe, for a
// SIGHUP handler. reopenIfRequested() does it (from a normal thread) and logs
// log.reopened; false when nothing was asked or the file cannot be opened (the old one
// stays in use).
void requestReopen();
bool reopenIfRequested();
bool parseLevel(std::string_view s, Level& out);
bool enabled(Level level);
void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) {
  if (enabled(Level::Debug)) write(Level::Debug, e, f);
}
inline void info(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::Info, e, f);
}
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::Warn, e, f);
}
inline void error(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::Error, e, f);
}

// A token or node shortened to a recognisable but useless prefix: "a1b2c3…(64)".
std::string redact(std::string_view secretish);

}  // namespace vapush::log

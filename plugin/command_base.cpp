// SPDX-License-Identifier: Apache-2.0
// Shared command helpers: caller parsing, UTF-8 checks, rate window, form reading.
#include "plugin/command_base.h"

#include <algorithm>
#include <cstdint>

namespace vapush {

namespace {

constexpr size_t kMaxJidPartBytes = 1023;  // RFC 7622 §3.1

std::string quoted(std::string_view var) {
  std::string out;
  out.reserve(var.size() + 2);
  out.append(1, '\'').append(var).append(1, '\'');
  return out;
}

}  // namespace

std::optional<Caller> parseCaller(std::string_view from) {
  if (!isValidUtf8(from)) return std::nullopt;
  Caller c;
  c.full = std::string(from);
  const size_t slash = from.find('/');
  const std::string_view bare = from.substr(0, slash);
  if (slash != std::string_view::npos) c.resource = std::string(from.substr(slash + 1));
  const size_t at = bare.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= bare.size()) return std::nullopt;
  if (at > kMaxJidPartBytes || bare.size() - at - 1 > kMaxJidPartBytes ||
      c.resource.size() > kMaxJidPartBytes) {
    return std::nullopt;
  }
  c.bare = lowerAscii(bare);
  c.domain = c.bare.substr(at + 1);
  return c;
}

bool RateWindow::tryAcquire(const std::string& key, int limit, TimePoint now,
                            std::chrono::milliseconds window,
                            std::chrono::milliseconds& retry_after) {
  if (limit <= 0) return true;
  sweep(now, window);
  auto& q = events_[key];
  while (!q.empty() && q.front() <= now - window) q.pop_front();
  if (q.size() >= static_cast<size_t>(limit)) {
    retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(q.front() + window - now);
    return false;
  }
  q.push_back(now);
  return true;
}

void RateWindow::sweep(TimePoint now, std::chrono::milliseconds window) {
  constexpr size_t kSweepAbove = 1024;
  if (events_.size() <= kSweepAbove) return;
  for (auto it = events_.begin(); it != events_.end();) {
    if (it->second.empty() || it->second.back() <= now - window) {
      it = events_.erase(it);
    } else {
      ++it;
    }
  }
}

CommandResponse errorResponse(ErrorType type, std::string condition, std::string text,
                              std::string specific) {
  CommandResponse r;
  r.error = CommandError{type, std::move(condition), std::move(specific), std::move(text)};
  return r;
}

CommandResponse badRequest(std::string text, std::string specific) {
  return errorResponse(ErrorType::Modify, "bad-request", std::move(text), std::move(specific));
}

CommandResponse storageError(const Status& status, std::string_view what) {
  const std::string detail = "storage error while " + std::string(what);
  switch (status.code) {
    case Status::Code::Transient:
      // Prosody answers a failed flush with wait/internal-server-error; servers retry
      // `wait` and never drop a registration over it.
      return errorResponse(ErrorType::Wait, "internal-server-error", detail + "; try again later");
    case Status::Code::NotFound:
      return errorResponse(ErrorType::Cancel, "item-not-found", "no such item");
    case Status::Code::Ok:
    case Status::Code::Failed:
      break;
  }
  return errorResponse(ErrorType::Cancel, "internal-server-error", detail);
}

CommandResponse completedWith(Form form) {
  CommandResponse r;
  r.status = CommandResponse::Status::Completed;
  r.form = std::move(form);
  return r;
}

CommandResponse completedWithNote(std::string text, CommandNote::Type type) {
  CommandResponse r;
  r.status = CommandResponse::Status::Completed;
  r.notes.push_back({type, std::move(text)});
  return r;
}

CommandResponse executingWith(Form form) {
  CommandResponse r;
  r.status = CommandResponse::Status::Executing;
  r.form = std::move(form);
  r.actions = {"complete"};
  r.default_action = "complete";
  return r;
}

void FormReader::checkShape(std::initializer_list<std::string_view> form_types) {
  if (failed()) return;
  if (form_.fields.size() > kMaxFields) {
    return fail("too many fields (" + std::to_string(form_.fields.size()) + ", at most " +
                std::to_string(kMaxFields) + ")");
  }
  for (const auto& f : form_.fields) {
    if (!isValidUtf8(f.var)) return fail("a field name is not valid UTF-8");
    if (f.var.size() > 256) return fail("a field name is longer than 256 bytes");
    if (f.values.size() > kMaxValuesPerField) {
      return fail("field " + quoted(f.var) + " has too many values");
    }
    for (const auto& v : f.values) {
      if (!isValidUtf8(v)) return fail("field " + quoted(f.var) + " is not valid UTF-8");
      if (v.size() > kMaxValueBytes) {
        return fail("field " + quoted(f.var) + " is too long (at most " +
                    std::to_string(kMaxValueBytes) + " bytes)");
      }
    }
  }
  const FormField* ft = form_.field("FORM_TYPE");
  if (ft == nullptr) return;
  if (ft->values.size() != 1) return fail("field 'FORM_TYPE' must have exactly one value");
  const std::string& value = ft->values.front();
  if (std::find(form_types.begin(), form_types.end(), value) == form_types.end()) {
    std::string expected;
    for (auto t : form_types) expected += (expected.empty() ? "" : ", ") + std::string(t);
    fail(
        "unexpected FORM_TYPE '" + value + "'" +
        (expected.empty() ? std::string("; this command defines none") : "; expected " + expected));
  }
}

std::optional<std::string> FormReader::optional(std::string_view var, size_t max_bytes) {
  if (failed()) return std::nullopt;
  const FormField* f = form_.field(std::string(var));
  if (f == nullptr || f->values.empty()) return std::nullopt;
  if (f->values.size() > 1) {
    fail("field " + quoted(var) + " must have a single value, got " +
         std::to_string(f->values.size()));
    return std::nullopt;
  }
  const std::string& v = f->values.front();
  if (!isValidUtf8(v)) {
    fail("field " + quoted(var) + " is not valid UTF-8");
    return std::nullopt;
  }
  if (v.size() > max_bytes) {
    fail("field " + quoted(var) + " is too long (" + std::to_string(v.size()) + " bytes, at most " +
         std::to_string(max_bytes) + ")");
    return std::nullopt;
  }
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      fail("field " + quoted(var) + " contains control characters");
      return std::nullopt;
    }
  }
  if (v.empty()) return std::nullopt;
  return v;
}

std::optional<std::string> FormReader::required(std::string_view var, size_t max_bytes) {
  auto v = optional(var, max_bytes);
  if (!v && !failed()) fail("missing field " + quoted(var), "bad-payload");
  return v;
}

std::optional<bool> FormReader::boolean(std::string_view var) {
  auto v = optional(var, 8);
  if (!v) return std::nullopt;
  if (*v == "1" || *v == "true") return true;
  if (*v == "0" || *v == "false") return false;
  fail("field " + quoted(var) + " must be a boolean (1, true, 0 or false), got '" + *v + "'");
  return std::nullopt;
}

void FormReader::fail(std::string text, std::string specific) {
  if (failed()) return;
  error_ = badRequest(std::move(text), std::move(specific));
}

}  // namespace vapush

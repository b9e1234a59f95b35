// SPDX-License-Identifier: Apache-2.0
// Incremental stanza-size guard for the component stream.
#include "xmpp/stanza_guard.h"

#include <cstdint>

#include "plugin/text.h"

namespace vapush::xmpp {
namespace {

constexpr std::string_view kCdataOpen = "[CDATA[";
// A held element's buffer above this size is released after use.
constexpr size_t kKeepCapacity = 64 * 1024;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool isNameStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u == ':' || u >= 0x80;
}

void appendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the five predefined entities and character references; false if malformed.
bool decodeEntities(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&') {
      out += in[i];
      continue;
    }
    const size_t semi = in.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) return false;
    const std::string_view ent = in.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out += '&';
    } else if (ent == "lt") {
      out += '<';
    } else if (ent == "gt") {
      out += '>';
    } else if (ent == "apos") {
      out += '\'';
    } else if (ent == "quot") {
      out += '"';
    } else if (ent.size() >= 2 && ent[0] == '#') {
      const bool hex = ent[1] == 'x';
      uint32_t cp = 0;
      const std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty()) return false;
      for (char d : digits) {
        uint32_t v = 0;
        if (d >= '0' && d <= '9') {
          v = static_cast<uint32_t>(d - '0');
        } else if (hex && d >= 'a' && d <= 'f') {
          v = static_cast<uint32_t>(d - 'a' + 10);
        } else if (hex && d >= 'A' && d <= 'F') {
          v = static_cast<uint32_t>(d - 'A' + 10);
        } else {
          return false;
        }
        cp = cp * (hex ? 16 : 10) + v;
        if (cp > 0x10FFFF) return false;
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) return false;
      appendUtf8(cp, out);
    } else {
      return false;
    }
    i = semi;
  }
  return true;
}

// Usable in an attribute of a reply we send: valid UTF-8 without control characters.
bool replySafe(const std::string& v) {
  if (v.size() > 3071 || !isValidUtf8(v)) return false;
  for (char c : v) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

bool parseOpeningTag(std::string_view tag, SkippedStanza& out) {
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < tag.size() && isSpace(tag[i])) ++i;
  };
  auto readName = [&] {
    const size_t start = i;
    while (i < tag.size() && !isSpace(tag[i]) && tag[i] != '=' && tag[i] != '/' && tag[i] != '>') {
      ++i;
    }
    return tag.substr(start, i - start);
  };
  if (tag.empty() || tag[0] != '<') return false;
  ++i;
  out.name = std::string(readName());
  if (out.name.empty()) return false;
  std::string value;
  while (true) {
    skipSpace();
    if (i >= tag.size()) return false;
    if (tag[i] == '/' || tag[i] == '>') break;
    const std::string_view attr = readName();
    skipSpace();
    if (attr.empty() || i >= tag.size() || tag[i] != '=') return false;
    ++i;
    skipSpace();
    if (i >= tag.size() || (tag[i] != '\'' && tag[i] != '"')) return false;
    const char q = tag[i++];
    const size_t end = tag.find(q, i);
    if (end == std::string_view::npos) return false;
    if (!decodeEntities(tag.substr(i, end - i), value)) return false;
    i = end + 1;
    std::string* slot = attr == "type"   ? &out.type
                        : attr == "id"   ? &out.id
                        : attr == "from" ? &out.from
                        : attr == "to"   ? &out.to
                                         : nullptr;
    if (slot == nullptr) continue;
    if (!replySafe(value)) return false;
    *slot = value;
  }
  out.head_known = true;
  return true;
}

void StanzaGuard::reset() {
  state_ = State::Text;
  depth_ = 0;
  quote_ = 0;
  slash_ = qmark_ = false;
  bang_ = 0;
  brackets_ = 0;
  header_bytes_ = 0;
  in_element_ = skipping_ = false;
  element_bytes_ = head_len_ = 0;
  std::string().swap(pending_);
  head_ = {};
  error_.clear();
}

bool StanzaGuard::fail(const char* why) {
  error_ = why;
  return false;
}

bool StanzaGuard::feed(std::string_view data, std::string& out,
                       std::vector<SkippedStanza>& skipped) {
  if (broken()) return false;
  out.reserve(out.size() + data.size());
  for (char c : data) {
    if (!step(c, out, skipped)) return false;
  }
  return true;
}

void StanzaGuard::emit(char c, std::string& out) {
  if (!in_element_) {
    out += c;
    return;
  }
  ++element_bytes_;
  if (skipping_) return;
  if (element_bytes_ > max_) {
    startSkipping();
    return;
  }
  pending_ += c;
}

void StanzaGuard::startSkipping() {
  skipping_ = true;
  head_ = {};
  if (head_len_ > 0 && head_len_ <= kMaxHeadBytes &&
      !parseOpeningTag(std::string_view(pending_).substr(0, head_len_), head_)) {
    head_ = {};
  }
  std::string().swap(pending_);
}

void StanzaGuard::endElement(std::string& out, std::vector<SkippedStanza>& skipped) {
  if (skipping_) {
    head_.bytes = element_bytes_;
    skipped.push_back(std::move(head_));
  } else {
    out += pending_;
  }
  pending_.clear();
  if (pending_.capacity() > kKeepCapacity) std::string().swap(pending_);
  in_element_ = skipping_ = false;
  element_bytes_ = head_len_ = 0;
  head_ = {};
}

bool StanzaGuard::step(char c, std::string& out, std::vector<SkippedStanza>& skipped) {
  bool element_ended = false;
  bool head_ended = false;
  switch (state_) {
    case State::Text:
      if (c == '<') {
        state_ = State::Lt;
        if (depth_ == 1) in_element_ = true;  // a stanza, unless this is </stream:stream>
      } else if (depth_ == 0 && !isSpace(c)) {
        return fail("text outside the stream");
      }
      break;
    case State::Lt:
      if (c == '/') {
        if (depth_ == 0) return fail("end tag outside the stream");
        if (depth_ == 1) {  // the stream's own end tag: not a stanza
          out += pending_;
          pending_.clear();
          in_element_ = false;
          element_bytes_ = 0;
        }
        state_ = State::EndTag;
      } else if (c == '?') {
        if (depth_ != 0) return fail("processing instruction inside the stream");
        qmark_ = false;
        state_ = State::Pi;
      } else if (c == '!') {
        if (depth_ < 2) return fail("markup declaration outside a stanza");
        bang_ = 0;
        state_ = State::Bang;
      } else if (isNameStart(c)) {
        quote_ = 0;
        slash_ = false;
        header_bytes_ = 2;
        state_ = State::StartTag;
      } else {
        return fail("'<' not followed by a name");
      }
      break;
    case State::StartTag:
      if (depth_ == 0 && ++header_bytes_ > max_) return fail("stream header too large");
      if (quote_ != 0) {
        if (c == quote_) quote_ = 0;
      } else if (c == '>') {
        state_ = State::Text;
        if (slash_) {
          element_ended = depth_ == 1;
        } else {
          head_ended = depth_ == 1;
          ++depth_;
        }
      } else if (slash_) {
        return fail("'/' inside a start tag");
      } else if (c == '\'' || c == '"') {
        quote_ = c;
      } else if (c == '/') {
        slash_ = true;
      } else if (c == '<') {
        return fail("'<' inside a tag");
      }
      break;
    case State::EndTag:
      if (c == '<') return fail("'<' inside an end tag");
      if (c == '>') {
        state_ = State::Text;
        --depth_;
        element_ended = depth_ == 1;
      }
      break;
    case State::Pi:
      if (c == '>' && qmark_) state_ = State::Text;
      qmark_ = c == '?';
      break;
    case State::Bang:
      if (c != kCdataOpen[bang_]) return fail("comment or DTD (not allowed in XMPP)");
      if (++bang_ == kCdataOpen.size()) {
        brackets_ = 0;
        state_ = State::Cdata;
      }
      break;
    case State::Cdata:
      if (c == ']') {
        ++brackets_;
      } else {
        if (c == '>' && brackets_ >= 2) state_ = State::Text;
        brackets_ = 0;
      }
      break;
  }
  emit(c, out);
  if (head_ended && in_element_ && !skipping_) head_len_ = element_bytes_;
  if (element_ended && in_element_) endElement(out, skipped);
  return true;
}

}  // namespace vapush::xmpp

// SPDX-License-Identifier: Apache-2.0
// StanzaGuard: an incremental byte scanner in front of gloox's XML parser that bounds the
// size of each top-level element (stanza) of an XEP-0114 stream without dropping the link.
//
// It follows element depth across arbitrary chunk boundaries (quoted attribute values,
// self-closing tags, end tags, CDATA sections; XMPP forbids comments, processing
// instructions other than the XML declaration, and DTDs) and knows the stream header
// (depth 1). Bytes outside stanzas pass straight through; a stanza's bytes are held until
// it ends and then passed on whole, or, once it grows past the limit, discarded to its
// end and reported (with the id/from/to/type of its opening tag when that tag was short)
// so that the caller can answer an IQ and count it. Memory is bounded by the limit.
//
// Only input the scanner cannot follow (a broken stream) makes feed() return false.
// Pure byte logic, no gloox: cheap to unit-test and to fuzz. Not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vapush::xmpp {

// A top-level element that was larger than the limit and was not passed on.
struct SkippedStanza {
  bool head_known = false;         // false: the opening tag itself was too long to keep
  std::string name;                // element name, e.g. "iq" (when head_known)
  std::string type, id, from, to;  // attribute values, entities decoded (when head_known)
  size_t bytes = 0;                // the element's size in bytes
};

class StanzaGuard {
 public:
  // Opening tags up to this size are kept to answer a skipped stanza.
  static constexpr size_t kMaxHeadBytes = 4096;

  explicit StanzaGuard(size_t max_stanza_bytes) : max_(max_stanza_bytes) {}

  // Scans `data`: appends to `out` the bytes the XML parser may see, and to `skipped`
  // every oversized top-level element whose end is in `data`. Returns false when the
  // stream is broken; `out` then holds what came before the break, and the guard stays
  // broken (feed() returns false at once) until reset().
  bool feed(std::string_view data, std::string& out, std::vector<SkippedStanza>& skipped);

  // Forgets everything: a new stream (reconnect) starts at depth 0.
  void reset();

  bool broken() const { return !error_.empty(); }
  const std::string& error() const { return error_; }  // why the stream is broken
  size_t depth() const { return depth_; }              // 1 = inside the stream header

 private:
  enum class State { Text, Lt, StartTag, EndTag, Pi, Bang, Cdata };

  bool step(char c, std::string& out, std::vector<SkippedStanza>& skipped);
  bool fail(const char* why);
  void emit(char c, std::string& out);
  void startSkipping();
  void endElement(std::string& out, std::vector<SkippedStanza>& skipped);

  const size_t max_;
  State state_ = State::Text;
  size_t depth_ = 0;
  char quote_ = 0;           // open attribute quote in a tag, or 0
  bool slash_ = false;       // '/' seen in a start tag (must be followed by '>')
  bool qmark_ = false;       // '?' just seen in a processing instruction
  size_t bang_ = 0;          // characters of "[CDATA[" matched after "<!"
  int brackets_ = 0;         // consecutive ']' in a CDATA section
  size_t header_bytes_ = 0;  // size of the stream header tag so far

  bool in_element_ = false;  // inside a top-level element (or its '<')
  bool skipping_ = false;    // the current element is over the limit
  size_t element_bytes_ = 0;
  size_t head_len_ = 0;  // length of the element's opening tag, once complete
  std::string pending_;  // the current element's bytes, while within the limit
  SkippedStanza head_;
  std::string error_;
};

// Parses an opening tag "<name a='v' ...>" (or "/>"): the name and the type, id, from and
// to attributes, with XML entities decoded. False if the tag is malformed or a value is
// not usable in a reply (invalid UTF-8, control characters).
bool parseOpeningTag(std::string_view tag, SkippedStanza& out);

}  // namespace vapush::xmpp

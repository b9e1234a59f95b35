// SPDX-License-Identifier: Apache-2.0
// Test helper: parses XML text (or a file of tests/data) into a gloox::Tag.
#pragma once

#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace vapush::testing {

class TagCollector : public gloox::TagHandler {
 public:
  void handleTag(gloox::Tag* tag) override { tag_.reset(tag->clone()); }
  std::unique_ptr<gloox::Tag> tag_;
};

inline std::unique_ptr<gloox::Tag> parseXml(const std::string& xml) {
  TagCollector collector;
  gloox::Parser parser(&collector);
  std::string copy = xml;
  if (parser.feed(copy) >= 0) return nullptr;  // >= 0: position of a parse error
  return std::move(collector.tag_);
}

inline std::string readData(const std::string& name) {
  std::ifstream in(std::string(VAPUSH_TEST_DATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::unique_ptr<gloox::Tag> loadXml(const std::string& name) {
  return parseXml(readData(name));
}

}  // namespace vapush::testing

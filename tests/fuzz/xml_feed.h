// SPDX-License-Identifier: Apache-2.0
// Fuzz helper: feeds bytes to gloox's parser as the body of a component stream and hands
// every complete top-level element to a callback.
#pragma once

#include <gloox/parser.h>
#include <gloox/tag.h>
#include <gloox/taghandler.h>

#include <functional>
#include <string>

namespace vapush::fuzz {

class Collector : public gloox::TagHandler {
 public:
  explicit Collector(std::function<void(const gloox::Tag&)> fn) : fn_(std::move(fn)) {}
  void handleTag(gloox::Tag* tag) override {
    if (tag != nullptr && ++count_ <= 64) fn_(*tag);
  }

 private:
  std::function<void(const gloox::Tag&)> fn_;
  int count_ = 0;
};

inline void feed(const uint8_t* data, size_t size, std::function<void(const gloox::Tag&)> fn) {
  Collector collector(std::move(fn));
  gloox::Parser parser(&collector);
  std::string text(reinterpret_cast<const char*>(data), size);
  parser.feed(text);
}

}  // namespace vapush::fuzz

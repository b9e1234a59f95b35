// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the YAML config parser (must return a config or an error, never crash).
#include "plugin/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const vapush::ConfigResult r = vapush::parseConfig(text, "/nonexistent/fuzz.yml");
  if (!r.config && !r.error) __builtin_trap();  // one of the two, always
  if (r.error) (void)r.error->toString();
  return 0;
}

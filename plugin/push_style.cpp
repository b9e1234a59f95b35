// SPDX-License-Identifier: Apache-2.0
#include "plugin/push_style.h"

namespace vapush {

PushShape pushShape(PushStyle style, Protocol protocol) {
  if (style == PushStyle::Alert) return PushShape::Alert;
  switch (protocol) {
    case Protocol::P2:
      return PushShape::P2Wake;
    case Protocol::Fpush:
    case Protocol::AppServer:  // Monal 2021-22 builds: mod_push_appserver's alert
      return PushShape::ModuleAlert;
    case Protocol::Tigase:
      return PushShape::TigaseAlert;
    case Protocol::Manual:
      break;
  }
  return PushShape::Alert;  // no client family to follow
}

std::string p2DeviceId(const std::string& stored) {
  const auto bar = stored.rfind('|');
  if (bar == std::string::npos || stored.find('@', bar) == std::string::npos) return stored;
  return stored.substr(0, bar);
}

}  // namespace vapush

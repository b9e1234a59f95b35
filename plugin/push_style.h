// SPDX-License-Identifier: Apache-2.0
// Which payload a push gets: the app's push_style and the device's registration protocol
// decide. Pure; push/apns.cpp and push/fcm.cpp build the payload for the shape.
#pragma once

#include <string>

#include "plugin/model.h"

namespace vapush {

enum class PushShape {
  Alert,        // vapush's own alert (title, body, badge, deep-link keys): push_style alert
  P2Wake,       // p2: FCM data-only {account}, priority high; APNs background push
  ModuleAlert,  // fpush / mod_push_appserver: "New Message" alert with mutable-content,
                // rewritten by the app's notification service extension (Monal)
  TigaseAlert,  // Tigase: alert with mutable-content plus the keys Siskin's extension
                // reads (account, sender, body, unread-messages, nickname)
};

// Badge pushes (PushKind::Badge) keep their silent shape whatever this says.
PushShape pushShape(PushStyle style, Protocol protocol);

// The client's device id of a p2 device row: rows of p2 `muc` registrations made before
// the field was dropped are stored as "<device-id>|<room JID>"; their account is the
// device's.
std::string p2DeviceId(const std::string& stored);

// The body fpush and mod_push_appserver show until the extension replaces it.
inline constexpr const char* kModuleAlertTitle = "New Message";
inline constexpr const char* kModuleAlertBody = "New Message?";

}  // namespace vapush

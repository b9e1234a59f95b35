// SPDX-License-Identifier: Apache-2.0
// When a message counts as read. vapush never sees the user's screen; it infers reading
// from two kinds of signals, both available on ejabberd and Prosody:
//
// 1. Coming back. When a resource of the user comes back into use (available with no
//    <show/> or show=chat, after being unavailable, away, xa, dnd, hibernated or never
//    seen: a new session, a resumed stream that sends presence, or the presence replay
//    Prosody sends when the component connects), the server has just delivered every
//    queued message to that client, which is open. Every message of the user received
//    before that moment is read. This needs presence only, so it works on ejabberd,
//    which sends nothing else.
// 2. Read signals in forwarded copies (Prosody with vapush-forward.pfw): a reply or a
//    XEP-0333 displayed marker from the user reads the conversation. A XEP-0184 receipt
//    only says a client received the message, and a phone in the background acks
//    automatically (that is what a push wakes it up for), so a receipt counts only when
//    the resource that sent it is in use (available/chat/dnd, not idle, not hibernated).
//
// Pure functions: no I/O, times are inputs.
#pragma once

#include <optional>
#include <string_view>

#include "plugin/model.h"

namespace vapush {

struct ResourceState;

// True for the shows that mean "the user has the app open": none, or chat.
bool showMeansReading(Show show);

// The moment a resource comes back into use, or nullopt. `was_reading` says whether it
// already counted as in use for reading before this presence (same show family, not
// hibernated since); `when` is the presence's effective time (its delay stamp if any).
std::optional<TimeMs> cameBackAt(bool was_reading, Show show, TimeMs when);

enum class ReadSignal {
  Reply,      // a message with a body from the user to the peer
  Displayed,  // XEP-0333 displayed marker
  Receipt,    // XEP-0184 delivery receipt
};

// Whether a read signal from one of the user's resources marks the conversation read.
// `sender` is the tracked state of the resource that sent it (nullopt = never seen).
bool readSignalCounts(ReadSignal signal, const std::optional<ResourceState>& sender, TimeMs now,
                      TimeMs idle_threshold);

// Whether a message received at `received` is read for a user whose resources last came
// back at `seen_until` (0 = never).
inline bool seenOnReturn(TimeMs received, TimeMs seen_until) {
  return seen_until > 0 && received < seen_until;
}

}  // namespace vapush

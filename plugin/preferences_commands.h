// SPDX-License-Identifier: Apache-2.0
// The user's own commands, rendered by generic clients (Conversations, Gajim, ...):
// `preferences` (categories, previews, quiet hours), `mute-conversation` (mute/unmute a
// peer until a time, for a duration or forever), `list-devices` and `remove-device`.
//
// Each is a XEP-0050 single-stage command: execute -> executing with a XEP-0004 form of
// labelled fields (type 'form') -> complete with the filled form -> completed with a
// note. Executing with a submitted form in one request also works (scripts). They act
// only on the caller's bare JID. Stateless; run on the CommandHandler's thread.
#pragma once

#include <memory>

#include "plugin/command_base.h"

namespace vapush {

// FORM_TYPE values of the forms these commands send (and accept back).
inline constexpr std::string_view kPreferencesFormType = "urn:vapush:preferences:0";
inline constexpr std::string_view kMuteFormType = "urn:vapush:mute:0";
inline constexpr std::string_view kDevicesFormType = "urn:vapush:devices:0";

std::unique_ptr<Command> makePreferencesCommand();
std::unique_ptr<Command> makeMuteCommand();
std::unique_ptr<Command> makeListDevicesCommand();
std::unique_ptr<Command> makeRemoveDeviceCommand();

}  // namespace vapush

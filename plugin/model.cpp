// SPDX-License-Identifier: Apache-2.0
// String forms of the domain enums (used in storage, logs, payloads and config).
#include "plugin/model.h"

namespace vapush {
namespace {

template <typename E, size_t N>
std::optional<E> lookup(const std::pair<E, std::string_view> (&table)[N], std::string_view s) {
  for (const auto& [e, name] : table) {
    if (name == s) return e;
  }
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view name(const std::pair<E, std::string_view> (&table)[N], E e) {
  for (const auto& [v, n] : table) {
    if (v == e) return n;
  }
  return "?";
}

constexpr std::pair<Platform, std::string_view> kPlatforms[] = {{Platform::Apns, "apns"},
                                                                {Platform::Fcm, "fcm"}};
constexpr std::pair<Category, std::string_view> kCategories[] = {
    {Category::VirtualAgent, "virtual_agent"},
    {Category::LiveAgent, "live_agent"},
    {Category::Chat, "chat"}};
constexpr std::pair<Protocol, std::string_view> kProtocols[] = {{Protocol::P2, "p2"},
                                                                {Protocol::Fpush, "fpush"},
                                                                {Protocol::Tigase, "tigase"},
                                                                {Protocol::AppServer, "appserver"},
                                                                {Protocol::Manual, "manual"}};
constexpr std::pair<Show, std::string_view> kShows[] = {{Show::Available, "available"},
                                                        {Show::Chat, "chat"},
                                                        {Show::Away, "away"},
                                                        {Show::Xa, "xa"},
                                                        {Show::Dnd, "dnd"},
                                                        {Show::Unavailable, "unavailable"}};
constexpr std::pair<RowState, std::string_view> kRowStates[] = {
    {RowState::Pending, "pending"},
    {RowState::Sent, "sent"},
    {RowState::Failed, "failed"},
    {RowState::Suppressed, "suppressed"},
    {RowState::Expired, "expired"}};
constexpr std::pair<PushKind, std::string_view> kPushKinds[] = {{PushKind::Alert, "alert"},
                                                                {PushKind::Badge, "badge"}};
constexpr std::pair<PushStyle, std::string_view> kPushStyles[] = {{PushStyle::Alert, "alert"},
                                                                  {PushStyle::Wake, "wake"}};

}  // namespace

std::string_view toString(Platform p) { return name(kPlatforms, p); }
std::string_view toString(Category c) { return name(kCategories, c); }
std::string_view toString(Protocol p) { return name(kProtocols, p); }
std::string_view toString(Show s) { return name(kShows, s); }
std::string_view toString(RowState s) { return name(kRowStates, s); }
std::string_view toString(PushKind k) { return name(kPushKinds, k); }
std::string_view toString(PushStyle s) { return name(kPushStyles, s); }
std::optional<Platform> platformFromString(std::string_view s) { return lookup(kPlatforms, s); }
std::optional<Category> categoryFromString(std::string_view s) { return lookup(kCategories, s); }
std::optional<Protocol> protocolFromString(std::string_view s) { return lookup(kProtocols, s); }
std::optional<RowState> rowStateFromString(std::string_view s) { return lookup(kRowStates, s); }
std::optional<PushKind> pushKindFromString(std::string_view s) { return lookup(kPushKinds, s); }
std::optional<PushStyle> pushStyleFromString(std::string_view s) { return lookup(kPushStyles, s); }

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// Fuzz target: provider answers (APNs/FCM/OAuth bodies, Retry-After), service-account
// files, TZif data, and the payload builders in every push style (APNs ≤ 4096 bytes,
// always valid JSON).
#include <nlohmann/json.hpp>

#include "plugin/time_zone.h"
#include "push/apns.h"
#include "push/fcm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  vapush::PushRequest p;
  p.id = "0123456789abcdef0123456789abcdef";
  p.token = std::string(64, 'a');
  p.conversation = bytes.substr(0, 80);
  p.title = bytes.substr(0, 40);
  p.body = bytes;
  p.user = bytes.substr(0, 60);
  p.device_key = bytes.substr(0, 20);
  // Every client family's shape (push_style wake) keeps the same guarantees.
  for (auto protocol : {vapush::Protocol::Manual, vapush::Protocol::P2, vapush::Protocol::Fpush,
                        vapush::Protocol::Tigase}) {
    p.protocol = protocol;
    for (auto style : {vapush::PushStyle::Alert, vapush::PushStyle::Wake}) {
      const std::string payload = vapush::push::apnsPayload(p, style);
      if (payload.size() > vapush::push::kApnsMaxPayload) __builtin_trap();
      if (nlohmann::json::parse(payload, nullptr, false).is_discarded()) __builtin_trap();
      const std::string fcm = vapush::push::fcmMessage(p, 1000, style);
      if (nlohmann::json::parse(fcm, nullptr, false).is_discarded()) __builtin_trap();
    }
  }
  vapush::push::HttpResponse r;
  r.status = size > 0 ? 200 + data[0] % 400 : 0;
  r.body = bytes;
  r.retry_after = bytes.substr(0, 12);
  (void)vapush::push::classifyApns(p, r);
  (void)vapush::push::classifyFcm(p, r);
  (void)vapush::push::parseFcmToken(r);
  std::string error;
  (void)vapush::push::parseServiceAccount(bytes, error);
  (void)vapush::TzifTimeZones::parse(bytes);
  return 0;
}

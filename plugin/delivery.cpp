// SPDX-License-Identifier: Apache-2.0
// Names of delivery outcomes (logs, metrics, stored last_error).
#include "plugin/delivery.h"

namespace vapush {

std::string_view toString(DeliveryResult::Outcome o) {
  switch (o) {
    case DeliveryResult::Outcome::Delivered:
      return "delivered";
    case DeliveryResult::Outcome::TokenInvalid:
      return "token_invalid";
    case DeliveryResult::Outcome::RateLimited:
      return "rate_limited";
    case DeliveryResult::Outcome::Transient:
      return "transient";
    case DeliveryResult::Outcome::Permanent:
      return "permanent";
    case DeliveryResult::Outcome::AppConfig:
      return "app_config";
  }
  return "?";
}

}  // namespace vapush

// SPDX-License-Identifier: Apache-2.0
// The push engine: PushSender over HTTP/2 (libcurl multi, multiplexed streams, kept-alive
// connections). One worker thread and one curl multi (= one connection pool) per
// configured app, so an APNs team's connections are never shared with another key and
// one provider's outage never blocks another app. Results come back through the
// callback given at construction, on the app's worker thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/delivery.h"

namespace vapush::push {

class AppWorker;

class HttpPushSender : public PushSender {
 public:
  using ResultFn = std::function<void(const DeliveryResult&)>;
  // Loads every app's key / service account. Null with `error` naming the file on failure.
  static std::unique_ptr<HttpPushSender> create(const Config& config, Clock& clock,
                                                ResultFn on_result, std::string& error);
  ~HttpPushSender() override;

  // PushSender: never blocks on the network.
  void submit(std::vector<PushRequest> pushes) override;

 private:
  explicit HttpPushSender(ResultFn on_result);
  ResultFn on_result_;
  std::map<std::string, std::unique_ptr<AppWorker>> workers_;
};

}  // namespace vapush::push

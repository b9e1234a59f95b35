// SPDX-License-Identifier: Apache-2.0
// Routes pushes to their app's worker.
#include "push/http_sender.h"

#include <curl/curl.h>

#include "push/app_worker.h"

namespace vapush::push {

std::unique_ptr<HttpPushSender> HttpPushSender::create(const Config& config, Clock& clock,
                                                       ResultFn on_result, std::string& error) {
  static const CURLcode kInit = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (kInit != CURLE_OK) {
    error = "curl_global_init failed";
    return nullptr;
  }
  std::unique_ptr<HttpPushSender> s(new HttpPushSender(std::move(on_result)));
  for (const auto& app : config.apps) {
    auto w = AppWorker::create(app, config.batching.push_ttl_ms, clock, s->on_result_, error);
    if (!w) return nullptr;
    s->workers_.emplace(app.name, std::move(w));
  }
  return s;
}

HttpPushSender::HttpPushSender(ResultFn on_result) : on_result_(std::move(on_result)) {}
HttpPushSender::~HttpPushSender() = default;

void HttpPushSender::submit(std::vector<PushRequest> pushes) {
  std::map<std::string, std::vector<PushRequest>> by_app;
  for (auto& p : pushes) {
    if (!workers_.count(p.app)) {
      // The app was removed from the config since the device registered.
      DeliveryResult r;
      r.push_id = p.id;
      r.device = p.device;
      r.outcome = DeliveryResult::Outcome::Permanent;
      r.reason = "no app '" + p.app + "' in the config";
      on_result_(r);
      continue;
    }
    by_app[p.app].push_back(std::move(p));
  }
  for (auto& [app, list] : by_app) workers_.at(app)->submit(std::move(list));
}

}  // namespace vapush::push

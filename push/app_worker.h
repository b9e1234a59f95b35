// SPDX-License-Identifier: Apache-2.0
// One app's delivery worker: a thread driving a curl multi handle (HTTP/2, multiplexed),
// with the app's credentials (APNs JWT cache or FCM OAuth2 access token).
// Internal to push/; created by HttpPushSender. submit() is thread-safe.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clock.h"
#include "plugin/config.h"
#include "plugin/delivery.h"
#include "push/fcm.h"
#include "push/jwt.h"

namespace vapush::push {

class AppWorker {
 public:
  using ResultFn = std::function<void(const DeliveryResult&)>;
  // Loads credentials; returns null and sets `error` when they are unusable.
  static std::unique_ptr<AppWorker> create(const AppConfig& app, int64_t ttl_ms, Clock& clock,
                                           ResultFn on_result, std::string& error);
  ~AppWorker();
  void submit(std::vector<PushRequest> pushes);

 private:
  struct Transfer;
  AppWorker(const AppConfig& app, int64_t ttl_ms, Clock& clock, ResultFn on_result);
  void run();
  void start(PushRequest push, int attempt);
  void startTokenFetch();
  void finish(CURL* easy, CURLcode code);
  CURL* newEasy(const std::string& url, const std::vector<std::string>& headers,
                const std::string& body, Transfer* t);

  const AppConfig app_;
  const int64_t ttl_ms_;
  Clock& clock_;
  ResultFn on_result_;
  Pkey key_;
  ServiceAccount service_account_;
  std::string project_id_;

  // Worker thread state.
  CURLM* multi_ = nullptr;
  std::unique_ptr<ApnsTokenCache> jwt_;
  AccessToken access_token_;  // FCM
  bool fetching_token_ = false;
  std::vector<PushRequest> waiting_for_token_;
  std::set<CURL*> active_;  // transfers in the multi handle
  size_t max_active_ = 2000;

  std::mutex mutex_;
  std::deque<PushRequest> incoming_;  // guarded by mutex_
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace vapush::push

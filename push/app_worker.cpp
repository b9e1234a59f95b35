// SPDX-License-Identifier: Apache-2.0
// Per-app HTTP/2 delivery worker over libcurl multi.
#include "push/app_worker.h"

#include <fstream>
#include <sstream>

#include "plugin/log.h"
#include "push/apns.h"

namespace vapush::push {

struct AppWorker::Transfer {
  PushRequest push;
  int attempt = 0;              // 0 = first try
  bool token_fetch = false;     // the FCM OAuth2 request, not a push
  uint64_t jwt_generation = 0;  // APNs: which provider token it carries
  HttpResponse response;
  curl_slist* headers = nullptr;
  std::string body;  // request body (curl keeps a pointer)
};

namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<HttpResponse*>(user);
  std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    const auto b = value.find_first_not_of(" \t");
    const auto e = value.find_last_not_of(" \t\r\n");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    if (name == "apns-id") r->apns_id = value;
    if (name == "retry-after") r->retry_after = value;
  }
  return size * n;
}

}  // namespace

std::unique_ptr<AppWorker> AppWorker::create(const AppConfig& app, int64_t ttl_ms, Clock& clock,
                                             ResultFn on_result, std::string& error) {
  std::unique_ptr<AppWorker> w(new AppWorker(app, ttl_ms, clock, std::move(on_result)));
  if (app.platform == Platform::Apns && !app.key_file.empty()) {
    const auto pem = readFile(app.key_file);
    if (!pem) {
      error = app.key_file + ": cannot read APNs key";
      return nullptr;
    }
    w->key_ = loadPrivateKey(*pem, error);
    if (!w->key_) {
      error = app.key_file + ": " + error;
      return nullptr;
    }
    w->jwt_ = std::make_unique<ApnsTokenCache>(w->key_.get(), app.key_id, app.team_id);
  } else if (app.platform == Platform::Fcm) {
    const auto text = readFile(app.service_account_file);
    if (!text) {
      error = app.service_account_file + ": cannot read service account";
      return nullptr;
    }
    auto sa = parseServiceAccount(*text, error);
    if (!sa) {
      error = app.service_account_file + ": " + error;
      return nullptr;
    }
    w->service_account_ = *sa;
    w->project_id_ = app.project_id.empty() ? sa->project_id : app.project_id;
    w->key_ = loadPrivateKey(sa->private_key, error);
    if (!w->key_ || w->project_id_.empty()) {
      error = app.service_account_file + ": " + (w->key_ ? "no project_id" : error);
      return nullptr;
    }
  }
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  return w;
}

AppWorker::AppWorker(const AppConfig& app, int64_t ttl_ms, Clock& clock, ResultFn on_result)
    : app_(app), ttl_ms_(ttl_ms), clock_(clock), on_result_(std::move(on_result)) {
  multi_ = curl_multi_init();
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi_, CURLMOPT_MAX_CONCURRENT_STREAMS,
                    static_cast<long>(app.max_concurrent_streams));
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
  max_active_ = static_cast<size_t>(std::max(100, 2 * app.max_concurrent_streams));
}

AppWorker::~AppWorker() {
  stop_ = true;
  curl_multi_wakeup(multi_);
  if (thread_.joinable()) thread_.join();
  curl_multi_cleanup(multi_);
}

void AppWorker::submit(std::vector<PushRequest> pushes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& p : pushes) incoming_.push_back(std::move(p));
  }
  curl_multi_wakeup(multi_);
}

CURL* AppWorker::newEasy(const std::string& url, const std::vector<std::string>& headers,
                         const std::string& body, Transfer* t) {
  CURL* e = curl_easy_init();
  t->body = body;
  for (const auto& h : headers) t->headers = curl_slist_append(t->headers, h.c_str());
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(t->body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(app_.request_timeout_ms));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);  // always: a wrong certificate fails
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
  if (!app_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, app_.ca_file.c_str());
  if (app_.platform == Platform::Apns && key_ == nullptr && !app_.cert_file.empty()) {
    curl_easy_setopt(e, CURLOPT_SSLCERT, app_.cert_file.c_str());
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE,
                     app_.cert_type.empty() ? "PEM" : app_.cert_type.c_str());
    if (!app_.cert_key_file.empty())
      curl_easy_setopt(e, CURLOPT_SSLKEY, app_.cert_key_file.c_str());
    if (!app_.cert_password.empty())
      curl_easy_setopt(e, CURLOPT_KEYPASSWD, app_.cert_password.c_str());
  }
  if (t->attempt > 0) curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->response.body);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t->response);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  active_.insert(e);
  return e;
}

void AppWorker::start(PushRequest push, int attempt) {
  if (app_.platform == Platform::Fcm && !access_token_.usable(clock_)) {
    waiting_for_token_.push_back(std::move(push));
    if (!fetching_token_) startTokenFetch();
    return;
  }
  auto* t = new Transfer;
  t->attempt = attempt;
  t->push = std::move(push);
  const std::string jwt = jwt_ ? jwt_->get(clock_) : std::string();
  t->jwt_generation = jwt_ ? jwt_->generation() : 0;
  const HttpRequest req =
      app_.platform == Platform::Apns
          ? apnsRequest(app_, t->push, jwt, clock_.nowMs(), ttl_ms_)
          : fcmRequest(app_, project_id_, t->push, access_token_.value(), ttl_ms_);
  curl_multi_add_handle(multi_, newEasy(req.url, req.headers, req.body, t));
}

void AppWorker::startTokenFetch() {
  fetching_token_ = true;
  auto* t = new Transfer;
  t->token_fetch = true;
  const std::string assertion =
      makeRs256Jwt(key_.get(), fcmAssertionClaims(service_account_, clock_.nowMs() / 1000));
  const HttpRequest req = fcmTokenRequest(service_account_, assertion);
  curl_multi_add_handle(multi_, newEasy(req.url, req.headers, req.body, t));
}

void AppWorker::finish(CURL* easy, CURLcode code) {
  Transfer* t = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_multi_remove_handle(multi_, easy);
  curl_easy_cleanup(easy);
  active_.erase(easy);
  curl_slist_free_all(t->headers);
  std::unique_ptr<Transfer> owned(t);
  t->response.status = code == CURLE_OK ? static_cast<int>(status) : 0;
  if (code != CURLE_OK) t->response.transport_error = curl_easy_strerror(code);

  if (t->token_fetch) {
    fetching_token_ = false;
    auto waiting = std::move(waiting_for_token_);
    waiting_for_token_.clear();
    if (auto token = parseFcmToken(t->response)) {
      access_token_.set(token->first, token->second, clock_);  // refreshed before expiry
      for (auto& p : waiting) start(std::move(p), 0);
    } else {
      log::error("fcm.oauth_failed", {{"app", app_.name},
                                      {"status", std::to_string(t->response.status)},
                                      {"error", t->response.transport_error}});
      // Google refusing our assertion (invalid_grant: wrong key, account or token_uri)
      // is the app's configuration: held, not retried into failure. No answer: retry.
      const int st = t->response.status;
      const bool refused = st >= 400 && st < 500 && st != 429;
      for (auto& p : waiting) {
        DeliveryResult r;
        r.push_id = p.id;
        r.device = p.device;
        r.outcome =
            refused ? DeliveryResult::Outcome::AppConfig : DeliveryResult::Outcome::Transient;
        r.reason = refused ? "oauth token refused (HTTP " + std::to_string(st) + ")"
                           : "oauth token unavailable";
        on_result_(r);
      }
    }
    return;
  }
  Classified c = app_.platform == Platform::Apns ? classifyApns(t->push, t->response)
                                                 : classifyFcm(t->push, t->response);
  const bool first = t->attempt == 0;
  if (first && c.follow_up == FollowUp::RefreshAuth) {
    if (app_.platform == Platform::Apns) {
      // Retried with a newer token: one minted now, or already by another push's answer.
      if (jwt_ && (jwt_->get(clock_, true), jwt_->generation() != t->jwt_generation)) {
        return start(std::move(t->push), 1);
      }
    } else {
      access_token_.clear();
      return start(std::move(t->push), 1);
    }
  }
  // A connection lost mid-stream (GOAWAY, refused stream, reset) is retried once on a
  // new connection before it counts as a failure.
  if (first && t->response.status == 0 && code != CURLE_OPERATION_TIMEDOUT) {
    return start(std::move(t->push), 1);
  }
  on_result_(c.result);
}

void AppWorker::run() {
  while (!stop_) {
    // Keep a bounded number of transfers in the multi handle; the rest wait their turn
    // (thousands of handles at once make libcurl time requests out before sending them).
    std::deque<PushRequest> batch;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const size_t room = max_active_ > active_.size() ? max_active_ - active_.size() : 0;
      while (!incoming_.empty() && batch.size() < room) {
        batch.push_back(std::move(incoming_.front()));
        incoming_.pop_front();
      }
    }
    for (auto& p : batch) start(std::move(p), 0);
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg == CURLMSG_DONE) finish(m->easy_handle, m->data.result);
    }
    // Sleeps until traffic, a wakeup from submit(), or 1 s: no busy loop during outages.
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
  // Abandon in-flight transfers: their pushes stay pending in the outbox and are
  // resent after restart.
  for (CURL* h : active_) {
    Transfer* t = nullptr;
    curl_easy_getinfo(h, CURLINFO_PRIVATE, &t);
    curl_multi_remove_handle(multi_, h);
    curl_easy_cleanup(h);
    if (t) curl_slist_free_all(t->headers);
    delete t;
  }
  active_.clear();
}

}  // namespace vapush::push

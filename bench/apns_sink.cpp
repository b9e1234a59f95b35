// SPDX-License-Identifier: Apache-2.0
// APNs sink for the dispatch benchmark: TLS + HTTP/2 (nghttp2, OpenSSL), one thread, epoll;
// answers every POST /3/device/<token> with 200 + apns-id and does nothing else.
//
//   bench_apns_sink --cert C --key K [--port 0] [--port-file F] [--streams 1000] [--seconds 900]
// Runs until SIGTERM/SIGINT (or --seconds), then prints requests=.. cpu_s=.. on stdout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

namespace {

std::atomic<bool> g_stop{false};
long g_requests = 0;
long g_bad = 0;
long g_conns = 0;
long g_resets = 0;          // streams the client reset (cancelled) before completing them
long g_closed_by_peer = 0;  // connections the client closed (EOF or TLS close_notify)
long g_dropped = 0;         // connections the sink dropped on a TLS/HTTP/2 error
long g_goaways = 0;         // GOAWAY frames the sink sent
uint32_t g_streams = 1000;

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  nghttp2_session* h2 = nullptr;
  bool handshaken = false;
  bool peer_closed = false;
  std::string out;  // bytes nghttp2 produced that SSL_write has not taken yet
  std::unordered_map<int32_t, std::string> apns_id;  // request's apns-id by stream
  std::unordered_map<int32_t, bool> post_ok;         // POST /3/device/... by stream
  ~Conn() {
    if (h2) nghttp2_session_del(h2);
    if (ssl) SSL_free(ssl);
    if (fd >= 0) close(fd);
  }
};

int onHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
             const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  auto* c = static_cast<Conn*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  const std::string_view n(reinterpret_cast<const char*>(name), namelen);
  const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  const int32_t id = frame->hd.stream_id;
  if (n == "apns-id") c->apns_id[id].assign(v);
  if (n == ":path" && v.substr(0, 10) == "/3/device/") c->post_ok[id] = true;
  return 0;
}

int respond(nghttp2_session* s, Conn* c, int32_t id) {
  std::string& apns_id = c->apns_id[id];
  if (apns_id.empty()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012lx",
                  static_cast<unsigned long>(g_requests));
    apns_id = buf;
  }
  const bool ok = c->post_ok.count(id) > 0;
  static const char* kOk = "200";
  static const char* kBad = "404";
  nghttp2_nv nva[] = {
      {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(":status")),
       const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(ok ? kOk : kBad)), 7, 3,
       NGHTTP2_NV_FLAG_NONE},
      {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>("apns-id")),
       reinterpret_cast<uint8_t*>(apns_id.data()), 7, apns_id.size(), NGHTTP2_NV_FLAG_NONE},
  };
  ok ? ++g_requests : ++g_bad;
  const int rv = nghttp2_submit_response(s, id, nva, 2, nullptr);
  return rv == 0 ? 0 : NGHTTP2_ERR_CALLBACK_FAILURE;
}

int onSent(nghttp2_session*, const nghttp2_frame* frame, void*) {
  if (frame->hd.type == NGHTTP2_GOAWAY) ++g_goaways;
  return 0;
}

int onFrame(nghttp2_session* s, const nghttp2_frame* frame, void* user) {
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    return respond(s, static_cast<Conn*>(user), frame->hd.stream_id);
  }
  return 0;
}

int onClose(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
  auto* c = static_cast<Conn*>(user);
  if (error_code != NGHTTP2_NO_ERROR) ++g_resets;
  c->apns_id.erase(id);
  c->post_ok.erase(id);
  return 0;
}

int onData(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*) { return 0; }

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  for (unsigned i = 0; i + 1 <= inlen; i += 1 + in[i]) {
    if (in[i] == 2 && i + 3 <= inlen && std::memcmp(in + i + 1, "h2", 2) == 0) {
      *out = in + i + 1;
      *outlen = 2;
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

bool startSession(Conn* c) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(cb, onHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, onFrame);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, onSent);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, onClose);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, onData);
  // libcurl 7.88 resets (RST_STREAM STREAM_CLOSED) every stream it has finished with;
  // nghttp2's rapid-reset guard (CVE-2023-44487: burst 1000, 33/s) would answer that with
  // GOAWAY INTERNAL_ERROR. APNs does not, so neither does the sink.
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_stream_reset_rate_limit(opt, 1u << 30, 1u << 30);
  nghttp2_session_server_new2(&c->h2, cb, c, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  // Like APNs: many concurrent streams; a generous window so bodies flow.
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, g_streams},
                                 {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 2);
  nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, 16 << 20);
  return true;
}

// Moves nghttp2's output into TLS; returns false when the connection must close.
bool flush(Conn* c, int ep) {
  while (true) {
    // Gather every pending frame first: one TLS record and one write() per pass.
    while (c->out.size() < 256 * 1024) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(c->h2, &data);
      if (n < 0) return false;
      if (n == 0) break;
      c->out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (c->out.empty()) break;
    const int w = SSL_write(c->ssl, c->out.data(), static_cast<int>(c->out.size()));
    if (w <= 0) {
      const int e = SSL_get_error(c->ssl, w);
      if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        epoll_event ev{EPOLLIN | EPOLLOUT, {.ptr = c}};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        return true;
      }
      return false;
    }
    c->out.erase(0, static_cast<size_t>(w));
  }
  epoll_event ev{EPOLLIN, {.ptr = c}};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  return nghttp2_session_want_read(c->h2) || nghttp2_session_want_write(c->h2);
}

bool onReadable(Conn* c, int ep) {
  if (!c->handshaken) {
    const int r = SSL_accept(c->ssl);
    if (r <= 0) {
      const int e = SSL_get_error(c->ssl, r);
      return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
    }
    c->handshaken = true;
    startSession(c);
  }
  char buf[65536];
  while (true) {
    const int r = SSL_read(c->ssl, buf, sizeof buf);
    if (r <= 0) {
      const int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
      c->peer_closed = e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && r == 0);
      return false;
    }
    if (nghttp2_session_mem_recv(c->h2, reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(r)) <
        0) {
      return false;
    }
  }
  return flush(c, ep);
}

}  // namespace

int main(int argc, char** argv) {
  std::string cert, key, port_file;
  int port = 0;
  double seconds = 900;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--cert")
      cert = argv[i + 1];
    else if (k == "--key")
      key = argv[i + 1];
    else if (k == "--port")
      port = std::atoi(argv[i + 1]);
    else if (k == "--port-file")
      port_file = argv[i + 1];
    else if (k == "--streams")
      g_streams = static_cast<uint32_t>(std::atol(argv[i + 1]));
    else if (k == "--seconds")
      seconds = std::atof(argv[i + 1]);
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  // `out` grows and may move between a blocked SSL_write and its retry.
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::fprintf(stderr, "apns_sink: cannot load --cert/--key\n");
    return 2;
  }
  SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, nullptr);
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGPIPE, SIG_IGN);

  const int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 64) != 0) {
    std::fprintf(stderr, "apns_sink: cannot listen\n");
    return 1;
  }
  socklen_t len = sizeof a;
  getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << ntohs(a.sin_port) << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  const int ep = epoll_create1(0);
  epoll_event lev{EPOLLIN, {.ptr = nullptr}};
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &lev);
  std::map<Conn*, std::unique_ptr<Conn>> conns;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(seconds));
  epoll_event events[64];
  while (!g_stop && std::chrono::steady_clock::now() < deadline) {
    const int n = epoll_wait(ep, events, 64, 200);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<Conn*>(events[i].data.ptr);
      if (c == nullptr) {
        const int fd = accept4(ls, nullptr, nullptr, SOCK_NONBLOCK);
        if (fd < 0) continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto conn = std::make_unique<Conn>();
        conn->fd = fd;
        ++g_conns;
        conn->ssl = SSL_new(ctx);
        SSL_set_fd(conn->ssl, fd);
        epoll_event ev{EPOLLIN, {.ptr = conn.get()}};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        conns[conn.get()] = std::move(conn);
        continue;
      }
      bool keep = true;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) keep = onReadable(c, ep);
      if (keep && c->handshaken && (events[i].events & EPOLLOUT)) keep = flush(c, ep);
      if (!keep) {
        (c->peer_closed ? g_closed_by_peer : g_dropped)++;
        ERR_clear_error();
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
        conns.erase(c);
      }
    }
  }
  conns.clear();
  close(ls);
  SSL_CTX_free(ctx);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  std::printf(
      "requests=%ld bad=%ld connections=%ld resets=%ld closed_by_peer=%ld dropped=%ld "
      "goaways=%ld cpu_s=%.3f\n",
      g_requests, g_bad, g_conns, g_resets, g_closed_by_peer, g_dropped, g_goaways, cpu);
  return 0;
}

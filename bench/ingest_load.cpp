// SPDX-License-Identifier: Apache-2.0
// Ingest load: plays the chat server's side of XEP-0114 and pipelines N ejabberd-shaped
// XEP-0357 publishes (window W) into whichever component connects; prints one result line.
//
//   bench_ingest_load --n 200000 --window 1000 --devices 10000 --secret S [--pid-file F]
//       [--port-file F] [--timeout 120] [--domain localhost] [--component push.localhost]
//
// Nodes are "bn<i>" with publish secret "bs<i>" (i < devices), as bench_seed_devices made
// them. Output: key=value pairs (n, results, errors, seconds, rate, p50_ms, p99_ms,
// peer_cpu_s) on stdout; exit 1 on a handshake failure, timeout or any error reply.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  long n = 100000;
  long window = 1000;
  long devices = 10000;
  std::string secret = "bench";
  std::string domain = "localhost";
  std::string component = "push.localhost";
  std::string pid_file;
  std::string port_file;
  double timeout_s = 120;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "ingest_load: %s\n", why.c_str());
  std::exit(1);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--n")
      o.n = std::atol(v);
    else if (k == "--window")
      o.window = std::atol(v);
    else if (k == "--devices")
      o.devices = std::atol(v);
    else if (k == "--secret")
      o.secret = v;
    else if (k == "--domain")
      o.domain = v;
    else if (k == "--component")
      o.component = v;
    else if (k == "--pid-file")
      o.pid_file = v;
    else if (k == "--port-file")
      o.port_file = v;
    else if (k == "--timeout")
      o.timeout_s = std::atof(v);
    else
      die("unknown option " + k);
  }
  if (o.n <= 0 || o.window <= 0 || o.devices <= 0) die("n, window and devices must be > 0");
  return o;
}

std::string sha1Hex(const std::string& s) {
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : d) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

// CPU seconds (user + system, all threads) of a process, from /proc/<pid>/stat.
double cpuSeconds(long pid) {
  if (pid <= 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  // Fields after "comm": state(3) ... utime(14) stime(15); index from field 3.
  std::vector<std::string> fields;
  size_t i = close + 2;
  while (i < line.size() && fields.size() < 13) {
    const size_t j = line.find(' ', i);
    fields.push_back(line.substr(i, j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  if (fields.size() < 13) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks;
}

// Reads until `pred(buffer)` holds or the deadline passes.
template <typename Pred>
void readUntil(int fd, std::string& buf, Clock::time_point deadline, Pred pred, const char* what) {
  char tmp[4096];
  while (!pred(buf)) {
    if (Clock::now() > deadline) die(std::string("timeout waiting for ") + what);
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t r = recv(fd, tmp, sizeof tmp, 0);
    if (r <= 0) die(std::string("connection closed waiting for ") + what);
    buf.append(tmp, static_cast<size_t>(r));
  }
}

// Appends publish number `i` in the exact shape ejabberd 23.01 mod_push sends
// (tests/data/xmpp/ejabberd_publish.xml), for node bn<i % devices>.
void appendPublish(std::string& out, long i, const Options& o) {
  const std::string dev = std::to_string(i % o.devices);
  const std::string id = std::to_string(i);
  out += "<iq xmlns=\"jabber:component:accept\" to=\"" + o.component + "\" from=\"" + o.domain +
         "\" type=\"set\" id=\"";
  out += id;
  out +=
      "\"><pubsub xmlns=\"http://jabber.org/protocol/pubsub\"><publish node=\"bn" + dev +
      "\"><item><notification xmlns=\"urn:xmpp:push:0\"><x xmlns=\"jabber:x:data\" "
      "type=\"submit\"><field var=\"FORM_TYPE\" type=\"hidden\"><value>urn:xmpp:push:summary"
      "</value></field><field var=\"last-message-sender\" type=\"jid-single\" label=\"The sender "
      "of the last received message\"><value>peer" +
      std::to_string(i % 37) + "@" + o.domain +
      "/7763534577981959288819</value></field><field var=\"last-message-body\" "
      "type=\"text-single\" label=\"The body text of the last received message\"><value>Hello, "
      "this is message " +
      id +
      "</value></field></x></notification></item></publish><publish-options><x "
      "xmlns=\"jabber:x:data\" type=\"submit\"><field var=\"FORM_TYPE\"><value>"
      "http://jabber.org/protocol/pubsub#publish-options</value></field><field var=\"secret\">"
      "<value>bs" +
      dev + "</value></field></x></publish-options></pubsub></iq>";
}

// Incremental scanner for the component's top-level stanzas: depth counting over tags.
struct ReplyScanner {
  int depth = 1;  // inside <stream:stream>
  std::string top_tag;
  long results = 0;
  long errors = 0;
  std::vector<long> done_ids;  // ids of completed replies since the last take

  // Consumes complete tags from `buf`, leaves a partial tail.
  void feed(std::string& buf) {
    size_t pos = 0;
    while (true) {
      const size_t lt = buf.find('<', pos);
      if (lt == std::string::npos) {
        pos = buf.size();
        break;
      }
      // Find the closing '>' outside quotes.
      size_t i = lt + 1;
      char quote = 0;
      for (; i < buf.size(); ++i) {
        const char c = buf[i];
        if (quote) {
          if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
          quote = c;
        } else if (c == '>') {
          break;
        }
      }
      if (i >= buf.size()) {
        pos = lt;
        break;
      }
      const std::string_view tag(buf.data() + lt, i - lt + 1);
      pos = i + 1;
      if (tag.size() > 1 && (tag[1] == '?' || tag[1] == '!')) continue;
      if (tag[1] == '/') {
        if (--depth == 1) complete();
      } else if (tag[tag.size() - 2] == '/') {
        if (depth == 1) {
          top_tag.assign(tag);
          complete();
        }
      } else {
        if (depth == 1) top_tag.assign(tag);
        ++depth;
      }
    }
    buf.erase(0, pos);
  }

  static std::string attr(std::string_view tag, std::string_view name) {
    for (const char q : {'\'', '"'}) {
      std::string key(1, ' ');
      key.append(name);
      key.push_back('=');
      key.push_back(q);
      const size_t at = tag.find(key);
      if (at == std::string_view::npos) continue;
      const size_t start = at + key.size();
      const size_t end = tag.find(q, start);
      if (end != std::string_view::npos) return std::string(tag.substr(start, end - start));
    }
    return {};
  }

  void complete() {
    if (top_tag.rfind("<iq", 0) != 0) return;
    const std::string type = attr(top_tag, "type");
    if (type == "result") {
      ++results;
    } else if (type == "error") {
      ++errors;
      if (errors <= 3) std::fprintf(stderr, "ingest_load: error reply %s\n", top_tag.c_str());
    } else {
      return;
    }
    done_ids.push_back(std::atol(attr(top_tag, "id").c_str()));
  }
};

int listenLoopback(const Options& o) {
  const int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ls, 4) != 0) {
    die("cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof a;
  getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  if (!o.port_file.empty()) {
    const std::string tmp = o.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), o.port_file.c_str());
  }
  std::printf("port=%d\n", port);
  std::fflush(stdout);
  return ls;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.timeout_s));
  const int ls = listenLoopback(o);
  pollfd lp{ls, POLLIN, 0};
  while (poll(&lp, 1, 100) <= 0) {
    if (Clock::now() > deadline) die("no component connected");
  }
  const int fd = accept(ls, nullptr, nullptr);
  close(ls);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  // XEP-0114 §3: stream header, then handshake = hex(sha1(stream id + secret)).
  std::string in;
  readUntil(
      fd, in, deadline,
      [](const std::string& b) {
        return b.find("<stream:stream") != std::string::npos &&
               b.find('>', b.find("<stream:stream")) != std::string::npos;
      },
      "stream header");
  const std::string sid = "bench" + std::to_string(getpid());
  const std::string header =
      "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns='jabber:component:accept' from='" +
      o.component + "' id='" + sid + "'>";
  send(fd, header.data(), header.size(), MSG_NOSIGNAL);
  in.clear();
  readUntil(
      fd, in, deadline,
      [](const std::string& b) { return b.find("</handshake>") != std::string::npos; },
      "handshake");
  const size_t hs = in.find("<handshake>") + 11;
  const std::string digest = in.substr(hs, in.find("</handshake>") - hs);
  if (digest != sha1Hex(sid + o.secret)) die("bad handshake " + digest);
  const std::string ok = "<handshake/>";
  send(fd, ok.data(), ok.size(), MSG_NOSIGNAL);
  in.clear();

  long peer_pid = 0;
  if (!o.pid_file.empty()) std::ifstream(o.pid_file) >> peer_pid;
  // Let the component settle (privilege probes, first tick) before measuring.
  usleep(300 * 1000);
  const double cpu0 = cpuSeconds(peer_pid);

  std::vector<Clock::time_point> sent_at(static_cast<size_t>(o.n));
  std::vector<double> latency_ms;
  latency_ms.reserve(static_cast<size_t>(o.n));
  ReplyScanner scanner;
  std::string out;
  size_t out_off = 0;
  long next = 0;
  const auto t0 = Clock::now();
  char tmp[65536];
  while (scanner.results + scanner.errors < o.n) {
    if (Clock::now() > deadline) die("timeout: " + std::to_string(scanner.results) + " results");
    const long outstanding = next - scanner.results - scanner.errors;
    if (out_off == out.size()) {
      out.clear();
      out_off = 0;
      const auto now = Clock::now();
      for (long k = 0; k < o.window - outstanding && next < o.n && out.size() < 256 * 1024; ++k) {
        appendPublish(out, next, o);
        sent_at[static_cast<size_t>(next)] = now;
        ++next;
      }
    }
    pollfd p{fd, static_cast<short>(POLLIN | (out_off < out.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if (p.revents & (POLLERR | POLLHUP)) die("connection lost");
    if ((p.revents & POLLOUT) && out_off < out.size()) {
      const ssize_t w = send(fd, out.data() + out_off, out.size() - out_off, MSG_NOSIGNAL);
      if (w < 0) die("send failed");
      out_off += static_cast<size_t>(w);
    }
    if (p.revents & POLLIN) {
      const ssize_t r = recv(fd, tmp, sizeof tmp, 0);
      if (r <= 0) die("connection closed by the component");
      in.append(tmp, static_cast<size_t>(r));
      scanner.feed(in);
      const auto now = Clock::now();
      for (const long id : scanner.done_ids) {
        if (id >= 0 && id < o.n) {
          latency_ms.push_back(
              std::chrono::duration<double, std::milli>(now - sent_at[static_cast<size_t>(id)])
                  .count());
        }
      }
      scanner.done_ids.clear();
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpuSeconds(peer_pid) - cpu0;
  std::sort(latency_ms.begin(), latency_ms.end());
  auto pct = [&](double q) {
    return latency_ms.empty() ? 0.0 : latency_ms[static_cast<size_t>(q * (latency_ms.size() - 1))];
  };
  std::printf(
      "n=%ld results=%ld errors=%ld window=%ld seconds=%.3f rate=%.0f p50_ms=%.2f p99_ms=%.2f "
      "peer_cpu_s=%.2f\n",
      o.n, scanner.results, scanner.errors, o.window, secs, static_cast<double>(o.n) / secs,
      pct(0.5), pct(0.99), cpu);
  const std::string bye = "</stream:stream>";
  send(fd, bye.data(), bye.size(), MSG_NOSIGNAL);
  close(fd);
  return scanner.errors == 0 ? 0 : 1;
}

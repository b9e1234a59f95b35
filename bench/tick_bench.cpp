// SPDX-License-Identifier: Apache-2.0
// Batch tick benchmark: M unread messages over M/10 users and 1.5 devices per user; one tick
// through the real NotificationStore + planner (plugin/tick_planner) + Scheduler hand-over,
// against a raw prepared INSERT of the same rows and pushes in one transaction.
//
//   bench_tick --messages 1000000 --dir /tmp/x [--timeout 600]
// Prints key=value: phase times (load, plan, commit, handover), rows, pushes, raw_s, ratio.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "plugin/config.h"
#include "plugin/daemon_scheduler.h"
#include "plugin/presence.h"
#include "plugin/tick_chunks.h"
#include "plugin/tick_planner.h"
#include "plugin/time_zone.h"
#include "storage/database.h"
#include "storage/notification_store.h"
#include "storage/openssl_crypto.h"

namespace {

using namespace vapush;
using Steady = std::chrono::steady_clock;

struct CommitClock {
  Steady::time_point last;
  size_t count;
  double longest_s;
};

int onCommit(void* arg) {
  auto* c = static_cast<CommitClock*>(arg);
  const auto now = Steady::now();
  c->longest_s = std::max(c->longest_s, std::chrono::duration<double>(now - c->last).count());
  c->last = now;
  ++c->count;
  return 0;
}

double since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "tick_bench: %s\n", why.c_str());
  std::exit(1);
}

// a + b + c without `"literal" + std::string&&` (GCC 12 -O3 warns falsely on it).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

void check(const Status& s, const char* what) {
  if (!s.ok()) die(std::string(what) + ": " + s.message);
}

// Users u<i>: devices 1 (odd i) or 2 (even i): 1.5 per user. Message k goes to user
// k % users, from one of 3 peers, so a user has ~10 messages in up to 3 conversations.
void seed(Database& db, long messages, long users, TimeMs now) {
  check(db.begin(), "begin seed");
  Statement& dev = db.prepare(
      "INSERT INTO device(user, app, platform, token, node, secret_hash, resource, protocol, "
      "created, updated, last_publish) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  long devices = 0;
  for (long u = 0; u < users; ++u) {
    for (int d = 0; d < (u % 2 == 0 ? 2 : 1); ++d, ++devices) {
      char token[65];
      std::snprintf(token, sizeof token, "%064lx", devices);
      dev.reset()
          .bind(1, cat("u", std::to_string(u), "@localhost"))
          .bind(2, "ios")
          .bind(3, "apns")
          .bind(4, token)
          .bind(5, cat("node", std::to_string(devices)))
          .bind(6, "")
          .bind(7, cat("phone", std::to_string(d)))
          .bind(8, "manual")
          .bind(9, now)
          .bind(10, now)
          .bind(11, now - 60'000)
          .step();
      check(dev.status("insert device"), "seed devices");
    }
  }
  Statement& msg = db.prepare(
      "INSERT INTO unread_message(user, conversation, sender, category, body, message_time, "
      "received, device_id) VALUES (?,?,?,?,?,?,?,?)");
  for (long k = 0; k < messages; ++k) {
    const long u = k % users;
    const std::string peer = cat("peer", std::to_string((k / users) % 3), "@localhost");
    msg.reset()
        .bind(1, cat("u", std::to_string(u), "@localhost"))
        .bind(2, peer)
        .bind(3, cat(peer, "/mobile"))
        .bind(4, "chat")
        .bind(5, cat("Hello, this is unread message number ", std::to_string(k)))
        .bind(6, now - 30'000 + k % 1000)
        .bind(7, now - 30'000 + k % 1000)
        .bind(8, int64_t{0})
        .step();
    check(msg.status("insert message"), "seed messages");
  }
  check(db.commit(), "commit seed");
}

// Counts what the scheduler hands over; answers nothing (hand-over only).
class CountingSender : public PushSender {
 public:
  void submit(std::vector<PushRequest> pushes) override { count += pushes.size(); }
  std::atomic<size_t> count{0};
};

// The reference: the same rows and pushes, raw sqlite3 prepared INSERTs in one
// transaction into a fresh database with the same schema and pragmas.
// What-if references: `cache_mb` > 0 raises SQLite's page cache (default 2 MB);
// `sequential` replaces the random 32-hex row and push ids by ascending ones (same length),
// so the primary-key and push_id indexes are appended to instead of written at random.
double rawInsert(const std::string& path, const BatchOutcome& o, TimeMs now, int cache_mb = 0,
                 bool sequential = false) {
  std::unordered_map<std::string, std::string> seq_push;  // random push id -> sequential
  std::string seq_buf;
  auto seqId = [&seq_buf](long i) -> const std::string& {
    char b[33];
    std::snprintf(b, sizeof b, "%032lx", i);
    seq_buf = b;
    return seq_buf;
  };
  if (sequential) {
    for (size_t i = 0; i < o.pushes.size(); ++i) {
      seq_push[o.pushes[i].id] = seqId(static_cast<long>(i));
    }
  }
  std::string error;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto db = Database::open(path, error);
  if (!db) die(error);
  sqlite3* h = db->handle();
  if (cache_mb > 0) {
    const std::string pragma = "PRAGMA cache_size=-" + std::to_string(cache_mb * 1024);
    sqlite3_exec(h, pragma.c_str(), nullptr, nullptr, nullptr);
  }
  const auto t0 = Steady::now();
  sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h,
                     "INSERT INTO sys_cs_message_notification(sys_id, user, device, "
                     "conversation, sender, category, body, message_time, batch, state, "
                     "sys_created_on, sys_updated_on, message_id, push_id) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     -1, &st, nullptr);
  auto text = [](sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  };
  for (const auto& r : o.rows) {
    text(st, 1, sequential ? seqId(static_cast<long>(&r - o.rows.data())) : r.sys_id);
    text(st, 2, r.user);
    sqlite3_bind_int64(st, 3, r.device);
    text(st, 4, r.conversation);
    text(st, 5, r.sender);
    sqlite3_bind_text(st, 6, "chat", 4, SQLITE_STATIC);
    text(st, 7, r.body);
    sqlite3_bind_int64(st, 8, r.message_time);
    sqlite3_bind_int64(st, 9, r.batch);
    sqlite3_bind_text(st, 10, "pending", 7, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int64(st, 12, now);
    sqlite3_bind_int64(st, 13, r.message_id);
    text(st, 14, sequential ? seq_push[r.push_id] : r.push_id);
    if (sqlite3_step(st) != SQLITE_DONE) die("raw insert row");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_prepare_v2(h,
                     "INSERT INTO push(id, device, user, app, platform, token, conversation, "
                     "category, title, body, badge, unread, batch, created, updated, "
                     "oldest_message_time) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     -1, &st, nullptr);
  for (const auto& p : o.pushes) {
    text(st, 1, sequential ? seq_push[p.id] : p.id);
    sqlite3_bind_int64(st, 2, p.device);
    text(st, 3, p.user);
    text(st, 4, p.app);
    sqlite3_bind_text(st, 5, "apns", 4, SQLITE_STATIC);
    text(st, 6, p.token);
    text(st, 7, p.conversation);
    sqlite3_bind_text(st, 8, "chat", 4, SQLITE_STATIC);
    text(st, 9, p.title);
    text(st, 10, p.body);
    sqlite3_bind_int64(st, 11, p.badge);
    sqlite3_bind_int64(st, 12, p.unread);
    sqlite3_bind_int64(st, 13, p.batch);
    sqlite3_bind_int64(st, 14, now);
    sqlite3_bind_int64(st, 15, now);
    sqlite3_bind_int64(st, 16, p.oldest_message_time);
    if (sqlite3_step(st) != SQLITE_DONE) die("raw insert push");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) die("raw commit");
  return since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  long messages = 100000;
  std::string dir = "/tmp";
  double timeout_s = 600;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--messages")
      messages = std::atol(argv[i + 1]);
    else if (k == "--dir")
      dir = argv[i + 1];
    else if (k == "--timeout")
      timeout_s = std::atof(argv[i + 1]);
    else
      die("unknown option " + k);
  }
  const long users = std::max(1L, messages / 10);
  const std::string path = dir + "/tick.db";
  const std::string raw_path = dir + "/raw.db";
  for (const auto& p : {path, raw_path}) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p + suffix);
  }
  std::string error;
  auto db = Database::open(path, error);
  if (!db) die(error);
  SystemClock clock;
  const auto seed_t0 = Steady::now();
  seed(*db, messages, users, clock.nowMs());
  const double seed_s = since(seed_t0);

  // One tick, the same calls Scheduler::tick makes, timed per phase.
  Config config;
  PresenceTracker presence;  // nobody online: every device gets its push
  TzifTimeZones zones;
  OpenSslCrypto crypto;
  NotificationStore store(*db);
  const TimeMs now = clock.nowMs();
  const auto t0 = Steady::now();
  TickSnapshot snapshot;
  check(store.loadSnapshot(now, Scheduler::kMaxMessagesPerTick, snapshot), "load snapshot");
  const double load_s = since(t0);
  auto t = Steady::now();
  int64_t batch = 0;
  check(store.nextBatchId(batch), "batch id");
  PlannerContext ctx{config.batching, presence, zones, [&] { return crypto.randomHex(16); }};
  BatchOutcome outcome = planTick(snapshot, now, batch, ctx);
  const double plan_s = since(t);
  t = Steady::now();
  const size_t chunks = splitOutcome(outcome, store.commitChunkRows()).size();
  const double split_s = since(t);  // commitBatch splits the same way before its first chunk
  t = Steady::now();
  // Each commit's time, to see the longest stretch a chunk holds the write lock (what a
  // publish arriving during the tick may wait).
  CommitClock commits{t, 0, 0};
  sqlite3_commit_hook(db->handle(), onCommit, &commits);
  check(store.commitBatch(outcome, clock.nowMs()), "commit batch");
  sqlite3_commit_hook(db->handle(), nullptr, nullptr);
  const double commit_s = since(t);

  // Hand-over: the real scheduler feeds the outbox to a sender that only counts.
  t = Steady::now();
  CountingSender sender;
  Scheduler scheduler(
      config, *db, clock, [](const TickSnapshot&, TimeMs, int64_t) { return BatchOutcome{}; },
      &sender, [](int, const DeliveryResult&, TimeMs) { return std::optional<TimeMs>(); });
  const auto deadline =
      t0 + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(timeout_s));
  size_t rounds = 0;
  while (sender.count < outcome.pushes.size() && Steady::now() < deadline) {
    scheduler.pumpForTest();
    ++rounds;
  }
  const double handover_s = since(t);
  const double tick_s = since(t0);
  const bool complete = sender.count == outcome.pushes.size();

  const double raw_s = rawInsert(raw_path, outcome, now);
  const double raw_cache_s = rawInsert(raw_path, outcome, now, 256);
  const double raw_seq_s = rawInsert(raw_path, outcome, now, 256, true);
  const double write_ratio = raw_s / commit_s;
  std::printf(
      "messages=%ld users=%ld devices=%ld rows=%zu pushes=%zu seed_s=%.2f load_s=%.3f "
      "plan_s=%.3f commit_s=%.3f handover_s=%.3f handover_rounds=%zu handed_over=%zu "
      "complete=%d tick_s=%.3f raw_s=%.3f rows_per_s=%.0f raw_rows_per_s=%.0f "
      "commit_vs_raw=%.3f tick_vs_raw=%.3f raw_cache256_s=%.3f raw_cache256_seq_s=%.3f "
      "commit_chunks=%zu split_ms=%.1f longest_chunk_ms=%.1f\n",
      messages, users, users + users / 2 + users % 2, outcome.rows.size(), outcome.pushes.size(),
      seed_s, load_s, plan_s, commit_s, handover_s, rounds, sender.count.load(), complete ? 1 : 0,
      tick_s, raw_s, static_cast<double>(outcome.rows.size()) / tick_s,
      static_cast<double>(outcome.rows.size()) / raw_s, write_ratio, raw_s / tick_s, raw_cache_s,
      raw_seq_s, chunks, split_s * 1000, commits.longest_s * 1000);
  return complete ? 0 : 3;
}

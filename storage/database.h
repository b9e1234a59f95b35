// SPDX-License-Identifier: Apache-2.0
// Thin RAII wrapper over one SQLite connection: open + migrate, statements, transactions,
// and the mapping of SQLite errors onto Status (busy/full/read-only = Transient).
//
// One Database per thread; several connections may share one file (WAL mode).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "plugin/repositories.h"

namespace vapush {

class Statement;

class Database {
 public:
  static constexpr int kSchemaVersion = 6;

  // Opens (creating if needed) and migrates the database. On failure returns nullptr and
  // fills `error` with a message naming the file. A database this process may only read
  // (write-protected file or directory, read-only mount) is refused, untouched. Writes
  // refused later (the disk remounted read-only) fail with a Transient status.
  // `schema_version` below the current one is for upgrade tests only.
  static std::unique_ptr<Database> open(const std::string& path, std::string& error,
                                        int schema_version = kSchemaVersion);
  // For tools (vapushctl): opens an existing database, never creating, migrating or
  // upgrading one. `writable` false opens it read-only. A missing file, or a schema other
  // than this binary's, is an error that names the file.
  static std::unique_ptr<Database> openExisting(const std::string& path, bool writable,
                                                std::string& error);
  ~Database();
  // How long a statement waits for a lock held by another connection (default 2 s).
  void setBusyTimeout(int64_t ms);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

  // Executes one or more statements without results.
  Status exec(std::string_view sql);
  // BEGIN IMMEDIATE / COMMIT / ROLLBACK.
  Status begin();
  Status commit();
  void rollback();
  // Status for the connection's last error code.
  Status lastError(std::string_view what) const;
  int schemaVersion();

  // Prepared statements are cached per SQL text for the life of the connection.
  Statement& prepare(std::string_view sql);

 private:
  Database(sqlite3* db, std::string path);
  sqlite3* db_;
  std::string path_;
  struct Cache;
  std::unique_ptr<Cache> cache_;
};

// A cached prepared statement. reset() before reuse happens automatically in bind chains.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& reset();
  Statement& bind(int index, int64_t v);
  Statement& bind(int index, std::string_view v);
  Statement& bindNull(int index);
  // Steps once: true when a row is available, false when done (or on error: see
  // status()); the statement is reset when done. A caller that stops reading before
  // the end must call reset(), or the connection keeps an old read snapshot.
  bool step();
  Status status(std::string_view what) const;
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const;
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int rc_ = SQLITE_OK;
};

// Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails. Inside a
// transaction the caller opened, `fn` just runs as part of it (the caller commits).
template <typename Fn>
Status inTransaction(Database& db, Fn&& fn) {
  if (!sqlite3_get_autocommit(db.handle())) return fn();
  Status s = db.begin();
  if (!s.ok()) return s;
  s = fn();
  if (!s.ok()) {
    db.rollback();
    return s;
  }
  return db.commit();
}

// Maps an SQLite result code onto a Status.
Status statusFromSqlite(int rc, std::string_view what, sqlite3* db);

}  // namespace vapush

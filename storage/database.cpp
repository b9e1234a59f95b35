// SPDX-License-Identifier: Apache-2.0
// SQLite connection wrapper and error mapping.
#include "storage/database.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "storage/migrations.h"

namespace vapush {

struct Database::Cache {
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements;
};

Status statusFromSqlite(int rc, std::string_view what, sqlite3* db) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::success();
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return Status::transient(std::move(msg));
    default:
      return Status::failed(std::move(msg));
  }
}

Database::Database(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)), cache_(std::make_unique<Cache>()) {}

Database::~Database() {
  cache_.reset();  // finalize statements before closing
  sqlite3_close(db_);
}

void Database::setBusyTimeout(int64_t ms) {
  sqlite3_busy_timeout(db_, static_cast<int>(std::min<int64_t>(ms, 3'600'000)));
}

std::unique_ptr<Database> Database::open(const std::string& path, std::string& error,
                                         int schema_version) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    error = path + ": cannot open database: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    sqlite3_close(raw);
    return nullptr;
  }
  if (sqlite3_db_readonly(raw, "main") == 1) {
    // SQLite falls back to read-only when the file is write-protected; every write
    // would then fail (and publishes be answered `wait`) until someone noticed. A
    // read-only directory fails the same way, later, on the WAL index. Refuse at once.
    error = path +
            ": database is read-only: vapush must be able to write the file and its "
            "directory (check owner and permissions, and that the file system is mounted "
            "read-write)";
    sqlite3_close(raw);
    return nullptr;
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, 2000);
  // WAL: readers never block the writer. synchronous=FULL: a commit is on disk when it
  // returns, which is what "acknowledged only after durably stored" requires.
  Status s = db->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;");  // 64 MiB page cache
  if (!s.ok()) {
    error = path + ": " + s.message;
    return nullptr;
  }
  if (!migrate(*db, error, schema_version)) {
    error = path + ": " + error;
    return nullptr;
  }
  return db;
}

std::unique_ptr<Database> Database::openExisting(const std::string& path, bool writable,
                                                 std::string& error) {
  sqlite3* raw = nullptr;
  const int flags = (writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    error = path + ": no database here (" + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) +
            "); check storage.sqlite: vapushctl never creates one";
    sqlite3_close(raw);
    return nullptr;
  }
  std::unique_ptr<Database> db(new Database(raw, path));
  sqlite3_busy_timeout(raw, 2000);
  const int version = db->schemaVersion();
  if (version != kSchemaVersion) {
    error =
        path + ": schema version " + std::to_string(version) + ", this vapushctl reads " +
        std::to_string(kSchemaVersion) +
        (version < 0                ? " (not a vapush database?)"
         : version < kSchemaVersion ? " (start this version's vapushd once to upgrade it)"
                                    : " (a newer vapush wrote it: use that version's vapushctl)");
    return nullptr;
  }
  if (writable) {
    Status s = db->exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    if (!s.ok()) {
      error = path + ": " + s.message;
      return nullptr;
    }
  }
  return db;
}

Status Database::exec(std::string_view sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Status s = statusFromSqlite(rc, err ? err : "exec", nullptr);
    sqlite3_free(err);
    return s;
  }
  return Status::success();
}

Status Database::begin() { return exec("BEGIN IMMEDIATE"); }
Status Database::commit() {
  Status s = exec("COMMIT");
  if (!s.ok()) rollback();
  return s;
}
void Database::rollback() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Database::lastError(std::string_view what) const {
  return statusFromSqlite(sqlite3_extended_errcode(db_), what, db_);
}

int Database::schemaVersion() {
  Statement& st = prepare("PRAGMA user_version");
  const int v = st.reset().step() ? static_cast<int>(st.int64(0)) : -1;
  st.reset();
  return v;
}

Statement& Database::prepare(std::string_view sql) {
  auto key = std::string(sql);
  auto it = cache_->statements.find(key);
  if (it != cache_->statements.end()) return *it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    // A prepare failure is a programming error in our SQL or a broken schema: say which.
    throw std::runtime_error(std::string("SQL prepare failed: ") + sqlite3_errmsg(db_) +
                             " in: " + key);
  }
  auto& slot = cache_->statements[key];
  slot = std::make_unique<Statement>(db_, stmt);
  return *slot;
}

Statement& Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  rc_ = SQLITE_OK;
  return *this;
}
Statement& Statement::bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}
Statement& Statement::bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
bool Statement::step() {
  rc_ = sqlite3_step(stmt_);
  if (rc_ == SQLITE_ROW) return true;
  // Done or failed: release the statement's read snapshot at once (an un-reset statement
  // would pin an old WAL snapshot and hide other connections' commits).
  sqlite3_reset(stmt_);
  return false;
}
Status Statement::status(std::string_view what) const {
  if (rc_ == SQLITE_ROW || rc_ == SQLITE_DONE || rc_ == SQLITE_OK) return Status::success();
  return statusFromSqlite(rc_, what, db_);
}
std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

}  // namespace vapush

// SQLite: the events table and balances of compare.h in one database file,
// WAL journal, synchronous=FULL (every commit fsyncs the WAL). The client
// computes the hash chain (it is the only writer: BEGIN IMMEDIATE takes the
// write lock before it reads the chain's head), inserts with prepared
// statements, one transaction per commit group.

#include <chrono>
#include <filesystem>

#include "bench_util.h"
#include "compare.h"
#include <sqlite3.h>

namespace lumbung::bench::compare {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  payload     BLOB    NOT NULL,
  prev_hash   BLOB    NOT NULL,
  hash        BLOB    NOT NULL,
  recorded_at INTEGER NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TABLE balances (
  account TEXT    PRIMARY KEY,
  unit    TEXT    NOT NULL,
  balance INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) Fail("sqlite: cannot open " + path);
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=FULL");
  }
  ~Db() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error != nullptr ? error : "?";
      sqlite3_free(error);
      Fail(std::string("sqlite: ") + message + " in: " + sql);
    }
  }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      Fail(std::string("sqlite: ") + sqlite3_errmsg(db_));
    }
    stmts_.push_back(stmt);
    return stmt;
  }
  // Runs a bound statement that returns no rows, and resets it.
  void Step(sqlite3_stmt* stmt) {
    if (sqlite3_step(stmt) != SQLITE_DONE) Fail(std::string("sqlite: ") + sqlite3_errmsg(db_));
    sqlite3_reset(stmt);
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> stmts_;
};

void BindText(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void BindBlob(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_blob(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
std::string_view Column(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(s, i))};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Record(Db& db, const std::vector<SqlEvent>& events, size_t group) {
  sqlite3_stmt* begin = db.Prepare("BEGIN IMMEDIATE");
  sqlite3_stmt* commit = db.Prepare("COMMIT");
  sqlite3_stmt* head = db.Prepare("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
  sqlite3_stmt* insert = db.Prepare(
      "INSERT INTO events (seq, event_id, type, payload, prev_hash, hash, recorded_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  sqlite3_stmt* post = db.Prepare(
      "INSERT INTO balances (account, unit, balance) VALUES (?, ?, ?) "
      "ON CONFLICT (account) DO UPDATE SET balance = balance + excluded.balance");
  Sha256 sha;
  for (size_t i = 0; i < events.size(); i += group) {
    db.Step(begin);
    // The chain's head, read under the write lock.
    int64_t seq = 0;
    Digest prev{};
    if (sqlite3_step(head) == SQLITE_ROW) {
      seq = sqlite3_column_int64(head, 0);
      const std::string_view h = Column(head, 1);
      if (h.size() != prev.size()) Fail("sqlite: bad head hash");
      std::copy(h.begin(), h.end(), prev.begin());
    }
    sqlite3_reset(head);
    const int64_t now = NowMs();
    for (size_t j = i; j < std::min(events.size(), i + group); ++j) {
      const SqlEvent& e = events[j];
      const Digest hash = sha.Of(View(prev), e.payload);
      sqlite3_bind_int64(insert, 1, ++seq);
      BindText(insert, 2, e.event_id);
      BindText(insert, 3, e.type);
      BindBlob(insert, 4, e.payload);
      BindBlob(insert, 5, View(prev));
      BindBlob(insert, 6, View(hash));
      sqlite3_bind_int64(insert, 7, now);
      db.Step(insert);
      for (const Posting& p : e.postings) {
        BindText(post, 1, p.account);
        BindText(post, 2, p.unit);
        sqlite3_bind_int64(post, 3, p.amount);
        db.Step(post);
      }
      prev = hash;
    }
    db.Step(commit);
  }
}

// Walks every row in seq order, recomputing the chain.
uint64_t Verify(Db& db) {
  sqlite3_stmt* scan = db.Prepare("SELECT seq, prev_hash, payload, hash FROM events ORDER BY seq");
  Sha256 sha;
  Digest prev{};
  uint64_t n = 0;
  int rc;
  while ((rc = sqlite3_step(scan)) == SQLITE_ROW) {
    ++n;
    if (static_cast<uint64_t>(sqlite3_column_int64(scan, 0)) != n) Fail("sqlite: seq gap");
    if (Column(scan, 1) != View(prev)) Fail("sqlite: broken prev_hash at " + std::to_string(n));
    prev = sha.Of(View(prev), Column(scan, 2));
    if (Column(scan, 3) != View(prev)) Fail("sqlite: bad hash at " + std::to_string(n));
  }
  if (rc != SQLITE_DONE) Fail("sqlite: scan failed");
  sqlite3_reset(scan);
  return n;
}

Balances ReadBalances(Db& db) {
  sqlite3_stmt* scan = db.Prepare("SELECT account, unit, balance FROM balances");
  Balances out;
  while (sqlite3_step(scan) == SQLITE_ROW) {
    out[std::string(Column(scan, 0))] = {std::string(Column(scan, 1)),
                                         sqlite3_column_int64(scan, 2)};
  }
  sqlite3_reset(scan);
  return out;
}

}  // namespace

std::string SqliteVersion() {
  return std::string("SQLite ") + sqlite3_libversion();
}

RunResult RunSqlite(const std::string& dir, const std::vector<SqlEvent>& events,
                    const SqlOptions& options) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/ledger.db";
  RunResult r;
  {
    Db db(path);
    db.Exec(kSchema);
    Stopwatch watch;
    Record(db, events, options.group);
    r.seconds = watch.seconds();
  }  // closing the last connection checkpoints the WAL into the database
  r.disk_bytes = DirectoryBytes(dir);
  Db db(path);
  Stopwatch watch;
  r.verified = Verify(db);
  r.verify_seconds = watch.seconds();
  if (r.verified != events.size()) Fail("sqlite: rows missing");
  r.balances = ReadBalances(db);
  return r;
}

}  // namespace lumbung::bench::compare

// PostgreSQL: the events table and balances of compare.h, the hash chain
// computed by a trigger with pgcrypto's digest(), balances upserted by the
// client in the same transaction, synchronous_commit=on (every COMMIT waits
// for its WAL flush). The client speaks libpq with prepared statements and
// pipelines each transaction: BEGIN, the statements, COMMIT and a sync go
// out together, and the results are read behind them, so a commit group
// costs one round trip plus the server's work.
//
// The trigger serialises writers on a transaction-level advisory lock, then
// takes the chain's head (the row with the highest seq, through the primary
// key) and gives the new row the next seq, the head's hash as prev_hash and
// digest(prev_hash || payload, 'sha256') as hash. Rows inserted earlier in
// the same statement or transaction are visible to it, so a multi-row
// INSERT chains row by row.

#include <cstring>

#include "bench_util.h"
#include "compare.h"
#include <libpq-fe.h>

namespace lumbung::bench::compare {

namespace {

constexpr const char* kSchema = R"sql(
DROP TABLE IF EXISTS events, balances;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE events (
  seq         bigint      PRIMARY KEY,
  event_id    text        NOT NULL UNIQUE,
  type        text        NOT NULL,
  payload     bytea       NOT NULL,
  prev_hash   bytea       NOT NULL,
  hash        bytea       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE balances (
  account text   PRIMARY KEY,
  unit    text   NOT NULL,
  balance bigint NOT NULL
);
CREATE OR REPLACE FUNCTION events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq  bigint;
  head_hash bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(7243001);  -- one writer at a time extends the chain
  SELECT seq, hash INTO head_seq, head_hash FROM events ORDER BY seq DESC LIMIT 1;
  IF NOT FOUND THEN
    head_seq := 0;
    head_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  END IF;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.hash := digest(head_hash || NEW.payload, 'sha256');
  RETURN NEW;
END
$$;
CREATE TRIGGER events_chain BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION events_chain();
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events is append-only';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
)sql";

constexpr Oid kInt8 = 20, kText = 25, kBytea = 17;
constexpr Oid kTextArray = 1009, kByteaArray = 1001, kInt8Array = 1016;

// Statements sent between two flush requests; results are read one chunk
// behind, so the server never waits for the client to read.
constexpr size_t kChunk = 256;

class Conn {
 public:
  explicit Conn(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) Fail(std::string("postgres: ") + PQerrorMessage(c_));
  }
  ~Conn() { PQfinish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  PGconn* get() const { return c_; }

  void Exec(const char* sql) {
    PGresult* r = PQexec(c_, sql);
    Check(r, PGRES_COMMAND_OK, sql);
  }
  // One text value of a one-row query.
  std::string Value(const char* sql) {
    PGresult* r = PQexec(c_, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) Check(r, PGRES_TUPLES_OK, sql);
    std::string v = PQgetvalue(r, 0, 0);
    PQclear(r);
    return v;
  }
  void Prepare(const char* name, const char* sql, std::initializer_list<Oid> types) {
    const std::vector<Oid> t(types);
    PGresult* r = PQprepare(c_, name, sql, static_cast<int>(t.size()), t.data());
    Check(r, PGRES_COMMAND_OK, sql);
  }
  // Checks and frees a result.
  void Check(PGresult* r, ExecStatusType want, const char* what) {
    if (PQresultStatus(r) != want) {
      const std::string message = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(c_);
      PQclear(r);
      Fail(std::string("postgres: ") + message + " in: " + what);
    }
    PQclear(r);
  }

 private:
  PGconn* c_;
};

// Sends queries in pipeline mode and reads their results behind them.
class Pipeline {
 public:
  explicit Pipeline(Conn& conn) : conn_(conn) {
    if (PQenterPipelineMode(conn_.get()) != 1) Fail("postgres: cannot enter pipeline mode");
  }
  ~Pipeline() { PQexitPipelineMode(conn_.get()); }

  void Simple(const char* sql) {
    if (PQsendQueryParams(conn_.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) Lost();
    Sent();
  }
  void Prepared(const char* name, int n, const char* const* values, const int* lengths,
                const int* formats) {
    if (PQsendQueryPrepared(conn_.get(), name, n, values, lengths, formats, 0) != 1) Lost();
    Sent();
  }
  // Ends the transaction's pipeline and waits for every result.
  void Sync() {
    if (PQpipelineSync(conn_.get()) != 1) Lost();
    Drain(behind_ + current_);
    behind_ = current_ = 0;
    conn_.Check(PQgetResult(conn_.get()), PGRES_PIPELINE_SYNC, "sync");
  }

 private:
  [[noreturn]] void Lost() { Fail(std::string("postgres: ") + PQerrorMessage(conn_.get())); }

  void Sent() {
    if (++current_ < kChunk) return;
    if (PQsendFlushRequest(conn_.get()) != 1 || PQflush(conn_.get()) != 0) Lost();
    Drain(behind_);
    behind_ = current_;
    current_ = 0;
  }
  void Drain(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      conn_.Check(PQgetResult(conn_.get()), PGRES_COMMAND_OK, "pipelined statement");
      if (PGresult* extra = PQgetResult(conn_.get()); extra != nullptr) {
        PQclear(extra);
        Fail("postgres: a pipelined statement gave more than one result");
      }
    }
  }

  Conn& conn_;
  size_t behind_ = 0;   // sent and flushed, results not read
  size_t current_ = 0;  // sent since the last flush request
};

void PutInt32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

// A one-dimensional array in PostgreSQL's binary format, from elements
// already in their binary form.
class BinaryArray {
 public:
  explicit BinaryArray(Oid element) : element_(element) {}
  void Add(std::string_view v) {
    PutInt32(&items_, static_cast<uint32_t>(v.size()));
    items_.append(v);
    ++n_;
  }
  void AddInt8(int64_t v) {
    std::string b(8, '\0');
    for (int i = 0; i < 8; ++i) {
      b[static_cast<size_t>(i)] = static_cast<char>(static_cast<uint64_t>(v) >> (56 - 8 * i));
    }
    Add(b);
  }
  const std::string& Finish() {
    out_.clear();
    PutInt32(&out_, 1);  // dimensions
    PutInt32(&out_, 0);  // no nulls
    PutInt32(&out_, element_);
    PutInt32(&out_, n_);
    PutInt32(&out_, 1);  // lower bound
    out_ += items_;
    return out_;
  }

 private:
  Oid element_;
  uint32_t n_ = 0;
  std::string items_;
  std::string out_;
};

void RecordRows(Conn& conn, const std::vector<SqlEvent>& events, size_t group) {
  conn.Prepare("insert_event", "INSERT INTO events (event_id, type, payload) VALUES ($1, $2, $3)",
               {kText, kText, kBytea});
  conn.Prepare("post",
               "INSERT INTO balances (account, unit, balance) VALUES ($1, $2, $3) "
               "ON CONFLICT (account) DO UPDATE SET balance = balances.balance + EXCLUDED.balance",
               {kText, kText, kInt8});
  Pipeline pipe(conn);
  const int formats[3] = {0, 0, 1};  // payload as binary bytea
  const int text[3] = {0, 0, 0};
  for (size_t i = 0; i < events.size(); i += group) {
    const size_t end = std::min(events.size(), i + group);
    pipe.Simple("BEGIN");
    for (size_t j = i; j < end; ++j) {
      const SqlEvent& e = events[j];
      const char* values[3] = {e.event_id.c_str(), e.type.c_str(), e.payload.data()};
      const int lengths[3] = {0, 0, static_cast<int>(e.payload.size())};
      pipe.Prepared("insert_event", 3, values, lengths, formats);
      for (const Posting& p : e.postings) {
        const std::string amount = std::to_string(p.amount);
        const char* post[3] = {p.account.c_str(), p.unit.c_str(), amount.c_str()};
        pipe.Prepared("post", 3, post, nullptr, text);
      }
    }
    pipe.Simple("COMMIT");
    pipe.Sync();
  }
}

void RecordArrays(Conn& conn, const std::vector<SqlEvent>& events, size_t group) {
  conn.Prepare("insert_events",
               "INSERT INTO events (event_id, type, payload) "
               "SELECT e, t, p FROM unnest($1::text[], $2::text[], $3::bytea[]) "
               "WITH ORDINALITY AS u(e, t, p, n) ORDER BY n",
               {kTextArray, kTextArray, kByteaArray});
  conn.Prepare("post_all",
               "INSERT INTO balances (account, unit, balance) "
               "SELECT * FROM unnest($1::text[], $2::text[], $3::int8[]) "
               "ON CONFLICT (account) DO UPDATE SET balance = balances.balance + EXCLUDED.balance",
               {kTextArray, kTextArray, kInt8Array});
  Pipeline pipe(conn);
  const int binary[3] = {1, 1, 1};
  for (size_t i = 0; i < events.size(); i += group) {
    const size_t end = std::min(events.size(), i + group);
    BinaryArray ids(kText), types(kText), payloads(kBytea);
    Balances sums;  // one upsert per account the group touched
    for (size_t j = i; j < end; ++j) {
      const SqlEvent& e = events[j];
      ids.Add(e.event_id);
      types.Add(e.type);
      payloads.Add(e.payload);
      for (const Posting& p : e.postings) {
        auto& [unit, sum] = sums[p.account];
        unit = p.unit;
        sum += p.amount;
      }
    }
    BinaryArray accounts(kText), units(kText), amounts(kInt8);
    for (const auto& [account, value] : sums) {
      accounts.Add(account);
      units.Add(value.first);
      amounts.AddInt8(value.second);
    }
    const std::string a[3] = {ids.Finish(), types.Finish(), payloads.Finish()};
    const std::string b[3] = {accounts.Finish(), units.Finish(), amounts.Finish()};
    const char* av[3] = {a[0].data(), a[1].data(), a[2].data()};
    const int al[3] = {static_cast<int>(a[0].size()), static_cast<int>(a[1].size()),
                       static_cast<int>(a[2].size())};
    const char* bv[3] = {b[0].data(), b[1].data(), b[2].data()};
    const int bl[3] = {static_cast<int>(b[0].size()), static_cast<int>(b[1].size()),
                       static_cast<int>(b[2].size())};
    pipe.Simple("BEGIN");
    pipe.Prepared("insert_events", 3, av, al, binary);
    if (!sums.empty()) pipe.Prepared("post_all", 3, bv, bl, binary);
    pipe.Simple("COMMIT");
    pipe.Sync();
  }
}

int64_t BigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return static_cast<int64_t>(v);
}

// Reads every row in seq order through a cursor (binary results) and
// recomputes the chain on the client.
uint64_t Verify(Conn& conn) {
  conn.Exec("BEGIN");
  conn.Exec(
      "DECLARE chain BINARY NO SCROLL CURSOR FOR "
      "SELECT seq, prev_hash, payload, hash FROM events ORDER BY seq");
  Sha256 sha;
  Digest prev{};
  uint64_t n = 0;
  for (;;) {
    PGresult* r = PQexecParams(conn.get(), "FETCH FORWARD 10000 FROM chain", 0, nullptr, nullptr,
                               nullptr, nullptr, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) conn.Check(r, PGRES_TUPLES_OK, "FETCH");
    const int rows = PQntuples(r);
    for (int i = 0; i < rows; ++i) {
      ++n;
      auto field = [&](int c) {
        return std::string_view(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c)));
      };
      if (field(0).size() != 8 || static_cast<uint64_t>(BigEndian64(field(0).data())) != n) {
        Fail("postgres: seq gap at " + std::to_string(n));
      }
      if (field(1) != View(prev)) Fail("postgres: broken prev_hash at " + std::to_string(n));
      prev = sha.Of(View(prev), field(2));
      if (field(3) != View(prev)) Fail("postgres: bad hash at " + std::to_string(n));
    }
    PQclear(r);
    if (rows == 0) break;
  }
  conn.Exec("CLOSE chain");
  conn.Exec("COMMIT");
  return n;
}

Balances ReadBalances(Conn& conn) {
  PGresult* r = PQexec(conn.get(), "SELECT account, unit, balance FROM balances");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) conn.Check(r, PGRES_TUPLES_OK, "balances");
  Balances out;
  for (int i = 0; i < PQntuples(r); ++i) {
    out[PQgetvalue(r, i, 0)] = {PQgetvalue(r, i, 1), std::stoll(PQgetvalue(r, i, 2))};
  }
  PQclear(r);
  return out;
}

}  // namespace

std::string PostgresVersion(const std::string& conninfo) {
  Conn conn(conninfo);
  return "PostgreSQL " + conn.Value("SHOW server_version");
}

RunResult RunPostgres(const std::string& conninfo, const std::vector<SqlEvent>& events,
                      const SqlOptions& options, PgMode mode) {
  Conn conn(conninfo);
  conn.Exec("SET client_min_messages = warning");
  if (conn.Value("SHOW synchronous_commit") != "on" || conn.Value("SHOW fsync") != "on") {
    Fail("postgres: synchronous_commit and fsync must be on");
  }
  conn.Exec(kSchema);
  conn.Exec("CHECKPOINT");  // start from clean buffers, whatever ran before
  RunResult r;
  Stopwatch watch;
  if (mode == PgMode::kRows) {
    RecordRows(conn, events, options.group);
  } else {
    RecordArrays(conn, events, options.group);
  }
  r.seconds = watch.seconds();
  // Tables, indexes and TOAST; the WAL (recycled segments) is not counted.
  r.disk_bytes = std::stoull(
      conn.Value("SELECT pg_total_relation_size('events') + pg_total_relation_size('balances')"));
  Stopwatch verify;
  r.verified = Verify(conn);
  r.verify_seconds = verify.seconds();
  if (r.verified != events.size()) Fail("postgres: rows missing");
  r.balances = ReadBalances(conn);
  conn.Exec("DROP TABLE events, balances");
  return r;
}

}  // namespace lumbung::bench::compare

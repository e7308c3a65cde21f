// compare_bench: the pieces shared by the side-by-side benchmark's systems
// (compare.cc runs lumbung and raw RocksDB, compare_pg.cc PostgreSQL,
// compare_sqlite.cc SQLite).
//
// The SQL systems keep the demo workload the way an application on a
// relational database usually keeps an event log:
//
//   events   (seq, event_id UNIQUE, type, payload, prev_hash, hash, recorded_at)
//   balances (account PRIMARY KEY, unit, balance)
//
// where payload is the event's JSON line exactly as submitted, hash =
// SHA-256(prev_hash || payload), prev_hash of the first row is 32 zero bytes,
// and each event's postings (derived here, once, from its JSON) update
// `balances` in the same transaction as its row.

#ifndef LUMBUNG_BENCH_COMPARE_H_
#define LUMBUNG_BENCH_COMPARE_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lumbung::bench::compare {

[[noreturn]] void Fail(const std::string& message);

struct Posting {
  std::string account;  // as lumbung names accounts, e.g. "program:pkh-2026"
  std::string unit;
  int64_t amount = 0;  // added to the account's balance
};

struct SqlEvent {
  std::string event_id;
  std::string type;     // "AidDisbursed"
  std::string payload;  // the event JSON line, the bytes that are hashed
  std::vector<Posting> postings;
};

// The events of `lines` (event JSON, in recording order; the first gets
// seq 1) with their postings, as DESIGN §3.2 derives them: allocations
// funder -> programme, returns of funds programme -> funder, disbursements
// programme -> beneficiary, capital grants programme -> group fund, loans
// group fund -> loan, repayments loan -> group fund (after a write-off,
// loss -> group fund), write-offs loan -> loss; a returned disbursement or a
// correction reverses its target's postings, a correction then posts its
// replacement. Events that move no money have none.
std::vector<SqlEvent> DeriveSqlEvents(const std::vector<std::string>& lines);

// account -> (unit, balance)
using Balances = std::map<std::string, std::pair<std::string, int64_t>>;

// The first difference between two balance sets, ignoring accounts whose
// balance is zero; empty when they agree.
std::string CompareBalances(const Balances& expected, const Balances& actual);

using Digest = std::array<uint8_t, 32>;

// SHA-256 through OpenSSL's EVP interface, reusing one context.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  // SHA-256(a || b)
  Digest Of(std::string_view a, std::string_view b);

 private:
  void* md_;
  void* ctx_;
};

inline std::string_view View(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

struct RunResult {
  double seconds = 0;       // recording every event durably
  uint64_t disk_bytes = 0;  // what the data takes on disk afterwards
  double verify_seconds = 0;
  uint64_t verified = 0;  // rows or entries the verification walked
  Balances balances;      // the final balances, to check against lumbung's
  uint8_t raw_check = 0;  // folds the raw baseline's digests, so none is skipped
};

struct SqlOptions {
  size_t group = 1;  // events per transaction
};

// PostgreSQL through libpq. `conninfo` names a database whose tables
// `events` and `balances` may be dropped. Mode kRows sends one prepared
// INSERT per event and one prepared upsert per posting; kArrays sends one
// prepared INSERT ... SELECT FROM unnest(arrays) per group and one upsert
// per account the group touched (its postings summed). Both pipeline the
// whole transaction (BEGIN ... COMMIT) in one round trip.
enum class PgMode { kRows, kArrays };
RunResult RunPostgres(const std::string& conninfo, const std::vector<SqlEvent>& events,
                      const SqlOptions& options, PgMode mode);

// "PostgreSQL 15.x" as the server reports it.
std::string PostgresVersion(const std::string& conninfo);
// "SQLite 3.x.y" of the library linked.
std::string SqliteVersion();

// SQLite in `dir` (WAL, synchronous=FULL).
RunResult RunSqlite(const std::string& dir, const std::vector<SqlEvent>& events,
                    const SqlOptions& options);

}  // namespace lumbung::bench::compare

#endif  // LUMBUNG_BENCH_COMPARE_H_

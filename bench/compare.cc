// compare_bench: the demo workload recorded durably, side by side, into
//   - lumbung (Ledger::AppendAsync: every domain rule, projections, Merkle
//     nodes; a few commit groups in flight as concurrent clients would
//     keep, as ingest_bench does; and with one group in flight at a time);
//   - PostgreSQL: an append-only events table whose trigger computes a
//     SHA-256 hash chain with pgcrypto, balances upserted in the same
//     transaction, synchronous_commit=on (compare_pg.cc), in two client
//     styles: one statement per event and posting, or one array INSERT
//     per group;
//   - SQLite, WAL, synchronous=FULL, the same schema, the chain computed
//     by the client (compare_sqlite.cc);
//   - raw RocksDB writing lumbung's stored entry bytes, one synced
//     WriteBatch per group: the physical floor.
// Each in commit groups of 1 (a short prefix of a small demo) and of G
// (default 1,000; the full default demo of 40,000 households). Every system
// syncs once per group; an acknowledged group is on disk.
//
// For each system it reports events/s, the ratio to lumbung, bytes on disk
// per event, and the time to verify the whole chain from the stored bytes:
// lumbung's VerifyLedger (entry FlatBuffers, prev_hash chain, stored leaves,
// Merkle root); for the SQL systems the client reads every row in seq order
// and recomputes SHA-256(prev_hash || payload); for raw RocksDB every entry
// is read and hashed. The final balances of both SQL systems are checked
// against lumbung's, so all of them recorded the same books.
//
// The workload is generated and decoded before any clock starts; the SQL
// systems' postings are derived from the event JSON then too (the client's
// part of the work; lumbung's rules run inside its timing).
//
// Usage: compare_bench [--households N] [--groups N] [--months N] [--events N]
//                      [--group G] [--small-households N] [--small-groups N]
//                      [--small-events N] [--rounds N] [--window N]
//                      [--pg CONNINFO] [--out DIR]
// Defaults: 40,000 households, 12 groups, 12 months, every event; G = 1,000;
// groups of 1 take the first 2,000 events of a 500-household, 2-group demo
// (every kind of event, not only the enrolments that open a large demo);
// one round; lumbung keeps 4 groups in flight.
// Without --pg the PostgreSQL rows are skipped (bench/compare starts a
// throwaway cluster and passes it). With --out, writes compare.csv and
// compare.svg there. With several rounds the systems alternate and the
// medians are reported.

#include "compare.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/version.h>

#include "lumbung/demo/generator.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/verify.h"

#include "../ledger/store/db.h"
#include "bench_ledger.h"
#include "bench_util.h"

using namespace lumbung;
using namespace lumbung::bench::compare;
using lumbung::bench::Arg;
using lumbung::bench::DirectoryBytes;
using lumbung::bench::Stopwatch;

namespace {

// The text after the last `name` on the command line (so later arguments
// override earlier ones: bench/compare passes --pg and --out first), else
// `fallback`.
const char* ArgText(int argc, char** argv, const char* name, const char* fallback) {
  const char* value = bench::Flag(argc, argv, name);
  return value != nullptr ? value : fallback;
}

struct Workload {
  demo::DemoOptions options;
  std::vector<EventInput> inputs;
  std::vector<SqlEvent> sql;
};

// The first `cap` events of the demo, for a ledger whose entry 0 is
// LedgerOpened (so the first event gets seq 1; the SQL tables start at 1 too).
Workload MakeWorkload(const demo::DemoOptions& base, size_t cap) {
  Workload w;
  w.options = base;
  w.options.assume_first_seq = 1;
  demo::DemoGenerator gen(w.options);
  std::vector<std::string> lines;
  demo::DemoBatch batch;
  while (lines.size() < cap && gen.NextBatch(&batch) == demo::DemoGenerator::Next::kBatch) {
    for (std::string& line : batch.events) {
      if (lines.size() == cap) break;
      w.inputs.push_back(DecodeEventJson(line));
      if (!w.inputs.back().decode_error.ok()) Fail("demo event does not decode: " + line);
      lines.push_back(std::move(line));
    }
  }
  w.sql = DeriveSqlEvents(lines);
  return w;
}

Balances ToBalances(const std::vector<query::AccountBalance>& rows) {
  Balances out;
  for (const auto& b : rows) out[b.account] = {b.unit, b.balance};
  return out;
}

RunResult RunLumbung(const std::string& dir, std::vector<EventInput> events, size_t group,
                     size_t window, std::vector<std::string>* stored) {
  if (!Ledger::Init(dir, "lumbung.example/jakarta-timur/duren-sawit").ok()) Fail("init");
  const size_t n = events.size();
  RunResult r;
  {
    LedgerOptions options;
    options.group_events_max = group;
    auto ledger = Ledger::Open(dir, options);
    if (!ledger.ok()) Fail("open: " + ledger.status().ToString());
    std::vector<std::vector<EventInput>> batches;
    for (size_t i = 0; i < n; i += group) {
      batches.emplace_back(
          std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(i)),
          std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(std::min(n, i + group))));
    }
    r.seconds = bench::AppendWindowed(**ledger, std::move(batches), window);
    if (stored != nullptr && stored->empty()) {
      auto snap = (*ledger)->Snapshot();
      Status st = snap->ScanEntries(1, n, [&](uint64_t, std::string_view bytes) {
        stored->emplace_back(bytes);
        return Status();
      });
      if (!st.ok() || stored->size() != n) Fail("scan: " + st.ToString());
    }
  }  // closed: the writer has stopped
  r.disk_bytes = DirectoryBytes(dir);
  LedgerOptions read_only;
  read_only.read_only = true;
  auto ledger = Ledger::Open(dir, read_only);
  if (!ledger.ok()) Fail("reopen: " + ledger.status().ToString());
  auto snap = (*ledger)->Snapshot();
  Stopwatch verify;
  auto report = VerifyLedger(*snap, {});
  r.verify_seconds = verify.seconds();
  if (!report.ok() || !report->ok() || report->entries != n + 1) Fail("lumbung: verify failed");
  r.verified = report->entries;
  auto balances = query::Balances(*snap);
  if (!balances.ok()) Fail("balances: " + balances.status().ToString());
  r.balances = ToBalances(*balances);
  return r;
}

RunResult RunRaw(const std::string& dir, const std::vector<std::string>& entries, size_t group) {
  RunResult r;
  r.seconds = bench::WriteRawEntries(dir, entries, group, 1).seconds;
  r.disk_bytes = DirectoryBytes(dir);
  auto db = store::Db::Open(dir, store::OpenMode::kReadOnly);
  if (!db.ok()) Fail("raw: " + db.status().ToString());
  Sha256 sha;
  Stopwatch verify;
  std::unique_ptr<rocksdb::Iterator> it(
      (*db)->db()->NewIterator(rocksdb::ReadOptions(), (*db)->entries()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice v = it->value();
    const Digest leaf = sha.Of(std::string_view("\0", 1), std::string_view(v.data(), v.size()));
    r.raw_check ^= leaf[0];
    ++r.verified;
  }
  r.verify_seconds = verify.seconds();
  return r;
}

// --- the report ---

struct System {
  std::string key;   // in the CSV
  std::string name;  // in the table and chart
  std::string color;
};

struct Row {
  size_t group = 0;
  size_t events = 0;
  System system;
  std::vector<RunResult> runs;

  double Median(double RunResult::*field) const {
    std::vector<double> v;
    for (const RunResult& r : runs) v.push_back(r.*field);
    return bench::Median(std::move(v));
  }
  double seconds() const { return Median(&RunResult::seconds); }
  double verify_seconds() const { return Median(&RunResult::verify_seconds); }
  double rate() const { return static_cast<double>(events) / seconds(); }
  uint64_t disk() const {
    std::vector<uint64_t> v;
    for (const RunResult& r : runs) v.push_back(r.disk_bytes);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
  double disk_per_event() const {
    return static_cast<double>(disk()) / static_cast<double>(events);
  }
};

std::string Thousands(double value) {
  std::string digits = std::to_string(static_cast<uint64_t>(value + 0.5));
  for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

double Ratio(const Row& row, const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    if (r.group == row.group && r.system.key == "lumbung") return row.rate() / r.rate();
  }
  return 0;
}

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-7s %-29s %9s %9s %11s %11s %12s %10s\n", "commit", "system", "events", "seconds",
              "events/s", "vs lumbung", "bytes/event", "verify s");
  size_t last_group = 0;
  for (const Row& r : rows) {
    if (r.group != last_group && last_group != 0) std::printf("\n");
    last_group = r.group;
    std::printf("%-7s %-29s %9s %9.2f %11s %10.2fx %12s %10.3f\n",
                Thousands(static_cast<double>(r.group)).c_str(), r.system.name.c_str(),
                Thousands(static_cast<double>(r.events)).c_str(), r.seconds(),
                Thousands(r.rate()).c_str(), Ratio(r, rows), Thousands(r.disk_per_event()).c_str(),
                r.verify_seconds());
  }
}

std::string Csv(const std::vector<Row>& rows) {
  std::ostringstream out;
  out << "commit_group,system,events,rounds,seconds,events_per_s,ratio_to_lumbung,disk_bytes,"
         "disk_bytes_per_event,verify_seconds,verified\n";
  for (const Row& r : rows) {
    out << r.group << ',' << r.system.key << ',' << r.events << ',' << r.runs.size() << ','
        << Fixed(r.seconds(), 4) << ',' << Fixed(r.rate(), 1) << ',' << Fixed(Ratio(r, rows), 4)
        << ',' << r.disk() << ',' << Fixed(r.disk_per_event(), 1) << ','
        << Fixed(r.verify_seconds(), 4) << ',' << r.runs.back().verified << '\n';
  }
  return out.str();
}

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Horizontal bars of events/s, one panel per commit size, each on its own
// scale; each bar labelled with its rate, ratio, bytes per event and
// verification time.
std::string Svg(const std::vector<Row>& rows, const std::vector<std::string>& panel_titles,
                const std::string& caption) {
  constexpr int kWidth = 1000, kLabel = 210, kBars = 400, kBar = 22, kGap = 8, kTitle = 34;
  std::vector<size_t> groups;
  for (const Row& r : rows) {
    if (std::find(groups.begin(), groups.end(), r.group) == groups.end()) groups.push_back(r.group);
  }
  int height = 56;
  for (size_t g : groups) {
    const auto n =
        std::count_if(rows.begin(), rows.end(), [&](const Row& r) { return r.group == g; });
    height += kTitle + static_cast<int>(n) * (kBar + kGap) + 18;
  }
  height += 15 * static_cast<int>(std::count(caption.begin(), caption.end(), '\n') + 1);
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << kWidth << ' ' << height
    << "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  s << "<text x=\"16\" y=\"28\" font-size=\"18\" font-weight=\"bold\">"
    << "Durable ingest of the demo workload (events/s, higher is better)</text>\n";
  int y = 56;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const size_t g = groups[gi];
    double max = 0;
    for (const Row& r : rows) {
      if (r.group == g) max = std::max(max, r.rate());
    }
    s << "<text x=\"16\" y=\"" << y + 18 << "\" font-size=\"15\" font-weight=\"bold\">"
      << Escape(gi < panel_titles.size() ? panel_titles[gi] : "") << "</text>\n";
    y += kTitle;
    for (const Row& r : rows) {
      if (r.group != g) continue;
      const double w = max > 0 ? r.rate() / max * kBars : 0;
      s << "<text x=\"" << kLabel - 8 << "\" y=\"" << y + 16 << "\" text-anchor=\"end\">"
        << Escape(r.system.name) << "</text>\n";
      s << "<rect x=\"" << kLabel << "\" y=\"" << y << "\" width=\"" << Fixed(std::max(w, 1.0), 1)
        << "\" height=\"" << kBar << "\" fill=\"" << r.system.color << "\"/>\n";
      s << "<text x=\"" << kLabel + static_cast<int>(w) + 6 << "\" y=\"" << y + 16 << "\">"
        << Thousands(r.rate()) << "/s (" << Fixed(Ratio(r, rows), 2) << "\u00d7) \u00b7 "
        << Thousands(r.disk_per_event()) << " B/event \u00b7 verify "
        << Fixed(r.verify_seconds(), 3) << " s</text>\n";
      y += kBar + kGap;
    }
    y += 18;
  }
  std::istringstream lines(caption);
  std::string line;
  while (std::getline(lines, line)) {
    s << "<text x=\"16\" y=\"" << y << "\" font-size=\"11\" fill=\"#555555\">" << Escape(line)
      << "</text>\n";
    y += 15;
  }
  s << "</svg>\n";
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) Fail("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string first;
  in >> first;
  return first.empty() ? "?" : first;
}

std::string Describe(const Workload& w) {
  return Thousands(static_cast<double>(w.inputs.size())) + " events of the demo (" +
         Thousands(static_cast<double>(w.options.households)) + " households, " +
         std::to_string(w.options.groups) + " KUBE groups, " + std::to_string(w.options.months) +
         " months)";
}

}  // namespace

int main(int argc, char** argv) {
  demo::DemoOptions large;
  large.households = static_cast<int64_t>(Arg(argc, argv, "--households", 40000));
  large.groups = static_cast<int>(Arg(argc, argv, "--groups", 12));
  large.months = static_cast<int>(Arg(argc, argv, "--months", 12));
  demo::DemoOptions small;
  small.households = static_cast<int64_t>(Arg(argc, argv, "--small-households", 500));
  small.groups = static_cast<int>(Arg(argc, argv, "--small-groups", 2));
  small.months = large.months;
  const size_t large_events = Arg(argc, argv, "--events", SIZE_MAX);
  const size_t small_events = Arg(argc, argv, "--small-events", 2000);
  const size_t group = Arg(argc, argv, "--group", 1000);
  const size_t rounds = Arg(argc, argv, "--rounds", 1);
  const size_t window = Arg(argc, argv, "--window", 4);
  const std::string pg = ArgText(argc, argv, "--pg", "");
  const std::string out_dir = ArgText(argc, argv, "--out", "");
  if (!demo::ValidateDemoOptions(large).ok() || !demo::ValidateDemoOptions(small).ok() ||
      group == 0 || rounds == 0 || window == 0 || small_events == 0 || large_events == 0) {
    std::fprintf(stderr, "compare_bench: invalid options\n");
    return 2;
  }

  const std::string load_start = LoadAverage();
  Stopwatch gen_watch;
  const Workload w1 = MakeWorkload(small, small_events);
  const Workload wg = MakeWorkload(large, large_events);
  std::printf(
      "compare_bench (%s build, RocksDB %d.%d, %s, %s): workload generated and decoded in "
      "%.1f s\n  groups of 1: %s\n  groups of %zu: %s\n",
#ifdef NDEBUG
      "release",
#else
      "debug",
#endif
      ROCKSDB_MAJOR, ROCKSDB_MINOR, SqliteVersion().c_str(),
      pg.empty() ? "PostgreSQL skipped (no --pg)" : PostgresVersion(pg).c_str(),
      gen_watch.seconds(), Describe(w1).c_str(), group, Describe(wg).c_str());

  const std::string serial = "lumbung, 1 group in flight";
  std::vector<System> systems = {
      {"lumbung", "lumbung, " + std::to_string(window) + " groups in flight", "#2e7d4f"}};
  if (window != 1) systems.push_back({"lumbung_serial", serial, "#86c49a"});
  if (!pg.empty()) {
    systems.push_back({"postgresql", "PostgreSQL, row statements", "#336791"});
    systems.push_back({"postgresql_arrays", "PostgreSQL, array insert", "#7a9cc6"});
  }
  systems.push_back({"sqlite", "SQLite, WAL + FULL", "#c77d1a"});
  systems.push_back({"rocksdb_raw", "RocksDB raw entry bytes", "#8c8c8c"});

  bench::ScratchDir scratch("compare");
  std::vector<Row> rows;
  const std::pair<const Workload*, size_t> sizes[2] = {{&w1, 1}, {&wg, group}};
  for (const auto& [w, g] : sizes) {
    std::vector<Row> part;
    for (const System& s : systems) part.push_back(Row{g, w->inputs.size(), s, {}});
    std::vector<std::string> stored;
    Balances expected;
    for (size_t round = 0; round < rounds; ++round) {
      for (Row& row : part) {
        const std::string dir = scratch.path() + "/" + row.system.key;
        std::fprintf(stderr, "compare_bench: groups of %zu, round %zu, %s...\n", g, round + 1,
                     row.system.name.c_str());
        RunResult r;
        const SqlOptions sql{g};
        if (row.system.key == "lumbung") {
          r = RunLumbung(dir, w->inputs, g, window, &stored);
          expected = r.balances;
        } else if (row.system.key == "lumbung_serial") {
          r = RunLumbung(dir, w->inputs, g, 1, nullptr);
        } else if (row.system.key == "postgresql") {
          r = RunPostgres(pg, w->sql, sql, PgMode::kRows);
        } else if (row.system.key == "postgresql_arrays") {
          r = RunPostgres(pg, w->sql, sql, PgMode::kArrays);
        } else if (row.system.key == "sqlite") {
          r = RunSqlite(dir, w->sql, sql);
        } else {
          r = RunRaw(dir, stored, g);
        }
        std::filesystem::remove_all(dir);
        if (row.system.key != "lumbung" && row.system.key != "rocksdb_raw") {
          const std::string diff = CompareBalances(expected, r.balances);
          if (!diff.empty()) Fail(row.system.name + ": balances differ from lumbung's: " + diff);
        }
        r.balances.clear();
        std::fprintf(stderr, "compare_bench:   %.0f events/s, verify %.3f s\n",
                     static_cast<double>(row.events) / r.seconds, r.verify_seconds);
        row.runs.push_back(std::move(r));
      }
    }
    rows.insert(rows.end(), part.begin(), part.end());
  }

  const std::string load = "load average (1 min) at start " + load_start + ", at end " +
                           LoadAverage() + ", on " +
                           std::to_string(std::thread::hardware_concurrency()) + " cores";
  PrintTable(rows);
  const std::string caption =
      "Each system syncs once per commit group (lumbung and RocksDB: WAL fsync; PostgreSQL: "
      "synchronous_commit=on; SQLite: WAL, synchronous=FULL).\n"
      "lumbung checks every domain rule and writes projections and Merkle nodes; the SQL systems "
      "keep a SHA-256 chain and balances, no rules.\n"
      "Bytes on disk: lumbung and RocksDB the whole folder; PostgreSQL tables and indexes "
      "(no WAL); SQLite the database file.\n"
      "Verify: lumbung VerifyLedger; SQL: client recomputes the chain over all rows; raw: every "
      "entry read and hashed.\n" +
      load + "; medians of " + std::to_string(rounds) + " round(s).";
  std::printf("\n%s\n", caption.c_str());
  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    WriteFile(out_dir + "/compare.csv", Csv(rows));
    WriteFile(
        out_dir + "/compare.svg",
        Svg(rows,
            {"Commit groups of 1: " + Describe(w1),
             "Commit groups of " + Thousands(static_cast<double>(group)) + ": " + Describe(wg)},
            caption));
    std::printf("wrote %s/compare.csv and %s/compare.svg\n", out_dir.c_str(), out_dir.c_str());
  }
  return 0;
}

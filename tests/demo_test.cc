// The demo kelurahan: deterministic, valid under every rule when recorded,
// and showing every scenario a reader of the demo expects to find.

#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/demo/generator.h"
#include "lumbung/demo/record.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/verify.h"

#include "test_util.h"

using namespace lumbung;
using nlohmann::json;

namespace {

demo::DemoOptions SmallDemo(uint64_t seed = 7) {
  demo::DemoOptions o;
  o.seed = seed;
  o.households = 400;
  o.groups = 12;
  o.months = 12;
  return o;
}

// Every line of a demo, generated without a ledger (seqs assumed from 1,
// the seq after a new ledger's LedgerOpened).
std::vector<std::string> AllLines(demo::DemoOptions o) {
  o.assume_first_seq = 1;
  demo::DemoGenerator generator(o);
  std::vector<std::string> lines;
  demo::DemoBatch batch;
  uint64_t expected_number = 0;
  for (;;) {
    const auto next = generator.NextBatch(&batch);
    if (next == demo::DemoGenerator::Next::kDone) break;
    REQUIRE(next == demo::DemoGenerator::Next::kBatch);
    REQUIRE_FALSE(batch.events.empty());
    CHECK(batch.number == expected_number++);
    for (std::string& line : batch.events) lines.push_back(std::move(line));
  }
  return lines;
}

// The decoded events of a ledger, in seq order (entry 0 included).
std::vector<json> LedgerEvents(const LedgerSnapshot& snapshot) {
  std::vector<json> out;
  const Status st = snapshot.ScanEntries(0, snapshot.size(), [&](uint64_t, std::string_view bytes) {
    audit::VerifiedEntry entry;
    LUMBUNG_RETURN_IF_ERROR(entry.Load(bytes));
    out.push_back(json::parse(EventBodyToJson(entry.body())));
    return Status();
  });
  REQUIRE(st.ok());
  return out;
}

}  // namespace

TEST_CASE("demo: the same options give the same lines, another seed gives others", "[demo]") {
  const auto first = AllLines(SmallDemo(7));
  const auto again = AllLines(SmallDemo(7));
  const auto other = AllLines(SmallDemo(8));
  REQUIRE(first.size() > 1000);
  CHECK(first == again);
  CHECK(first != other);
  // Cutting the lists into smaller batches changes the batches, not the events.
  demo::DemoOptions small_batches = SmallDemo(7);
  small_batches.batch_events_max = 64;
  CHECK(AllLines(small_batches) == first);
}

TEST_CASE("demo: every line is event JSON that decodes and dates never go back", "[demo]") {
  const auto lines = AllLines(SmallDemo(3));
  std::string last_date;
  std::set<std::string> ids;
  for (const std::string& line : lines) {
    const EventInput input = DecodeEventJson(line);
    INFO(line);
    REQUIRE(input.event_id_error.ok());
    REQUIRE(input.decode_error.ok());
    CHECK(ids.insert(input.event_id).second);  // event ids are unique
    const std::string date = json::parse(line)["effective_date"];
    CHECK(date >= last_date);
    last_date = date;
  }
}

TEST_CASE("demo: invalid options are refused and never asserted", "[demo]") {
  demo::DemoOptions o;
  o.households = 0;
  CHECK(demo::ValidateDemoOptions(o).code() == Code::kInvalidArgument);
  o = demo::DemoOptions();
  o.months = 0;
  CHECK_FALSE(demo::ValidateDemoOptions(o).ok());
  o = demo::DemoOptions();
  o.start_month = 13;
  CHECK_FALSE(demo::ValidateDemoOptions(o).ok());
  CHECK(demo::ValidateDemoOptions(demo::DemoOptions()).ok());
}

TEST_CASE("demo: a year of a kelurahan is accepted whole by the ledger and verifies", "[demo]") {
  testing::TempDir dir;
  const demo::DemoOptions options = SmallDemo(11);
  const size_t generated = AllLines(options).size();
  std::vector<demo::DemoProgress> progress;
  demo::RecordOptions record;
  record.progress = [&](const demo::DemoProgress& p) { progress.push_back(p); };
  auto stats = demo::CreateDemoLedger(dir.path(), options, record);
  INFO((stats.ok() ? std::string("ok") : stats.status().ToString()));
  REQUIRE(stats.ok());
  // Zero rejections: every generated event became an entry, in order.
  CHECK(stats->events == generated);
  CHECK(stats->first_seq == 1);
  CHECK(stats->end_seq == 1 + generated);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back().events == generated);
  CHECK(progress.back().months_done == 12);

  LedgerOptions read_only;
  read_only.read_only = true;
  auto ledger = Ledger::Open(dir.path(), read_only);
  REQUIRE(ledger.ok());
  auto snapshot = (*ledger)->Snapshot();
  REQUIRE(snapshot->size() == 1 + generated);
  auto report = VerifyLedger(*snapshot, VerifyOptions{});
  REQUIRE(report.ok());
  CHECK(report->ok());
  auto replayed = ReplayProjection(*snapshot, snapshot->size());
  REQUIRE(replayed.ok());
  auto stored = DigestStoredProjection(*snapshot);
  REQUIRE(stored.ok());
  CHECK(DigestState(*replayed) == *stored);

  {  // it shows every programme kind and every scenario of the books
    const std::vector<json> events = LedgerEvents(*snapshot);
    std::set<std::string> kinds, exits, return_reasons, corrected, written_off;
    std::map<std::string, int> types;
    std::map<std::string, uint64_t> closed_at;  // "program/cycle" -> seq of CycleClosed
    int recoveries = 0, late_returns = 0, second_payments = 0;
    for (uint64_t seq = 1; seq < events.size(); ++seq) {
      const json& e = events[seq];
      const std::string type = e["type"];
      ++types[type];
      if (type == "ProgramOpened") kinds.insert(e["kind"].get<std::string>());
      if (type == "BeneficiaryExited") exits.insert(e["reason"].get<std::string>());
      if (type == "CycleClosed") {
        closed_at[e["program_id"].get<std::string>() + "/" + e["cycle"].get<std::string>()] = seq;
      }
      if (type == "DisbursementReturned") {
        return_reasons.insert(e["reason"].get<std::string>());
        const json& paid = events.at(e["disbursed_seq"].get<uint64_t>());
        REQUIRE(paid["type"] == "AidDisbursed");
        late_returns += closed_at.contains(paid["program_id"].get<std::string>() + "/" +
                                           paid["cycle"].get<std::string>());
      }
      if (type == "AidDisbursed" && e["event_id"].get<std::string>().ends_with("-r1")) {
        ++second_payments;
      }
      if (type == "EventCorrected") {
        const json& target = events.at(e["target_seq"].get<uint64_t>());
        REQUIRE(e.contains("replacement"));
        CHECK(e["replacement"]["type"] == target["type"]);
        CHECK(e["replacement"] != target);  // a different amount
        corrected.insert(target["type"].get<std::string>());
      }
      if (type == "LoanWrittenOff") written_off.insert(e["loan_id"].get<std::string>());
      if (type == "LoanRepaid" && written_off.contains(e["loan_id"].get<std::string>())) {
        ++recoveries;
      }
    }
    CHECK(kinds == std::set<std::string>{"CASH_TRANSFER", "CONDITIONAL_CASH", "FOOD", "MICRO_GRANT",
                                         "ROTATING_CAPITAL"});
    CHECK(exits == std::set<std::string>{"DECEASED", "MOVED"});
    CHECK(return_reasons == std::set<std::string>{"ACCOUNT_NOT_FOUND", "BANK_REJECT"});
    CHECK(corrected == std::set<std::string>{"AidDisbursed", "FundsAllocated", "LoanRepaid"});
    CHECK(types["DisbursementReturned"] >= 4);
    CHECK(second_payments >= 1);
    CHECK(late_returns >= 1);
    CHECK(types["LoanRescheduled"] >= 1);
    CHECK(types["LoanWrittenOff"] >= 1);
    CHECK(recoveries >= 1);
    CHECK(types["GroupFormed"] == 12);
    CHECK(types["CapitalGranted"] == 12);
    CHECK(types["FundsReturned"] >= 1);
    CHECK(types["MemberLeft"] >= 1);
    CHECK(types["LoanIssued"] > 12 * 10);  // the funds revolve: more loans than members
  }

  {  // the books it leaves balance: nothing overdrawn, cash returned at year end
    domain::State state;
    REQUIRE(LoadProjection(*snapshot, {"P/", "G/", "L/"}, &state).ok());
    REQUIRE(state.programs.size() == 5);
    for (const auto& [id, p] : state.programs) {
      INFO(id);
      CHECK(p.balance >= 0);
      CHECK(p.allocated > 0);
      if (p.unit == "IDR" && p.kind != static_cast<uint8_t>(fb::ProgramKind::ROTATING_CAPITAL)) {
        CHECK(p.balance == 0);  // the unspent rest went back to the funder
        CHECK(p.funds_returned > 0);
      }
    }
    int64_t recovered = 0, restructured = 0, open = 0;
    for (const auto& [id, loan] : state.loans) {
      CHECK(loan.outstanding >= 0);
      CHECK(loan.outstanding == loan.principal - loan.repaid - loan.written_off);
      recovered += loan.recovered;
      restructured += loan.restructured ? 1 : 0;
      open += loan.status == domain::LoanStatus::kOpen ? 1 : 0;
    }
    CHECK(recovered > 0);
    CHECK(restructured >= 1);
    CHECK(open >= 1);
    for (const auto& [id, g] : state.groups) CHECK(g.fund >= 0);
  }
}

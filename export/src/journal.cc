// WriteJournal: replays the log with each entry's postings (projection.h's
// on_entry) and writes them as hledger / ledger-cli transactions.

#include "lumbung/export/journal.h"

#include <algorithm>
#include <set>

#include "lumbung/audit/hash.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/query.h"

#include "out_file.h"

namespace lumbung::exports {
namespace {

constexpr size_t kFlushBytes = 64 * 1024;

// Collects the text and hands it to `write` in pieces of about kFlushBytes.
class Out {
 public:
  explicit Out(const std::function<Status(std::string_view)>& write) : write_(write) {}
  std::string& text() { return text_; }
  Status MaybeFlush() { return text_.size() >= kFlushBytes ? Flush() : Status(); }
  Status Flush() {
    if (text_.empty()) return Status();
    Status st = write_(text_);
    text_.clear();
    return st;
  }

 private:
  const std::function<Status(std::string_view)>& write_;
  std::string text_;
};

std::string Seq(uint64_t seq) {
  return "seq " + std::to_string(seq);
}

// The event type and the ids it concerns: identifiers, cycles, enum names
// and seqs only, which hold no ';', '|' or line break. Free text stays out
// (see journal.h).
std::string Describe(fb::Event type, const void* table) {
  std::string out(EventTypeName(type));
  auto add = [&out](std::string_view part) {
    out += ' ';
    out.append(part);
  };
  switch (type) {
    case fb::Event::FundsAllocated: {
      const auto* e = static_cast<const fb::FundsAllocated*>(table);
      add(e->program_id()->string_view());
      add(e->funder()->string_view());
      break;
    }
    case fb::Event::FundsReturned: {
      const auto* e = static_cast<const fb::FundsReturned*>(table);
      add(e->program_id()->string_view());
      add(e->funder()->string_view());
      break;
    }
    case fb::Event::AidDisbursed: {
      const auto* e = static_cast<const fb::AidDisbursed*>(table);
      add(e->program_id()->string_view());
      add(e->beneficiary_id()->string_view());
      add(e->cycle()->string_view());
      break;
    }
    case fb::Event::DisbursementReturned: {
      const auto* e = static_cast<const fb::DisbursementReturned*>(table);
      add(Seq(e->disbursed_seq()));
      add(fb::EnumNameReturnReason(e->reason()));
      break;
    }
    case fb::Event::CapitalGranted: {
      const auto* e = static_cast<const fb::CapitalGranted*>(table);
      add(e->program_id()->string_view());
      add(e->group_id()->string_view());
      break;
    }
    case fb::Event::LoanIssued: {
      const auto* e = static_cast<const fb::LoanIssued*>(table);
      add(e->loan_id()->string_view());
      add(e->group_id()->string_view());
      break;
    }
    case fb::Event::LoanRepaid:
      add(static_cast<const fb::LoanRepaid*>(table)->loan_id()->string_view());
      break;
    case fb::Event::LoanWrittenOff:
      add(static_cast<const fb::LoanWrittenOff*>(table)->loan_id()->string_view());
      break;
    case fb::Event::EventCorrected: {
      const auto* e = static_cast<const fb::EventCorrected*>(table);
      add(Seq(e->target_seq()));
      if (e->replacement_type() != fb::Event::NONE) {
        out += ", replaced by ";
        out += Describe(e->replacement_type(), e->replacement());
      }
      break;
    }
    default: break;  // moves no money: never a transaction
  }
  return out;
}

// One transaction; amounts right-aligned in one column.
Status AppendTransaction(const audit::VerifiedEntry& entry,
                         const std::vector<EntryPosting>& postings, std::string& out) {
  const fb::EventBody& body = entry.body();
  size_t account_width = 0, amount_width = 0;
  std::vector<std::string> amounts;
  amounts.reserve(postings.size());
  for (const EntryPosting& p : postings) {
    if (!IsJournalAccountName(p.account) || p.unit.empty()) {
      return Status::Corruption("entry " + std::to_string(entry.entry().seq()) + " posts to \"" +
                                p.account + "\", which cannot be written as a journal account")
          .WithSeq(static_cast<int64_t>(entry.entry().seq()));
    }
    amounts.push_back(std::to_string(p.amount));
    account_width = std::max(account_width, p.account.size());
    amount_width = std::max(amount_width, amounts.back().size());
  }
  out += body.effective_date()->string_view();
  out += ' ';
  out += Describe(body.event_type(), body.event());
  out += "  ; seq:";
  out += std::to_string(entry.entry().seq());
  out += ", event_id:";
  out += body.event_id()->string_view();
  out += '\n';
  for (size_t i = 0; i < postings.size(); ++i) {
    out += "    ";
    out += postings[i].account;
    out.append(account_width - postings[i].account.size() + 2 + amount_width - amounts[i].size(),
               ' ');
    out += amounts[i];
    out += ' ';
    out += JournalCommodity(postings[i].unit);
    out += '\n';
  }
  out += '\n';
  return Status();
}

Result<std::string> Header(const LedgerSnapshot& snapshot, uint64_t size) {
  audit::VerifiedEntry first;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(0, &first));
  const fb::LedgerOpened* opened = first.body().event_as_LedgerOpened();
  if (opened == nullptr) return Status::Corruption("entry 0 is not LedgerOpened").WithSeq(0);
  LUMBUNG_ASSIGN_OR_RETURN(const audit::Hash root, snapshot.Root(size));
  std::string out = "; lumbung journal of " + opened->origin()->str() + "\n";
  out += "; as of seq " + std::to_string(size) + ": entries [0, " + std::to_string(size) +
         "), Merkle root " + audit::ToHex(root) + "\n";
  out +=
      "; One transaction per entry that moved money, dated by its effective date and tagged\n"
      "; with its seq and event_id. Accounts as the ledger names them: funder:F (minus what\n"
      "; it provided), program:P (unspent budget), beneficiary:P:B (received), group:G (the\n"
      "; fund's cash), loan:L (owed), loss:G (written off). Amounts in whole units: IDR in\n"
      "; rupiah, in-kind units in items.\n\n";
  return out;
}

// Units and accounts of the state as of the journal's end.
void AppendDeclarations(const std::vector<query::AccountBalance>& accounts, uint64_t size,
                        std::string& out) {
  std::set<std::string> units;
  for (const query::AccountBalance& a : accounts) {
    if (!a.unit.empty()) units.insert(a.unit);
  }
  out += "; Units and accounts as of seq " + std::to_string(size) +
         ", every account including those that hold nothing\n"
         "; (hledger balance --declared --empty lists them all).\n";
  for (const std::string& unit : units) {
    const std::string symbol = JournalCommodity(unit);
    // No decimals, '.' groups thousands (hledger's one-line form, which
    // ledger-cli also reads; its `format` sub-directive form would not
    // parse in ledger-cli without decimals).
    out += "commodity 1.000, " + symbol + "\n";
  }
  for (const query::AccountBalance& a : accounts) out += "account " + a.account + "\n";
}

}  // namespace

bool IsJournalAccountName(std::string_view name) {
  if (name.empty() || name.front() == '(' || name.front() == '[' || name.back() == ')' ||
      name.back() == ']') {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c <= '~' && c != ';'; });
}

std::string JournalCommodity(std::string_view unit) {
  const bool simple = !unit.empty() && std::all_of(unit.begin(), unit.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  });
  if (simple) return std::string(unit);
  std::string quoted;  // built by appends: GCC 12 warns (-Wrestrict) on "\"" + string
  quoted.reserve(unit.size() + 2);
  quoted.append(1, '"').append(unit).append(1, '"');
  return quoted;
}

Result<JournalInfo> WriteJournal(const LedgerSnapshot& snapshot, const JournalOptions& options,
                                 const std::function<Status(std::string_view)>& write) {
  JournalInfo info;
  info.size = options.as_of_seq.value_or(snapshot.size());
  if (info.size > snapshot.size()) {
    return Status::InvalidArgument("seq " + std::to_string(info.size) +
                                   " is past the end of the log (" +
                                   std::to_string(snapshot.size()) + " entries)");
  }
  Out out(write);
  LUMBUNG_ASSIGN_OR_RETURN(out.text(), Header(snapshot, info.size));
  ReplayOptions replay;
  replay.progress = options.progress;
  replay.on_entry = [&](const audit::VerifiedEntry& entry,
                        const std::vector<EntryPosting>& postings) -> Status {
    if (postings.empty()) return Status();
    LUMBUNG_RETURN_IF_ERROR(AppendTransaction(entry, postings, out.text()));
    ++info.transactions;
    return out.MaybeFlush();
  };
  LUMBUNG_ASSIGN_OR_RETURN(const domain::State state,
                           ReplayProjection(snapshot, info.size, replay));
  const std::vector<query::AccountBalance> accounts = query::BalancesOfState(state);
  info.accounts = accounts.size();
  AppendDeclarations(accounts, info.size, out.text());
  LUMBUNG_RETURN_IF_ERROR(out.Flush());
  return info;
}

Result<JournalInfo> WriteJournalFile(const LedgerSnapshot& snapshot, const JournalOptions& options,
                                     const std::string& path) {
  internal::OutFile out;
  LUMBUNG_ASSIGN_OR_RETURN(const std::string temp, out.OpenTempSibling(path));
  internal::TempGuard guard(temp);
  LUMBUNG_ASSIGN_OR_RETURN(
      const JournalInfo info,
      WriteJournal(snapshot, options, [&out](std::string_view data) { return out.Write(data); }));
  LUMBUNG_RETURN_IF_ERROR(out.Close().status());
  LUMBUNG_RETURN_IF_ERROR(internal::Publish(temp, path));
  guard.Release();
  return info;
}

}  // namespace lumbung::exports

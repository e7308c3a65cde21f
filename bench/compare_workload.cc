// The SQL systems' view of the demo workload: each event's postings, derived
// once from its JSON, plus the small helpers every system shares.

#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "compare.h"

namespace lumbung::bench::compare {

void Fail(const std::string& message) {
  std::fprintf(stderr, "compare_bench: %s\n", message.c_str());
  std::exit(1);
}

namespace {

using nlohmann::json;

// What the client needs to remember to post later events: units, which
// loans are written off, and the postings of every money event (a return
// or a correction reverses them by seq).
class PostingDeriver {
 public:
  std::vector<Posting> Apply(uint64_t seq, const json& e) {
    std::vector<Posting> out = Postings(seq, e);
    for (const Posting& p : out) balance_[p.account] += p.amount;
    return out;
  }

 private:
  struct Loan {
    std::string group_id;
    bool written_off = false;
  };
  struct Money {
    std::vector<Posting> postings;  // for a correction: its replacement's
    std::string written_off_loan;   // a LoanWrittenOff: its loan
  };

  static std::string Str(const json& e, const char* key) { return e.at(key).get<std::string>(); }
  static int64_t Amount(const json& e, const char* key) { return e.at(key).get<int64_t>(); }

  void Move(std::vector<Posting>* out, const std::string& from, const std::string& to,
            const std::string& unit, int64_t amount) {
    out->push_back({from, unit, -amount});
    out->push_back({to, unit, amount});
  }

  const std::string& ProgramUnit(const json& e) { return program_unit_.at(Str(e, "program_id")); }

  std::vector<Posting> Reverse(uint64_t target) {
    const auto it = money_.find(target);
    if (it == money_.end()) Fail("reversal of seq " + std::to_string(target) + ", no money event");
    std::vector<Posting> out;
    for (const Posting& p : it->second.postings) out.push_back({p.account, p.unit, -p.amount});
    if (!it->second.written_off_loan.empty()) {
      loans_.at(it->second.written_off_loan).written_off = false;
    }
    return out;
  }

  std::vector<Posting> Postings(uint64_t seq, const json& e) {
    const std::string type = Str(e, "type");
    std::vector<Posting> out;
    Money money;
    if (type == "ProgramOpened") {
      program_unit_[Str(e, "program_id")] = Str(e, "unit");
      return out;
    } else if (type == "FundsAllocated") {
      Move(&out, "funder:" + Str(e, "funder"), "program:" + Str(e, "program_id"), ProgramUnit(e),
           Amount(e, "amount"));
    } else if (type == "FundsReturned") {
      Move(&out, "program:" + Str(e, "program_id"), "funder:" + Str(e, "funder"), ProgramUnit(e),
           Amount(e, "amount"));
    } else if (type == "AidDisbursed") {
      const std::string program = Str(e, "program_id");
      Move(&out, "program:" + program, "beneficiary:" + program + ":" + Str(e, "beneficiary_id"),
           ProgramUnit(e), Amount(e, "amount"));
    } else if (type == "DisbursementReturned") {
      out = Reverse(e.at("disbursed_seq").get<uint64_t>());
    } else if (type == "CapitalGranted") {
      const std::string group = Str(e, "group_id");
      const std::string& unit = group_unit_.try_emplace(group, ProgramUnit(e)).first->second;
      Move(&out, "program:" + Str(e, "program_id"), "group:" + group, unit, Amount(e, "amount"));
    } else if (type == "LoanIssued") {
      const std::string group = Str(e, "group_id");
      const std::string loan = Str(e, "loan_id");
      loans_[loan] = Loan{group, false};
      Move(&out, "group:" + group, "loan:" + loan, group_unit_.at(group), Amount(e, "principal"));
    } else if (type == "LoanRepaid") {
      const std::string loan = Str(e, "loan_id");
      const Loan& l = loans_.at(loan);
      // After a write-off a repayment is a recovery of the loss.
      Move(&out, l.written_off ? "loss:" + l.group_id : "loan:" + loan, "group:" + l.group_id,
           group_unit_.at(l.group_id), Amount(e, "amount"));
    } else if (type == "LoanWrittenOff") {
      const std::string loan = Str(e, "loan_id");
      Loan& l = loans_.at(loan);
      Move(&out, "loan:" + loan, "loss:" + l.group_id, group_unit_.at(l.group_id),
           balance_["loan:" + loan]);
      l.written_off = true;
      money.written_off_loan = loan;
    } else if (type == "EventCorrected") {
      out = Reverse(e.at("target_seq").get<uint64_t>());
      if (e.contains("replacement")) {
        // Correcting this correction later reverses only its replacement.
        const std::vector<Posting> replaced = Postings(seq, e.at("replacement"));
        out.insert(out.end(), replaced.begin(), replaced.end());
        money = std::move(money_.at(seq));  // what the replacement recorded
      }
      money_[seq] = std::move(money);
      return out;
    } else {
      return out;  // no money moves
    }
    money.postings = out;
    money_[seq] = std::move(money);
    return out;
  }

  std::unordered_map<std::string, std::string> program_unit_;
  std::unordered_map<std::string, std::string> group_unit_;
  std::unordered_map<std::string, Loan> loans_;
  std::unordered_map<uint64_t, Money> money_;
  std::unordered_map<std::string, int64_t> balance_;
};

}  // namespace

std::vector<SqlEvent> DeriveSqlEvents(const std::vector<std::string>& lines) {
  PostingDeriver deriver;
  std::vector<SqlEvent> events;
  events.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const json e = json::parse(lines[i]);
    SqlEvent ev;
    ev.event_id = e.at("event_id").get<std::string>();
    ev.type = e.at("type").get<std::string>();
    ev.payload = lines[i];
    ev.postings = deriver.Apply(i + 1, e);
    events.push_back(std::move(ev));
  }
  return events;
}

std::string CompareBalances(const Balances& expected, const Balances& actual) {
  auto next = [](const Balances& b, Balances::const_iterator it) {
    while (it != b.end() && it->second.second == 0) ++it;
    return it;
  };
  auto e = next(expected, expected.begin());
  auto a = next(actual, actual.begin());
  while (e != expected.end() || a != actual.end()) {
    if (e == expected.end()) return "unexpected account " + a->first;
    if (a == actual.end()) return "missing account " + e->first;
    if (e->first != a->first) return "accounts differ: " + e->first + " vs " + a->first;
    if (e->second != a->second) {
      return e->first + ": " + std::to_string(e->second.second) + " " + e->second.first + " vs " +
             std::to_string(a->second.second) + " " + a->second.first;
    }
    e = next(expected, ++e);
    a = next(actual, ++a);
  }
  return "";
}

Sha256::Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
  if (md_ == nullptr || ctx_ == nullptr) Fail("OpenSSL SHA-256 unavailable");
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
  EVP_MD_free(static_cast<EVP_MD*>(md_));
}

Digest Sha256::Of(std::string_view a, std::string_view b) {
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  Digest out{};
  unsigned int n = 0;
  if (EVP_DigestInit_ex(ctx, static_cast<EVP_MD*>(md_), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &n) != 1) {
    Fail("SHA-256 failed");
  }
  return out;
}

}  // namespace lumbung::bench::compare

#include "query_table.h"

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

namespace lumbung::cli {
namespace {

using Json = nlohmann::ordered_json;

// Concatenation without "literal" + std::string (GCC 12 -Wrestrict at -O2).
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

// Display width in code points: ids and codes are ASCII, but programme and
// group names may be any UTF-8.
size_t Width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string Pad(const std::string& text, size_t width, bool right) {
  const size_t w = Width(text);
  if (w >= width) return text;
  const std::string fill(width - w, ' ');
  return right ? fill + text : text + fill;
}

class Table {
 public:
  struct Column {
    std::string header;
    bool right;  // numbers align right
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void Add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  std::string Render() const {
    std::vector<size_t> widths;
    for (const Column& c : columns_) widths.push_back(Width(c.header));
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
        widths[i] = std::max(widths[i], Width(row[i]));
      }
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      std::string text;
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (i > 0) text += "  ";
        text += Pad(i < cells.size() ? cells[i] : "", widths[i], columns_[i].right);
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out += text;
      out += '\n';
    };
    std::vector<std::string> headers, rules;
    for (size_t i = 0; i < columns_.size(); ++i) {
      headers.push_back(columns_[i].header);
      rules.push_back(std::string(widths[i], '-'));
    }
    line(headers);
    line(rules);
    for (const auto& row : rows_) line(row);
    if (rows_.empty()) out += "(none)\n";
    return out;
  }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

// "Label      value" lines, labels padded to the longest; `right` aligns
// the values on their right edge (columns of amounts).
std::string DrawPairs(const Pairs& pairs, bool right = false) {
  size_t width = 0, value_width = 0;
  for (const auto& [label, value] : pairs) {
    width = std::max(width, Width(label));
    value_width = std::max(value_width, Width(value));
  }
  std::string out;
  for (const auto& [label, value] : pairs) {
    out += Pad(label, width, false);
    out += "  ";
    out += right ? Pad(value, value_width, true) : value;
    out += '\n';
  }
  return out;
}

std::string Section(std::string_view title) {
  std::string out = "\n";
  out.append(title);
  out += '\n';
  return out;
}

// "1 loan", "3 loans".
std::string Counted(const Json& count, std::string_view one, std::string_view many) {
  const int64_t n = count.get<int64_t>();
  return Cat({FormatCount(n), " ", n == 1 ? one : many});
}

std::string Str(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

std::string Money(const Json& value, const std::string& unit) {
  return FormatMoney(value.get<int64_t>(), unit);
}

// A ratio metric's percentage, or "n/a" when its denominator is zero.
std::string Percent(const Json& ratio) {
  return ratio.at("value").is_null() ? "n/a" : ratio.at("value").get<std::string>();
}

std::string AsOfLine(const Json& answer) {
  std::string out = "As of seq ";
  out += Str(answer.at("as_of_seq"));
  out += " (the ledger after its first ";
  out += Str(answer.at("as_of_seq"));
  out += " entries)";
  if (answer.contains("as_of_source")) {
    out += "; loan metrics on ";
    out += Str(answer.at("as_of"));
    out += answer.at("as_of_source") == "given" ? " (date given)" : " (date of the last entry)";
  } else if (answer.contains("as_of") && answer.at("as_of").is_string()) {
    out += "; last entry dated ";
    out += Str(answer.at("as_of"));
  }
  out += '\n';
  return out;
}

// "Notes" lists the formula of each figure shown, so a reader of the table
// knows what a percentage is a ratio of.
std::string Notes(const std::vector<std::pair<std::string, const Json*>>& metrics) {
  std::string out = Section("Notes");
  for (const auto& [label, metric] : metrics) {
    if (metric == nullptr) continue;  // the figure is not shown (e.g. no cycle)
    out += "  ";
    out += label;
    out += ": ";
    out += metric->at("formula").get<std::string>();
    out += '\n';
  }
  return out;
}

}  // namespace

std::string FormatCount(int64_t value) {
  const uint64_t magnitude =
      value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  const std::string digits = std::to_string(magnitude);
  std::string out = value < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += '.';
    out += digits[i];
  }
  return out;
}

std::string FormatMoney(int64_t amount, std::string_view unit) {
  std::string number = FormatCount(amount);
  if (unit == "IDR") {
    const bool negative = amount < 0;
    std::string out = negative ? "-Rp " : "Rp ";
    out += negative ? number.substr(1) : number;
    return out;
  }
  if (!unit.empty()) {
    number += ' ';
    number.append(unit);
  }
  return number;
}

Result<std::string> RenderTable(std::string (*draw)(const Json&), const Json& answer) {
  try {
    return draw(answer);
  } catch (const std::exception& e) {
    std::string message = "cannot draw the answer as a table: ";
    message += e.what();
    return Status::Internal(message);
  }
}

std::string DrawBalance(const Json& answer) {
  const std::string unit = answer.at("unit").get<std::string>();
  return DrawPairs({{"Account", Str(answer.at("account"))},
                    {"Unit", unit.empty() ? "(none yet)" : unit},
                    {"Balance", Money(answer.at("balance"), unit)}}) +
         AsOfLine(answer);
}

std::string DrawBalances(const Json& rows) {
  Table table({{"Account", false}, {"Unit", false}, {"Balance", true}});
  for (const Json& row : rows) {
    const std::string unit = row.at("unit").get<std::string>();
    table.Add({Str(row.at("account")), unit, Money(row.at("balance"), unit)});
  }
  return table.Render();
}

namespace {

std::string CycleTable(const Json& cycles, const std::string& unit) {
  Table table({{"Cycle", false},
               {"Status", false},
               {"Planned", true},
               {"Planned amount", true},
               {"Paid", true},
               {"Paid amount", true},
               {"Returned", true},
               {"Returned amount", true},
               {"Absorption", true}});
  for (const Json& c : cycles) {
    table.Add({Str(c.at("cycle")), Str(c.at("status")),
               FormatCount(c.at("planned").at("count").get<int64_t>()),
               Money(c.at("planned").at("amount"), unit),
               FormatCount(c.at("paid").at("count").get<int64_t>()),
               Money(c.at("paid").at("amount"), unit),
               FormatCount(c.at("returned").at("count").get<int64_t>()),
               Money(c.at("returned").at("amount"), unit), Percent(c.at("absorption"))});
  }
  return table.Render();
}

std::string RegionTables(const Json& regions, const std::string& unit) {
  std::string out;
  static constexpr std::pair<std::string_view, std::string_view> kLevels[] = {
      {"kelurahan", "kelurahan/desa"}, {"rw", "RW"}, {"rt", "RT"}};
  for (const auto& [key, title] : kLevels) {
    if (!regions.contains(key)) continue;
    std::string heading = "Regions by ";
    heading.append(title);
    if (!regions.at("prefix").get<std::string>().empty()) {
      heading += " under ";
      heading += regions.at("prefix").get<std::string>();
    }
    out += Section(heading);
    Table table({{"Code", false},
                 {"Enrolled", true},
                 {"Recipients", true},
                 {"Payments", true},
                 {"Paid amount", true}});
    for (const Json& r : regions.at(key)) {
      table.Add({Str(r.at("code")), FormatCount(r.at("enrolled").get<int64_t>()),
                 FormatCount(r.at("recipients").get<int64_t>()),
                 FormatCount(r.at("paid_count").get<int64_t>()), Money(r.at("paid_amount"), unit)});
    }
    out += table.Render();
  }
  return out;
}

}  // namespace

std::string DrawProgram(const Json& answer) {
  const std::string unit = answer.at("unit").get<std::string>();
  const Json& t = answer.at("totals");
  std::string out = Cat({"Programme ", Str(answer.at("program_id")), ": ", Str(answer.at("name")),
                         "\nKind ", Str(answer.at("kind")), ", unit ", unit, ", legal basis ",
                         Str(answer.at("legal_basis")), "\n"});
  out += AsOfLine(answer);
  out += '\n';
  out += DrawPairs(
      {{"Allocated", Money(t.at("allocated").at("value"), unit)},
       {"Returned to funders", Money(t.at("funds_returned").at("value"), unit)},
       {"Disbursed", Money(t.at("disbursed").at("value"), unit)},
       {"Disbursements returned", Money(t.at("disbursements_returned").at("value"), unit)},
       {"Capital granted to groups", Money(t.at("granted").at("value"), unit)},
       {"Remaining", Money(t.at("remaining").at("value"), unit)},
       {"Absorption", Percent(answer.at("absorption"))},
       {"Enrolled", FormatCount(t.at("enrolled").at("value").get<int64_t>())},
       {"Recipients", FormatCount(t.at("recipients").at("value").get<int64_t>())}},
      /*right=*/true);
  out += Section("Funders");
  Table funders({{"Funder", false}, {"Provided (net)", true}});
  for (const Json& f : answer.at("funders")) {
    funders.Add({Str(f.at("funder")), Money(f.at("provided_net"), unit)});
  }
  out += funders.Render();
  const Json& cycles = answer.at("cycles");
  out += Section("Cycles");
  out += CycleTable(cycles, unit);
  out += RegionTables(answer.at("regions"), unit);
  out += Notes({{"Remaining", &t.at("remaining")},
                {"Absorption", &answer.at("absorption")},
                {"Cycle absorption", cycles.empty() ? nullptr : &cycles.at(0).at("absorption")},
                {"Regions", &answer.at("regions")}});
  return out;
}

std::string DrawCycle(const Json& c) {
  const std::string unit = c.at("unit").get<std::string>();
  auto pair = [&](const char* key) {
    const Json& v = c.at(key);
    return Cat({Counted(v.at("count"), "payment", "payments"), ", ", Money(v.at("amount"), unit)});
  };
  std::string out = Cat({"Programme ", Str(c.at("program_id")), ", cycle ", Str(c.at("cycle")),
                         " (", Str(c.at("status")), ")\n"});
  out += AsOfLine(c);
  out += '\n';
  out += DrawPairs(
      {{"Planned", pair("planned")},
       {"Paid", pair("paid")},
       {"Returned", pair("returned")},
       {"Plan remaining", pair("remaining_plan")},
       {"Recipients reached", FormatCount(c.at("recipients_reached").at("value").get<int64_t>())},
       {"Absorption (amount)", Percent(c.at("absorption"))},
       {"Absorption (count)", Percent(c.at("absorption_count"))}});
  out += Notes({{"Recipients reached", &c.at("recipients_reached")},
                {"Absorption (amount)", &c.at("absorption")},
                {"Absorption (count)", &c.at("absorption_count")}});
  return out;
}

namespace {

std::string EntryTable(const Json& entries, const std::string& unit) {
  Table table({{"Seq", true},
               {"Date", false},
               {"Type", false},
               {"Amount", true},
               {"Balance", true},
               {"Receipt", false}});
  for (const Json& e : entries) {
    table.Add({Str(e.at("seq")), Str(e.at("date")), Str(e.at("type")), Money(e.at("amount"), unit),
               Money(e.at("balance"), unit), Str(e.at("receipt"))});
  }
  return table.Render();
}

}  // namespace

std::string DrawBeneficiary(const Json& b) {
  const std::string unit = b.at("unit").get<std::string>();
  std::string status = Str(b.at("status"));
  if (b.contains("exit_reason")) status += Cat({" (", Str(b.at("exit_reason")), ")"});
  if (b.at("personal_data_erased").get<bool>()) status += "; personal data erased";
  std::string out = Cat({"Beneficiary ", Str(b.at("beneficiary_id")), " in programme ",
                         Str(b.at("program_id")), "\n"});
  out += AsOfLine(b);
  out += '\n';
  out += DrawPairs({{"Region", Str(b.at("region_code"))},
                    {"Household", b.at("household_id") == "" ? "-" : Str(b.at("household_id"))},
                    {"Source", Str(b.at("source"))},
                    {"Status", status},
                    {"Received (net)", Money(b.at("received").at("value"), unit)}});
  out += Section("Active payments");
  Table payments({{"Cycle", false}, {"Seq", true}, {"Amount", true}});
  for (const Json& p : b.at("active_payments")) {
    payments.Add({Str(p.at("cycle")), Str(p.at("seq")), Money(p.at("amount"), unit)});
  }
  out += payments.Render();
  out += Section("Statement (every entry on the account; receipts verify against the log)");
  out += EntryTable(b.at("entries"), unit);
  out += Notes({{"Received", &b.at("received")}});
  return out;
}

namespace {

std::string LoanPairs(const Json& l) {
  const std::string unit = l.at("unit").get<std::string>();
  std::string status = Str(l.at("status"));
  if (l.at("restructured").get<bool>()) status += ", restructured";
  std::string out = DrawPairs(
      {{"Group / member", Cat({Str(l.at("group_id")), " / ", Str(l.at("member_id"))})},
       {"Status", status},
       {"Issued", Cat({Str(l.at("issued_date")), " (seq ", Str(l.at("issued_seq")), ")"})}});
  out += '\n';
  out += DrawPairs({{"Principal", Money(l.at("principal"), unit)},
                    {"Repaid", Money(l.at("repaid"), unit)},
                    {"Written off", Money(l.at("written_off"), unit)},
                    {"Recovered", Money(l.at("recovered"), unit)},
                    {"Outstanding", Money(l.at("outstanding").at("value"), unit)},
                    {"Overdue", Money(l.at("overdue").at("value"), unit)},
                    {"Days past due", Str(l.at("days_past_due").at("value"))},
                    {"Installments in arrears", Str(l.at("installments_in_arrears").at("value"))}},
                   /*right=*/true);
  return out;
}

}  // namespace

std::string DrawLoan(const Json& l) {
  const std::string unit = l.at("unit").get<std::string>();
  std::string out = Cat({"Loan ", Str(l.at("loan_id")), " (", unit, ")\n"});
  out += AsOfLine(l);
  out += '\n';
  out += LoanPairs(l);
  const Json& s = l.at("schedule");
  out += Section(Cat({"Schedule in force: ", Money(s.at("base"), unit), " in ",
                      Str(s.at("installments")), " installments every ", Str(s.at("period_days")),
                      " days from ", Str(s.at("first_due_date"))}));
  Table table({{"#", true},
               {"Due date", false},
               {"Amount", true},
               {"Paid", true},
               {"Status", false},
               {"Days past due", true}});
  for (const Json& i : s.at("items")) {
    table.Add({Str(i.at("number")), Str(i.at("due_date")), Money(i.at("amount"), unit),
               Money(i.at("paid"), unit), Str(i.at("status")), Str(i.at("days_past_due"))});
  }
  out += table.Render();
  out += Section("Entries on the loan account");
  out += EntryTable(l.at("entries"), unit);
  out += Notes({{"Outstanding", &l.at("outstanding")},
                {"Overdue", &l.at("overdue")},
                {"Days past due", &l.at("days_past_due")}});
  out += Cat({"  Schedule: ", Str(s.at("rule")), "\n"});
  return out;
}

namespace {

std::string ParLine(const Json& m) {
  return Cat({"PAR-1 ", Percent(m.at("par_1")), ", PAR-30 ", Percent(m.at("par_30")), ", PAR-90 ",
              Percent(m.at("par_90"))});
}

// The metrics of one loan book (a group, or a unit's total).
std::string BookBlock(const Json& m) {
  const std::string unit = m.at("unit").get<std::string>();
  const Json& loans = m.at("loans");
  const Json& r = m.at("restructured");
  std::string out = DrawPairs(
      {{"Open loans", Cat({Str(loans.at("open")), " (", Str(loans.at("in_arrears")),
                           " in arrears, ", Str(loans.at("restructured")), " restructured)"})},
       {"Closed loans",
        Cat({Str(loans.at("repaid")), " repaid, ", Str(loans.at("written_off")), " written off"})},
       {"Outstanding", Money(m.at("outstanding").at("value"), unit)},
       {"Overdue", Money(m.at("overdue").at("value"), unit)},
       {"PAR (not restructured)", ParLine(m)},
       {"Restructured", Cat({Counted(r.at("loans"), "loan", "loans"), ", ",
                             Money(r.at("outstanding").at("value"), unit), " (",
                             Percent(r.at("share")), " of outstanding); ", ParLine(r)})},
       {"Arrears rate", Percent(m.at("arrears_rate"))},
       {"Repayment rate", Percent(m.at("repayment_rate"))},
       {"Written off", Money(m.at("written_off").at("value"), unit)},
       {"Recovered", Money(m.at("recovered").at("value"), unit)}});
  out += Section("Aging of outstanding by days past due");
  Table aging({{"Days past due", false}, {"Loans", true}, {"Outstanding", true}});
  for (const Json& b : m.at("aging").at("buckets")) {
    aging.Add({Str(b.at("label")), FormatCount(b.at("loans").get<int64_t>()),
               Money(b.at("outstanding"), unit)});
  }
  out += aging.Render();
  return out;
}

std::string BookNotes(const Json& m) {
  return Notes({{"PAR-30 (PAR-1, PAR-90 likewise)", &m.at("par_30")},
                {"Restructured PAR-30", &m.at("restructured").at("par_30")},
                {"Arrears rate", &m.at("arrears_rate")},
                {"Repayment rate", &m.at("repayment_rate")},
                {"Aging", &m.at("aging")}});
}

}  // namespace

std::string DrawGroup(const Json& g) {
  const std::string unit = g.at("unit").get<std::string>();
  std::string out = Cat({"Group ", Str(g.at("group_id")), ": ", Str(g.at("name")), " (region ",
                         Str(g.at("region_code")), ")\n"});
  out += AsOfLine(g);
  out += '\n';
  out += DrawPairs({{"Fund (cash)", Money(g.at("fund").at("value"), unit)},
                    {"Loss (written off, net)", Money(g.at("loss").at("value"), unit)},
                    {"Capital granted", Money(g.at("granted").at("value"), unit)},
                    {"Active members", Str(g.at("members_active"))}},
                   /*right=*/true);
  out += Section("Members");
  Table members({{"Member", false}, {"Role", false}, {"Active", false}, {"Open loan", false}});
  for (const Json& m : g.at("members")) {
    members.Add({Str(m.at("member_id")), Str(m.at("role")),
                 m.at("active").get<bool>() ? "yes" : "no", Str(m.at("open_loan"))});
  }
  out += members.Render();
  out += Section("Loans");
  Table loans({{"Loan", false},
               {"Member", false},
               {"Status", false},
               {"Principal", true},
               {"Outstanding", true},
               {"Overdue", true},
               {"Days past due", true},
               {"Installments late", true}});
  for (const Json& l : g.at("loans")) {
    std::string status = Str(l.at("status"));
    if (l.at("restructured").get<bool>()) status += " (R)";
    loans.Add({Str(l.at("loan_id")), Str(l.at("member_id")), status, Money(l.at("principal"), unit),
               Money(l.at("outstanding"), unit), Money(l.at("overdue"), unit),
               Str(l.at("days_past_due")), Str(l.at("installments_in_arrears"))});
  }
  out += loans.Render();
  out += Section("Portfolio");
  out += BookBlock(g.at("portfolio"));
  out += BookNotes(g.at("portfolio"));
  out += Cat({"  Loans: ", Str(g.at("loans_legend")), "; (R) restructured\n"});
  return out;
}

std::string DrawPortfolio(const Json& p) {
  std::string out = "Loan portfolio";
  if (p.at("group").is_string()) out += Cat({" of group ", Str(p.at("group"))});
  out += '\n';
  out += AsOfLine(p);
  for (const Json& total : p.at("totals")) {
    out += Section(Cat({"Total (", Str(total.at("unit")), ")"}));
    out += BookBlock(total);
  }
  out += Section("By group");
  Table groups({{"Group", false},
                {"Unit", false},
                {"Open", true},
                {"Outstanding", true},
                {"PAR-1", true},
                {"PAR-30", true},
                {"PAR-90", true},
                {"Restructured", true},
                {"Arrears rate", true},
                {"Repayment rate", true}});
  for (const Json& g : p.at("groups")) {
    const Json& m = g.at("portfolio");
    const std::string unit = m.at("unit").get<std::string>();
    groups.Add({Str(g.at("group_id")), unit, Str(m.at("loans").at("open")),
                Money(m.at("outstanding").at("value"), unit), Percent(m.at("par_1")),
                Percent(m.at("par_30")), Percent(m.at("par_90")),
                Money(m.at("restructured").at("outstanding").at("value"), unit),
                Percent(m.at("arrears_rate")), Percent(m.at("repayment_rate"))});
  }
  out += groups.Render();
  if (!p.at("totals").empty()) out += BookNotes(p.at("totals").at(0));
  return out;
}

}  // namespace lumbung::cli

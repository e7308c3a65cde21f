// Programme summaries and cycles: totals, absorption, plan vs paid, and
// region aggregates summed at query time from the per-region rows.

#include <algorithm>
#include <map>

#include "query_internal.h"

namespace lumbung::query {

using internal::Cat;
using internal::Json;
using internal::Stamp;

namespace {

// Region levels below the Kemendagri village code pp.kk.cc.dddd: the village
// (kelurahan/desa) has 4 segments, an RW 5, an RT 6.
constexpr std::pair<size_t, std::string_view> kLevels[] = {{4, "kelurahan"}, {5, "rw"}, {6, "rt"}};

std::vector<std::string_view> Segments(std::string_view code) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t dot = code.find('.', start);
    out.push_back(code.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

// Whole segments: "31.75.07.1005.03" covers "31.75.07.1005.03" and
// "31.75.07.1005.03.005" but not "31.75.07.1005.030" (RW codes have 2 or 3
// digits, so a plain string prefix would mix RW 03 with RW 030).
bool InPrefix(std::string_view code, std::string_view prefix) {
  if (prefix.empty() || code == prefix) return true;
  return code.size() > prefix.size() && code.starts_with(prefix) && code[prefix.size()] == '.';
}

struct RegionSum {
  int64_t enrolled = 0, recipients = 0, paid_count = 0, paid_amount = 0;
  Status Add(const domain::RegionRec& r) {
    LUMBUNG_RETURN_IF_ERROR(internal::SumInto(&enrolled, r.enrolled, "enrolled"));
    LUMBUNG_RETURN_IF_ERROR(internal::SumInto(&recipients, r.recipients, "recipients"));
    LUMBUNG_RETURN_IF_ERROR(internal::SumInto(&paid_count, r.paid_count, "payments"));
    return internal::SumInto(&paid_amount, r.paid_amount, "paid amounts");
  }
  Json ToJson(std::string_view code) const {
    Json out{{"code", std::string(code)},
             {"enrolled", enrolled},
             {"recipients", recipients},
             {"paid_count", paid_count},
             {"paid_amount", paid_amount}};
    if (code.empty()) out.erase("code");
    return out;
  }
};

Result<Json> Regions(const domain::ProgramRec& p, std::string_view prefix, const Stamp& stamp) {
  const size_t prefix_segments = prefix.empty() ? 0 : Segments(prefix).size();
  for (std::string_view s : prefix.empty() ? std::vector<std::string_view>{} : Segments(prefix)) {
    if (s.empty()) {
      return Status::InvalidArgument(Cat({"region prefix \"", prefix, "\" has an empty segment"}));
    }
  }
  RegionSum total;
  std::map<std::string, RegionSum> levels[std::size(kLevels)];
  for (const auto& [code, r] : p.regions) {
    if (!InPrefix(code, prefix)) continue;
    LUMBUNG_RETURN_IF_ERROR(total.Add(r));
    const std::vector<std::string_view> segments = Segments(code);
    for (size_t i = 0; i < std::size(kLevels); ++i) {
      const size_t depth = kLevels[i].first;
      if (segments.size() < depth) continue;  // coded above this level only
      const std::string_view last = segments[depth - 1];
      const size_t length = static_cast<size_t>(last.data() + last.size() - code.data());
      LUMBUNG_RETURN_IF_ERROR(levels[i][code.substr(0, length)].Add(r));
    }
  }
  Json out{{"prefix", std::string(prefix)},
           {"unit", p.unit},
           {"formula",
            "sums of the programme's per-region rows whose code is the prefix or lies below it "
            "(whole segments); recipients: beneficiaries with an active disbursement; "
            "paid: active disbursements, net of returns and corrections; a level lists only "
            "codes recorded at least that deep"},
           {"as_of", stamp.as_of},
           {"as_of_seq", stamp.as_of_seq},
           {"total", total.ToJson("")}};
  for (size_t i = 0; i < std::size(kLevels); ++i) {
    // A level above the prefix would show partial areas: leave it out.
    if (kLevels[i].first < prefix_segments) continue;
    Json list = Json::array();
    for (const auto& [code, sum] : levels[i]) list.push_back(sum.ToJson(code));
    out[std::string(kLevels[i].second)] = std::move(list);
  }
  return out;
}

Json CycleJson(const domain::ProgramRec& p, const domain::CycleRec& c, const Stamp& stamp) {
  Json out{
      {"cycle", c.cycle}, {"status", c.closed ? "closed" : "open"}, {"opened_seq", c.opened_seq}};
  if (c.closed) out["closed_seq"] = c.closed_seq;
  out["planned"] = Json{{"count", c.planned_count}, {"amount", c.planned_amount}};
  out["paid"] = Json{{"count", c.paid_count}, {"amount", c.paid_amount}};
  out["returned"] = Json{{"count", c.returned_count}, {"amount", c.returned_amount}};
  out["remaining_plan"] =
      Json{{"count", c.planned_count - c.paid_count}, {"amount", c.planned_amount - c.paid_amount}};
  out["recipients_reached"] = internal::CountMetric(
      c.paid_count, "beneficiaries",
      "active disbursements in the cycle (at most one per beneficiary), net of returns and "
      "corrections",
      stamp);
  out["absorption"] = internal::RatioMetric(
      c.paid_amount, c.planned_amount, p.unit,
      "paid amount / planned amount of the cycle; paid = active disbursements", stamp);
  out["absorption_count"] = internal::RatioMetric(c.paid_count, c.planned_count, "payments",
                                                  "paid count / planned count of the cycle", stamp);
  return out;
}

Json Totals(const domain::ProgramRec& p, const Stamp& stamp) {
  auto amount = [&](int64_t v, std::string_view formula) {
    return internal::AmountMetric(v, p.unit, formula, stamp);
  };
  return Json{
      {"allocated", amount(p.allocated, "sum of FundsAllocated amounts, net of corrections")},
      {"funds_returned", amount(p.funds_returned,
                                "sum of FundsReturned amounts (unspent budget sent back to "
                                "funders), net of corrections")},
      {"disbursed", amount(p.disbursed,
                           "sum of active AidDisbursed amounts: payments not "
                           "returned and not corrected away")},
      {"disbursements_returned", amount(p.disbursements_returned,
                                        "sum of the disbursements that came back "
                                        "(DisbursementReturned), net of corrections")},
      {"granted", amount(p.granted, "sum of CapitalGranted amounts to groups, net of corrections")},
      {"remaining", amount(p.balance, Cat({"allocated - funds_returned - disbursed - granted = "
                                           "balance of ",
                                           domain::ProgramAccount(p.id)}))},
      {"enrolled", internal::CountMetric(p.enrolled, "beneficiaries",
                                         "beneficiaries enrolled and not exited", stamp)},
      {"recipients",
       internal::CountMetric(p.recipients, "beneficiaries",
                             "beneficiaries with at least one active disbursement", stamp)}};
}

Result<const domain::ProgramRec*> FindProgram(const internal::View& view, const std::string& id) {
  const auto it = view.state.programs.find(id);
  if (it == view.state.programs.end() || it->second.unit.empty()) {
    return internal::Unknown("unknown_program", "program_id", Cat({"no programme ", id}));
  }
  return &it->second;
}

}  // namespace

Result<Json> Program(const LedgerSnapshot& snapshot, std::string_view program_id,
                     const Options& options) {
  const std::string id(program_id);
  internal::RowSet rows;
  rows.keys = {domain::ProgramKey(id)};
  rows.prefixes = {domain::CycleKey(id, ""), domain::RegionKey(id, ""),
                   domain::ProvidedKey(id, "")};
  LUMBUNG_ASSIGN_OR_RETURN(const internal::View view, internal::LoadView(snapshot, options, rows));
  LUMBUNG_ASSIGN_OR_RETURN(const domain::ProgramRec* p, FindProgram(view, id));
  const Stamp& stamp = view.stamp;
  Json out{{"program_id", p->id},
           {"name", p->name},
           {"kind", std::string(internal::ProgramKindName(p->kind))},
           {"unit", p->unit},
           {"legal_basis", p->legal_basis},
           {"entitlement_per_cycle",
            p->entitlement_per_cycle ? Json(*p->entitlement_per_cycle) : Json(nullptr)},
           {"opened_seq", p->opened_seq},
           {"as_of_seq", stamp.as_of_seq},
           {"as_of", stamp.as_of},
           {"totals", Totals(*p, stamp)}};
  int64_t used = p->disbursed;
  LUMBUNG_RETURN_IF_ERROR(internal::SumInto(&used, p->granted, "disbursed and granted"));
  // A rotating-capital programme spends by granting capital to groups, so
  // grants count as absorbed along with disbursements.
  out["absorption"] = internal::RatioMetric(
      used, p->allocated, p->unit,
      "(disbursed + granted) / allocated; disbursed = active disbursements, granted = capital "
      "granted to groups, allocated = net allocations",
      stamp);
  std::map<std::string, int64_t> funders(p->provided_by.begin(), p->provided_by.end());
  Json funder_list = Json::array();
  for (const auto& [funder, amount] : funders) {
    funder_list.push_back(Json{{"funder", funder}, {"provided_net", amount}});
  }
  out["funders"] = std::move(funder_list);
  std::map<std::string, const domain::CycleRec*> cycles;
  for (const auto& [name, c] : p->cycles) cycles.emplace(name, &c);
  Json cycle_list = Json::array();
  for (const auto& [name, c] : cycles) cycle_list.push_back(CycleJson(*p, *c, stamp));
  out["cycles"] = std::move(cycle_list);
  LUMBUNG_ASSIGN_OR_RETURN(out["regions"], Regions(*p, options.region_prefix, stamp));
  return out;
}

Result<Json> Cycle(const LedgerSnapshot& snapshot, std::string_view program_id,
                   std::string_view cycle, const Options& options) {
  const std::string id(program_id), name(cycle);
  internal::RowSet rows;
  rows.keys = {domain::ProgramKey(id), domain::CycleKey(id, name)};
  LUMBUNG_ASSIGN_OR_RETURN(const internal::View view, internal::LoadView(snapshot, options, rows));
  LUMBUNG_ASSIGN_OR_RETURN(const domain::ProgramRec* p, FindProgram(view, id));
  const auto c = p->cycles.find(name);
  if (c == p->cycles.end()) {
    return internal::Unknown("unknown_cycle", "cycle",
                             Cat({"cycle ", name, " of programme ", id, " was never opened"}));
  }
  Json out{{"program_id", p->id},
           {"unit", p->unit},
           {"as_of_seq", view.stamp.as_of_seq},
           {"as_of", view.stamp.as_of}};
  out.update(CycleJson(*p, c->second, view.stamp));
  return out;
}

}  // namespace lumbung::query

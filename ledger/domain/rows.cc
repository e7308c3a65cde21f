#include "lumbung/ledger/domain/rows.h"

#include <algorithm>
#include <cstdint>

#include "lumbung/base/text.h"
#include "lumbung/fb/state_generated.h"

namespace lumbung::domain {
namespace {

using flatbuffers::FlatBufferBuilder;

std::string Join(char prefix, std::initializer_list<std::string_view> parts) {
  std::string key(1, prefix);
  for (std::string_view p : parts) {
    key += '/';
    key.append(p);
  }
  return key;
}

// The calling thread's builder, cleared. Rows are encoded by the million
// for a digest (and by the thousand for every commit group), and a fresh
// builder allocated its buffer each time. Clear keeps the buffer; the bytes
// a builder makes do not depend on it. Each Encode function is done with
// the builder before it returns, so they never share it. After an
// unusually large row (a history row of a big batch) the buffer goes, so a
// thread keeps at most kKeptBytes.
FlatBufferBuilder& Builder() {
  constexpr size_t kKeptBytes = 64 << 10;
  thread_local FlatBufferBuilder fbb(512);
  if (fbb.GetSize() > kKeptBytes) {
    fbb.Reset();
  } else {
    fbb.Clear();
  }
  return fbb;
}

std::string Finish(FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

auto Str(FlatBufferBuilder& fbb, const std::string& s) {
  return fbb.CreateString(s);
}

// Verifies `value` as a T and returns its root (valid while `aligned` lives).
template <typename T>
const T* Open(std::string_view value, std::string* aligned) {
  aligned->assign(value);  // heap copy: aligned for in-place scalar reads
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(aligned->data()),
                                 aligned->size());
  if (!verifier.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(aligned->data());
}

// Opens the row of the record `id`: null when `value` does not verify as a
// T or names another record (the value's id field, `name`, must equal the
// key's id).
template <typename T>
const T* OpenNamed(std::string_view value, std::string_view id,
                   const flatbuffers::String* (T::*name)() const, std::string* aligned) {
  const T* row = Open<T>(value, aligned);
  if (row == nullptr || (row->*name)() == nullptr || (row->*name)()->string_view() != id) {
    return nullptr;
  }
  return row;
}

std::string S(const flatbuffers::String* s) {
  return s != nullptr ? s->str() : std::string();
}
std::string_view SV(const flatbuffers::String* s) {
  return s != nullptr ? s->string_view() : std::string_view();
}

std::vector<std::string_view> Split(std::string_view key) {
  std::vector<std::string_view> parts;
  size_t start = 2;  // past "X/"
  while (start <= key.size()) {
    const size_t slash = std::min(key.find('/', start), key.size());
    parts.push_back(key.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

Status Bad(std::string_view key) {
  return Status::Corruption("malformed projection row " + std::string(key));
}

// How many parts (record ids, parents first) a key of `kind` has; 0 for a
// kind LoadRow does not know.
size_t KeyParts(char kind) {
  switch (kind) {
    case 'P':
    case 'G':
    case 'L':
    case 'F': return 1;
    case 'C':
    case 'B':
    case 'R':
    case 'M':
    case 'V': return 2;
    case 'Q': return 3;
    default: return 0;
  }
}

}  // namespace

std::string ProgramKey(std::string_view p) {
  return Join('P', {p});
}
std::string CycleKey(std::string_view p, std::string_view c) {
  return Join('C', {p, c});
}
std::string BeneficiaryKey(std::string_view p, std::string_view b) {
  return Join('B', {p, b});
}
std::string PaidKey(std::string_view p, std::string_view b, std::string_view c) {
  return Join('Q', {p, b, c});
}
std::string RegionKey(std::string_view p, std::string_view r) {
  return Join('R', {p, r});
}
std::string ProvidedKey(std::string_view p, std::string_view f) {
  return Join('V', {p, f});
}
std::string FunderKey(std::string_view f) {
  return Join('F', {f});
}
std::string GroupKey(std::string_view g) {
  return Join('G', {g});
}
std::string MemberKey(std::string_view g, std::string_view m) {
  return Join('M', {g, m});
}
std::string LoanKey(std::string_view l) {
  return Join('L', {l});
}
std::string ReversedKey(uint64_t seq) {
  return Join('X', {BigEndian64(seq)});
}
std::string ReturnedKey(uint64_t seq) {
  return Join('Y', {BigEndian64(seq)});
}
std::string HistoryPrefix(std::string_view account) {
  return Join('H', {account}) + "/";
}
std::string HistoryKey(std::string_view account, uint64_t first_seq) {
  return HistoryPrefix(account) + BigEndian64(first_seq);
}

std::string EncodeProgram(const ProgramRec& r) {
  FlatBufferBuilder& fbb = Builder();
  const auto id = Str(fbb, r.id), name = Str(fbb, r.name), unit = Str(fbb, r.unit),
             basis = Str(fbb, r.legal_basis);
  fb::ProgramRowBuilder b(fbb);
  b.add_program_id(id);
  b.add_name(name);
  b.add_kind(r.kind);
  b.add_unit(unit);
  if (r.entitlement_per_cycle) b.add_entitlement_per_cycle(*r.entitlement_per_cycle);
  b.add_legal_basis(basis);
  b.add_opened_seq(r.opened_seq);
  b.add_balance(r.balance);
  b.add_allocated(r.allocated);
  b.add_funds_returned(r.funds_returned);
  b.add_disbursed(r.disbursed);
  b.add_disbursements_returned(r.disbursements_returned);
  b.add_granted(r.granted);
  b.add_enrolled(r.enrolled);
  b.add_recipients(r.recipients);
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

std::string EncodeCycle(const CycleRec& r) {
  FlatBufferBuilder& fbb = Builder();
  const auto c = Str(fbb, r.cycle);
  fb::CycleRowBuilder b(fbb);
  b.add_cycle(c);
  b.add_planned_count(r.planned_count);
  b.add_planned_amount(r.planned_amount);
  b.add_closed(r.closed);
  b.add_paid_count(r.paid_count);
  b.add_paid_amount(r.paid_amount);
  b.add_returned_count(r.returned_count);
  b.add_returned_amount(r.returned_amount);
  b.add_opened_seq(r.opened_seq);
  b.add_closed_seq(r.closed_seq);
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

std::string EncodeBeneficiary(const BeneficiaryRec& r) {
  FlatBufferBuilder& fbb = Builder();
  const auto id = Str(fbb, r.id()), region = Str(fbb, r.region_code),
             household = Str(fbb, r.household_id), source = Str(fbb, r.source);
  fb::BeneficiaryRowBuilder b(fbb);
  b.add_beneficiary_id(id);
  b.add_region_code(region);
  b.add_household_id(household);
  b.add_source(source);
  b.add_status(static_cast<uint8_t>(r.status));
  b.add_exit_reason(r.exit_reason);
  b.add_enrolled_seq(r.enrolled_seq);
  b.add_exited_seq(r.exited_seq);
  b.add_erased(r.erased);
  b.add_balance(r.balance);
  b.add_active_disbursements(static_cast<int64_t>(r.paid.size()));
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

std::string EncodePaid(const PaidRec& r) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreatePaidRow(fbb, Str(fbb, r.cycle()), r.seq, r.amount, Str(fbb, r.region())));
  return Finish(fbb);
}

std::string EncodeRegion(const RegionRec& r) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreateRegionRow(fbb, Str(fbb, r.code), r.recipients, r.paid_count, r.paid_amount,
                                 r.enrolled));
  return Finish(fbb);
}

std::string EncodeProvided(std::string_view funder, int64_t amount) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreateProvidedRow(fbb, fbb.CreateString(funder.data(), funder.size()), amount));
  return Finish(fbb);
}

std::string EncodeFunder(const FunderRec& r) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreateFunderRow(fbb, Str(fbb, r.id), Str(fbb, r.unit), r.balance));
  return Finish(fbb);
}

std::string EncodeGroup(const GroupRec& r) {
  FlatBufferBuilder& fbb = Builder();
  const auto id = Str(fbb, r.id), name = Str(fbb, r.name), region = Str(fbb, r.region_code),
             unit = Str(fbb, r.unit);
  fb::GroupRowBuilder b(fbb);
  b.add_group_id(id);
  b.add_name(name);
  b.add_region_code(region);
  if (r.max_loan) b.add_max_loan(*r.max_loan);
  if (r.max_installments) b.add_max_installments(*r.max_installments);
  b.add_unit(unit);
  b.add_formed_seq(r.formed_seq);
  b.add_fund(r.fund);
  b.add_loss(r.loss);
  b.add_granted(r.granted);
  b.add_members_active(r.members_active);
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

std::string EncodeMember(const MemberRec& r) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreateMemberRow(fbb, Str(fbb, r.id), r.role, r.active, Str(fbb, r.open_loan),
                                 r.joined_seq, r.left_seq));
  return Finish(fbb);
}

std::string EncodeLoan(const LoanRec& r) {
  FlatBufferBuilder& fbb = Builder();
  const auto id = Str(fbb, r.id), group = Str(fbb, r.group_id), member = Str(fbb, r.member_id),
             unit = Str(fbb, r.unit);
  fb::LoanRowBuilder b(fbb);
  b.add_loan_id(id);
  b.add_group_id(group);
  b.add_member_id(member);
  b.add_unit(unit);
  b.add_principal(r.principal);
  b.add_repaid(r.repaid);
  b.add_written_off(r.written_off);
  b.add_recovered(r.recovered);
  b.add_outstanding(r.outstanding);
  b.add_status(static_cast<uint8_t>(r.status));
  b.add_restructured(r.restructured);
  b.add_schedule_base(r.schedule.base);
  b.add_paid_on_schedule(r.schedule.paid_on_schedule);
  b.add_installments(r.schedule.installments);
  b.add_period_days(r.schedule.period_days);
  b.add_first_due_day(r.schedule.first_due_day);
  b.add_issued_seq(r.issued_seq);
  b.add_issued_day(r.issued_day);
  b.add_written_off_seq(r.written_off_seq);
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

std::string EncodeReversed(uint64_t by_seq) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreateReversedRow(fbb, by_seq));
  return Finish(fbb);
}

std::string EncodeReturned(std::string_view region_code) {
  FlatBufferBuilder& fbb = Builder();
  fbb.Finish(fb::CreateReturnedRow(fbb, fbb.CreateString(region_code.data(), region_code.size())));
  return Finish(fbb);
}

std::string EncodeHistory(std::string_view unit, const std::vector<HistoryItem>& items) {
  FlatBufferBuilder& fbb = Builder();
  const auto u = fbb.CreateString(unit.data(), unit.size());
  fb::HistoryItem* out = nullptr;
  const auto v = fbb.CreateUninitializedVectorOfStructs(items.size(), &out);
  for (const auto& i : items) *out++ = fb::HistoryItem(i.seq, i.balance);
  fbb.Finish(fb::CreateHistoryRow(fbb, u, v));
  return Finish(fbb);
}

Status DecodeHistory(std::string_view value, std::string* unit, std::vector<HistoryItem>* out) {
  std::string aligned;
  const auto* row = Open<fb::HistoryRow>(value, &aligned);
  if (row == nullptr ||
      !ElementsAligned(row->items()->data(), row->items()->size(), alignof(fb::HistoryItem))) {
    return Status::Corruption("malformed history row");
  }
  *unit = S(row->unit());
  for (const fb::HistoryItem* i : *row->items()) out->push_back({i->seq(), i->balance()});
  return Status();
}

namespace {

Status LoadProgramRow(State& state, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::ProgramRow::program_id, &aligned);
  if (row == nullptr) return Status::Corruption("malformed program row");
  ProgramRec& r = state.programs[row->program_id()->str()];
  r.id = row->program_id()->str();
  r.name = S(row->name());
  r.kind = row->kind();
  r.unit = S(row->unit());
  if (row->entitlement_per_cycle()) r.entitlement_per_cycle = *row->entitlement_per_cycle();
  r.legal_basis = S(row->legal_basis());
  r.opened_seq = row->opened_seq();
  r.balance = row->balance();
  r.allocated = row->allocated();
  r.funds_returned = row->funds_returned();
  r.disbursed = row->disbursed();
  r.disbursements_returned = row->disbursements_returned();
  r.granted = row->granted();
  r.enrolled = row->enrolled();
  r.recipients = row->recipients();
  return Status();
}

// Child rows take their parent as a function, called only once the row is
// known good: a refused row leaves the state as it was.
template <class Parent>
Status LoadCycleRow(Parent program, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::CycleRow::cycle, &aligned);
  if (row == nullptr) return Status::Corruption("malformed cycle row");
  CycleRec& r = program().cycles[row->cycle()->str()];
  r.cycle = row->cycle()->str();
  r.planned_count = row->planned_count();
  r.planned_amount = row->planned_amount();
  r.closed = row->closed();
  r.paid_count = row->paid_count();
  r.paid_amount = row->paid_amount();
  r.returned_count = row->returned_count();
  r.returned_amount = row->returned_amount();
  r.opened_seq = row->opened_seq();
  r.closed_seq = row->closed_seq();
  return Status();
}

template <class Parent>
Status LoadBeneficiaryRow(InternPool& strings, Parent program, std::string_view id,
                          std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::BeneficiaryRow::beneficiary_id, &aligned);
  if (row == nullptr) return Status::Corruption("malformed beneficiary row");
  const auto it = program().beneficiaries.try_emplace(row->beneficiary_id()->str()).first;
  BeneficiaryRec& r = it->second;
  r.SetId(it->first);
  r.region_code = strings.Intern(SV(row->region_code()));
  r.household_id = S(row->household_id());
  r.source = strings.Intern(SV(row->source()));
  r.status = static_cast<BeneficiaryStatus>(row->status());
  r.exit_reason = row->exit_reason();
  r.enrolled_seq = row->enrolled_seq();
  r.exited_seq = row->exited_seq();
  r.erased = row->erased();
  r.balance = row->balance();
  return Status();
}

template <class Parent>
Status LoadPaidRow(InternPool& strings, Parent ben, std::string_view cycle,
                   std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, cycle, &fb::PaidRow::cycle, &aligned);
  if (row == nullptr) return Status::Corruption("malformed paid row");
  ben().AddPaid(PaidRec{strings.Place(row->cycle()->string_view(), SV(row->region_code())),
                        row->seq(), row->amount()});
  return Status();
}

template <class Parent>
Status LoadRegionRow(Parent program, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::RegionRow::region_code, &aligned);
  if (row == nullptr) return Status::Corruption("malformed region row");
  RegionRec& r = program().regions[row->region_code()->str()];
  r.code = row->region_code()->str();
  r.recipients = row->recipients();
  r.paid_count = row->paid_count();
  r.paid_amount = row->paid_amount();
  r.enrolled = row->enrolled();
  return Status();
}

Status LoadGroupRow(State& state, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::GroupRow::group_id, &aligned);
  if (row == nullptr) return Status::Corruption("malformed group row");
  GroupRec& r = state.groups[row->group_id()->str()];
  r.id = row->group_id()->str();
  r.name = S(row->name());
  r.region_code = S(row->region_code());
  if (row->max_loan()) r.max_loan = *row->max_loan();
  if (row->max_installments()) r.max_installments = *row->max_installments();
  r.unit = S(row->unit());
  r.formed_seq = row->formed_seq();
  r.fund = row->fund();
  r.loss = row->loss();
  r.granted = row->granted();
  r.members_active = row->members_active();
  return Status();
}

template <class Parent>
Status LoadMemberRow(Parent group, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::MemberRow::member_id, &aligned);
  if (row == nullptr) return Status::Corruption("malformed member row");
  MemberRec& r = group().members[row->member_id()->str()];
  r.id = row->member_id()->str();
  r.role = row->role();
  r.active = row->active();
  r.open_loan = S(row->open_loan());
  r.joined_seq = row->joined_seq();
  r.left_seq = row->left_seq();
  return Status();
}

Status LoadLoanRow(State& state, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::LoanRow::loan_id, &aligned);
  if (row == nullptr) return Status::Corruption("malformed loan row");
  LoanRec& r = state.loans[row->loan_id()->str()];
  r.id = row->loan_id()->str();
  r.group_id = S(row->group_id());
  r.member_id = S(row->member_id());
  r.unit = S(row->unit());
  r.principal = row->principal();
  r.repaid = row->repaid();
  r.written_off = row->written_off();
  r.recovered = row->recovered();
  r.outstanding = row->outstanding();
  r.status = static_cast<LoanStatus>(row->status());
  r.restructured = row->restructured();
  r.schedule = Schedule{row->schedule_base(), row->paid_on_schedule(), row->installments(),
                        row->period_days(), row->first_due_day()};
  r.issued_seq = row->issued_seq();
  r.issued_day = row->issued_day();
  r.written_off_seq = row->written_off_seq();
  return Status();
}

Status LoadProvidedRow(State& state, const std::vector<std::string_view>& parts,
                       std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, parts[1], &fb::ProvidedRow::funder, &aligned);
  if (row == nullptr) return Status::Corruption("malformed provided-by row");
  state.programs[std::string(parts[0])].provided_by[row->funder()->str()] = row->amount();
  return Status();
}

Status LoadFunderRow(State& state, std::string_view id, std::string_view value) {
  std::string aligned;
  const auto* row = OpenNamed(value, id, &fb::FunderRow::funder, &aligned);
  if (row == nullptr) return Status::Corruption("malformed funder row");
  FunderRec& r = state.funders[row->funder()->str()];
  r.id = row->funder()->str();
  r.unit = S(row->unit());
  r.balance = row->balance();
  return Status();
}

// Reversal ('X') and return ('Y') rows, keyed by a big-endian seq.
Status LoadSeqRow(State& state, char kind, std::string_view key, std::string_view value) {
  std::string aligned;
  if (key.size() != 10) return Bad(key);
  const uint64_t seq = GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data() + 2));
  if (kind == 'X') {
    const auto* row = Open<fb::ReversedRow>(value, &aligned);
    if (row == nullptr) return Bad(key);
    state.reversed[seq] = row->by_seq();
  } else {
    const auto* row = Open<fb::ReturnedRow>(value, &aligned);
    if (row == nullptr) return Bad(key);
    state.returned_regions[seq] = S(row->region_code());
  }
  return Status();
}

// One record's row of `kind`, its key split into `parts` (checked by LoadRow).
Status LoadRecord(State& state, char kind, const std::vector<std::string_view>& parts,
                  std::string_view value) {
  const std::string_view id = parts.back();
  auto program = [&]() -> ProgramRec& { return state.programs[std::string(parts[0])]; };
  switch (kind) {
    case 'P': return LoadProgramRow(state, id, value);
    case 'C': return LoadCycleRow(program, id, value);
    case 'B': return LoadBeneficiaryRow(state.strings, program, id, value);
    case 'Q': {
      auto beneficiary = [&]() -> BeneficiaryRec& {
        return program().beneficiaries[std::string(parts[1])];
      };
      return LoadPaidRow(state.strings, beneficiary, id, value);
    }
    case 'R': return LoadRegionRow(program, id, value);
    case 'G': return LoadGroupRow(state, id, value);
    case 'M': {
      auto group = [&]() -> GroupRec& { return state.groups[std::string(parts[0])]; };
      return LoadMemberRow(group, id, value);
    }
    case 'L': return LoadLoanRow(state, id, value);
    case 'V': return LoadProvidedRow(state, parts, value);
    case 'F': return LoadFunderRow(state, id, value);
    default: return Status::Corruption("unknown row kind");  // LoadRow checked
  }
}

}  // namespace

void FinishLoad(State& state, uint64_t applied) {
  for (auto& [id, p] : state.programs) {
    p.id = id;
    for (auto& [bid, b] : p.beneficiaries) b.SetId(bid);
  }
  for (auto& [id, g] : state.groups) g.id = id;
  state.applied = applied;
}

Status LoadRow(State& state, std::string_view key, std::string_view value) {
  if (key.size() < 3 || key[1] != '/') return Bad(key);
  const char kind = key[0];
  if (kind == kHistoryPrefix) return Status();  // an index, not state
  if (kind == 'X' || kind == 'Y') return LoadSeqRow(state, kind, key, value);
  // The key names the record and its parents, and the value must name the
  // same record: a row loads only as the row its record writes back.
  const auto parts = Split(key);
  const size_t expected = KeyParts(kind);
  if (expected == 0 || parts.size() != expected ||
      std::any_of(parts.begin(), parts.end(), [](std::string_view p) { return p.empty(); })) {
    return Bad(key);
  }
  const Status loaded = LoadRecord(state, kind, parts, value);
  if (loaded.ok()) return loaded;
  return Status::Corruption(std::string(loaded.message()) + " under key " + std::string(key));
}

namespace {

// Keys are Join(kind, parts), so the rows of one kind sort by their parts
// joined with '/'. Ids hold no '/' (IsIdChar), so comparing joined strings
// is comparing part by part, every part but the last as if followed by its
// '/': "a" + "/" sorts after "a-b" + "/", since '-' < '/'.
int ComparePart(std::string_view a, std::string_view b, bool last) {
  const size_t n = std::min(a.size(), b.size());
  const int c = a.substr(0, n).compare(b.substr(0, n));
  if (c != 0 || a.size() == b.size()) return c;
  const bool a_shorter = a.size() < b.size();
  if (last) return a_shorter ? -1 : 1;
  // The shorter part goes on with '/', the longer with an id character.
  const auto next = static_cast<unsigned char>(a_shorter ? b[n] : a[n]);
  const bool shorter_first = static_cast<unsigned char>('/') < next;
  return a_shorter == shorter_first ? -1 : 1;
}

// One row to come, found by reference into the state: `owner` and `id` are
// the key's parts, `rec` the record the value is encoded from.
template <class Rec>
struct Pending {
  std::string_view owner;
  std::string_view id;
  const Rec* rec;
};

// Sorts two-part rows by key: (owner as a middle part, id as the last).
template <class Rec>
void SortByKey(std::vector<Pending<Rec>>& rows, bool id_is_last) {
  std::sort(rows.begin(), rows.end(), [id_is_last](const Pending<Rec>& x, const Pending<Rec>& y) {
    const int c = ComparePart(x.owner, y.owner, /*last=*/false);
    return c != 0 ? c < 0 : ComparePart(x.id, y.id, id_is_last) < 0;
  });
}

// The rows of one map keyed by a single id, in key order.
template <class Map, class EncodeFn>
void EmitSingle(const Map& map, std::string (*key_of)(std::string_view), EncodeFn encode,
                const std::function<void(const std::string&, const std::string&)>& fn) {
  std::vector<const typename Map::value_type*> sorted;
  sorted.reserve(map.size());
  for (const auto& item : map) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(), [](const auto* x, const auto* y) {
    return ComparePart(x->first, y->first, /*last=*/true) < 0;
  });
  for (const auto* item : sorted) fn(key_of(item->first), encode(item->second));
}

// The rows of one per-programme (or per-group) map, in key order.
template <class Owners, class Rec, class ChildrenFn, class KeyFn, class EncodeFn>
void EmitNested(const Owners& owners, ChildrenFn children, KeyFn key_of, EncodeFn encode,
                const std::function<void(const std::string&, const std::string&)>& fn) {
  std::vector<Pending<Rec>> rows;
  for (const auto& [owner_id, owner] : owners) {
    for (const auto& [id, rec] : children(owner)) rows.push_back({owner_id, id, &rec});
  }
  SortByKey(rows, /*id_is_last=*/true);
  for (const auto& row : rows) fn(key_of(row.owner, row.id), encode(*row.rec));
}

// Rows 'B' .. 'P', in key order.
void EmitBeforeSplit(const State& state,
                     const std::function<void(const std::string&, const std::string&)>& fn) {
  const auto beneficiaries = [](const ProgramRec& p) -> const auto& {
    return p.beneficiaries;
  };
  EmitNested<StringMap<ProgramRec>, BeneficiaryRec>(state.programs, beneficiaries, BeneficiaryKey,
                                                    EncodeBeneficiary, fn);
  EmitNested<StringMap<ProgramRec>, CycleRec>(
      state.programs, [](const ProgramRec& p) -> const auto& { return p.cycles; }, CycleKey,
      EncodeCycle, fn);
  EmitSingle(state.funders, FunderKey, EncodeFunder, fn);
  EmitSingle(state.groups, GroupKey, EncodeGroup, fn);
  EmitSingle(state.loans, LoanKey, EncodeLoan, fn);
  EmitNested<StringMap<GroupRec>, MemberRec>(
      state.groups, [](const GroupRec& g) -> const auto& { return g.members; }, MemberKey,
      EncodeMember, fn);
  EmitSingle(state.programs, ProgramKey, EncodeProgram, fn);
}

// Rows 'Q' (kStateRowsSplitKey) .. 'Y', in key order.
void EmitFromSplit(const State& state,
                   const std::function<void(const std::string&, const std::string&)>& fn) {
  // Paid rows: Q/<p>/<b>/<cycle>, so beneficiaries in the order of "<p>/<b>/"
  // (not that of B rows), then each one's cycles.
  std::vector<Pending<BeneficiaryRec>> owners;
  for (const auto& [program_id, p] : state.programs) {
    for (const auto& [id, b] : p.beneficiaries) {
      if (!b.paid.empty()) owners.push_back({program_id, id, &b});
    }
  }
  SortByKey(owners, /*id_is_last=*/false);
  std::vector<const PaidRec*> paid;
  for (const auto& owner : owners) {
    paid.clear();
    for (const PaidRec& q : owner.rec->paid) paid.push_back(&q);
    std::sort(paid.begin(), paid.end(), [](const PaidRec* x, const PaidRec* y) {
      return ComparePart(x->cycle(), y->cycle(), /*last=*/true) < 0;
    });
    for (const PaidRec* q : paid) fn(PaidKey(owner.owner, owner.id, q->cycle()), EncodePaid(*q));
  }
  EmitNested<StringMap<ProgramRec>, RegionRec>(
      state.programs, [](const ProgramRec& p) -> const auto& { return p.regions; }, RegionKey,
      EncodeRegion, fn);
  std::vector<Pending<int64_t>> provided;
  for (const auto& [program_id, p] : state.programs) {
    for (const auto& [funder, amount] : p.provided_by)
      provided.push_back({program_id, funder, &amount});
  }
  SortByKey(provided, /*id_is_last=*/true);
  for (const auto& row : provided) {
    fn(ProvidedKey(row.owner, row.id), EncodeProvided(row.id, *row.rec));
  }
  // Big-endian seq keys: the maps' numeric order is the key order.
  for (const auto& [seq, by] : state.reversed) fn(ReversedKey(seq), EncodeReversed(by));
  for (const auto& [seq, region] : state.returned_regions) {
    fn(ReturnedKey(seq), EncodeReturned(region));
  }
}

}  // namespace

// Rows are made and handed out one at a time, never gathered: at 10M
// entries the gathered rows took more memory than the state they encode.
// Kinds go in the order of their key letters (B C F G L M P Q R V X Y);
// within a kind only pointers are sorted.
void ForEachStateRow(const State& state,
                     const std::function<void(const std::string&, const std::string&)>& fn,
                     StateRows which) {
  if (which != StateRows::kFromSplit) EmitBeforeSplit(state, fn);
  if (which != StateRows::kBeforeSplit) EmitFromSplit(state, fn);
}

}  // namespace lumbung::domain

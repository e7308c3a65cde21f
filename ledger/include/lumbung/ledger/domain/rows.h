// Projection rows: the state's records as (key, value) pairs, the form in
// which they are persisted (group deltas, then folded rows) and read back.
//
// Keys (ids never contain '/', region codes and cycles neither):
//   P/<program>                    ProgramRow
//   C/<program>/<cycle>            CycleRow
//   B/<program>/<beneficiary>      BeneficiaryRow
//   Q/<program>/<beneficiary>/<cycle>  PaidRow   (an active disbursement slot)
//   R/<program>/<region_code>      RegionRow
//   V/<program>/<funder>           ProvidedRow   (net allocated by that funder)
//   F/<funder>                     FunderRow
//   G/<group>                      GroupRow
//   M/<group>/<member>             MemberRow
//   L/<loan>                       LoanRow
//   X/<BE64 seq>                   ReversedRow   (an entry a correction reversed)
//   Y/<BE64 seq>                   ReturnedRow   (where a returned disbursement was paid)
//   H/<account>/<BE64 first seq>   HistoryRow    (postings of one account in one group)
// Values are FlatBuffers tables (schemas/state.fbs), verified when decoded.
//
// Thread safety: pure functions.

#ifndef LUMBUNG_LEDGER_DOMAIN_ROWS_H_
#define LUMBUNG_LEDGER_DOMAIN_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/base/result.h"
#include "lumbung/ledger/domain/state.h"

namespace lumbung::domain {

inline constexpr char kHistoryPrefix = 'H';

std::string ProgramKey(std::string_view program);
std::string CycleKey(std::string_view program, std::string_view cycle);
std::string BeneficiaryKey(std::string_view program, std::string_view beneficiary);
std::string PaidKey(std::string_view program, std::string_view beneficiary, std::string_view cycle);
std::string RegionKey(std::string_view program, std::string_view region);
std::string ProvidedKey(std::string_view program, std::string_view funder);
std::string FunderKey(std::string_view funder);
std::string GroupKey(std::string_view group);
std::string MemberKey(std::string_view group, std::string_view member);
std::string LoanKey(std::string_view loan);
std::string ReversedKey(uint64_t seq);
std::string ReturnedKey(uint64_t seq);
std::string HistoryKey(std::string_view account, uint64_t first_seq);
std::string HistoryPrefix(std::string_view account);

std::string EncodeProgram(const ProgramRec& r);
std::string EncodeCycle(const CycleRec& r);
std::string EncodeBeneficiary(const BeneficiaryRec& r);
std::string EncodePaid(const PaidRec& r);
std::string EncodeRegion(const RegionRec& r);
std::string EncodeProvided(std::string_view funder, int64_t amount);
std::string EncodeFunder(const FunderRec& r);
std::string EncodeGroup(const GroupRec& r);
std::string EncodeMember(const MemberRec& r);
std::string EncodeLoan(const LoanRec& r);
std::string EncodeReversed(uint64_t by_seq);
std::string EncodeReturned(std::string_view region_code);

struct HistoryItem {
  uint64_t seq;
  int64_t balance;  // after the entry
};
std::string EncodeHistory(std::string_view unit, const std::vector<HistoryItem>& items);
Status DecodeHistory(std::string_view value, std::string* unit, std::vector<HistoryItem>* out);

// Whether the `count` elements at `data` (a verified FlatBuffers vector)
// may be read in place. The Verifier of FlatBuffers 2.0 checks a vector's
// length field, not its elements' alignment: stored bytes could put 8-byte
// elements at an address that is not a multiple of 8 (found by fuzz/stored).
inline bool ElementsAligned(const void* data, size_t count, size_t alignment) {
  return count == 0 || reinterpret_cast<uintptr_t>(data) % alignment == 0;
}

// Restores one row into `state` (creating parents on demand, so rows may
// come in any order). Corruption if the key or value is malformed.
Status LoadRow(State& state, std::string_view key, std::string_view value);
// After the rows are loaded: fills the ids of records created as parents of
// rows loaded before them, and sets `applied`.
void FinishLoad(State& state, uint64_t applied);

// Which state rows ForEachStateRow gives: all, or those on one side of
// kStateRowsSplitKey (the paid slots 'Q' and after), so that two threads
// can encode the two sides (the paid slots are about half of the work).
enum class StateRows { kAll, kBeforeSplit, kFromSplit };
inline constexpr char kStateRowsSplitKey = 'Q';

// Every state row (all but history) of `which`, in key order.
void ForEachStateRow(const State& state,
                     const std::function<void(const std::string&, const std::string&)>& fn,
                     StateRows which = StateRows::kAll);

}  // namespace lumbung::domain

#endif  // LUMBUNG_LEDGER_DOMAIN_ROWS_H_

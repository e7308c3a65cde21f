// The vault: personal data given at enrolment, sealed, one row per
// (programme, beneficiary) in the `pii` column family (DESIGN §8). The log
// holds only the commitment (lumbung/ledger/pii.h); erasing a person
// deletes the row, and with it the only copy of their data key, salt and
// data, while every entry, hash and proof stays as it was.
//
// Key:   program_id 0x00 beneficiary_id   (ids never contain 0x00)
//
// Value (version 1), 1 + 60 + 12 + n + 16 bytes:
//
//   row         := version:u8 (= 1)
//                  key_iv:12  wrapped_key:32  key_tag:16   the data key, AES-256-GCM
//                                                          under the master key
//                  data_iv:12 sealed:n        data_tag:16  AES-256-GCM under the data key
//   plaintext of sealed := salt:32 || canonical(data)      (canonical: see pii.h)
//   AAD of the key      := "lumbung.pii.key.v1"  || version || ids
//   AAD of the data     := "lumbung.pii.data.v1" || version || ids
//   ids                 := u32be(len) program_id || u32be(len) beneficiary_id
//
// Why each choice:
//   * A random data key per person, wrapped under the master key
//     (keys/pii.key): erasing one person destroys one key, never the
//     master; a master-key rotation rewraps 32 bytes per person instead of
//     re-encrypting everyone's data. The raw data key exists only in memory
//     while a row is sealed or opened (and is wiped after); it is never
//     written anywhere.
//   * AES-256-GCM (OpenSSL EVP): authenticated, so a flipped bit, a wrong
//     master key or a truncated row fails to open rather than yielding
//     wrong data. Fresh random 12-byte IVs: each key encrypts very few
//     messages (a data key one, the master key one per enrolment), far
//     below the 2^32 random-IV bound for GCM.
//   * The ids in both AADs: a row copied under another person's key (or
//     another person's wrapped key spliced in) does not open.
//   * The salt is inside the ciphertext, not beside it: whoever copies the
//     database without keys/pii.key cannot test NIK guesses (NIKs are
//     structured: region, birth date, serial) against the public
//     commitment.
//   * The version byte is authenticated (in both AADs) and lets a later
//     format (another cipher, a rotated master key id) coexist.
//
// Thread safety: pure functions (randomness from OpenSSL's CSPRNG).

#ifndef LUMBUNG_LEDGER_STORE_PII_VAULT_H_
#define LUMBUNG_LEDGER_STORE_PII_VAULT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/pii.h"
#include "lumbung/ledger/secrets.h"

#include "db.h"

namespace lumbung::store::vault {

inline constexpr uint8_t kRowVersion = 1;
inline constexpr size_t kKeyBytes = 32;  // AES-256
inline constexpr size_t kIvBytes = 12;   // GCM's native nonce size
inline constexpr size_t kTagBytes = 16;  // full-length GCM tag
inline constexpr size_t kWrappedKeyBytes = kIvBytes + kKeyBytes + kTagBytes;
inline constexpr size_t kRowOverheadBytes = 1 + kWrappedKeyBytes + kIvBytes + kTagBytes;
static_assert(kWrappedKeyBytes == 60);
static_assert(kRowOverheadBytes == 89);
// Offsets of the row's parts.
inline constexpr size_t kWrappedKeyOffset = 1;
inline constexpr size_t kDataIvOffset = kWrappedKeyOffset + kWrappedKeyBytes;
inline constexpr size_t kSealedOffset = kDataIvOffset + kIvBytes;

std::string RowKey(std::string_view program_id, std::string_view beneficiary_id);

struct SealedRow {
  std::string value;
  audit::Hash commitment{};
};

// Seals `data` with a fresh salt, data key and IVs.
SealedRow Seal(const Secret& master_key, std::string_view program_id,
               std::string_view beneficiary_id, const PersonalData& data);

// Opens a row sealed by Seal for the same ids and master key; Corruption
// naming the person otherwise.
Result<HeldPersonalData> Open(const Secret& master_key, std::string_view program_id,
                              std::string_view beneficiary_id, std::string_view value);

// Reads the raw row of a person (nullopt if absent) from `db` at `snapshot`
// (null: the latest state). A database opened read-only from before the
// vault existed has no `pii` column family and no rows.
Result<std::optional<std::string>> ReadRow(const Db& db, const rocksdb::Snapshot* snapshot,
                                           std::string_view program_id,
                                           std::string_view beneficiary_id);

// Makes the storage drop the bytes of erased rows (the deletes must already
// be committed): flushes every column family, so that no live WAL still
// holds a sealed row; compacts the `pii` column family down to its bottom
// level, which drops deleted rows and their tombstones; then deletes the
// files this made obsolete and checks that no WAL written before the purge
// is left. A reader's snapshot taken before the delete keeps the old row
// alive; the purge waits a little for such snapshots to go, then reports
// Busy if one remains.
Status PurgeErased(Db& db);

}  // namespace lumbung::store::vault

#endif  // LUMBUNG_LEDGER_STORE_PII_VAULT_H_

#include "pii_vault.h"

#include <chrono>
#include <cstring>
#include <thread>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <rocksdb/transaction_log.h>

#include "lumbung/base/assert.h"
#include "lumbung/base/limits.h"

#include "snapshot_impl.h"

namespace lumbung {
namespace store::vault {
namespace {

constexpr std::string_view kKeyAadLabel = "lumbung.pii.key.v1";
constexpr std::string_view kDataAadLabel = "lumbung.pii.data.v1";

// Longest canonical field the decoder lets through: kTextCharsMax code
// points of at most 4 bytes each. Rows are checked against it on opening.
constexpr size_t kFieldBytesMax = 4 * limits::kTextCharsMax;

void AppendU32(std::string* out, size_t value) {
  LUMBUNG_ASSERT(value <= UINT32_MAX);
  const uint32_t v = static_cast<uint32_t>(value);
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

uint32_t ReadU32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

std::string Aad(std::string_view label, std::string_view program_id,
                std::string_view beneficiary_id) {
  std::string aad(label);
  aad.push_back(static_cast<char>(kRowVersion));
  AppendU32(&aad, program_id.size());
  aad.append(program_id);
  AppendU32(&aad, beneficiary_id.size());
  aad.append(beneficiary_id);
  return aad;
}

// Holds a secret in a string and wipes it when it goes, so that key bytes
// and plaintext do not linger in freed heap memory.
struct WipedString {
  std::string bytes;
  ~WipedString() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

class CipherContext {
 public:
  CipherContext() : ctx_(EVP_CIPHER_CTX_new()) { LUMBUNG_ASSERT(ctx_ != nullptr); }
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx_); }
  CipherContext(const CipherContext&) = delete;
  CipherContext& operator=(const CipherContext&) = delete;
  EVP_CIPHER_CTX* get() const { return ctx_; }

 private:
  EVP_CIPHER_CTX* ctx_;
};

int Len(size_t size) {
  LUMBUNG_ASSERT(size <= static_cast<size_t>(INT32_MAX));
  return static_cast<int>(size);
}

const uint8_t* Bytes(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Appends iv || AES-256-GCM(key, plain, aad) || tag to `out`; `iv` (12
// bytes) must be fresh random bytes. OpenSSL failing here, with valid
// sizes, is a broken library: an assertion, not a Status.
void GcmSeal(const uint8_t* key, const uint8_t* iv, std::string_view aad, std::string_view plain,
             std::string* out) {
  const size_t start = out->size();
  out->append(reinterpret_cast<const char*>(iv), kIvBytes);
  out->resize(start + kIvBytes + plain.size() + kTagBytes);
  auto* cipher = reinterpret_cast<uint8_t*>(out->data() + start + kIvBytes);
  CipherContext ctx;
  int n = 0;
  LUMBUNG_ASSERT(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1);
  LUMBUNG_ASSERT(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) == 1);
  LUMBUNG_ASSERT(EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key, iv) == 1);
  LUMBUNG_ASSERT(EVP_EncryptUpdate(ctx.get(), nullptr, &n, Bytes(aad), Len(aad.size())) == 1);
  LUMBUNG_ASSERT(EVP_EncryptUpdate(ctx.get(), cipher, &n, Bytes(plain), Len(plain.size())) == 1);
  LUMBUNG_ASSERT(static_cast<size_t>(n) == plain.size());  // GCM is a stream mode
  LUMBUNG_ASSERT(EVP_EncryptFinal_ex(ctx.get(), cipher + n, &n) == 1 && n == 0);
  LUMBUNG_ASSERT(
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher + plain.size()) == 1);
}

// Opens iv || ciphertext || tag into `plain`; false if it does not
// authenticate (wrong key, wrong AAD, altered bytes).
bool GcmOpen(const uint8_t* key, std::string_view aad, std::string_view sealed,
             std::string* plain) {
  if (sealed.size() < kIvBytes + kTagBytes) return false;
  const size_t cipher_size = sealed.size() - kIvBytes - kTagBytes;
  const auto* iv = Bytes(sealed);
  const auto* cipher = iv + kIvBytes;
  uint8_t tag[kTagBytes];
  std::memcpy(tag, cipher + cipher_size, kTagBytes);
  plain->resize(cipher_size);
  CipherContext ctx;
  int n = 0;
  LUMBUNG_ASSERT(EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1);
  LUMBUNG_ASSERT(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kIvBytes, nullptr) == 1);
  LUMBUNG_ASSERT(EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key, iv) == 1);
  LUMBUNG_ASSERT(EVP_DecryptUpdate(ctx.get(), nullptr, &n, Bytes(aad), Len(aad.size())) == 1);
  auto* out = reinterpret_cast<uint8_t*>(plain->data());
  if (EVP_DecryptUpdate(ctx.get(), out, &n, cipher, Len(cipher_size)) != 1) return false;
  LUMBUNG_ASSERT(static_cast<size_t>(n) == cipher_size);
  LUMBUNG_ASSERT(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1);
  return EVP_DecryptFinal_ex(ctx.get(), out + n, &n) == 1;
}

// Parses salt || canonical(data); false if the layout is wrong.
bool ParsePlaintext(std::string_view plain, HeldPersonalData* out) {
  if (plain.size() < kPiiSaltBytes) return false;
  std::memcpy(out->salt.data(), plain.data(), kPiiSaltBytes);
  plain.remove_prefix(kPiiSaltBytes);
  std::string* fields[] = {&out->data.name, &out->data.nik, &out->data.address, &out->data.phone};
  for (std::string* field : fields) {
    if (plain.size() < 4) return false;
    const uint32_t size = ReadU32(plain.data());
    plain.remove_prefix(4);
    if (size > kFieldBytesMax || size > plain.size()) return false;
    field->assign(plain.substr(0, size));
    plain.remove_prefix(size);
  }
  return plain.empty();
}

Status CannotOpen(std::string_view program_id, std::string_view beneficiary_id,
                  std::string_view why) {
  return Status::Corruption("the personal data of " + std::string(beneficiary_id) + " in " +
                            std::string(program_id) + " does not open: " + std::string(why));
}

}  // namespace

std::string RowKey(std::string_view program_id, std::string_view beneficiary_id) {
  std::string key;
  key.reserve(program_id.size() + 1 + beneficiary_id.size());
  key.append(program_id);
  key.push_back('\0');
  key.append(beneficiary_id);
  return key;
}

SealedRow Seal(const Secret& master_key, std::string_view program_id,
               std::string_view beneficiary_id, const PersonalData& data) {
  // All of a seal's randomness in one draw: salt, data key, two IVs. (One
  // call to the CSPRNG costs about as much as the rest of the seal; four
  // made sealing four times slower.)
  struct Random {
    PiiSalt salt;
    uint8_t data_key[kKeyBytes];
    uint8_t key_iv[kIvBytes];
    uint8_t data_iv[kIvBytes];
  } random;
  static_assert(sizeof(Random) == kPiiSaltBytes + kKeyBytes + 2 * kIvBytes);
  RandomBytes(reinterpret_cast<uint8_t*>(&random), sizeof random);
  const std::string_view data_key(reinterpret_cast<const char*>(random.data_key), kKeyBytes);
  WipedString plain;
  plain.bytes.assign(reinterpret_cast<const char*>(random.salt.data()), random.salt.size());
  plain.bytes.append(CanonicalPersonalData(data));
  SealedRow row;
  row.value.reserve(kRowOverheadBytes + plain.bytes.size());
  row.value.push_back(static_cast<char>(kRowVersion));
  GcmSeal(master_key.data(), random.key_iv, Aad(kKeyAadLabel, program_id, beneficiary_id), data_key,
          &row.value);
  LUMBUNG_ASSERT(row.value.size() == kDataIvOffset);
  GcmSeal(random.data_key, random.data_iv, Aad(kDataAadLabel, program_id, beneficiary_id),
          plain.bytes, &row.value);
  LUMBUNG_ASSERT(row.value.size() == kRowOverheadBytes + plain.bytes.size());
  row.commitment = PiiCommitment(random.salt, data);
  OPENSSL_cleanse(&random, sizeof random);
  return row;
}

Result<HeldPersonalData> Open(const Secret& master_key, std::string_view program_id,
                              std::string_view beneficiary_id, std::string_view value) {
  if (value.size() < kRowOverheadBytes + kPiiSaltBytes) {
    return CannotOpen(program_id, beneficiary_id, "the vault row is too short");
  }
  if (static_cast<uint8_t>(value[0]) != kRowVersion) {
    return CannotOpen(program_id, beneficiary_id, "the vault row has an unknown version");
  }
  WipedString data_key;
  if (!GcmOpen(master_key.data(), Aad(kKeyAadLabel, program_id, beneficiary_id),
               value.substr(kWrappedKeyOffset, kWrappedKeyBytes), &data_key.bytes)) {
    return CannotOpen(program_id, beneficiary_id,
                      "its key does not unwrap (a wrong keys/pii.key, an altered row, "
                      "or a row that belongs to someone else)");
  }
  LUMBUNG_ASSERT(data_key.bytes.size() == kKeyBytes);
  WipedString plain;
  if (!GcmOpen(Bytes(data_key.bytes), Aad(kDataAadLabel, program_id, beneficiary_id),
               value.substr(kDataIvOffset), &plain.bytes)) {
    return CannotOpen(program_id, beneficiary_id, "the sealed data was altered");
  }
  HeldPersonalData held;
  if (!ParsePlaintext(plain.bytes, &held)) {
    return CannotOpen(program_id, beneficiary_id, "the opened data is not well formed");
  }
  return held;
}

Result<std::optional<std::string>> ReadRow(const Db& db, const rocksdb::Snapshot* snapshot,
                                           std::string_view program_id,
                                           std::string_view beneficiary_id) {
  if (db.pii() == nullptr) return std::optional<std::string>();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  const std::string key = RowKey(program_id, beneficiary_id);
  const rocksdb::Status s = db.db()->Get(ro, db.pii(), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  LUMBUNG_RETURN_IF_ERROR(FromRocks(s, "reading the personal data vault"));
  return std::optional<std::string>(std::move(value));
}

namespace {

// How long a purge waits for readers' snapshots that still see an erased
// row (a server request, a fold) to be released. Readers hold snapshots for
// one request, so seconds are plenty.
constexpr int kSnapshotWaitMsMax = 5000;
constexpr int kPollMs = 10;
// Rounds of "delete obsolete files, look at the WAL files again" before a
// stale WAL is reported: RocksDB deletes obsolete files right after a flush
// or compaction, on its background thread, which may still be running.
constexpr int kWalCheckRoundsMax = 100;

// True once no snapshot older than `cutoff` remains; false after the bound.
// A snapshot at or after `cutoff` sees every delete committed before the
// purge began, so it does not keep an erased row alive.
bool WaitForOlderSnapshots(rocksdb::DB* db, rocksdb::SequenceNumber cutoff) {
  for (int waited_ms = 0;; waited_ms += kPollMs) {
    uint64_t oldest = 0;
    const bool known =
        db->GetIntProperty(rocksdb::DB::Properties::kOldestSnapshotSequence, &oldest);
    if (known && (oldest == 0 || oldest >= cutoff)) return true;
    if (waited_ms >= kSnapshotWaitMsMax) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
}

// Deletes the files that flushes and compactions made obsolete, now, on
// this thread: re-enabling deletions runs RocksDB's full obsolete-file scan
// and purge synchronously. (force = false: a deletion pause somebody else
// holds is left in place.)
Status DeleteObsoleteFiles(rocksdb::DB* db) {
  LUMBUNG_RETURN_IF_ERROR(FromRocks(db->DisableFileDeletions(), "pausing file deletions"));
  return FromRocks(db->EnableFileDeletions(/*force=*/false), "deleting obsolete files");
}

// Whether some WAL file on disk may hold a write made before `cutoff`:
// an archived WAL, or a live one that is not empty and starts at or below
// `cutoff`.
Result<bool> StaleWalLeft(rocksdb::DB* db, rocksdb::SequenceNumber cutoff) {
  rocksdb::VectorLogPtr files;
  LUMBUNG_RETURN_IF_ERROR(FromRocks(db->GetSortedWalFiles(files), "listing WAL files"));
  for (const auto& file : files) {
    if (file->Type() == rocksdb::kArchivedLogFile) return true;
    if (file->SizeFileBytes() > 0 && file->StartSequence() <= cutoff) return true;
  }
  return false;
}

}  // namespace

Status PurgeErased(Db& db) {
  LUMBUNG_ASSERT(!db.read_only() && db.pii() != nullptr);
  rocksdb::DB* rdb = db.db();
  // Db::Open keeps RocksDB from archiving or recycling WAL files: either
  // would keep old WAL bytes (sealed rows among them) on disk after the
  // flush below made them obsolete.
  const rocksdb::DBOptions options = rdb->GetDBOptions();
  LUMBUNG_ASSERT(options.WAL_ttl_seconds == 0 && options.WAL_size_limit_MB == 0);
  LUMBUNG_ASSERT(options.recycle_log_file_num == 0);
  // Every delete the caller committed has a sequence number <= cutoff.
  const rocksdb::SequenceNumber cutoff = rdb->GetLatestSequenceNumber();
  const bool snapshots_gone = WaitForOlderSnapshots(rdb, cutoff);
  // Every column family, RocksDB's default one included: a WAL file is
  // kept while any family has unflushed writes in it.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = false;
  LUMBUNG_RETURN_IF_ERROR(
      FromRocks(rdb->Flush(flush, db.families()), "flushing before a personal data purge"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  compact.exclusive_manual_compaction = false;
  compact.change_level = false;
  LUMBUNG_RETURN_IF_ERROR(FromRocks(rdb->CompactRange(compact, db.pii(), nullptr, nullptr),
                                    "compacting the personal data vault"));
  for (int round = 0;; ++round) {
    LUMBUNG_RETURN_IF_ERROR(DeleteObsoleteFiles(rdb));
    LUMBUNG_ASSIGN_OR_RETURN(const bool stale, StaleWalLeft(rdb, cutoff));
    if (!stale) break;
    if (round + 1 >= kWalCheckRoundsMax) {
      return Status::IOError("a WAL file written before the erasure is still on disk");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  if (!snapshots_gone) {
    return Status::Busy(
        "a reader held an older view of the ledger during the purge, so an erased row may "
        "still be on disk; purge again");
  }
  return Status();
}

}  // namespace store::vault

std::string CanonicalPersonalData(const PersonalData& data) {
  std::string out;
  out.reserve(4 * 4 + data.name.size() + data.nik.size() + data.address.size() + data.phone.size());
  for (const std::string* field : {&data.name, &data.nik, &data.address, &data.phone}) {
    store::vault::AppendU32(&out, field->size());
    out.append(*field);
  }
  return out;
}

audit::Hash PiiCommitment(const PiiSalt& salt, const PersonalData& data) {
  audit::Sha256Stream hash;
  hash.Update(kPiiCommitmentTag);
  hash.Update(std::span<const uint8_t>(salt.data(), salt.size()));
  store::vault::WipedString canonical{CanonicalPersonalData(data)};
  hash.Update(canonical.bytes);
  return hash.Final();
}

Result<std::optional<HeldPersonalData>> ReadPersonalData(const LedgerSnapshot& snapshot,
                                                         const Secret& master_key,
                                                         std::string_view program_id,
                                                         std::string_view beneficiary_id) {
  const LedgerSnapshot::Impl& impl = snapshot.impl();
  LUMBUNG_ASSIGN_OR_RETURN(
      const std::optional<std::string> row,
      store::vault::ReadRow(*impl.db, impl.snapshot, program_id, beneficiary_id));
  if (!row) return std::optional<HeldPersonalData>();
  LUMBUNG_ASSIGN_OR_RETURN(HeldPersonalData held,
                           store::vault::Open(master_key, program_id, beneficiary_id, *row));
  return std::optional<HeldPersonalData>(std::move(held));
}

bool IsPersonalDataErasure(const EventInput& event) {
  if (!event.decode_error.ok() || event.body.empty()) return false;
  std::string scratch;
  Status status;
  const fb::EventBody* body = VerifyEventBody(event.body, &scratch, &status);
  return body != nullptr && body->event_type() == fb::Event::PersonalDataErased;
}

}  // namespace lumbung

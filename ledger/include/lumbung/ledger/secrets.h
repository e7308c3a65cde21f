// Per-ledger secrets, kept beside the checkpoint key in DIR/keys/, each a
// file of 64 hex digits (32 random bytes), mode 0600, created by `init`:
//
//   keys/pii.key        the master key that wraps each person's data key
//                       (DESIGN §8: personal data is kept off the log,
//                       encrypted under a per-person key)
//   keys/pseudonym.key  keys the HMAC-SHA-256 pseudonyms of beneficiaries
//                       in the public oversight export
//
// Losing pii.key makes every stored person's data unreadable; leaking
// pseudonym.key lets anyone who guesses a beneficiary id confirm its
// pseudonym. Neither ever leaves the data folder. A ledger made before these
// files existed gets them the first time it is opened for writing.
//
// Thread safety: pure functions, apart from the file system.

#ifndef LUMBUNG_LEDGER_SECRETS_H_
#define LUMBUNG_LEDGER_SECRETS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "lumbung/base/result.h"

namespace lumbung {

using Secret = std::array<uint8_t, 32>;

std::string PiiKeyPath(const std::string& data_dir);
std::string PseudonymKeyPath(const std::string& data_dir);

// Reads a secret file. NotFound if absent, Corruption if it is not 64 hex
// digits, FailedPrecondition if others may read it (mode & 077).
Result<Secret> LoadSecret(const std::string& path);
// Reads the secret, or creates it (O_EXCL, 0600, fsync) when absent.
Result<Secret> LoadOrCreateSecret(const std::string& path);
// Writes `contents` to a new file only its owner can read. Never replaces
// an existing file.
Status WriteSecretFile(const std::string& path, std::string_view contents);

// Fills `out` from OpenSSL's CSPRNG; aborts if it cannot (a programme that
// cannot get randomness must not make keys).
void RandomBytes(uint8_t* out, size_t size);

// A beneficiary's pseudonym within one programme: "p" followed by 16
// lowercase hex digits of HMAC-SHA-256(key, program_id || 0x00 ||
// beneficiary_id). Keyed, so it cannot be reversed by hashing guesses of an
// id; per programme, so rows of two programmes cannot be linked.
std::string Pseudonym(const Secret& key, std::string_view program_id,
                      std::string_view beneficiary_id);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_SECRETS_H_

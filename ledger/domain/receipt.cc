#include "lumbung/ledger/receipt.h"

namespace lumbung {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int DigitValue(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'I' || c == 'L') return 1;
  if (c == 'O') return 0;
  for (int i = 0; i < 32; ++i) {
    if (kAlphabet[i] == c) return i;
  }
  return -1;
}

// Luhn mod N (N = 32) over the digits, most significant first.
int LuhnCheck(const int* digits, size_t count) {
  int factor = 2;
  int sum = 0;
  for (size_t i = count; i-- > 0;) {
    int addend = factor * digits[i];
    factor = factor == 2 ? 1 : 2;
    addend = addend / 32 + addend % 32;
    sum += addend;
  }
  return (32 - sum % 32) % 32;
}

std::string Format(const int* digits) {
  std::string out;
  for (size_t i = 0; i < kReceiptDigits; ++i) {
    if (i == 5) out += '-';
    out += kAlphabet[digits[i]];
  }
  out += '-';
  out += kAlphabet[LuhnCheck(digits, kReceiptDigits)];
  return out;
}

}  // namespace

constexpr int kValueBits = 5 * kReceiptDigits;
static_assert(kValueBits == 50);

uint64_t ReceiptValue(const audit::Hash& leaf_hash) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = bits << 8 | leaf_hash[static_cast<size_t>(i)];
  return bits >> (64 - kValueBits);
}

std::string ReceiptCode(const audit::Hash& leaf_hash) {
  const uint64_t value = ReceiptValue(leaf_hash);
  int digits[kReceiptDigits];
  for (size_t i = 0; i < kReceiptDigits; ++i) {
    digits[i] = static_cast<int>(value >> (kValueBits - 5 * (i + 1)) & 31);
  }
  return Format(digits);
}

std::optional<uint64_t> ReceiptCodeValue(std::string_view typed) {
  const std::optional<std::string> code = NormalizeReceiptCode(typed);
  if (!code) return std::nullopt;
  uint64_t value = 0;
  for (char c : code->substr(0, 11)) {  // XXXXX-XXXXX, before the check digit
    if (c != '-') value = value << 5 | static_cast<uint64_t>(DigitValue(c));
  }
  return value;
}

std::optional<std::string> NormalizeReceiptCode(std::string_view typed) {
  int digits[kReceiptDigits + 1];
  size_t n = 0;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    const int v = DigitValue(c);
    if (v < 0 || n > kReceiptDigits) return std::nullopt;
    digits[n++] = v;
  }
  if (n != kReceiptDigits + 1) return std::nullopt;
  if (LuhnCheck(digits, kReceiptDigits) != digits[kReceiptDigits]) return std::nullopt;
  return Format(digits);
}

}  // namespace lumbung

// Tables for people: the query answers of lumbung/ledger/query.h drawn as
// aligned text a finance officer reads, amounts with thousands separators
// and their unit ("Rp 1.250.000", "12 PKG_SEMBAKO"), ratios as percentages,
// and the formulas of the ratios shown in a closing "Notes" section.

#ifndef LUMBUNG_CLI_QUERY_TABLE_H_
#define LUMBUNG_CLI_QUERY_TABLE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lumbung/base/result.h"

namespace lumbung::cli {

// Each takes the JSON answer of the query of the same name.
std::string DrawBalance(const nlohmann::ordered_json& answer);
std::string DrawBalances(const nlohmann::ordered_json& rows);  // array of {account, unit, balance}
std::string DrawProgram(const nlohmann::ordered_json& answer);
std::string DrawCycle(const nlohmann::ordered_json& answer);
std::string DrawBeneficiary(const nlohmann::ordered_json& answer);
std::string DrawGroup(const nlohmann::ordered_json& answer);
std::string DrawLoan(const nlohmann::ordered_json& answer);
std::string DrawPortfolio(const nlohmann::ordered_json& answer);

// Runs a Draw function; an answer not of the expected shape (a bug) is an
// Internal status, never an exception.
Result<std::string> RenderTable(std::string (*draw)(const nlohmann::ordered_json&),
                                const nlohmann::ordered_json& answer);

// "Rp 1.250.000" for IDR, "1.250 PKG_SEMBAKO" for other units, the bare
// number when the unit is empty.
std::string FormatMoney(int64_t amount, std::string_view unit);
// 1234567 -> "1.234.567" (Indonesian thousands separators).
std::string FormatCount(int64_t value);

}  // namespace lumbung::cli

#endif  // LUMBUNG_CLI_QUERY_TABLE_H_

#include <nlohmann/json.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/proof.h"

namespace lumbung {
namespace {

Status OutOfRange(std::string_view field, const std::string& message) {
  return Status::Make(Code::kInvalidArgument, "out_of_range", field, message);
}

nlohmann::ordered_json HexList(const std::vector<audit::Hash>& hashes) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const audit::Hash& hash : hashes) list.push_back(audit::ToHex(hash));
  return list;
}

Status ProofFailed(const Status& status) {
  return Status::Make(Code::kCorruption, "proof_failed", "",
                      "the stored Merkle tree does not prove what the entries say (run `lumbung "
                      "verify`): " +
                          std::string(status.message()));
}

}  // namespace

Result<InclusionProofResult> ProveInclusion(const LedgerSnapshot& snapshot, uint64_t seq,
                                            std::optional<uint64_t> tree_size) {
  const uint64_t size = tree_size.value_or(snapshot.size());
  if (size > snapshot.size()) {
    return OutOfRange("size", "tree size " + std::to_string(size) +
                                  " is past the end of the log (" +
                                  std::to_string(snapshot.size()) + " entries)");
  }
  if (seq >= size) {
    std::string message = "seq " + std::to_string(seq);
    message += size == 0 ? " is not in the empty tree"
                         : " is not in the tree of size " + std::to_string(size) +
                               " (its seqs are 0 to " + std::to_string(size - 1) + ")";
    return OutOfRange("seq", message);
  }
  InclusionProofResult result;
  result.leaf_index = seq;
  result.tree_size = size;
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(seq, &entry));
  result.leaf_hash = audit::LeafHash(entry.bytes());
  LUMBUNG_ASSIGN_OR_RETURN(result.root, snapshot.Root(size));
  LUMBUNG_ASSIGN_OR_RETURN(result.proof, audit::InclusionProof(seq, size, snapshot.tree()));
  Status verified = audit::VerifyInclusion(seq, size, result.leaf_hash, result.proof, result.root);
  if (!verified.ok()) return ProofFailed(verified);
  return result;
}

Result<ConsistencyProofResult> ProveConsistency(const LedgerSnapshot& snapshot, uint64_t old_size,
                                                std::optional<uint64_t> new_size) {
  const uint64_t size = new_size.value_or(snapshot.size());
  if (size > snapshot.size()) {
    return OutOfRange("new", "new size " + std::to_string(size) + " is past the end of the log (" +
                                 std::to_string(snapshot.size()) + " entries)");
  }
  if (old_size == 0) {
    return OutOfRange("old",
                      "old size must be at least 1: a proof from the empty tree proves "
                      "nothing");
  }
  if (old_size > size) {
    return OutOfRange("old", "old size " + std::to_string(old_size) + " is larger than new size " +
                                 std::to_string(size));
  }
  ConsistencyProofResult result;
  result.old_size = old_size;
  result.new_size = size;
  LUMBUNG_ASSIGN_OR_RETURN(result.old_root, snapshot.Root(old_size));
  LUMBUNG_ASSIGN_OR_RETURN(result.new_root, snapshot.Root(size));
  LUMBUNG_ASSIGN_OR_RETURN(result.proof, audit::ConsistencyProof(old_size, size, snapshot.tree()));
  Status verified =
      audit::VerifyConsistency(old_size, size, result.proof, result.old_root, result.new_root);
  if (!verified.ok()) return ProofFailed(verified);
  return result;
}

std::string InclusionProofJson(const InclusionProofResult& proof) {
  const nlohmann::ordered_json json = {{"leaf_index", proof.leaf_index},
                                       {"tree_size", proof.tree_size},
                                       {"leaf_hash", audit::ToHex(proof.leaf_hash)},
                                       {"root", audit::ToHex(proof.root)},
                                       {"proof", HexList(proof.proof)}};
  return DumpJson(json);
}

std::string ConsistencyProofJson(const ConsistencyProofResult& proof) {
  const nlohmann::ordered_json json = {{"old_size", proof.old_size},
                                       {"new_size", proof.new_size},
                                       {"old_root", audit::ToHex(proof.old_root)},
                                       {"new_root", audit::ToHex(proof.new_root)},
                                       {"proof", HexList(proof.proof)}};
  return DumpJson(json);
}

}  // namespace lumbung

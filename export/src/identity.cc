#include "identity.h"

#include "lumbung/audit/chain.h"
#include "lumbung/audit/note.h"

namespace lumbung::exports::internal {

Result<Identity> ReadIdentity(const LedgerSnapshot& snapshot) {
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(0, &entry));
  const fb::LedgerOpened* opened = entry.body().event_as_LedgerOpened();
  if (opened == nullptr) return Status::Corruption("entry 0 is not LedgerOpened").WithSeq(0);
  return Identity{opened->origin()->str(), opened->verifier_key()->str()};
}

Status CheckCheckpoint(const LedgerSnapshot& snapshot, const Identity& identity,
                       const SignedCheckpoint& checkpoint) {
  if (checkpoint.size == 0 || checkpoint.size > snapshot.size()) {
    return Status::InvalidArgument("an export of " + std::to_string(checkpoint.size) +
                                   " entries cannot be made from a log of " +
                                   std::to_string(snapshot.size()));
  }
  LUMBUNG_ASSIGN_OR_RETURN(const audit::NoteVerifierKey key,
                           audit::NoteVerifierKey::Parse(identity.verifier_key));
  LUMBUNG_ASSIGN_OR_RETURN(const audit::OpenedNote opened,
                           audit::OpenNote(checkpoint.note, std::span(&key, 1)));
  LUMBUNG_ASSIGN_OR_RETURN(const audit::Checkpoint parsed, audit::ParseCheckpoint(opened.text));
  if (parsed.origin != identity.origin || parsed.size != checkpoint.size ||
      parsed.root != checkpoint.root) {
    return Status::Corruption("the checkpoint's note does not match its size and root");
  }
  return Status();
}

}  // namespace lumbung::exports::internal

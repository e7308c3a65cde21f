#include "lumbung/export/bundle_replay.h"

#include "lumbung/ledger/event.h"

namespace lumbung::exports {

audit::BundleReplay MakeBundleReplay() {
  audit::BundleReplay replay;
  // The shape rules every event passed when it was written (the live
  // verifier checks them too); a bundle entry that breaks them was forged.
  replay.on_entry = [](uint64_t /*seq*/, const audit::VerifiedEntry& entry) {
    return ValidateEventBody(entry.body());
  };
  // TODO(issue 4): replay each entry through the domain (the writer's Apply)
  // and set replay.finish to return the balance rows and totals per unit.
  return replay;
}

}  // namespace lumbung::exports

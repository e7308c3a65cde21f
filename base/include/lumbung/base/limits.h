// Every bound lumbung enforces, in one place. Units are in the names.
// No queue, batch, body or loop in lumbung is unbounded: each one names its
// limit here, with the reason for its value.

#ifndef LUMBUNG_BASE_LIMITS_H_
#define LUMBUNG_BASE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace lumbung::limits {

// --- event fields (DESIGN §3.3) ---
inline constexpr size_t kIdCharsMax = 64;      // identifiers: [A-Za-z0-9._:-]{1,64}
inline constexpr size_t kTextCharsMax = 256;   // names, reasons, references
inline constexpr size_t kMemoCharsMax = 1024;  // free-text memo
inline constexpr size_t kUnitCharsMax = 16;    // "IDR", "PKG_SEMBAKO"
inline constexpr size_t kOriginCharsMax = 256;
inline constexpr size_t kVerifierKeyCharsMax = 512;
inline constexpr int32_t kInstallmentsMax = 520;  // ten years of weekly installments
inline constexpr int32_t kPeriodDaysMax = 366;
// Nesting of `replacement` inside EventCorrected: exactly one level, since a
// correction's replacement has the target's type, which is never a correction.
inline constexpr int kEventNestingMax = 1;

// --- batches and the writer ---
// Events in one submitted batch over HTTP (TigerBeetle's batch size: a batch
// of 8,190 events of ~250 bytes stays near 2 MiB).
inline constexpr size_t kBatchEventsMax = 8190;
// Events in one batch submitted by the library or CLI (`record`, `import`).
// Large imports must be atomic; one million events is ~250 MiB of entries in
// a single RocksDB WriteBatch, which is as far as memory should be trusted.
inline constexpr size_t kLibraryBatchEventsMax = 1'000'000;
// Bytes of one encoded event body. The longest legal event (all text fields
// at 256 chars of 4-byte UTF-8, a memo of 1,024) is under 16 KiB.
inline constexpr size_t kEventBodyBytesMax = 16 * 1024;
// Requests waiting for the writer. A full queue answers Busy (HTTP 503),
// never an unbounded wait.
inline constexpr size_t kWriterQueueRequestsMax = 1024;
// A commit group is closed when adding the next request would pass either
// bound (a single larger request still forms a group of its own). 1 MiB keeps
// a group's WAL write under ~2 ms on the reference disk, as LevelDB's
// BuildBatchGroup cap does; requests are never split.
inline constexpr size_t kGroupEventsMax = 8190;
inline constexpr size_t kGroupBytesMax = 4 * 1024 * 1024;

// Derived rows waiting in group deltas before the background fold turns
// them into per-key rows. Bounds the writer's map of recent event ids
// (24 bytes an id), the live rows held in memory, the fold's own buffers
// and the deltas a reader of another process must scan. Was 256k: at 10M
// demo entries half of it took ~100 MiB off the peak allocated (850 -> 740
// MiB), and with the L0 trigger of db.cc no more compaction.
inline constexpr uint64_t kFoldRowsThreshold = 128 * 1024;
inline constexpr uint64_t kFoldDeltasThreshold = 1024;
// The most rows (state and index) one fold step takes. A fold folds what
// waits in steps of this size, oldest first, so a long backlog (folds
// failing while writes go on, a ledger written without folds) needs the
// memory of one step, not of the backlog: ~100 bytes a row.
inline constexpr uint64_t kFoldStepRowsMax = 4 * 1024 * 1024;
// The most derived rows that may wait unfolded before the writer stops
// taking writes until the fold catches up: the live rows hold them in
// memory (~100 bytes a row). A fold that keeps failing would otherwise let
// them grow with every group. Sixteen ordinary folds' worth.
inline constexpr uint64_t kUnfoldedRowsMax = 16 * kFoldRowsThreshold;
// How long a write waits for the fold to bring the unfolded rows under
// kUnfoldedRowsMax before it is refused as Busy (retry later).
inline constexpr int64_t kFoldWaitMs = 2000;
// The largest group delta a reader decompresses. A library batch of up to
// kLibraryBatchEventsMax events is one group, with ~500 bytes of rows an
// event; a frame that claims more is damaged.
inline constexpr uint64_t kGroupDeltaBytesMax = uint64_t{2} << 30;

// --- reads ---
inline constexpr size_t kLogReadLimitMax = 100'000;  // entries per `log`/range read

}  // namespace lumbung::limits

#endif  // LUMBUNG_BASE_LIMITS_H_

// Reconciliation's judgement, as a pure function: one key as the listing shows it against the same key
// as the index holds it, and what to write so the index says what S3 says.
import { seedOfListedKey } from "./baseline.ts";
import type { Head, Slot, Totals } from "./items.ts";
import { ZERO_TOTALS } from "./items.ts";
import type { ListedKey } from "./listed-keys.ts";

export interface IndexedKey {
  key: string;
  slots: Slot[];
  head?: Head;
}

export type DriftKind = "added" | "removed" | "changed";

export interface KeyFix {
  key: string;
  kind: DriftKind;
  /** Slots to write as given (live ones from the listing, tombstones for versions S3 no longer has). */
  slots: Slot[];
  /** The head to write (versioned buckets); undefined leaves it. */
  head?: Head;
  /** What the fix changes in the bucket's totals. */
  delta: Totals;
  /** The revisions the fix was decided on, so it is only written if nothing changed them since. */
  readRevs: Map<string, number | undefined>;
  /** The key as listed, to decide again from if an event changes the key before the fix is written. */
  listed?: ListedKey;
}

const live = (slots: Slot[]) => slots.filter((slot) => slot.state === "live");

function totalsOf(slots: Slot[], head: Head | undefined, versioned: boolean): Totals {
  const totals = { ...ZERO_TOTALS };
  for (const slot of live(slots)) {
    totals.totalSize += slot.size;
    if (!slot.marker) totals.objectCount += 1;
  }
  if (versioned && head) {
    if (head.current && !head.current.marker) {
      totals.currentSize = head.current.size;
      totals.currentCount = 1;
    }
  } else if (!versioned) {
    totals.currentSize = totals.totalSize;
    totals.currentCount = totals.objectCount;
  }
  return totals;
}

/** Whether an event wrote any of the key's items since `instant` (the listing may predate its change). */
export function changedSince(indexed: IndexedKey | undefined, instant: number): boolean {
  if (!indexed) return false;
  return [...indexed.slots, ...(indexed.head ? [indexed.head] : [])].some(
    (item) => (item.at ?? 0) >= instant,
  );
}

/**
 * The fix for one key, or undefined when the index already agrees with the listing. Either side may be
 * missing: a key only listed was added behind the index's back, one only indexed was removed.
 */
export function diffKey(
  listed: ListedKey | undefined,
  indexed: IndexedKey | undefined,
  versioned: boolean,
): KeyFix | undefined {
  const key = (listed?.key ?? indexed?.key)!;
  const slots = indexed?.slots ?? [];
  const before = totalsOf(slots, indexed?.head, versioned);
  const truth = listed ? seedOfListedKey(listed, versioned) : { slots: [] as Slot[] };
  const after = totalsOf(truth.slots, truth.head, versioned);

  const byVersion = new Map(slots.map((slot) => [slot.versionId, slot]));
  const writes: Slot[] = [];
  const readRevs = new Map<string, number | undefined>();
  for (const slot of truth.slots) {
    const have = byVersion.get(slot.versionId);
    if (have?.state === "live" && have.size === slot.size && have.marker === slot.marker) continue;
    // Keep what the index knew of the version's order; the listing only knows its rank.
    writes.push({
      ...slot,
      ...(have?.seq !== undefined && have.state === "live" ? { seq: have.seq } : {}),
      rev: (have?.rev ?? 0) + 1,
    });
    readRevs.set(`s\u0000${slot.versionId}`, have?.rev);
  }
  const listedVersions = new Set(truth.slots.map((slot) => slot.versionId));
  for (const slot of live(slots)) {
    if (listedVersions.has(slot.versionId)) continue;
    writes.push({ versionId: slot.versionId, state: "gone", size: 0, marker: false, rev: slot.rev + 1 });
    readRevs.set(`s\u0000${slot.versionId}`, slot.rev);
  }
  let head: Head | undefined;
  if (versioned) {
    const want = truth.head?.current;
    const have = indexed?.head?.current;
    const same =
      want?.versionId === have?.versionId && want?.size === have?.size && want?.marker === have?.marker;
    if (!same || (!indexed?.head && listed)) {
      head = {
        ...(want
          ? {
              current: {
                ...want,
                ...(have?.seq && have.versionId === want.versionId ? { seq: have.seq } : {}),
              },
            }
          : {}),
        rev: (indexed?.head?.rev ?? 0) + 1,
      };
      readRevs.set("h", indexed?.head?.rev);
    }
  }
  if (writes.length === 0 && !head) return undefined;
  const delta: Totals = {
    totalSize: after.totalSize - before.totalSize,
    objectCount: after.objectCount - before.objectCount,
    currentSize: after.currentSize - before.currentSize,
    currentCount: after.currentCount - before.currentCount,
  };
  const hadLive = live(slots).length > 0;
  const kind: DriftKind = !hadLive ? "added" : !listed ? "removed" : "changed";
  return {
    key,
    kind,
    slots: writes,
    ...(head ? { head } : {}),
    delta,
    readRevs,
    ...(listed ? { listed } : {}),
  };
}

// What one event does to its key, as a pure function of what the index holds for that key.
//
// Each version of a key is a slot, ordered by the sequencers of its own events: an event no later than
// the slot's stored one is a duplicate or was overtaken (S3 delivers at least once, in any order), and a
// deletion leaves a tombstone so a late, older creation is ignored. Version ids are never reused, so a
// second creation of a versioned slot is a duplicate whatever its sequencer; only the null version is
// replaced by later writes. The key's current version is the live slot created last: it moves on a
// creation that is newer than it, and on the deletion of the current version passes to the newest
// remaining one, which only a read of the key's other slots can tell.

import type { ObjectChange } from "../object-events.ts";
import { compareSequencers } from "../sequencer.ts";
import { type Current, type Head, type Slot, type Totals, ZERO_TOTALS } from "./items.ts";
import { NULL_VERSION } from "./keys.ts";

export interface KeyRead {
  /** The slot of the event's version (the null version when the event has none). */
  slot?: Slot;
  /** The key's head; absent for keys that only ever had a null version. */
  head?: Head;
  /** The key's null version, read when the event is about another version and there is no head. */
  nullSlot?: Slot;
}

export type Ignored = { apply: false; reason: "duplicate" | "overtaken" | "no size change" };

export interface Applied {
  apply: true;
  slot: Slot;
  /** The key's new head, or undefined when the key keeps having no head. */
  head?: Head;
  delta: Totals;
}

export type NeedsRemaining = { apply: "needs-remaining-slots" };

export type Decision = Ignored | Applied | NeedsRemaining;

/**
 * The change's effect on its key. `remaining` (every other slot of the key) is only needed when the
 * current version is deleted for good in a key that has had versions; without it the decision asks
 * for it.
 */
export function decideChange(change: ObjectChange, read: KeyRead, remaining?: Slot[]): Decision {
  if (change.kind === "other") return { apply: false, reason: "no size change" };
  if (!change.sequencer)
    throw new Error(`the ${change.trigger.eventName} event for ${change.key} has no sequencer`);
  const versionId = change.versionId ?? NULL_VERSION;
  const old = read.slot;
  const seq = change.sequencer;

  let slot: Slot;
  if (change.kind === "deleted") {
    if (old?.seq !== undefined && compareSequencers(old.seq, seq) >= 0) return ignoredFor(old.seq, seq);
    slot = { versionId, state: "gone", size: 0, marker: false, seq, rev: (old?.rev ?? 0) + 1 };
  } else {
    if (old && versionId !== NULL_VERSION) {
      // A version seeded from a listing learns its sequencer from its own late event; nothing else changes.
      if (old.state === "live" && old.seq === undefined) {
        slot = { ...old, seq, rev: old.rev + 1 };
        return withCurrent(read, old, slot, remaining);
      }
      return { apply: false, reason: "duplicate" };
    }
    if (old?.seq !== undefined && compareSequencers(old.seq, seq) >= 0) return ignoredFor(old.seq, seq);
    const marker = change.kind === "marker";
    slot = {
      versionId,
      state: "live",
      size: marker ? 0 : (change.size ?? 0),
      marker,
      seq,
      rev: (old?.rev ?? 0) + 1,
    };
    if (change.etag) slot.etag = change.etag;
  }
  return withCurrent(read, old, slot, remaining);
}

function ignoredFor(stored: string, incoming: string): Ignored {
  return { apply: false, reason: compareSequencers(stored, incoming) === 0 ? "duplicate" : "overtaken" };
}

function withCurrent(read: KeyRead, old: Slot | undefined, slot: Slot, remaining?: Slot[]): Decision {
  const delta = { ...ZERO_TOTALS };
  delta.totalSize = liveSize(slot) - liveSize(old);
  delta.objectCount = liveObjects(slot) - liveObjects(old);

  const tracksHead = read.head !== undefined || slot.versionId !== NULL_VERSION;
  const before = currentBefore(read, slot.versionId, old);
  let after: Current | undefined;
  if (slot.state === "live") {
    after =
      !before || before.versionId === slot.versionId || isNewer(slot, before) ? asCurrent(slot) : before;
  } else if (before?.versionId === slot.versionId) {
    if (!tracksHead) after = undefined;
    else {
      if (!remaining) return { apply: "needs-remaining-slots" };
      after = newestLive(remaining.filter((s) => s.versionId !== slot.versionId));
    }
  } else {
    after = before;
  }
  delta.currentSize = currentBytes(after) - currentBytes(before);
  delta.currentCount = (isObject(after) ? 1 : 0) - (isObject(before) ? 1 : 0);

  const applied: Applied = { apply: true, slot, delta };
  if (tracksHead) applied.head = { ...(after ? { current: after } : {}), rev: (read.head?.rev ?? 0) + 1 };
  return applied;
}

/** The key's current version before the change: its head's, or else its live null version. */
function currentBefore(read: KeyRead, versionId: string, old: Slot | undefined): Current | undefined {
  if (read.head) return read.head.current;
  const nullSlot = versionId === NULL_VERSION ? old : read.nullSlot;
  return nullSlot?.state === "live" ? asCurrent(nullSlot) : undefined;
}

function asCurrent(slot: Slot): Current {
  const current: Current = { versionId: slot.versionId, size: slot.size, marker: slot.marker };
  if (slot.seq !== undefined) current.seq = slot.seq;
  if (slot.rank !== undefined) current.rank = slot.rank;
  return current;
}

/**
 * Whether `a` was created after `b`. Events have sequencers; versions seeded from a listing do not and
 * are older than any event's (the listing came first), ordered among themselves by listing rank.
 */
export function isNewer(a: { seq?: string; rank?: number }, b: { seq?: string; rank?: number }): boolean {
  if (a.seq !== undefined && b.seq !== undefined) return compareSequencers(a.seq, b.seq) > 0;
  if (a.seq !== undefined) return true;
  if (b.seq !== undefined) return false;
  return (a.rank ?? 0) > (b.rank ?? 0);
}

export function newestLive(slots: Slot[]): Current | undefined {
  let newest: Slot | undefined;
  for (const slot of slots) {
    if (slot.state === "live" && (!newest || isNewer(slot, newest))) newest = slot;
  }
  return newest ? asCurrent(newest) : undefined;
}

const liveSize = (slot: Slot | undefined) => (slot?.state === "live" ? slot.size : 0);
const liveObjects = (slot: Slot | undefined) => (slot?.state === "live" && !slot.marker ? 1 : 0);
const isObject = (current: Current | undefined) => current !== undefined && !current.marker;
const currentBytes = (current: Current | undefined) => (isObject(current) ? current!.size : 0);

export function addTotals(a: Totals, b: Totals): Totals {
  return {
    totalSize: a.totalSize + b.totalSize,
    objectCount: a.objectCount + b.objectCount,
    currentSize: a.currentSize + b.currentSize,
    currentCount: a.currentCount + b.currentCount,
  };
}

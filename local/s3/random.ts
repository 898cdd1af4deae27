// Random bytes for ids (request ids, version ids, temporary names) from a pool refilled in large
// draws: one small crypto call per id was a visible share of a PutObject's cost.
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(16 * 1024);
let used = pool.length;

export function randomChunk(size: number): Buffer {
  if (used + size > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const chunk = Buffer.from(pool.subarray(used, used + size));
  used += size;
  return chunk;
}

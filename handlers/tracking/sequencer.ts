// S3's sequencer orders the events of one object key: AWS's rule is to left-pad the shorter hex string
// with zeros and compare, the greater being the later event. It means nothing across keys.

/** Negative when `a` is earlier than `b`, positive when later, 0 for the same event. */
export function compareSequencers(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  const width = Math.max(x.length, y.length);
  const left = x.padStart(width, "0");
  const right = y.padStart(width, "0");
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A well-formed sequencer: hex digits only. Anything else cannot be ordered and is refused early. */
export function isSequencer(value: unknown): value is string {
  return typeof value === "string" && /^[0-9A-Fa-f]+$/.test(value);
}

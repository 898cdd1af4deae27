// `s3size reconcile [--bucket <name>]`: lists each tracked bucket once, compares it with the incremental
// index, fixes the index and the running total, writes a record where they differed and reports the
// drift (incremental mode only: listing mode has no index to drift).

import type { DriftReport } from "../../handlers/tracking/object-index/reconcile.ts";
import { validateBucketName } from "../aws-names.ts";
import { baselineOwner, reconcile, requireIncremental, trackingContext } from "../tracking.ts";
import { countOf } from "./setup.ts";
import { requireSetUp } from "./track.ts";
import type { CommandSpec } from "./types.ts";

export const reconcileCommand: CommandSpec = {
  changesStack: true,
  options: [{ flags: "--bucket <name>", description: "only this bucket (default: every tracked bucket)" }],
  async run(session, options) {
    const { output } = session;
    const bucket = options.bucket as string | undefined;
    if (bucket !== undefined) validateBucketName(bucket, "--bucket");
    const names = await session.names();
    const context = trackingContext(session.clients, session.settings, names);
    // A stack set up in incremental mode, asked without --tracking: the mismatch, with the way out.
    await requireSetUp(session);
    requireIncremental(context, "reconcile");
    const reports = await output.step(
      `reconciling ${bucket ?? "every tracked bucket"} with a listing`,
      () => reconcile(context, baselineOwner(names.stack), bucket),
      (done) => `${done.length} bucket(s), ${done.filter(drifted).length} drifted`,
    );
    output.result({ buckets: reports }, () => {
      for (const report of reports) output.line(describeDrift(report));
    });
    return 0;
  },
};

const drifted = (report: DriftReport) => report.added + report.removed + report.changed > 0;

export function describeDrift(report: DriftReport): string {
  const head = `${report.bucket}: ${report.keysListed} keys listed, ${report.keysIndexed} indexed`;
  if (!drifted(report))
    return `${head}; no drift (${report.after.totalSize} bytes in ${countOf(report.after.objectCount, "object")})`;
  const examples = report.examples
    .slice(0, 5)
    .map((example) => `${example.key} (${example.kind}, ${example.bytes} bytes)`)
    .join(", ");
  return (
    `${head}; fixed ${report.added} added, ${report.removed} removed, ${report.changed} changed: ` +
    `${report.before.totalSize} → ${report.after.totalSize} bytes (drift ${report.driftBytes} bytes)` +
    (report.skippedRecent
      ? `, ${report.skippedRecent} changed during the listing left to their events`
      : "") +
    (examples ? `; e.g. ${examples}` : "")
  );
}

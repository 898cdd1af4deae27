// Prints bench results as one table per group: what `npm run bench` shows after writing results.json.
import type { RenderFigures, RenderRow } from "./groups/render.ts";
import type { StormFigure } from "./groups/storm.ts";
import type { BenchResults } from "./harness.ts";
import { formatSummary, type Summary } from "./stats.ts";

function table(title: string, header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ");
  return [title, line(header), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line), ""].join(
    "\n",
  );
}

const n = (value: number) => value.toLocaleString("en-US");
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Ours beside matplotlib when it ran, with how many times faster ours is; else how to get it. */
function renderTable(render: RenderFigures): string {
  const found = "version" in render.matplotlib;
  const side = (s?: { ms: Summary; pngBytes: number }) => (s ? [formatSummary(s.ms), kb(s.pngBytes)] : []);
  const times = (r: number | undefined) => (r === undefined ? "" : `${r.toFixed(1)}×`);
  const row = (what: string, r: RenderRow) => [
    what,
    ...side(r),
    ...(found ? [...side(r.matplotlib), times(r.ratio), times(r.cpu?.ratio)] : []),
  ];
  const header = ["chart", "ours, ms per chart", "PNG"];
  if (found) {
    const version = "version" in render.matplotlib ? render.matplotlib.version : "";
    header.push(`matplotlib ${version}`, "PNG", "ours faster", "by CPU time");
  }
  const rows = [
    ...render.warm.map((w) => row(`warm, ${n(w.points)} points${w.markers ? "" : " (no markers)"}`, w)),
    [
      `warm, cache hit (${render.cacheHit.points} points)`,
      formatSummary(render.cacheHit.us, "µs"),
      "",
      ...(found ? ["", "", "", ""] : []),
    ],
    row(`cold process, ${render.cold.points} points`, render.cold),
  ];
  const title = found
    ? "1. Plot rendering, beside matplotlib drawing the same chart (interleaved; warm charts all drawn, new input each run)"
    : "1. Plot rendering (warm charts all drawn, new input each run)";
  const note = "missing" in render.matplotlib ? `matplotlib: ${render.matplotlib.missing}\n` : "";
  return `${table(title, header, rows)}${note}`;
}

export function formatResults(r: BenchResults): string {
  const out = [
    `s3size bench — ${r.date}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}` +
      `${r.quick ? " (quick sizes)" : ""}`,
    `timings: median (min–max, n=runs); ${r.machine.shared}`,
    "",
  ];
  if (r.render) out.push(renderTable(r.render));
  if (r.tracking) {
    out.push(
      table(
        "2a. Size tracking, listing mode (one tracker invocation lists the whole bucket)",
        [
          "objects",
          "ListObjectsV2 pages",
          "S3 requests",
          "DynamoDB requests",
          "ms",
          "record = truth",
          "fill",
        ],
        r.tracking.listing.map((t) => [
          n(t.objects),
          t.listPages,
          t.s3Requests,
          t.dynamoRequests,
          formatSummary(t.ms),
          t.recordMatchesTruth ? `yes (${n(t.totalSize)} B)` : "NO",
          `${t.fill.method} ${(t.fill.ms / 1000).toFixed(1)} s (${n(t.fill.objectsPerSecond)}/s)`,
        ]),
      ),
      table(
        "2b. Size tracking, incremental mode (per event: a put, an overwrite, a delete in turn)",
        [
          "objects",
          "S3 requests",
          "DynamoDB requests",
          "operations",
          "ms per event",
          "records = truth",
          "index seeded",
        ],
        r.tracking.incremental.map((t) => [
          n(t.objects),
          t.s3Requests,
          t.dynamoRequests.min === t.dynamoRequests.max
            ? t.dynamoRequests.max
            : `${t.dynamoRequests.min}–${t.dynamoRequests.max}`,
          Object.entries(t.byOperation)
            .map(([name, count]) => `${name} ${count}`)
            .join(", "),
          formatSummary(t.ms),
          t.recordsMatchTruth ? `yes, ${t.events} events` : "NO",
          `${t.seed.method} ${(t.seed.ms / 1000).toFixed(1)} s (${n(t.seed.itemsPerSecond)}/s)`,
        ]),
      ),
    );
  }
  if (r.plotReads) {
    out.push(
      table(
        "3. Plot reads vs table size (one plot: reads, chart, PutObject)",
        ["table records", "window points", "DynamoDB requests", "items read", "ms per plot", "fill"],
        r.plotReads.map((p) => [
          n(p.tableRecords),
          p.windowPoints,
          p.dynamoRequests,
          p.itemsRead,
          formatSummary(p.ms),
          `${(p.fillMs / 1000).toFixed(1)} s`,
        ]),
      ),
    );
  }
  if (r.provisioning) {
    out.push(
      table(
        "4. Provisioning on the local cloud",
        ["command", "wall time", "AWS calls", "mutating", "reads"],
        r.provisioning.map((p) => [p.step, formatSummary(p.ms), p.calls, p.mutating, p.reads]),
      ),
    );
  }
  if (r.packages) {
    out.push(
      table(
        "5. Packages",
        ["function", "target", "zipped", "unzipped"],
        r.packages.map((p) => [p.function, `${p.target} ${p.arch}`, kb(p.bytes), kb(p.unzippedBytes)]),
      ),
    );
  }
  if (r.storm) {
    const storms = r.storm;
    const cell = (storm: (typeof storms)[number], value: (s: StormFigure) => string) =>
      "timedOut" in storm
        ? `did NOT settle: ${n(storm.putsAnswered)} puts answered, ${n(storm.objectsWithOutcome)} outcomes`
        : value(storm);
    const row = (label: string, value: (s: StormFigure) => string) => [
      label,
      ...storms.map((s) => cell(s, value)),
    ];
    out.push(
      table(
        `6. Event storm (${n(storms[0]?.objects ?? 0)} concurrent PutObject, S3 notifications to the tracker)`,
        ["figure", ...storms.map((s) => `${s.mode} mode`)],
        [
          row("puts answered", (s) =>
            s.putsMs === null
              ? `${n(s.putsAnswered)} of ${n(s.objects)} within the bound`
              : `all, in ${n(s.putsMs)} ms`,
          ),
          row("settled (every event's outcome logged, newest record = truth)", (s) =>
            s.settledWithinLimit ? `in ${n(s.settleMs)} ms` : "NO",
          ),
          row("last history record landed", (s) => `${n(s.lastRecordMs)} ms after the first put`),
          row("tracker invocations (events delivered)", (s) => n(s.invocations)),
          row("records written / listings superseded", (s) => `${n(s.recordsWritten)} / ${n(s.superseded)}`),
          row("objects with an outcome / lost", (s) => `${n(s.objectsWithOutcome)} / ${n(s.lost)}`),
          row(
            "newest record = true size",
            (s) =>
              `${s.newestRecordMatchesTruth ? "yes" : "no"} (${n(s.newestRecordSize)} of ${n(s.trueSize)} B)`,
          ),
          row("records not the exact total after their event", (s) =>
            s.inexactRecords === undefined ? "—" : n(s.inexactRecords),
          ),
        ],
      ),
    );
  }
  if (r.cli) {
    const c = r.cli;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    out.push(
      table(
        "7. The packaged CLI, in fresh processes",
        ["figure", "value", "target"],
        [
          ["node -e 0 (for scale)", formatSummary(c.nodeStartMs), ""],
          ["s3size --help, cold", formatSummary(c.helpMs), "≤ 500 ms"],
          [
            "first demo --local, fresh state dir",
            `${s(c.firstDemo.ms)}: ${s(c.firstDemo.pausesMs)} of pauses + ${s(c.firstDemo.overheadMs)}`,
            "≤ pauses + 3 s",
          ],
          [
            "driver noticed the final record",
            `${n(c.firstDemo.noticedFinalRecordAfterMs)} ms after it`,
            "≤ 100 ms",
          ],
          [
            "unchanged setup --local, whole process",
            formatSummary(c.unchangedSetupMs),
            "setup's work ≤ 1 s (4.)",
          ],
        ],
      ),
    );
  }
  if (r.s3) {
    out.push(
      table(
        "8. Local S3 store",
        ["figure", "value"],
        [
          [
            `PutObject ${kb(r.s3.putObject.bytes)}, ${r.s3.putObject.inFlight} in flight (client in a worker thread)`,
            formatSummary(r.s3.putObject.objectsPerSecond, "objects/s"),
          ],
          ...(r.s3.putObject.emulatorCpuMsPerPut
            ? [
                [
                  "emulator CPU per PutObject (its thread's time)",
                  formatSummary(r.s3.putObject.emulatorCpuMsPerPut),
                ],
              ]
            : []),
          ...r.s3.listPages.flatMap((p) => [
            [`ListObjectsV2 page at ${n(p.objects)} objects, over HTTP`, formatSummary(p.httpMs)],
            [`ListObjectsV2 page at ${n(p.objects)} objects, through the SDK`, formatSummary(p.sdkMs)],
          ]),
        ],
      ),
    );
  }
  if (r.asyncEvents) {
    const a = r.asyncEvents;
    out.push(
      table(
        `9. Asynchronous invocations through the durable queue (${a.inFlight} in flight)`,
        ["figure", "value"],
        [
          [`Invoke (Event) accepted, ${n(a.events)} events`, `${n(a.acceptedPerSecond)}/s`],
          [
            "until the function had run them all",
            a.drainedMs === null ? "NOT within the bound" : `${n(a.drainedMs)} ms`,
          ],
          [`PutObject 1 KB, ${n(a.puts)} objects, no notification`, `${n(a.putsPerSecondPlain)}/s`],
          ["PutObject 1 KB, notifying a function", `${n(a.putsPerSecondNotified)}/s`],
        ],
      ),
    );
  }
  out.push(`total bench time ${(r.totalMs / 1000).toFixed(1)} s`);
  return out.join("\n");
}

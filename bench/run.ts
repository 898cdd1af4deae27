// `npm run bench [-- --quick] [-- --only <group>[,<group>]] [-- --out <file>]`: runs the bench on the
// local cloud, prints the table and writes the same figures to bench/results.json.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { FULL_CONFIG, GROUPS, type Group, QUICK_CONFIG, runBench } from "./harness.ts";
import { formatResults } from "./report.ts";

const DEFAULT_OUT = fileURLToPath(new URL("./results.json", import.meta.url));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string" },
    },
  });
  const only = values.only?.split(",").map((g) => g.trim()) as Group[] | undefined;
  const unknown = only?.filter((g) => !GROUPS.includes(g));
  if (unknown?.length) {
    console.error(`unknown group ${unknown.join(", ")}; groups: ${GROUPS.join(", ")}`);
    return 2;
  }
  // Quick or partial runs never overwrite the committed full figures unless asked to.
  const out = values.out ?? (values.quick || only ? undefined : DEFAULT_OUT);
  const write = (results: object) => {
    if (out) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  };
  const results = await runBench({
    config: values.quick ? QUICK_CONFIG : FULL_CONFIG,
    quick: values.quick,
    only,
    progress: (line) => console.error(line),
    partial: (sofar) => write({ ...sofar, incomplete: true }),
  });
  write(results);
  console.log(formatResults(results));
  if (out) console.log(`figures written to ${out}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);

// Writes the screenshots in docs/ as the README shows them, from what a user sees after
// `s3size setup` and `s3size demo` on a fresh local cloud: the dashboard at the URL setup prints, and the
// console's pages of the data bucket and the tracker. `npx tsx test/browser/take-screenshots.ts` (needs
// Chromium, as the browser tests do).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startLocalCloud } from "../../local/index.ts";
import { DEMO_SLEEP_MS, runCli } from "../cli/run-cli.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, missingBrowser } from "./browser.ts";

const DOCS = new URL("../../docs/", import.meta.url).pathname;
const DATA_BUCKET = "testbucket-000000000000-us-east-1";

const missing = missingBrowser();
if (missing) {
  console.error(`cannot take screenshots: ${missing}`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), "s3size-screenshots-"));
// The default port when it is free, so the pages show the address a user's `s3size local` has.
const cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 4566 }).catch(() =>
  startLocalCloud({ stateDir: join(work, "cloud"), port: 0 }),
);
try {
  const cli = async (...args: string[]) => {
    const run = await runCli(
      [...args, "--endpoint-url", cloud.endpoint, "--state-dir", join(work, ".s3size")],
      {
        cwd: work,
      },
    );
    if (run.code !== 0) throw new Error(`s3size ${args[0]} failed: ${run.stderr}`);
    return run.stdout;
  };
  const { dashboardUrl } = JSON.parse(await cli("setup", "--json")) as { dashboardUrl: string };
  await cli("demo", "--sleep-ms", DEMO_SLEEP_MS, "--out", "plot.png");
  const consolePage = (page: string) => `${cloud.endpoint}/_s3size/console/${page}`;
  const shots: Array<{ file: string; url: string; fullPage: boolean }> = [
    { file: "dashboard.png", url: dashboardUrl, fullPage: true },
    { file: "console-s3-bucket.png", url: consolePage(`s3/bucket?name=${DATA_BUCKET}`), fullPage: true },
    {
      file: "console-lambda-function.png",
      url: consolePage("lambda/function?name=s3size-size-tracking"),
      fullPage: true,
    },
  ];
  const context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  for (const shot of shots) {
    await page.goto(shot.url);
    // The dashboard's chart is an image the page loads after it: wait for it to be drawn.
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(DOCS, shot.file), fullPage: shot.fullPage });
    console.log(`wrote docs/${shot.file}`);
  }
  await context.close();
} finally {
  await cloud.stop();
  rmSync(work, { recursive: true, force: true });
}

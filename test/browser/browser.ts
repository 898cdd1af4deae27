// Browser tests' one Chromium: Debian's `chromium` package driven by playwright-core (which downloads no
// browser of its own), started once per test file in a fresh profile. Where it is missing the tests say so
// in a visible line and stay pending, unless S3SIZE_BROWSER_TESTS=required (as .ci/run sets, and CI=true
// implies), where a missing browser fails the run instead of passing it silently.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.S3SIZE_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, private, offline headless run: no sandbox (tests run as root), no GPU, no QUIC, no phoning home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function browserTestsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.S3SIZE_BROWSER_TESTS === "required" || env.CI === "true";
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function missingBrowser(path = CHROMIUM_PATH): string | undefined {
  if (!existsSync(path)) {
    return `no Chromium at ${path} (install Debian's package: apt-get install -y chromium, or set S3SIZE_CHROMIUM)`;
  }
  return undefined;
}

export interface BrowserSession {
  /** A new tab in the shared context. */
  newPage(): Promise<Page>;
  context: BrowserContext;
}

/**
 * Registers the suite's browser: launched in a `before` hook (or the suite marked pending, with the
 * reason printed, when Chromium is missing and not required), closed with its profile in `after`.
 */
export function useBrowser(): () => BrowserSession {
  let session: BrowserSession | undefined;
  let profile: string | undefined;

  before(async function () {
    const missing = missingBrowser();
    if (missing) {
      if (browserTestsRequired()) {
        throw new Error(
          `browser tests are required here (S3SIZE_BROWSER_TESTS=required or CI) but ${missing}`,
        );
      }
      console.log(`      browser tests skipped: ${missing}`);
      this.skip();
    }
    this.timeout(60_000);
    profile = mkdtempSync(join(tmpdir(), "s3size-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
    });
    session = { context, newPage: () => context.newPage() };
  });

  after(async () => {
    await session?.context.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  return () => {
    if (!session) throw new Error("the browser is not running");
    return session;
  };
}

/** What a page reported while a test used it: CSP refusals in its console, and the dialogs it opened. */
export interface PageWatch {
  cspViolations: string[];
  dialogs: string[];
}

/** Records a page's CSP refusals and its dialogs, accepting each dialog (a `confirm` answered yes). */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { cspViolations: [], dialogs: [] };
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) watch.cspViolations.push(message.text());
  });
  page.on("dialog", async (dialog) => {
    watch.dialogs.push(dialog.message());
    await dialog.accept();
  });
  return watch;
}

// What the user sees: an ora spinner that ends in ✔/✖ on a terminal, plain lines otherwise, colour
// only where wanted (NO_COLOR, FORCE_COLOR), and with --json exactly one JSON document on stdout (one
// JSON object per line for a stream), progress then going to stderr. A reader that goes away (`| head`)
// ends the output quietly instead of crashing on EPIPE.

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** NO_COLOR, FORCE_COLOR and TERM decide on colour. */
  env?: NodeJS.ProcessEnv;
  /** From `watchStreams`: aborted once the reader of stdout or stderr is gone. */
  gone?: AbortSignal;
}

type Stream = Streams["stdout"];

/**
 * Node's own rule for FORCE_COLOR (set and not 0/false: colour, even into a pipe; it wins over
 * NO_COLOR), then https://no-color.org (NO_COLOR set and not empty: none), then a terminal that is
 * not "dumb".
 */
export function wantsColor(stream: Stream, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !["0", "false"].includes(force.toLowerCase());
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

/**
 * A spinner redraws its line in place, which needs a terminal that says how wide it is: one that
 * reports 0 or no columns (some CI consoles, `script`) would get an endless stream of redraws.
 */
export function canSpin(stream: Stream, env: NodeJS.ProcessEnv): boolean {
  return (
    Boolean(stream.isTTY) && Number.isInteger(stream.columns) && stream.columns! > 0 && env.TERM !== "dumb"
  );
}

/**
 * A reader that goes away (`s3size history | head -1`) makes the next write fail with EPIPE, which
 * Node throws when nobody listens. Listening turns it into a signal: output stops, quietly.
 */
export function watchStreams(streams: Streams): AbortSignal {
  const gone = new AbortController();
  for (const stream of [streams.stdout, streams.stderr]) stream.on?.("error", () => gone.abort());
  return gone.signal;
}

const PAINT = { green: "\u001b[32m", red: "\u001b[31m", reset: "\u001b[39m" };

export class Output {
  private readonly progress: Stream;
  private readonly color: boolean;
  private readonly spin: boolean;
  private readonly closed: AbortSignal;

  constructor(
    private readonly streams: Streams,
    readonly options: OutputOptions,
  ) {
    const env = options.env ?? {};
    this.progress = options.json ? streams.stderr : streams.stdout;
    this.color = wantsColor(this.progress, env);
    this.spin = canSpin(this.progress, env);
    this.closed = options.gone ?? new AbortController().signal;
  }

  /** Aborted once stdout or stderr is gone: long-running commands (logs --follow) stop on it. */
  get gone(): AbortSignal {
    return this.closed;
  }

  get interactive(): boolean {
    return this.spin;
  }

  /** Runs one long step; `summary` turns its result into the text of the ✔ line. */
  async step<T>(
    label: string,
    action: (update: (text: string) => void) => Promise<T>,
    summary?: (result: T) => string,
  ): Promise<T> {
    if (!this.spin) {
      try {
        const result = await action(() => {});
        this.line(`${this.paint("✔", "green")} ${label}${summary ? `: ${summary(result)}` : ""}`);
        return result;
      } catch (error) {
        this.line(`${this.paint("✖", "red")} ${label}`);
        throw error;
      }
    }
    // Loaded only here: most runs (pipes, --json, --help) never draw a spinner.
    const { default: ora } = await import("ora");
    const spinner = ora({
      text: label,
      stream: this.progress,
      color: this.color ? "cyan" : false,
      isEnabled: true,
    }).start();
    try {
      const result = await action((text) => {
        spinner.text = `${label}: ${text}`;
      });
      spinner.stopAndPersist({
        symbol: this.paint("✔", "green"),
        text: `${label}${summary ? `: ${summary(result)}` : ""}`,
      });
      return result;
    } catch (error) {
      spinner.stopAndPersist({ symbol: this.paint("✖", "red"), text: label });
      throw error;
    }
  }

  private paint(text: string, color: "green" | "red"): string {
    return this.color ? `${PAINT[color]}${text}${PAINT.reset}` : text;
  }

  private write(stream: Stream, text: string): void {
    if (!this.closed.aborted) stream.write(text);
  }

  /** A line of human output (stderr under --json, so stdout keeps only the document). */
  line(text = ""): void {
    this.write(this.progress, `${text}\n`);
  }

  debug(text: string): void {
    if (this.options.verbose) this.write(this.streams.stderr, `${text}\n`);
  }

  error(text: string): void {
    this.write(this.streams.stderr, `${text}\n`);
  }

  /** The command's result: the JSON document under --json, else the human rendering. */
  result(document: unknown, human: () => void): void {
    if (this.options.json) this.write(this.streams.stdout, `${JSON.stringify(document, null, 2)}\n`);
    else human();
  }

  /** One item of a stream (logs --follow): a JSON line under --json (NDJSON), else the human line. */
  item(document: unknown, human: string): void {
    if (this.options.json) this.write(this.streams.stdout, `${JSON.stringify(document)}\n`);
    else this.line(human);
  }

  table(headers: string[], rows: string[][], alignRight: boolean[] = []): void {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const format = (cells: string[]) =>
      cells
        .map((cell, i) => (alignRight[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd();
    this.line(format(headers));
    this.line(format(widths.map((w) => "-".repeat(w))));
    for (const row of rows) this.line(format(row));
  }
}

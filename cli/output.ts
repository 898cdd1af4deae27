// What the user sees: an ora spinner that ends in ✔/✖ on a TTY, plain lines otherwise, and with --json
// exactly one JSON document on stdout (progress then goes to stderr).
import ora from "ora";

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export class Output {
  private readonly progress: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(
    private readonly streams: Streams,
    readonly options: { json: boolean; verbose: boolean },
  ) {
    this.progress = options.json ? streams.stderr : streams.stdout;
  }

  get interactive(): boolean {
    return Boolean(this.progress.isTTY);
  }

  /** Runs one long step; `summary` turns its result into the text of the ✔ line. */
  async step<T>(
    label: string,
    action: (update: (text: string) => void) => Promise<T>,
    summary?: (result: T) => string,
  ): Promise<T> {
    if (!this.interactive) {
      try {
        const result = await action(() => {});
        this.line(`✔ ${label}${summary ? `: ${summary(result)}` : ""}`);
        return result;
      } catch (error) {
        this.line(`✖ ${label}`);
        throw error;
      }
    }
    const spinner = ora({ text: label, stream: this.progress }).start();
    try {
      const result = await action((text) => {
        spinner.text = `${label}: ${text}`;
      });
      spinner.succeed(`${label}${summary ? `: ${summary(result)}` : ""}`);
      return result;
    } catch (error) {
      spinner.fail(label);
      throw error;
    }
  }

  /** A line of human output (stderr under --json, so stdout keeps only the document). */
  line(text = ""): void {
    this.progress.write(`${text}\n`);
  }

  debug(text: string): void {
    if (this.options.verbose) this.streams.stderr.write(`${text}\n`);
  }

  error(text: string): void {
    this.streams.stderr.write(`${text}\n`);
  }

  /** The command's result: the JSON document under --json, else the human rendering. */
  result(document: unknown, human: () => void): void {
    if (this.options.json) this.streams.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    else human();
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

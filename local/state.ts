// Small JSON persistence for the emulated services: load at start, write atomically after every change,
// so stopping the cloud at any moment leaves a readable state behind. A file that cannot be read back
// stops the start with a LocalStateError naming it, never with a bare SyntaxError.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A state file the local cloud cannot use. The CLI prints `message` as its one-line error and `hint`
 * below it, so both say which file it is and what the user can do about it.
 */
export class LocalStateError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LocalStateError";
  }
}

/** The usual way out for a damaged file: keep it for inspection and let that service start empty. */
export function moveAsideHint(path: string): string {
  return `move it aside (mv '${path}' '${path}.corrupt') and start again: that service starts empty, the others keep their data`;
}

export class JsonFile<T> {
  constructor(
    readonly path: string,
    private readonly initial: () => T,
  ) {}

  load(): T {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return this.initial();
      throw new LocalStateError(
        this.path,
        `the local cloud cannot read its state file ${this.path} (${code ?? (error as Error).message})`,
        code === "EACCES" ? "give your user read and write access to it" : moveAsideHint(this.path),
        { cause: error },
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new LocalStateError(
        this.path,
        `the local cloud's state file ${this.path} is corrupt (${(error as Error).message})`,
        moveAsideHint(this.path),
        { cause: error },
      );
    }
    const expected = shapeOf(this.initial());
    if (expected !== "undefined" && shapeOf(value) !== expected) {
      throw new LocalStateError(
        this.path,
        `the local cloud's state file ${this.path} holds ${withArticle(shapeOf(value))} where ${withArticle(expected)} belongs`,
        moveAsideHint(this.path),
      );
    }
    return value as T;
  }

  save(value: T): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(value, null, 2));
    renameSync(temporary, this.path);
  }
}

/** What kind of JSON value a file holds: enough to refuse `null` or `[]` where the service wants an object. */
function shapeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function withArticle(shape: string): string {
  return shape === "null" || shape === "undefined"
    ? shape
    : `${/^[aeiou]/.test(shape) ? "an" : "a"} ${shape}`;
}

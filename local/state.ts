// Small JSON persistence for the emulated services: load at start, write atomically after every change,
// so stopping the cloud at any moment leaves a readable state behind.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export class JsonFile<T> {
  constructor(
    readonly path: string,
    private readonly initial: () => T,
  ) {}

  load(): T {
    try {
      return JSON.parse(readFileSync(this.path, "utf8")) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return this.initial();
      throw error;
    }
  }

  save(value: T): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(value, null, 2));
    renameSync(temporary, this.path);
  }
}

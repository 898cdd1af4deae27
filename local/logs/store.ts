// CloudWatch Logs' data: groups and streams as metadata in one JSON file, each stream's events appended
// as JSON lines to a file of its own, so thousands of events cost appends, not rewrites of everything.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JsonFile } from "../state.ts";
import type { LogEvent } from "../types.ts";

export interface StoredEvent extends LogEvent {
  ingestionTime: number;
}

export interface LogStream {
  name: string;
  creationTime: number;
  file: string;
  /** Loaded from the file at start; not in the metadata file. */
  events: StoredEvent[];
  storedBytes: number;
}

export interface LogGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  dir: string;
  streams: Map<string, LogStream>;
}

interface GroupsFile {
  groups: Array<{
    name: string;
    creationTime: number;
    retentionInDays?: number;
    tags: Record<string, string>;
    dir: string;
    streams: Array<{ name: string; creationTime: number; file: string }>;
  }>;
}

/** Tags keyed without a prototype: a tag named "__proto__" is only a tag. */
const tagRecord = (tags: Record<string, string> = {}) =>
  Object.assign(Object.create(null) as Record<string, string>, tags);

const shortHash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 24);

export class LogStore {
  readonly groups = new Map<string, LogGroup>();
  private readonly metadata: JsonFile<GroupsFile>;

  constructor(private readonly root: string) {
    this.metadata = new JsonFile(join(root, "groups.json"), () => ({ groups: [] }));
    for (const saved of this.metadata.load().groups) {
      const group: LogGroup = { ...saved, tags: tagRecord(saved.tags), streams: new Map() };
      for (const stream of saved.streams) {
        group.streams.set(stream.name, { ...stream, ...this.readEvents(group.dir, stream.file) });
      }
      this.groups.set(group.name, group);
    }
  }

  createGroup(name: string, tags: Record<string, string> = {}): LogGroup {
    const group: LogGroup = {
      name,
      creationTime: Date.now(),
      tags: tagRecord(tags),
      dir: shortHash(name),
      streams: new Map(),
    };
    this.groups.set(name, group);
    this.save();
    return group;
  }

  deleteGroup(name: string): void {
    const group = this.groups.get(name);
    if (!group) return;
    this.groups.delete(name);
    this.save();
    rmSync(join(this.root, group.dir), { recursive: true, force: true });
  }

  createStream(group: LogGroup, name: string): LogStream {
    const stream: LogStream = {
      name,
      creationTime: Date.now(),
      file: `${shortHash(name)}.jsonl`,
      events: [],
      storedBytes: 0,
    };
    group.streams.set(name, stream);
    this.save();
    return stream;
  }

  deleteStream(group: LogGroup, name: string): void {
    const stream = group.streams.get(name);
    if (!stream) return;
    group.streams.delete(name);
    this.save();
    rmSync(join(this.root, group.dir, stream.file), { force: true });
  }

  append(group: LogGroup, stream: LogStream, events: LogEvent[]): void {
    if (events.length === 0) return;
    const ingestionTime = Date.now();
    const stored = events.map((event) => ({ ...event, ingestionTime }));
    const lines = stored.map((event) => `${JSON.stringify(event)}\n`).join("");
    mkdirSync(join(this.root, group.dir), { recursive: true });
    appendFileSync(join(this.root, group.dir, stream.file), lines);
    stream.events.push(...stored);
    stream.storedBytes += Buffer.byteLength(lines);
  }

  /** Persists group and stream metadata (retention, tags, which streams exist). */
  save(): void {
    this.metadata.save({
      groups: [...this.groups.values()].map(({ streams, ...group }) => ({
        ...group,
        streams: [...streams.values()].map(({ name, creationTime, file }) => ({ name, creationTime, file })),
      })),
    });
  }

  private readEvents(dir: string, file: string): { events: StoredEvent[]; storedBytes: number } {
    const path = join(this.root, dir, file);
    if (!existsSync(path)) return { events: [], storedBytes: 0 };
    const text = readFileSync(path, "utf8");
    const events: StoredEvent[] = [];
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as StoredEvent);
      } catch {
        // A line cut short by a crash mid-append is dropped; the ones before it are intact.
      }
    }
    return { events, storedBytes: Buffer.byteLength(text) };
  }
}

/** Events still inside the group's retention period (older ones are gone, as AWS expires them). */
export function retained(group: LogGroup, events: StoredEvent[], now = Date.now()): StoredEvent[] {
  if (!group.retentionInDays) return events;
  const oldest = now - group.retentionInDays * 86_400_000;
  return events[0] && events[0].timestamp >= oldest ? events : events.filter((e) => e.timestamp >= oldest);
}

// The Node.js runtime's own modules, as AWS's /var/runtime/node_modules: the AWS SDK for JavaScript v3
// (`@aws-sdk/*`, `@smithy/*` and every package they depend on) and nothing else of this project, as links
// to where this project has them installed, in a folder under the state dir, rebuilt when they change.
import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";

/** Package scopes the runtime provides; their dependencies come along. */
const PROVIDED_SCOPES = ["@aws-sdk", "@smithy"];

const building = new Map<string, Promise<string>>();

/** The runtime's node_modules folder (built once per set of package versions); for NODE_PATH. */
export function ensureRuntimeModules(runtimeDir: string): Promise<string> {
  let pending = building.get(runtimeDir);
  if (!pending) {
    pending = Promise.resolve().then(() => build(runtimeDir));
    building.set(runtimeDir, pending);
    pending.catch(() => building.delete(runtimeDir));
  }
  return pending;
}

export const runtimeModulesPath = (runtimeDir: string) => join(runtimeDir, "nodejs", "node_modules");

/** Where this project's packages are installed (the folder holding `@aws-sdk`). */
function installedModules(): string {
  const require = createRequire(import.meta.url);
  const manifest = realpathSync(require.resolve("@aws-sdk/client-s3/package.json"));
  return dirname(dirname(dirname(manifest)));
}

function build(runtimeDir: string): string {
  const source = installedModules();
  const packages = providedPackages(source);
  const stamp = createHash("sha256")
    .update(packages.map((dir) => `${relative(source, dir)}@${versionOf(dir)}`).join("\n"))
    .digest("hex");
  const target = runtimeModulesPath(runtimeDir);
  const stampFile = join(runtimeDir, "nodejs", "stamp");
  if (existsSync(target) && readIfExists(stampFile) === stamp) return target;

  mkdirSync(join(runtimeDir, "nodejs"), { recursive: true, mode: 0o700 });
  const temporary = join(runtimeDir, "nodejs", `node_modules.${randomUUID()}.tmp`);
  try {
    for (const dir of packages) link(dir, join(temporary, relative(source, dir)));
    rmSync(target, { recursive: true, force: true });
    renameSync(temporary, target);
    writeFileSync(stampFile, stamp);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/** Every package in the provided scopes, then their dependencies, resolved as Node resolves them. */
function providedPackages(source: string): string[] {
  const found = new Set<string>();
  const queue: string[] = [];
  for (const scope of PROVIDED_SCOPES) {
    const scopeDir = join(source, scope);
    if (!existsSync(scopeDir)) continue;
    for (const name of readdirSync(scopeDir)) queue.push(join(scopeDir, name));
  }
  while (queue.length > 0) {
    const dir = queue.pop()!;
    if (found.has(dir) || !existsSync(join(dir, "package.json"))) continue;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const dependency = resolvePackage(dir, name, source);
      if (dependency) queue.push(dependency);
    }
  }
  // Only packages installed at the top are linked: a nested one is found through its parent's real folder.
  return [...found].filter((dir) => !relative(source, dir).split(sep).includes("node_modules"));
}

/** Node's lookup: node_modules folders from the package up to the install folder, then the install folder. */
function resolvePackage(fromDir: string, name: string, source: string): string | undefined {
  for (let dir = fromDir; dir.startsWith(source + sep); dir = dirname(dir)) {
    const nested = join(dir, "node_modules", name);
    if (existsSync(join(nested, "package.json"))) return nested;
  }
  const top = join(source, name);
  return existsSync(join(top, "package.json")) ? top : undefined;
}

/** A link to the installed package: its own imports then resolve where it is installed, as they always did. */
function link(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(realpathSync(from), to, "dir");
}

function versionOf(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string }).version ?? "";
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

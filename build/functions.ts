// The one table of deployable functions: where each handler's source is and what its zip carries
// besides the bundle. The packager takes these specs as data, so tests can hand it fixtures instead.
import { fileURLToPath } from "node:url";
import { PACKAGE_ROOT } from "./package-root.ts";

export type FunctionName = "size-tracking" | "plotting" | "driver" | "web";

export interface FunctionSpec {
  /** Zip file name (without `.zip`) and the name the CLI deploys under. */
  name: string;
  /** Absolute path of the TypeScript module that exports `handler`. */
  entry: string;
  /** Ship `@napi-rs/canvas` and the native binary for the target in `node_modules/`. */
  nativeCanvas: boolean;
  /** Font files copied into `fonts/` next to `index.mjs`, by file name in `dejavu-fonts-ttf/ttf/`. */
  fonts: string[];
  /** The build fails when the zip is larger: a guard against dragging the wrong thing in. */
  maxZipBytes: number;
}

const MB = 1024 * 1024;

function handlerEntry(file: string): string {
  return fileURLToPath(new URL(`../handlers/${file}`, import.meta.url));
}

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  "size-tracking": {
    name: "size-tracking",
    entry: handlerEntry("size-tracking.ts"),
    nativeCanvas: false,
    fonts: [],
    maxZipBytes: 10 * MB,
  },
  plotting: {
    name: "plotting",
    entry: handlerEntry("plotting.ts"),
    nativeCanvas: true,
    fonts: ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"],
    maxZipBytes: 20 * MB,
  },
  driver: {
    name: "driver",
    entry: handlerEntry("driver.ts"),
    nativeCanvas: false,
    fonts: [],
    maxZipBytes: 10 * MB,
  },
  /** The dashboard at the REST API's root (issue 12). */
  web: {
    name: "web",
    entry: handlerEntry("web.ts"),
    nativeCanvas: false,
    fonts: [],
    maxZipBytes: 10 * MB,
  },
};

export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The checkout the handlers are bundled from (their sources exist only there, not in an install). */
export const PROJECT_ROOT = PACKAGE_ROOT;

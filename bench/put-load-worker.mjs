// Entry of the PutObject load worker (bench/put-load.ts). Plain JavaScript: in Node 20, tsx's loader
// hooks do not reach worker threads, so the worker registers tsx itself before importing the TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./put-load.ts");

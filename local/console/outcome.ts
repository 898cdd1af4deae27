// A console page makes many reads; one that fails (a setting that was never made, an operation a service
// does not have yet) must cost one section, not the page. These wrap a read so a page can tell the cases.
import type { SafeHtml } from "../../handlers/common/html.ts";
import { readFailure } from "./ui.ts";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function settle<T>(read: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await read };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * The read's value, or `undefined` when the service answered with one of the errors that mean "never
 * configured" (S3's NoSuchTagSet, NoSuchBucketPolicy…; Lambda's ResourceNotFoundException for a policy).
 */
export async function unlessAbsent<T>(
  read: Promise<T>,
  ...absent: string[]
): Promise<Outcome<T | undefined>> {
  try {
    return { ok: true, value: await read };
  } catch (error) {
    const name = (error as { name?: string; Code?: string }).name ?? "";
    const code = (error as { Code?: string }).Code ?? "";
    if (absent.includes(name) || absent.includes(code)) return { ok: true, value: undefined };
    return { ok: false, error };
  }
}

/** Renders an outcome: its value through `show`, or the failure in the service's words. */
export function shown<T>(outcome: Outcome<T>, what: string, show: (value: T) => SafeHtml): SafeHtml {
  return outcome.ok ? show(outcome.value) : readFailure(what, outcome.error);
}

/** Every page of a listing, bounded so a huge account cannot stall a page. */
export async function allPages<P, T>(
  first: () => Promise<P>,
  next: (token: string) => Promise<P>,
  read: (page: P) => { items: T[] | undefined; token: string | undefined },
  limit = 1000,
): Promise<T[]> {
  const items: T[] = [];
  let page = read(await first());
  items.push(...(page.items ?? []));
  while (page.token && items.length < limit) {
    page = read(await next(page.token));
    items.push(...(page.items ?? []));
  }
  return items.slice(0, limit);
}

// Which region names the local cloud accepts: a request's region comes from its signature, which the client
// writes, and regional stores are folders named after it, so anything else is refused before it nears a path.

/** AWS's region code shape: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-7, … */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export function isRegion(name: string): boolean {
  return REGION.test(name);
}

/** AWS's answer to a signature scoped to a region that does not exist. */
export function invalidRegionMessage(name: string): string {
  return `Credential should be scoped to a valid region, not '${name}'.`;
}

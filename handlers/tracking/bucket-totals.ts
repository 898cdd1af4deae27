// Sums a bucket's listing page by page, so a bucket of any size is counted without holding its keys.
// An unversioned bucket is listed with ListObjectsV2; a versioned one with ListObjectVersions, every
// version counted as S3 bills it (noncurrent ones too; delete markers hold no bytes) and the current
// versions summed beside them.

export interface BucketTotals {
  /** Bytes stored: every object, or in a versioned bucket every version. */
  totalSize: number;
  /** Objects stored, or in a versioned bucket object versions (delete markers not counted). */
  objectCount: number;
  /** Versioned buckets only: the bytes and number of the keys' current versions that are objects. */
  currentSize?: number;
  currentCount?: number;
}

export interface ListingPage {
  Contents?: { Key?: string; Size?: number; ETag?: string }[];
  IsTruncated?: boolean;
  NextContinuationToken?: string;
}

export interface VersionsPage {
  Versions?: {
    Key?: string;
    VersionId?: string;
    IsLatest?: boolean;
    Size?: number;
    ETag?: string;
    LastModified?: Date;
  }[];
  DeleteMarkers?: { Key?: string; VersionId?: string; IsLatest?: boolean; LastModified?: Date }[];
  IsTruncated?: boolean;
  NextKeyMarker?: string;
  NextVersionIdMarker?: string;
}

/** Fetches one ListObjectsV2 page; `token` is undefined for the first. */
export type ListPage = (token: string | undefined) => Promise<ListingPage>;

/** Fetches one ListObjectVersions page; `marker` is undefined for the first. */
export type ListVersionsPage = (
  marker: { keyMarker: string; versionIdMarker?: string } | undefined,
) => Promise<VersionsPage>;

/** Every ListObjectsV2 page to the end, following each continuation token. */
export async function* listingPages(listPage: ListPage): AsyncGenerator<ListingPage> {
  let token: string | undefined;
  do {
    const page = await listPage(token);
    yield page;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (page.IsTruncated && !token) throw new Error("listing is truncated but has no continuation token");
  } while (token);
}

/** Every ListObjectVersions page to the end, following the key and version-id markers. */
export async function* versionPages(listPage: ListVersionsPage): AsyncGenerator<VersionsPage> {
  let marker: { keyMarker: string; versionIdMarker?: string } | undefined;
  do {
    const page = await listPage(marker);
    yield page;
    marker = undefined;
    if (page.IsTruncated) {
      if (!page.NextKeyMarker) throw new Error("version listing is truncated but has no key marker");
      marker = { keyMarker: page.NextKeyMarker };
      if (page.NextVersionIdMarker) marker.versionIdMarker = page.NextVersionIdMarker;
    }
  } while (marker);
}

/** Reads pages until the listing says it is complete. */
export async function measureBucket(listPage: ListPage): Promise<BucketTotals> {
  const totals: BucketTotals = { totalSize: 0, objectCount: 0 };
  for await (const page of listingPages(listPage)) {
    for (const object of page.Contents ?? []) {
      totals.totalSize += object.Size ?? 0;
      totals.objectCount += 1;
    }
  }
  return totals;
}

/** Reads every version page: all versions' bytes, and the current versions' bytes beside them. */
export async function measureVersionedBucket(listPage: ListVersionsPage): Promise<BucketTotals> {
  const totals = { totalSize: 0, objectCount: 0, currentSize: 0, currentCount: 0 };
  for await (const page of versionPages(listPage)) {
    for (const version of page.Versions ?? []) {
      totals.totalSize += version.Size ?? 0;
      totals.objectCount += 1;
      if (version.IsLatest) {
        totals.currentSize += version.Size ?? 0;
        totals.currentCount += 1;
      }
    }
  }
  return totals;
}

/** The highest CNI spec version this driver implements (STATUS, GC, `cniVersions`). */
export const CNI_SPEC_VERSION = '1.1.0';

/** Spec versions whose results the driver accepts from plugins. */
export const SUPPORTED_CNI_VERSIONS: readonly string[] = [
  '0.3.0',
  '0.3.1',
  '0.4.0',
  '1.0.0',
  '1.1.0',
];

const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

/** Parses "1.0.0" into [1, 0, 0]; undefined when the string is not a plain x.y.z version. */
export function parseCniVersion(v: string): [number, number, number] | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Compares two x.y.z versions: negative, zero or positive. Unparseable sorts lowest. */
export function compareCniVersions(a: string, b: string): number {
  const pa = parseCniVersion(a) ?? [-1, -1, -1];
  const pb = parseCniVersion(b) ?? [-1, -1, -1];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when version `v` is at least `min`. */
export const versionAtLeast = (v: string, min: string): boolean => compareCniVersions(v, min) >= 0;

/**
 * libcni's rule for a configuration with `cniVersions`: of `cniVersion` and every entry of
 * `cniVersions`, drop those above the version this driver implements and take the highest.
 * Returns the candidates, highest first (the first is what libcni would use).
 */
export function versionCandidates(
  cniVersion: string,
  cniVersions: readonly string[] | undefined,
): string[] {
  const all = new Set<string>(cniVersions ?? []);
  if (cniVersion) all.add(cniVersion);
  return [...all]
    .filter((v) => parseCniVersion(v) && compareCniVersions(v, CNI_SPEC_VERSION) <= 0)
    .sort((a, b) => compareCniVersions(b, a));
}

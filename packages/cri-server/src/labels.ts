/** CRI label selectors: every selector key must be present with the same value. */
export function labelsMatch(
  labels: Record<string, string>,
  selector: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

// Character-level scanners for the distribution reference grammar (internal).
//
//   domain            := host [":" port-number]
//   host              := domain-name | "[" IPv6address "]"     ; IPv6 as [a-fA-F0-9:]+
//   domain-name       := domain-component ("." domain-component)*
//   domain-component  := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   port-number       := /[0-9]+/
//   path-component    := alpha-numeric (separator alpha-numeric)*
//   alpha-numeric     := /[a-z0-9]+/
//   separator         := /[_.]|__|[-]+/
//   tag               := /[\w][\w.-]{0,127}/
//
// Each scanner checks input[start, end) and returns -1 when it matches, else the index
// of the first character that does not fit.

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
const isLowerAlnum = (c: number) => isLower(c) || isDigit(c);
const isAlnum = (c: number) => isLower(c) || isUpper(c) || isDigit(c);
const isHexOrColon = (c: number) =>
  isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c === 0x3a;
const isWord = (c: number) => isAlnum(c) || c === 0x5f;

const DOT = 0x2e;
const COLON = 0x3a;
const DASH = 0x2d;
const UNDERSCORE = 0x5f;

/** Longest tag, in characters. */
export const TAG_MAX_LENGTH = 128;

/** Scans `host[:port]`. */
export function scanDomain(s: string, start: number, end: number): number {
  let i = start;
  if (i >= end) return i;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    i++;
    const hostStart = i;
    while (i < end && isHexOrColon(s.charCodeAt(i))) i++;
    if (i === hostStart || i >= end || s.charCodeAt(i) !== 0x5d /* ] */) return i;
    i++;
  } else {
    for (;;) {
      if (i >= end || !isAlnum(s.charCodeAt(i))) return i;
      i++;
      while (i < end && (isAlnum(s.charCodeAt(i)) || s.charCodeAt(i) === DASH)) i++;
      if (s.charCodeAt(i - 1) === DASH) return i - 1;
      if (i < end && s.charCodeAt(i) === DOT) {
        i++;
        continue;
      }
      break;
    }
  }
  if (i === end) return -1;
  if (s.charCodeAt(i) !== COLON) return i;
  i++;
  const portStart = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  if (i === portStart || i !== end) return i;
  return -1;
}

// Scans one path component (between slashes).
function scanPathComponent(s: string, start: number, end: number): number {
  let i = start;
  for (;;) {
    if (i >= end || !isLowerAlnum(s.charCodeAt(i))) return i;
    i++;
    while (i < end && isLowerAlnum(s.charCodeAt(i))) i++;
    if (i === end) return -1;
    const sep = i;
    const c = s.charCodeAt(i);
    if (c === DOT) i++;
    else if (c === UNDERSCORE) {
      i++;
      if (i < end && s.charCodeAt(i) === UNDERSCORE) i++;
    } else if (c === DASH) {
      while (i < end && s.charCodeAt(i) === DASH) i++;
    } else return i;
    // A separator must be followed by an alpha-numeric run.
    if (i >= end) return sep;
  }
}

/** Scans a path: one or more components separated by `/`. */
export function scanPath(s: string, start: number, end: number): number {
  let i = start;
  for (;;) {
    let slash = s.indexOf('/', i);
    if (slash < 0 || slash > end) slash = end;
    const bad = scanPathComponent(s, i, slash);
    if (bad >= 0) return bad;
    if (slash === end) return -1;
    i = slash + 1;
  }
}

/**
 * True when `s[start, end)` fails as a path only because of upper-case letters: the
 * distribution library reports those as "repository name must be lowercase".
 */
export function failsOnlyOnCase(s: string, start: number, end: number): boolean {
  const part = s.slice(start, end);
  const lower = part.toLowerCase();
  return lower !== part && lower.length === part.length && scanPath(lower, 0, lower.length) < 0;
}

/** Index of the first upper-case ASCII letter in `s[start, end)`, or `start`. */
export function firstUpper(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (isUpper(s.charCodeAt(i))) return i;
  return start;
}

/** Scans a tag. */
export function scanTag(s: string, start: number, end: number): number {
  if (start >= end || !isWord(s.charCodeAt(start))) return start;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!(isWord(c) || c === DOT || c === DASH)) return i;
  }
  return end - start > TAG_MAX_LENGTH ? start + TAG_MAX_LENGTH : -1;
}

/** True for exactly 64 lower-case hex digits (an image ID without its `sha256:`). */
export function isHexIdentifier(s: string): boolean {
  return s.length === 64 && /^[a-f0-9]{64}$/.test(s);
}

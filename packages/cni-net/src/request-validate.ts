import { InvalidRequestError } from './errors.js';

// The CNI spec's rules (SPEC.md, "Parameters"): a container ID starts with an alphanumeric
// character followed by alphanumerics, '_', '.' or '-'; an interface name is non-empty, not
// "." or "..", shorter than 16 bytes and has no '/', ':' or whitespace. libcni applies the
// container-ID rule to network names too.
const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const IFNAME_BAD = /[/:\s]/;

/** Throws {@link InvalidRequestError} unless `id` is a valid CNI container ID. */
export function validateContainerId(id: string): void {
  if (!ID.test(id)) {
    throw new InvalidRequestError(
      `invalid container ID ${JSON.stringify(id)}: must start with a letter or digit, then letters, digits, '_', '.' or '-'`,
    );
  }
}

/** Throws {@link InvalidRequestError} unless `name` is a valid CNI network name. */
export function validateNetworkName(name: string): void {
  if (!ID.test(name)) {
    throw new InvalidRequestError(
      `invalid network name ${JSON.stringify(name)}: must start with a letter or digit, then letters, digits, '_', '.' or '-'`,
    );
  }
}

/** Throws {@link InvalidRequestError} unless `name` is a valid Linux interface name. */
export function validateIfName(name: string): void {
  const problem =
    name === ''
      ? 'empty'
      : name === '.' || name === '..'
        ? 'reserved'
        : Buffer.byteLength(name) > 15
          ? 'longer than 15 bytes'
          : IFNAME_BAD.test(name)
            ? "contains '/', ':' or whitespace"
            : undefined;
  if (problem)
    throw new InvalidRequestError(`invalid interface name ${JSON.stringify(name)}: ${problem}`);
}

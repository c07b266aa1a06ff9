import { AlreadyExistsError } from '@capstan/cri-api';

/** Reserves unique names (sandbox and container names) for the IDs that hold them. */
export class NameRegistrar {
  private readonly owners = new Map<string, string>();

  /** Reserves `name` for `id`; ALREADY_EXISTS when another ID holds it. */
  reserve(name: string, id: string, kind: string): void {
    const owner = this.owners.get(name);
    if (owner !== undefined && owner !== id) {
      throw new AlreadyExistsError(
        `${kind} name ${JSON.stringify(name)} is already in use by ${owner}`,
      );
    }
    this.owners.set(name, id);
  }

  release(name: string, id: string): void {
    if (this.owners.get(name) === id) this.owners.delete(name);
  }
}

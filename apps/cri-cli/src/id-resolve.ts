import {
  type Image,
  type ImageServiceClient,
  InvalidArgumentError,
  isNotFound,
  NotFoundError,
  type RuntimeServiceClient,
} from '@capstan/cri-api';

function pick(kind: string, given: string, ids: readonly string[]): string {
  if (given === '') throw new InvalidArgumentError(`${kind} ID is empty`);
  if (ids.includes(given)) return given;
  const matches = ids.filter((id) => id.startsWith(given));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new NotFoundError(`${kind} "${given}" not found`);
  throw new InvalidArgumentError(
    `${kind} ID prefix "${given}" is ambiguous: it matches ${matches.length} ${kind}s`,
  );
}

function orGiven(err: unknown, given: string): string {
  if (isNotFound(err)) return given;
  throw err;
}

/**
 * Turns unique ID prefixes into full IDs by listing, as crictl does, so short IDs work
 * against any runtime (not only those that resolve prefixes themselves). Each list is
 * fetched once per command.
 */
export class IdResolver {
  private containers: Promise<string[]> | undefined;
  private pods: Promise<string[]> | undefined;

  constructor(private readonly runtime: RuntimeServiceClient) {}

  async container(given: string): Promise<string> {
    this.containers ??= this.runtime.listContainers({}).then((r) => r.containers.map((c) => c.id));
    return pick('container', given, await this.containers);
  }

  async pod(given: string): Promise<string> {
    this.pods ??= this.runtime.listPodSandbox({}).then((r) => r.items.map((p) => p.id));
    return pick('pod sandbox', given, await this.pods);
  }

  /** For `--id`/`--pod` filters: an ID that matches nothing filters everything out. */
  async containerFilter(given: string): Promise<string> {
    return this.container(given).catch((err: unknown) => orGiven(err, given));
  }

  /** For `--pod` filters: an ID that matches nothing filters everything out. */
  async podFilter(given: string): Promise<string> {
    return this.pod(given).catch((err: unknown) => orGiven(err, given));
  }
}

/**
 * Finds an image by reference (`busybox:1.36`, `repo@sha256:...`), by ID or by a unique
 * ID prefix (with or without `sha256:`).
 */
export async function resolveImage(image: ImageServiceClient, given: string): Promise<Image> {
  if (given === '') throw new InvalidArgumentError('image reference is empty');
  const byRef = await image.imageStatus({ image: { image: given } }).catch(() => undefined);
  if (byRef?.image) return byRef.image;
  const { images } = await image.listImages({});
  const bare = (id: string) => id.replace(/^sha256:/, '');
  const matches = images.filter((i) => bare(i.id).startsWith(bare(given)));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new NotFoundError(`image "${given}" not found`);
  throw new InvalidArgumentError(
    `image ID prefix "${given}" is ambiguous: it matches ${matches.length} images`,
  );
}

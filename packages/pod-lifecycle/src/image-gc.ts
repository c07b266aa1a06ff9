import { statfs } from 'node:fs/promises';
import type { ImageServiceClient, RuntimeServiceClient } from '@capstan/cri-api';
import type { LifecycleLogger } from './logger.js';

/** The kubelet's image GC thresholds, in percent of the image filesystem. */
export interface ImageGcOptions {
  highThresholdPercent: number;
  lowThresholdPercent: number;
}

/** What image GC needs from the runtime. */
export interface ImageGcRuntime {
  runtime: Pick<RuntimeServiceClient, 'listContainers' | 'status'>;
  image: Pick<ImageServiceClient, 'imageFsInfo' | 'listImages' | 'removeImage'>;
}

/**
 * When the image filesystem is fuller than the high threshold, removes images no container
 * uses (oldest-listed first; CRI reports no last-use time) until usage is under the low one.
 * Returns the IDs removed.
 */
export async function collectImages(
  cri: ImageGcRuntime,
  opts: ImageGcOptions,
  logger: LifecycleLogger,
): Promise<string[]> {
  const fs = (await cri.image.imageFsInfo({})).imageFilesystems[0];
  const mount = fs?.fsId?.mountpoint;
  if (!mount) return [];
  const st = await statfs(mount);
  const capacity = st.blocks * st.bsize;
  const used = capacity - st.bavail * st.bsize;
  if ((used / capacity) * 100 <= opts.highThresholdPercent) return [];
  let toFree = used - (capacity * opts.lowThresholdPercent) / 100;
  const { containers } = await cri.runtime.listContainers({});
  const inUse = new Set(containers.flatMap((c) => [c.imageRef, c.image?.image ?? '', c.imageId]));
  // The sandbox (pause) image: sandboxes are not containers in CRI's listing, and a runtime
  // that does not mark it pinned (containerd 1.6) would have to pull it again for the next
  // pod, which an offline node cannot.
  for (const ref of await sandboxImages(cri)) inUse.add(ref);
  const { images } = await cri.image.listImages({});
  const removed: string[] = [];
  for (const img of images) {
    if (toFree <= 0) break;
    if (
      img.pinned ||
      inUse.has(img.id) ||
      img.repoTags.some((t) => inUse.has(t)) ||
      img.repoDigests.some((d) => inUse.has(d))
    )
      continue;
    await cri.image.removeImage({ image: { image: img.id } }).catch(() => {});
    removed.push(img.id);
    toFree -= Number(img.size);
  }
  if (removed.length > 0)
    logger.info({ removed: removed.length, mount }, 'image garbage collection');
  return removed;
}

/**
 * The sandbox image the runtime reports in its verbose status (containerd: `info.config`'s
 * `sandboxImage`, the docker-shim marks it pinned instead); none when it says nothing.
 */
export async function sandboxImages(cri: Pick<ImageGcRuntime, 'runtime'>): Promise<string[]> {
  try {
    const st = await cri.runtime.status({ verbose: true });
    const config = JSON.parse(st.info.config ?? '{}') as { sandboxImage?: unknown };
    return typeof config.sandboxImage === 'string' && config.sandboxImage
      ? [config.sandboxImage]
      : [];
  } catch {
    return [];
  }
}

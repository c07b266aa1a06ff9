import { statfs } from 'node:fs/promises';
import type { CriClient } from '@capstan/cri-api';
import type { Logger } from 'pino';

/** The kubelet's image GC thresholds, in percent of the image filesystem. */
export interface ImageGcOptions {
  highThresholdPercent: number;
  lowThresholdPercent: number;
}

/**
 * When the image filesystem is fuller than the high threshold, removes images no container
 * uses (oldest-listed first; CRI reports no last-use time) until usage is under the low one.
 * Returns the IDs removed.
 */
export async function collectImages(
  cri: CriClient,
  opts: ImageGcOptions,
  logger: Logger,
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

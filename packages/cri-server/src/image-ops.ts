import {
  type DeepPartial,
  type Image,
  type ImageFilter,
  InvalidArgumentError,
} from '@capstan/cri-api';
import type { ImageBackend } from './backend.js';

type PullAuth = Parameters<ImageBackend['pull']>[1];

/**
 * Image service logic above the backend: concurrent pulls of the same reference (and
 * credentials) share one pull, so a burst of pods on one image costs one download.
 */
export class ImageOps {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(private readonly images: ImageBackend) {}

  pull(ref: string, auth?: PullAuth): Promise<string> {
    if (!ref) throw new InvalidArgumentError('PullImage: image.image is required');
    const key = `${ref}\0${JSON.stringify(auth ?? {})}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.images.pull(ref, auth).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  status(ref: string): Promise<DeepPartial<Image> | undefined> {
    if (!ref) throw new InvalidArgumentError('ImageStatus: image.image is required');
    return this.images.status(ref);
  }

  async list(filter?: ImageFilter): Promise<DeepPartial<Image>[]> {
    const ref = filter?.image?.image;
    if (!ref) return this.images.list();
    const one = await this.images.status(ref);
    return one ? [one] : [];
  }

  remove(ref: string): Promise<void> {
    if (!ref) throw new InvalidArgumentError('RemoveImage: image.image is required');
    return this.images.remove(ref);
  }

  fsInfo() {
    return this.images.fsInfo();
  }
}

import assert from 'node:assert/strict';
import type { ConformanceTest, TestContext } from './suite-types.js';

// Image tests run alone, after the others: they remove images that other tests use, and
// each one leaves the suite's images pulled again when it ends.

const repoOf = (ref: string) => ref.replace(/@.*$/, '').replace(/:[^:/]+$/, '');

async function restore(t: TestContext) {
  t.defer(() => t.image.pullImage({ image: { image: t.images.busybox } }));
}

export const imageTests: ConformanceTest[] = [
  {
    category: 'image',
    name: 'PullImage by tag returns the image ID, and ImageStatus reports tags and digests',
    serial: true,
    async run(t) {
      const { imageRef } = await t.image.pullImage({ image: { image: t.images.busybox } });
      assert.equal(imageRef, t.images.busyboxId);
      const { image } = await t.image.imageStatus({ image: { image: t.images.busybox } });
      assert.ok(image, 'ImageStatus found no image after a pull');
      assert.equal(image.id, t.images.busyboxId);
      assert.ok(image.repoTags.includes(t.images.busybox), `repo_tags ${image.repoTags}`);
      assert.ok(
        image.repoDigests.includes(t.images.busyboxDigest),
        `repo_digests ${image.repoDigests}`,
      );
      assert.ok(image.size > 0n, 'size is 0');
    },
  },
  {
    category: 'image',
    name: 'PullImage by digest',
    serial: true,
    async run(t) {
      restore(t);
      await t.image.removeImage({ image: { image: t.images.busyboxId } });
      const { imageRef } = await t.image.pullImage({ image: { image: t.images.busyboxDigest } });
      assert.equal(imageRef, t.images.busyboxId);
      const { image } = await t.image.imageStatus({ image: { image: t.images.busyboxDigest } });
      assert.equal(image?.id, t.images.busyboxId);
      assert.ok(image?.repoDigests.includes(t.images.busyboxDigest));
    },
  },
  {
    category: 'image',
    name: 'PullImage without a tag implies :latest',
    serial: true,
    async run(t) {
      const repo = repoOf(t.images.busybox);
      t.defer(() => t.image.removeImage({ image: { image: `${repo}:latest` } }).catch(() => {}));
      await t.image.pullImage({ image: { image: repo } });
      const { image } = await t.image.imageStatus({ image: { image: `${repo}:latest` } });
      assert.ok(image, `${repo}:latest not present after pulling ${repo}`);
      assert.ok(image.repoTags.includes(`${repo}:latest`), `repo_tags ${image.repoTags}`);
    },
  },
  {
    category: 'image',
    name: 'PullImage with an auth config',
    serial: true,
    async run(t) {
      const { imageRef } = await t.image.pullImage({
        image: { image: t.images.busybox },
        auth: { username: 'conformance', password: 'secret' },
      });
      assert.equal(imageRef, t.images.busyboxId);
    },
  },
  {
    category: 'image',
    name: 'ImageStatus of an absent image returns no image and no error',
    serial: true,
    async run(t) {
      const ref = `${repoOf(t.images.busybox)}-absent-${t.uid}:1`;
      const res = await t.image.imageStatus({ image: { image: ref } });
      assert.equal(res.image, undefined);
    },
  },
  {
    category: 'image',
    name: 'ListImages lists pulled images, and filters by reference',
    serial: true,
    async run(t) {
      await t.image.pullImage({ image: { image: t.images.httpd } });
      const all = await t.image.listImages({});
      const ids = all.images.map((i) => i.id);
      assert.ok(ids.includes(t.images.busyboxId), 'busybox missing from ListImages');
      assert.ok(all.images.length >= 2, 'expected at least busybox and httpd');
      const only = await t.image.listImages({ filter: { image: { image: t.images.busybox } } });
      assert.deepEqual(
        only.images.map((i) => i.id),
        [t.images.busyboxId],
      );
    },
  },
  {
    category: 'image',
    name: 'RemoveImage by tag',
    serial: true,
    async run(t) {
      restore(t);
      await t.image.removeImage({ image: { image: t.images.busybox } });
      const { image } = await t.image.imageStatus({ image: { image: t.images.busybox } });
      assert.equal(image, undefined);
    },
  },
  {
    category: 'image',
    name: 'RemoveImage by ID removes every tag',
    serial: true,
    async run(t) {
      restore(t);
      await t.image.removeImage({ image: { image: t.images.busyboxId } });
      assert.equal(
        (await t.image.imageStatus({ image: { image: t.images.busybox } })).image,
        undefined,
      );
      assert.equal(
        (await t.image.imageStatus({ image: { image: t.images.busyboxId } })).image,
        undefined,
      );
    },
  },
  {
    category: 'image',
    name: 'RemoveImage by digest',
    serial: true,
    async run(t) {
      restore(t);
      await t.image.pullImage({ image: { image: t.images.busyboxDigest } });
      await t.image.removeImage({ image: { image: t.images.busyboxDigest } });
      const { image } = await t.image.imageStatus({ image: { image: t.images.busyboxDigest } });
      assert.equal(image, undefined);
    },
  },
  {
    category: 'image',
    name: 'RemoveImage of an absent image succeeds',
    serial: true,
    async run(t) {
      await t.image.removeImage({
        image: { image: `${repoOf(t.images.busybox)}-absent-${t.uid}:1` },
      });
    },
  },
  {
    category: 'image',
    name: 'ImageFsInfo reports a non-empty image filesystem',
    serial: true,
    async run(t) {
      const fs = await t.image.imageFsInfo({});
      assert.ok(fs.imageFilesystems.length > 0, 'no image filesystem');
      const first = fs.imageFilesystems[0]!;
      assert.ok(first.fsId?.mountpoint, 'no mountpoint');
      assert.ok((first.usedBytes?.value ?? 0n) > 0n, 'used_bytes is 0');
    },
  },
];

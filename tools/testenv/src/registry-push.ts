/**
 * Pushing through the distribution HTTP API (plain HTTP, no auth), as `docker push`
 * does: HEAD to skip blobs already there, POST + PUT ?digest= for a monolithic upload,
 * PUT for the manifest.
 */

async function expectStatus(res: Response, ok: readonly number[], what: string): Promise<void> {
  if (ok.includes(res.status)) {
    await res.arrayBuffer();
    return;
  }
  const text = await res.text().catch(() => '');
  throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
}

/** Uploads a blob to `<host>/<repo>` unless the registry already has it. */
export async function pushBlob(
  host: string,
  repo: string,
  digest: string,
  data: Buffer,
): Promise<'exists' | 'uploaded'> {
  const base = `http://${host}/v2/${repo}`;
  const head = await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' });
  if (head.status === 200) return 'exists';
  const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  await expectStatus(start, [202], `POST ${base}/blobs/uploads/`);
  const location = start.headers.get('location');
  if (location === null) throw new Error(`POST ${base}/blobs/uploads/: no Location header`);
  const url = new URL(location, `http://${host}/`);
  url.searchParams.set('digest', digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: data,
  });
  await expectStatus(put, [201], `PUT blob ${digest} to ${base}`);
  return 'uploaded';
}

/** PUTs a manifest under a tag; checks the registry computed the digest we did. */
export async function pushManifest(
  host: string,
  repo: string,
  tag: string,
  manifest: { mediaType: string; digest: string; bytes: Buffer },
): Promise<void> {
  const url = `http://${host}/v2/${repo}/manifests/${tag}`;
  const res = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': manifest.mediaType },
    body: manifest.bytes,
  });
  await expectStatus(res, [201], `PUT ${url}`);
  const got = res.headers.get('docker-content-digest');
  if (got !== null && got !== manifest.digest) {
    throw new Error(`PUT ${url}: registry says digest ${got}, expected ${manifest.digest}`);
  }
}

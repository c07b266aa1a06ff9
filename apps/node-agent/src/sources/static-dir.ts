import { createHash } from 'node:crypto';
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseAllDocuments } from 'yaml';
import type { Pod } from '../pod/types.js';

/**
 * The documents of a manifest file. A JSON file (one object) takes JSON.parse, several
 * times cheaper than the YAML parser, which reads the rest (and reports JSON that is not
 * valid with its own message).
 */
function documents(text: string): (Pod | null)[] {
  if (text.trimStart().startsWith('{')) {
    try {
      return [JSON.parse(text) as Pod];
    } catch {
      // not valid JSON: let YAML say why (or read it, flow-style YAML being a superset)
    }
  }
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message.split('\n')[0]);
    return doc.toJS() as Pod | null;
  });
}

/** A file's parse, kept while its inode, size, mtime and ctime hold. */
type Parsed = { stamp: string; pods: Pod[] } | { stamp: string; error: string };

/** A manifest that could not be used, with the reason. */
export interface ManifestError {
  file: string;
  reason: string;
}

/** Validates the parts of a Pod the agent relies on; returns a reason or undefined. */
export function invalidPodReason(o: unknown): string | undefined {
  const pod = o as Partial<Pod> | null;
  if (!pod || typeof pod !== 'object') return 'not an object';
  if (pod.kind !== undefined && pod.kind !== 'Pod')
    return `kind is ${JSON.stringify(pod.kind)}, not Pod`;
  if (!pod.metadata?.name) return 'metadata.name is missing';
  if (
    !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(pod.metadata.name) ||
    pod.metadata.name.length > 253
  ) {
    return `metadata.name ${JSON.stringify(pod.metadata.name)} is not a DNS subdomain`;
  }
  const containers = pod.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return 'spec.containers is empty';
  const names = new Set<string>();
  for (const [i, c] of [...containers, ...(pod.spec?.initContainers ?? [])].entries()) {
    if (!c?.name) return `container ${i} has no name`;
    if (!c.image) return `container ${c.name} has no image`;
    if (names.has(c.name)) return `container name ${c.name} is used twice`;
    names.add(c.name);
  }
  const policy = pod.spec?.restartPolicy;
  if (policy !== undefined && !['Always', 'OnFailure', 'Never'].includes(policy))
    return `restartPolicy ${policy} is invalid`;
  return undefined;
}

/**
 * Static pods from a directory of YAML or JSON manifests, watched for changes. As the
 * kubelet does: a pod's name gets `-<nodeName>`, its UID is a hash of the file and its
 * content (an edit makes a new pod), and a bad file is reported and skipped (a file that
 * was good keeps its last pods while it is bad).
 */
export class StaticPodSource {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current = new Map<string, Pod>();
  /** Parsed manifests by file, kept while the file's inode, size, mtime and ctime hold. */
  private parsed = new Map<string, Parsed>();
  /** The last pods each file gave: a file that turns bad (mid-edit, a typo) keeps them. */
  private lastGood = new Map<string, Pod[]>();
  errors: ManifestError[] = [];

  constructor(
    private readonly dir: string,
    private readonly nodeName: string,
    private readonly logger: Logger,
    private readonly onChange: (added: Pod[], removed: Pod[]) => void,
  ) {}

  start(): void {
    this.scan();
    try {
      this.watcher = watch(this.dir, () => {
        clearTimeout(this.timer);
        // A short settle time, so a burst of writes is one scan; a file caught half
        // written reads as bad and keeps its previous pods until the next event.
        this.timer = setTimeout(() => this.scan(), 10);
      });
    } catch (err) {
      this.logger.warn(
        { err, dir: this.dir },
        'static pod directory cannot be watched; polling it',
      );
    }
    // A safety net for missed events (the kubelet's fileCheckFrequency).
    const poll = setInterval(() => this.scan(), 20_000);
    poll.unref();
  }

  stop(): void {
    this.watcher?.close();
    clearTimeout(this.timer);
  }

  scan(): void {
    const next = new Map<string, Pod>();
    const errors: ManifestError[] = [];
    let files: string[] = [];
    try {
      files = readdirSync(this.dir)
        .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('.'))
        .sort();
    } catch (err) {
      errors.push({ file: this.dir, reason: (err as Error).message });
    }
    const parsed = new Map<string, Parsed>();
    const lastGood = new Map<string, Pod[]>();
    for (const f of files) {
      const path = join(this.dir, f);
      // A rescan (every watch event, every 20 s) only parses files that changed: parsing
      // every manifest on every event made writing N manifests cost N^2 parses.
      let stamp = '';
      try {
        const st = statSync(path, { bigint: true });
        stamp = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      } catch {}
      const cached = stamp ? this.parsed.get(path) : undefined;
      const result = cached?.stamp === stamp ? cached : { stamp, ...this.parse(path) };
      if (stamp) parsed.set(path, result);
      if ('error' in result) errors.push({ file: path, reason: result.error });
      // A bad file keeps the pods it last described, as the kubelet does.
      const pods = 'error' in result ? this.lastGood.get(path) : result.pods;
      if (pods) {
        lastGood.set(path, pods);
        for (const p of pods) next.set(p.metadata.uid!, p);
      }
    }
    this.parsed = parsed;
    this.lastGood = lastGood;
    for (const e of errors) {
      if (!this.errors.some((x) => x.file === e.file && x.reason === e.reason)) {
        this.logger.warn({ file: e.file, reason: e.reason }, 'static pod manifest skipped');
      }
    }
    this.errors = errors;
    const added = [...next.values()].filter((p) => !this.current.has(p.metadata.uid!));
    const removed = [...this.current.values()].filter((p) => !next.has(p.metadata.uid!));
    this.current = next;
    // The registry owns (and mutates) what it is given; the cache keeps its own copies.
    if (added.length > 0 || removed.length > 0)
      this.onChange(
        added.map((p) => structuredClone(p)),
        removed,
      );
  }

  private parse(path: string): { pods: Pod[] } | { error: string } {
    const pods: Pod[] = [];
    try {
      const text = readFileSync(path, 'utf8');
      // As the kubelet: an empty file is an error, not "no pods" (an editor that truncates
      // before writing must not remove the pod for that moment).
      if (text.trim() === '') throw new Error('file is empty');
      for (const [i, obj] of documents(text).entries()) {
        if (obj === null) continue;
        const why = invalidPodReason(obj);
        if (why) throw new Error(why);
        const uid = createHash('sha256')
          .update(`${path}#${i}\n${JSON.stringify(obj)}\n${this.nodeName}`)
          .digest('hex');
        obj.metadata.uid = `${uid.slice(0, 8)}-${uid.slice(8, 12)}-${uid.slice(12, 16)}-${uid.slice(16, 20)}-${uid.slice(20, 32)}`;
        obj.metadata.name = `${obj.metadata.name}-${this.nodeName}`;
        obj.metadata.namespace ??= 'default';
        obj.metadata.annotations = {
          ...obj.metadata.annotations,
          'kubernetes.io/config.source': 'file',
          'kubernetes.io/config.hash': uid.slice(0, 32),
        };
        obj.spec.nodeName = this.nodeName;
        pods.push(obj);
      }
    } catch (err) {
      return { error: (err as Error).message };
    }
    return { pods };
  }
}

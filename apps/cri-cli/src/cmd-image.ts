import {
  type AuthConfig,
  type Image,
  Image as ImageMessage,
  ListImagesResponse,
  NotFoundError,
  PodSandboxConfig,
} from '@capstan/cri-api';
import type { Command } from 'commander';
import { CliError } from './cli-errors.js';
import { forEachArg, type Session } from './cli-session.js';
import { resolveImage } from './id-resolve.js';
import { messageJson } from './message-json.js';
import {
  type OutputFormat,
  outputFormat,
  printStructured,
  statusWithInfo,
} from './output-format.js';
import { formatTable, humanSize, truncateId } from './output-table.js';
import { loadSpec } from './spec-load.js';

/** Registry credential flags shared by `pull` and `create --with-pull`. */
export interface AuthFlags {
  creds?: string;
  auth?: string;
}

/** `--creds user:password` or `--auth <base64>` → the CRI AuthConfig (never logged). */
export function authFrom(flags: AuthFlags): Partial<AuthConfig> | undefined {
  if (flags.creds !== undefined && flags.auth !== undefined) {
    throw new CliError('give --creds or --auth, not both');
  }
  if (flags.auth !== undefined) return { auth: flags.auth };
  if (flags.creds === undefined) return undefined;
  const colon = flags.creds.indexOf(':');
  if (colon <= 0) throw new CliError('--creds must be user:password');
  return { username: flags.creds.slice(0, colon), password: flags.creds.slice(colon + 1) };
}

/** `registry:5000/a/b:tag` → [`registry:5000/a/b`, `tag`]; the port colon is not a tag. */
export function splitRepoTag(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, 'latest'];
}

/** `images` table rows: one per tag (`<none>` for untagged images), like crictl. */
export function imageRows(
  images: readonly Image[],
  digests: boolean,
  noTrunc: boolean,
): string[][] {
  const rows: string[][] = [];
  for (const image of images) {
    const id = noTrunc ? image.id : truncateId(image.id);
    const size = humanSize(image.size, 3);
    const digestOf = (repo: string) => {
      const d =
        image.repoDigests.find((r) => r.startsWith(`${repo}@`)) ?? image.repoDigests[0] ?? '';
      const digest = d.includes('@') ? d.slice(d.indexOf('@') + 1) : '<none>';
      return noTrunc || digest === '<none>' ? digest : truncateId(digest);
    };
    const tags: [string, string][] = image.repoTags.map(splitRepoTag);
    if (tags.length === 0) {
      const repo = image.repoDigests[0]?.split('@')[0] ?? '<none>';
      tags.push([repo, '<none>']);
    }
    for (const [repo, tag] of tags) {
      rows.push(digests ? [repo, tag, digestOf(repo), id, size] : [repo, tag, id, size]);
    }
  }
  return rows;
}

/** `images`, `pull`, `rmi`, `inspecti`. */
export function registerImageCommands(program: Command, session: Session): void {
  program
    .command('images')
    .alias('image')
    .description('List images')
    .argument('[reference]', 'only images matching this reference')
    .option('-q, --quiet', 'only print image IDs')
    .option(
      '-o, --output <format>',
      'json, yaml or table',
      outputFormat(['json', 'yaml', 'table']),
      'table',
    )
    .option('--digests', 'show digests')
    .option('--no-trunc', 'show full IDs and digests')
    .action(
      async (
        ref: string | undefined,
        opts: { quiet?: boolean; output: OutputFormat; digests?: boolean; trunc: boolean },
      ) => {
        const img = await (await session.context()).image();
        const res = await img.listImages(ref ? { filter: { image: { image: ref } } } : {});
        const first = (i: Image) => i.repoTags[0] ?? i.repoDigests[0] ?? i.id;
        const images = [...res.images].sort((a, b) => first(a).localeCompare(first(b)));
        if (opts.quiet) {
          session.io.out([...new Set(images.map((i) => i.id))].map((id) => `${id}\n`).join(''));
        } else if (opts.output !== 'table') {
          printStructured(session.io, opts.output, messageJson(ListImagesResponse, { images }));
        } else {
          const headers = opts.digests
            ? ['IMAGE', 'TAG', 'DIGEST', 'IMAGE ID', 'SIZE']
            : ['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'];
          session.io.out(formatTable(headers, imageRows(images, !!opts.digests, !opts.trunc)));
        }
      },
    );

  program
    .command('pull')
    .description('Pull an image from a registry')
    .argument('<image>', 'image reference, e.g. registry.example/app:1.0')
    .option('--creds <user:password>', 'registry credentials')
    .option('--auth <base64>', 'base64 of user:password')
    .option('-p, --pod-config <file>', 'pod config to pass as the pull sandbox config')
    .action(async (ref: string, opts: AuthFlags & { podConfig?: string }) => {
      const auth = authFrom(opts);
      const sandboxConfig = opts.podConfig
        ? await loadSpec(opts.podConfig, PodSandboxConfig, 'pod config')
        : undefined;
      const img = await (await session.context()).image();
      const res = await img.pullImage({
        image: { image: ref },
        ...(auth ? { auth } : {}),
        ...(sandboxConfig ? { sandboxConfig } : {}),
      });
      session.io.out(`Image is up to date for ${res.imageRef}\n`);
    });

  program
    .command('rmi')
    .description('Remove one or more images')
    .argument('[images...]', 'image references, IDs or unique ID prefixes')
    .option('-a, --all', 'remove all images')
    .option('--prune', 'remove all images no container uses')
    .action(async (refs: string[], opts: { all?: boolean; prune?: boolean }) => {
      if (!opts.all && !opts.prune && refs.length === 0)
        throw new CliError('rmi: give images, --all or --prune');
      const ctx = await session.context();
      const img = await ctx.image();
      let targets = refs;
      if (opts.all || opts.prune) {
        const all = (await img.listImages({})).images.map((i) => i.id);
        let used = new Set<string>();
        if (opts.prune) {
          const { containers } = await (await ctx.runtime()).listContainers({});
          used = new Set(containers.flatMap((c) => [c.imageRef, c.image?.image ?? '']));
        }
        targets = all.filter((id) => !used.has(id));
      }
      await forEachArg(session.io, targets, async (given) => {
        const image = await resolveImage(img, given);
        await img.removeImage({ image: { image: image.id } });
        const names = image.repoTags.length > 0 ? image.repoTags : [image.id];
        session.io.out(names.map((n) => `Deleted: ${n}\n`).join(''));
      });
    });

  program
    .command('inspecti')
    .description('Display the status of one or more images (verbose ImageStatus)')
    .argument('<images...>', 'image references, IDs or unique ID prefixes')
    .option('-o, --output <format>', 'json or yaml', outputFormat(['json', 'yaml']), 'json')
    .option('-q, --quiet', 'only the status, without the verbose info')
    .action(async (refs: string[], opts: { output: OutputFormat; quiet?: boolean }) => {
      const img = await (await session.context()).image();
      await forEachArg(session.io, refs, async (given) => {
        const found = await resolveImage(img, given);
        const res = await img.imageStatus({ image: { image: found.id }, verbose: !opts.quiet });
        if (!res.image) throw new NotFoundError(`image "${given}" not found`);
        printStructured(
          session.io,
          opts.output,
          statusWithInfo(messageJson(ImageMessage, res.image), res.info),
        );
      });
    });
}

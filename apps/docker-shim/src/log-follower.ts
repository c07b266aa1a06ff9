import { CriLogFile } from '@capstan/cri-log';
import type { Logger } from '@capstan/cri-server';
import type Docker from 'dockerode';
import { FrameParser, type LogMessage, RawLineParser } from './log-format.js';

/**
 * Follows one container's Docker log stream (`GET /containers/{id}/logs?follow=1&
 * timestamps=1&stdout=1&stderr=1[&since=]`) and writes it as a CRI log file. The stream
 * ends when the container has exited and its output is drained: `done` resolves then.
 */
export class LogFollower {
  readonly done: Promise<void>;
  #file: CriLogFile | undefined;
  #stream: NodeJS.ReadableStream | undefined;
  #stopped = false;

  constructor(
    docker: Docker,
    readonly dockerId: string,
    readonly path: string,
    opts: { tty: boolean; since?: string; logger: Logger },
  ) {
    this.done = this.#run(docker, opts).catch((err: unknown) => {
      opts.logger.warn({ err, container: dockerId, path }, 'log follower stopped');
    });
  }

  async #run(
    docker: Docker,
    opts: { tty: boolean; since?: string; logger: Logger },
  ): Promise<void> {
    this.#file = new CriLogFile(this.path);
    try {
      const stream = (await docker.getContainer(this.dockerId).logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        ...(opts.since !== undefined ? { since: opts.since as unknown as number } : {}),
      })) as unknown as NodeJS.ReadableStream;
      this.#stream = stream;
      if (this.#stopped) (stream as unknown as { destroy(): void }).destroy();
      const parser = opts.tty ? new RawLineParser() : new FrameParser();
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => {
          const messages: LogMessage[] = parser.push(chunk);
          this.#file?.write(messages);
        });
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', (err) => (this.#stopped ? resolve() : reject(err)));
      });
    } finally {
      this.#file.close();
      this.#file = undefined;
    }
  }

  /** ReopenContainerLog: a new file at the same path (after the old one was rotated away). */
  reopen(): void {
    this.#file?.reopen();
  }

  /** Stops following (container removed); what was written stays. */
  stop(): void {
    this.#stopped = true;
    (this.#stream as unknown as { destroy(): void } | undefined)?.destroy();
  }
}

// length: one SPDY/3.1 session state machine; split, its invariants would scatter.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SpdyProtocolError, StreamingTimeoutError, StreamResetError } from './errors.js';
import { SendFlowControl } from './spdy-flow-control.js';
import {
  DEFAULT_WINDOW,
  encodeData,
  encodeGoAway,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
  GoAwayStatus,
  RstStatus,
  SettingId,
  type SpdyFrame,
} from './spdy-frame.js';
import { FrameReader, type FrameSink, type HeaderFrame } from './spdy-frame-reader.js';
import { FrameWriter } from './spdy-frame-writer.js';
import {
  HeaderCompressor,
  type IncomingHeaders,
  type OutgoingHeaders,
} from './spdy-header-block.js';
import { PingTracker } from './spdy-ping.js';
import { creditThreshold, RecvCredit } from './spdy-recv-credit.js';
import type { SpdySessionOptions } from './spdy-session-options.js';
import { SpdyStream, type SpdyStreamOwner } from './spdy-stream.js';
import { noopLogger, type StreamingLogger } from './streaming-logger.js';

const SESSION_WINDOW = 16 * 1024 * 1024;

/**
 * A SPDY/3.1 session over a byte stream (a socket after an HTTP upgrade, or a WebSocket
 * tunnel). Emits `stream` for each SYN_STREAM the peer opens (accept it with
 * `stream.accept()` or refuse with `stream.reset()`), and `close` once, with the error
 * that ended it if any. A malformed frame never throws: it ends the session with GOAWAY
 * (PROTOCOL_ERROR) and a {@link SpdyProtocolError}.
 */
export type { SpdySessionOptions } from './spdy-session-options.js';

export class SpdySession extends EventEmitter implements SpdyStreamOwner, FrameSink {
  readonly role: 'client' | 'server';
  private readonly socket: Duplex;
  private readonly log: StreamingLogger;
  private readonly reader: FrameReader = new FrameReader(this);
  private readonly compressor = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pendingOpens = new Map<number, (err?: Error) => void>();
  private readonly pings: PingTracker;
  private readonly writer: FrameWriter;
  private readonly flow: SendFlowControl;
  private readonly credit: RecvCredit;
  private readonly paused = new Set<SpdyStream>();
  private readonly recvWindow: number;
  private readonly maxStreams: number;
  private nextStreamId: number;
  private lastPeerStreamId = 0;
  private goneAwaySent = false;
  private goneAwayReceived = false;
  private ended = false;
  private closing = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Resolves when the session has closed. */
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (err: Error | undefined) => void;

  constructor(socket: Duplex, opts: SpdySessionOptions) {
    super();
    this.socket = socket;
    this.role = opts.role;
    this.log = opts.logger ?? noopLogger;
    this.recvWindow = opts.initialWindow ?? 1024 * 1024;
    this.maxStreams = opts.maxConcurrentStreams ?? 1000;
    this.flow = new SendFlowControl(opts.flowControl ?? 'auto');
    this.writer = new FrameWriter(
      socket,
      () => this.idleTimer?.refresh(),
      (err) => this.destroy(err),
    );
    this.credit = new RecvCredit((frames) => this.write(frames), creditThreshold(DEFAULT_WINDOW));
    this.nextStreamId = this.role === 'client' ? 1 : 2;
    this.pings = new PingTracker(this.role, (frame) => this.write(frame));
    this.closed = new Promise((r) => {
      this.resolveClosed = r;
    });
    if (opts.idleTimeoutMs) {
      this.idleTimer = setTimeout(
        () =>
          this.destroy(new StreamingTimeoutError(`SPDY session idle for ${opts.idleTimeoutMs} ms`)),
        opts.idleTimeoutMs,
      );
      this.idleTimer.unref();
    }
    // Window updates and replies are small frames: Nagle would hold them back a round trip.
    (socket as Partial<Socket>).setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    // The peer sent all it will: handle what arrived (header blocks inflate asynchronously),
    // flush what is queued, then end.
    socket.on(
      'end',
      () =>
        void this.inputDone()
          .then(() => this.finishOut())
          .then(() => this.destroy()),
    );
    socket.on('close', () => void this.inputDone().then(() => this.destroy()));
    socket.on('error', (err: Error) => this.destroy(err));
    // Our receive windows: per stream by SETTINGS, for the session by a WINDOW_UPDATE of 0.
    this.write(
      encodeSettings([{ id: SettingId.INITIAL_WINDOW_SIZE, flags: 0, value: this.recvWindow }]),
    );
    this.write(encodeWindowUpdate(0, SESSION_WINDOW - DEFAULT_WINDOW));
    if (opts.head && opts.head.length > 0) this.onBytes(opts.head);
  }

  /** Whether the session has ended. */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Number of open streams. */
  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Opens a stream with `headers` and resolves once the peer's SYN_REPLY arrives; rejects
   * with {@link StreamResetError} if the peer resets it or the session ends first.
   */
  openStream(headers: OutgoingHeaders, opts: { timeoutMs?: number } = {}): Promise<SpdyStream> {
    if (this.ended || this.goneAwaySent || this.goneAwayReceived) {
      return Promise.reject(
        new StreamResetError('SPDY session is closing', RstStatus.REFUSED_STREAM),
      );
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const asIncoming: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(headers)) {
      asIncoming[k.toLowerCase()] = typeof v === 'string' ? [v] : [...v];
    }
    const stream = new SpdyStream(this, id, asIncoming, {
      inbound: false,
      sendWindow: this.flow.peerInitialWindow,
      recvWindow: this.recvWindow,
    });
    this.streams.set(id, stream);
    this.write(this.compressor.compress(headers).then((block) => encodeSynStream(id, block)));
    return new Promise<SpdyStream>((resolve, reject) => {
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pendingOpens.delete(id);
              stream.reset();
              reject(
                new StreamingTimeoutError(`no SYN_REPLY for stream ${id} in ${opts.timeoutMs} ms`),
              );
            }, opts.timeoutMs);
      this.pendingOpens.set(id, (err) => {
        clearTimeout(timer);
        this.pendingOpens.delete(id);
        if (err) reject(err);
        else resolve(stream);
      });
    });
  }

  /** Round trip of a PING in milliseconds. */
  ping(timeoutMs = 10_000): Promise<number> {
    return this.pings.ping(timeoutMs);
  }

  /**
   * Ends the session gracefully: GOAWAY, streams reset, then the socket is ended once our
   * frames are flushed (and destroyed after `graceMs` if the peer does not close it).
   */
  close(graceMs = 2000): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    this.sendGoAway(GoAwayStatus.OK);
    void this.finishOut().then(() => {
      if (!this.ended && !this.socket.writableEnded) {
        this.socket.end();
        setTimeout(() => this.destroy(), graceMs).unref();
      }
    });
  }

  /** Ends the session at once; `err` is reported by `close` and `closed`. */
  destroy(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    this.credit.close();
    for (const [id, settle] of this.pendingOpens) {
      settle(
        new StreamResetError(
          `SPDY session ended before stream ${id} was replied`,
          RstStatus.CANCEL,
          { cause: err },
        ),
      );
    }
    for (const stream of [...this.streams.values()]) stream.onReset(RstStatus.CANCEL);
    this.streams.clear();
    if (!this.socket.destroyed) this.socket.destroy();
    this.compressor.close();
    this.reader.close();
    this.resolveClosed(err);
    this.emit('close', err);
  }

  // --- SpdyStreamOwner -------------------------------------------------------------------

  sendAllowance(stream: SpdyStream): number {
    return this.flow.allowance(stream);
  }

  sendData(stream: SpdyStream, data: Buffer, fin: boolean): boolean {
    this.flow.charge(stream, data.length);
    if (fin) stream.localFin = true;
    return this.write(encodeData(stream.id, data, fin));
  }

  drained(): Promise<void> {
    if (this.ended || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.on('close', done);
    });
  }

  sendReply(stream: SpdyStream): void {
    const id = stream.id;
    this.write(this.compressor.compress({}).then((block) => encodeSynReply(id, block)));
  }

  sendReset(stream: SpdyStream, status: number): void {
    this.write(encodeRstStream(stream.id, status));
  }

  sendWindowUpdate(stream: SpdyStream, delta: number): void {
    this.credit.stream(stream.id, delta);
  }

  releaseSessionCredit(bytes: number): void {
    if (!this.ended) this.credit.sessionOnly(bytes);
  }

  pauseInput(stream: SpdyStream): void {
    this.paused.add(stream);
    this.socket.pause();
  }

  resumeInput(stream: SpdyStream): void {
    if (this.paused.delete(stream) && this.paused.size === 0 && !this.ended) this.socket.resume();
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.resumeInput(stream);
    if ((this.goneAwayReceived || this.goneAwaySent) && this.streams.size === 0) this.close();
  }

  // --- input -----------------------------------------------------------------------------

  private onBytes(chunk: Buffer): void {
    if (this.ended) return;
    this.idleTimer?.refresh();
    this.reader.push(chunk);
  }

  /** FrameSink: a header block could not be read, or a handler threw. */
  onError(err: Error): void {
    this.fail(err);
  }

  /** FrameSink. */
  onHeaderFrame(frame: HeaderFrame, headers: IncomingHeaders): void {
    if (frame.type === 'syn_stream') {
      this.onSynStream(frame.streamId, headers, frame.fin || frame.unidirectional);
      return;
    }
    const stream = this.streams.get(frame.streamId);
    if (!stream) return; // already gone
    if (frame.type === 'syn_reply') {
      if (stream.inbound || stream.replied) {
        this.write(encodeRstStream(frame.streamId, RstStatus.STREAM_IN_USE));
        return;
      }
      stream.replied = true;
      this.pendingOpens.get(stream.id)?.();
    }
    if (frame.fin) stream.onRemoteFin();
  }

  private onSynStream(id: number, headers: IncomingHeaders, fin: boolean): void {
    const peerParity = this.role === 'server' ? 1 : 0;
    if (id % 2 !== peerParity || id <= this.lastPeerStreamId) {
      this.log.debug?.({ streamId: id }, 'SPDY: refusing a stream with a bad ID');
      this.write(encodeRstStream(id, RstStatus.PROTOCOL_ERROR));
      return;
    }
    this.lastPeerStreamId = id;
    const refuse =
      this.goneAwaySent ||
      this.streams.size >= this.maxStreams ||
      this.listenerCount('stream') === 0;
    if (refuse) {
      this.write(encodeRstStream(id, RstStatus.REFUSED_STREAM));
      return;
    }
    const stream = new SpdyStream(this, id, headers, {
      inbound: true,
      sendWindow: this.flow.peerInitialWindow,
      recvWindow: this.recvWindow,
    });
    this.streams.set(id, stream);
    if (fin) stream.onRemoteFin();
    this.emit('stream', stream);
  }

  /** FrameSink. */
  onFrame(frame: Exclude<SpdyFrame, HeaderFrame>): void {
    switch (frame.type) {
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) {
          // Credit the session window a flow-controlled peer charged for it.
          if (frame.data.length > 0) this.credit.sessionOnly(frame.data.length);
          if (
            frame.streamId > this.lastPeerStreamId &&
            frame.streamId % 2 === (this.role === 'server' ? 1 : 0)
          ) {
            this.write(encodeRstStream(frame.streamId, RstStatus.INVALID_STREAM));
          }
          return;
        }
        if (stream.remoteFin) {
          this.write(encodeRstStream(frame.streamId, RstStatus.STREAM_ALREADY_CLOSED));
          stream.onReset(RstStatus.STREAM_ALREADY_CLOSED);
          return;
        }
        stream.onData(frame.data);
        if (frame.fin) stream.onRemoteFin();
        return;
      }
      case 'rst_stream': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        this.streams.delete(frame.streamId);
        this.pendingOpens.get(frame.streamId)?.(
          new StreamResetError(
            `stream ${frame.streamId} reset by the peer (status ${frame.status})`,
            frame.status,
          ),
        );
        stream.onReset(frame.status);
        return;
      }
      case 'settings':
        if (frame.entries.some((e) => e.id === SettingId.INITIAL_WINDOW_SIZE)) {
          this.credit.peerDoesFlowControl();
        }
        this.flow.onSettings(frame.entries, this.streams.values());
        return;
      case 'ping':
        this.pings.onPing(frame.id);
        return;
      case 'goaway':
        this.goneAwayReceived = true;
        for (const [id, settle] of this.pendingOpens) {
          if (id > frame.lastGoodStreamId)
            settle(
              new StreamResetError(`stream ${id} refused by GOAWAY`, RstStatus.REFUSED_STREAM),
            );
        }
        this.emit('goaway', frame.status);
        if (this.streams.size === 0) this.close();
        return;
      case 'window_update':
        this.credit.peerDoesFlowControl();
        if (!this.flow.onWindowUpdate(frame.streamId, frame.delta, this.streams)) {
          this.write(encodeRstStream(frame.streamId, RstStatus.FLOW_CONTROL_ERROR));
          this.streams.get(frame.streamId)?.onReset(RstStatus.FLOW_CONTROL_ERROR);
        }
        return;
      default:
        return; // HEADERS content, CREDENTIAL, NOOP: nothing to do
    }
  }

  /** A session error: GOAWAY with the error's status, then close. */
  private fail(err: Error): void {
    if (this.ended) return;
    const status = err instanceof SpdyProtocolError ? err.status : GoAwayStatus.INTERNAL_ERROR;
    this.log.warn(
      { err: err.message, role: this.role },
      'SPDY session error; closing the connection',
    );
    this.sendGoAway(status === GoAwayStatus.OK ? GoAwayStatus.PROTOCOL_ERROR : status);
    void this.finishOut().then(() => {
      if (!this.socket.writableEnded) this.socket.end();
      this.destroy(err);
    });
  }

  private sendGoAway(status: number): void {
    if (this.goneAwaySent) return;
    this.goneAwaySent = true;
    this.write(encodeGoAway(this.lastPeerStreamId, status));
  }

  // --- output ----------------------------------------------------------------------------

  private write(item: Buffer | Promise<Buffer>): boolean {
    if (this.ended) return true;
    return this.writer.write(item);
  }

  private finishOut(): Promise<void> {
    return this.writer.finish();
  }

  private inputDone(): Promise<void> {
    return this.reader.drained();
  }
}

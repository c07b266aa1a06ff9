// Minimal types for hpack.js (it ships none): only what h2-authority.ts uses.
declare module 'hpack.js' {
  export interface HpackHeader {
    name: string;
    value: string;
    neverIndex?: boolean;
    huffman?: boolean;
  }
  export interface Decompressor {
    write(chunk: Buffer): boolean;
    execute(): void;
    read(): HpackHeader | null;
    on(event: 'error', fn: (err: Error) => void): this;
  }
  export interface Compressor {
    write(headers: HpackHeader[]): boolean;
    read(): Buffer | null;
    updateTableSize(size: number): void;
  }
  const hpack: {
    decompressor: { create(opts: { table: { size: number } }): Decompressor };
    compressor: { create(opts: { table: { size: number } }): Compressor };
  };
  export default hpack;
}

import type { TestImages } from './images-build.js';

/** What global setup hands to every test through `inject('testenv')`. */
export interface ProvidedTestEnv {
  /** `127.0.0.1:<port>` of the private registry (plain HTTP). */
  registryHost: string;
  images: TestImages;
  /** The shared CRI containerd: pulls from the registry, sandbox image = images.pause. */
  containerd: {
    /** `unix://<socket>` */
    address: string;
    socket: string;
  };
}

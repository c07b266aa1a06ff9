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
  /**
   * A second CRI containerd with a pod network, inside its own node netns (see
   * `startContainerd({ network })`); run commands there with `ip netns exec <netns> ...`.
   */
  networkedContainerd: {
    address: string;
    socket: string;
    /** Name of the node netns, as in `ip netns list`. */
    netns: string;
    /** `/run/netns/<netns>`. */
    netnsPath: string;
    /** Pod IPs come from here; the bridge (the pods' gateway) has the first address. */
    podCidr: string;
  };
}

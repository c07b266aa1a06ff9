/**
 * @capstan/testenv: real daemons for tests, private to a temp dir, and the project's
 * test images. Import from tests only; nothing published depends on this package.
 */

/** Removes a cgroup and everything below it in every hierarchy. */
export { removeCgroupTree } from './cgroup-cleanup.js';
export type {
  Containerd,
  ContainerdNetworkOptions,
  NetworkedContainerd,
  StartContainerdOptions,
} from './containerd-start.js';
/**
 * Starts a private containerd (CRI on by default) under a temp dir; with `network`, inside
 * its own node netns with a bridge pod network.
 */
export { startContainerd, startNetworkedContainerd } from './containerd-start.js';
export type { DaemonExit } from './daemon-process.js';
export type { DockerShim, StartDockerShimOptions } from './docker-shim-start.js';
/** Starts apps/docker-shim (from source) as a child process over a networked dockerd. */
export { startDockerShim } from './docker-shim-start.js';
export type { Dockerd, NetworkedDockerd, StartDockerdOptions } from './dockerd-start.js';
/** Starts a private dockerd on its own private containerd; with `network`, in a node netns. */
export { startDockerd } from './dockerd-start.js';
export type { UnixHttpResponse } from './http-unix.js';
/** One buffered HTTP/1.1 request over a unix socket (Docker Engine API). */
export { socketAccepts, unixRequest } from './http-unix.js';
export type { BuildTestImagesOptions, TestImage, TestImages } from './images-build.js';
/** Builds and pushes the pause, busybox and httpd test images. */
export { buildTestImages, HTTPD_INDEX } from './images-build.js';
export type { Log } from './log.js';
export type { MountEntry } from './mount-cleanup.js';
/** Mounts at or below a dir, from /proc/self/mountinfo (for leak assertions). */
export { mountsUnder } from './mount-cleanup.js';
/** A free TCP port on 127.0.0.1 (closed again: race-prone, fine for tests). */
export { freePort } from './net-free-port.js';
export type { ExecInNetnsOptions, ExecResult } from './netns.js';
/** PIDs in a network namespace (by inode); `ip netns list` membership. */
export { netnsListed, processesInNetns } from './netns.js';
export type { NetnsPort } from './netns-port.js';
/** Makes 127.0.0.1:<port> of a network namespace answer on this one's loopback. */
export { exposeNetnsPort } from './netns-port.js';
/** apps/node-agent from source, inside a network namespace. */
export { spawnNodeAgent } from './node-agent-spawn.js';
export type { HeapSummaryRow, RetainedMemory } from './node-inspector.js';
export {
  heapSnapshotGrowth,
  heapSnapshotSummary,
  inspectorUrlFrom,
  nodeRetainedMemory,
  writeHeapSnapshot,
} from './node-inspector.js';
/** IPv4 CIDR membership (pod IPs vs a podCidr). */
export { cidrContains } from './node-network.js';
export type { ProcInfo } from './proc-scan.js';
/** Live processes whose command line, root or cwd is under a dir, plus descendants. */
export { findProcessesUnder, isAlive } from './proc-scan.js';
export type { ProvidedTestEnv } from './provided-context.js';
export {
  readmeBlock,
  readmeExample,
  runTypeScript,
  runTypeScriptSync,
  typeCheckTypeScript,
} from './readme-examples.js';
export type { AuthProxy, StartAuthProxyOptions } from './registry-auth-proxy.js';
export { startAuthProxy } from './registry-auth-proxy.js';
export type { Registry, StartRegistryOptions } from './registry-start.js';
/** Starts a private docker-registry on 127.0.0.1:<free port>. */
export { startRegistry } from './registry-start.js';
export type { SmallDisk } from './small-disk.js';
/** A small tmpfs to fill up (ENOSPC for everything below it) and free again. */
export { mountSmallDisk } from './small-disk.js';
export type { StackCgroup } from './stack-cgroup.js';
/** A cgroup per runtime stack (daemons + shims), for honest memory accounting. */
export { cgroupProcs, createStackCgroup, stackCgroupHierarchy } from './stack-cgroup.js';

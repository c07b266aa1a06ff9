/**
 * @capstan/image-store: the image side of Capstan's own runtimes. Today: which registry
 * endpoints a pull of `<host>/<repo>` tries, with containerd's `certs.d/<host>/hosts.toml`
 * semantics (mirrors, capabilities, plain HTTP, fallback to the upstream host). The OCI
 * distribution client, content store, safe layer unpack and rootfs follow.
 *
 * @packageDocumentation
 */
export {
  type HostCapability,
  HostsTomlError,
  isDirect,
  isLoopbackHost,
  loadRegistryHosts,
  parseHostsToml,
  parseTomlSubset,
  type RegistryEndpoint,
  type RegistryHosts,
  type TomlTable,
  type TomlValue,
} from './registry-hosts.js';

/** Everything that varies in a private containerd's config.toml. */
export interface ContainerdConfigInput {
  /** The private dir; every path containerd, its shims and runc write to lies below it. */
  dir: string;
  /** containerd's `root` (metadata, content, snapshots); default `<dir>/root`. */
  root?: string;
  socket: string;
  /** Whether to load the CRI plugin (off for the containerd behind a private dockerd). */
  cri: boolean;
  snapshotter: 'overlayfs' | 'native';
  sandboxImage: string;
  cniConfDir: string;
  /** Registries (host[:port]) pulled over plain HTTP by the CRI plugin. */
  plainHttpRegistries: readonly string[];
}

/** A TOML basic string (JSON string escapes are valid TOML ones). */
const str = (s: string): string => JSON.stringify(s);

/** Plugins that would touch host state or are never needed by a test daemon. */
const DISABLED_PLUGINS = [
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

/**
 * Renders config.toml (version 2) for containerd 1.6. Notes on choices:
 * - root, state, the opt plugin dir and every runc root are inside `dir`: the defaults
 *   are /var/lib/containerd, /run/containerd, /opt/containerd and /run/containerd/runc.
 * - The v1 linux runtime stays enabled: containerd 1.6's tasks service refuses to load
 *   without it; it is given a private runtime_root and is never used.
 * - `restrict_oom_score_adj`: the VM lacks CAP_SYS_RESOURCE, so runc cannot lower
 *   oom_score_adj for the pause container (ENVIRONMENT.md).
 * - `netns_mounts_under_state_dir`: pod netns are bind-mounted under the state dir, not
 *   /var/run/netns.
 */
export function containerdConfig(c: ContainerdConfigInput): string {
  const lines: string[] = [
    'version = 2',
    `root = ${str(c.root ?? `${c.dir}/root`)}`,
    `state = ${str(`${c.dir}/state`)}`,
    `disabled_plugins = [${[...DISABLED_PLUGINS, ...(c.cri ? [] : ['io.containerd.grpc.v1.cri'])]
      .map(str)
      .join(', ')}]`,
    'oom_score = 0',
    '',
    '[grpc]',
    `  address = ${str(c.socket)}`,
    '',
    '[ttrpc]',
    `  address = ${str(`${c.socket}.ttrpc`)}`,
    '',
    '[debug]',
    '  address = ""',
    '  level = "info"',
    '',
    '[metrics]',
    '  address = ""',
    '',
    '[plugins]',
    '  [plugins."io.containerd.internal.v1.opt"]',
    `    path = ${str(`${c.dir}/opt`)}`,
    '  [plugins."io.containerd.runtime.v1.linux"]',
    `    runtime_root = ${str(`${c.dir}/runc-v1`)}`,
    '  [plugins."io.containerd.snapshotter.v1.overlayfs"]',
    '    root_path = ""',
  ];
  if (c.cri) {
    const cri = '[plugins."io.containerd.grpc.v1.cri"';
    lines.push(
      `  ${cri}]`,
      `    sandbox_image = ${str(c.sandboxImage)}`,
      '    restrict_oom_score_adj = true',
      '    netns_mounts_under_state_dir = true',
      '    disable_tcp_service = true',
      '    stream_server_address = "127.0.0.1"',
      '    stream_server_port = "0"',
      '    enable_selinux = false',
      `    ${cri}.containerd]`,
      `      snapshotter = ${str(c.snapshotter)}`,
      '      default_runtime_name = "runc"',
      '      discard_unpacked_layers = false',
      `      ${cri}.containerd.runtimes.runc]`,
      '        runtime_type = "io.containerd.runc.v2"',
      `        ${cri}.containerd.runtimes.runc.options]`,
      '          SystemdCgroup = false',
      `          Root = ${str(`${c.dir}/runc`)}`,
      `    ${cri}.cni]`,
      '      bin_dir = "/usr/lib/cni"',
      `      conf_dir = ${str(c.cniConfDir)}`,
      '      max_conf_num = 1',
      `    ${cri}.registry]`,
      '      config_path = ""',
    );
    for (const host of c.plainHttpRegistries) {
      lines.push(
        `      ${cri}.registry.mirrors.${str(host)}]`,
        `        endpoint = [${str(`http://${host}`)}]`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

import {
  ContainerConfig,
  MountPropagation,
  NamespaceMode,
  PodSandboxConfig,
  Protocol,
} from '@capstan/cri-api';
import { describe, expect, it } from 'vitest';
import { convertSpec, SpecShapeError, snakeToCamel } from './spec-convert.js';

describe('snakeToCamel', () => {
  it('turns crictl field names into the generated ones and leaves camelCase alone', () => {
    expect(snakeToCamel('log_directory')).toBe('logDirectory');
    expect(snakeToCamel('memory_limit_in_bytes')).toBe('memoryLimitInBytes');
    expect(snakeToCamel('run_as_user')).toBe('runAsUser');
    expect(snakeToCamel('cpuShares')).toBe('cpuShares');
    expect(snakeToCamel('ipv6_x')).toBe('ipv6X');
  });
});

describe('convertSpec', () => {
  it("converts crictl's pod example: nested snake_case, enums, maps kept as written", () => {
    const pod = convertSpec(PodSandboxConfig, {
      metadata: {
        name: 'nginx-sandbox',
        namespace: 'default',
        attempt: 1,
        uid: 'hdishd83djaidwnduwk28bcsb',
      },
      log_directory: '/tmp',
      labels: { my_label: 'a', 'app.kubernetes.io/name': 'web' },
      port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: 8080 }],
      dns_config: { servers: ['10.0.0.10'], searches: ['svc.local'] },
      linux: {
        cgroup_parent: '/kubepods',
        sysctls: { 'net.ipv4.ip_forward': '1' },
        security_context: { namespace_options: { network: 2, pid: 'CONTAINER' } },
      },
    });
    expect(pod.metadata).toEqual({
      name: 'nginx-sandbox',
      namespace: 'default',
      attempt: 1,
      uid: 'hdishd83djaidwnduwk28bcsb',
    });
    expect(pod.logDirectory).toBe('/tmp');
    expect(pod.labels).toEqual({ my_label: 'a', 'app.kubernetes.io/name': 'web' });
    expect(pod.portMappings).toEqual([
      expect.objectContaining({ protocol: Protocol.TCP, containerPort: 80, hostPort: 8080 }),
    ]);
    expect(pod.dnsConfig?.servers).toEqual(['10.0.0.10']);
    expect(pod.linux?.cgroupParent).toBe('/kubepods');
    expect(pod.linux?.sysctls).toEqual({ 'net.ipv4.ip_forward': '1' });
    expect(pod.linux?.securityContext?.namespaceOptions?.network).toBe(NamespaceMode.NODE);
    expect(pod.linux?.securityContext?.namespaceOptions?.pid).toBe(NamespaceMode.CONTAINER);
  });

  it('converts a container config: lists of messages and values, int64 as bigint, wrappers', () => {
    const c = convertSpec(ContainerConfig, {
      metadata: { name: 'busybox' },
      image: { image: 'busybox' },
      command: ['top'],
      args: ['-b', 7],
      envs: [{ key: 'A', value: 'b' }],
      mounts: [
        {
          container_path: '/data',
          host_path: '/srv',
          readonly: true,
          propagation: 'PROPAGATION_BIDIRECTIONAL',
        },
      ],
      log_path: 'busybox.0.log',
      linux: {
        resources: { memory_limit_in_bytes: 268435456, cpu_shares: '512' },
        security_context: {
          run_as_user: { value: 1000 },
          capabilities: { add_capabilities: ['NET_ADMIN'] },
        },
      },
    });
    expect(c.command).toEqual(['top']);
    expect(c.args).toEqual(['-b', '7']);
    expect(c.envs).toEqual([{ key: 'A', value: 'b' }]);
    expect(c.mounts[0]).toMatchObject({
      containerPath: '/data',
      hostPath: '/srv',
      readonly: true,
      propagation: MountPropagation.PROPAGATION_BIDIRECTIONAL,
    });
    expect(c.logPath).toBe('busybox.0.log');
    expect(c.linux?.resources?.memoryLimitInBytes).toBe(268435456n);
    expect(c.linux?.resources?.cpuShares).toBe(512n);
    expect(c.linux?.securityContext?.runAsUser?.value).toBe(1000n);
    expect(c.linux?.securityContext?.capabilities?.addCapabilities).toEqual(['NET_ADMIN']);
  });

  it('accepts camelCase keys too, and treats null as absent', () => {
    const pod = convertSpec(PodSandboxConfig, { logDirectory: '/x', metadata: null });
    expect(pod.logDirectory).toBe('/x');
    expect(pod.metadata).toBeUndefined();
  });

  const bad: [string, unknown, string][] = [
    [
      'an unknown field, with its path',
      { linux: { security_context: { namespace_optons: {} } } },
      'unknown field "linux.security_context.namespace_optons"',
    ],
    ['an unknown top-level field', { log_dir: '/tmp' }, 'unknown field "log_dir"'],
    [
      'a field in a list element',
      { port_mappings: [{ container_port: 1, hostport: 2 }] },
      'unknown field "port_mappings[0].hostport"',
    ],
    [
      'a list where an object belongs',
      { metadata: ['x'] },
      '"metadata": expected an object, got a list',
    ],
    [
      'an object where a list belongs',
      { port_mappings: { a: 1 } },
      '"port_mappings": expected a list, got an object',
    ],
    [
      'a string in a number field',
      { metadata: { attempt: 'one' } },
      '"metadata.attempt": expected a number, got string "one"',
    ],
    [
      'an unknown enum name',
      { linux: { security_context: { namespace_options: { network: 'HOST' } } } },
      '"linux.security_context.namespace_options.network": "HOST" is not a known value',
    ],
    [
      'a string in a boolean field',
      { linux: { security_context: { privileged: 'yes' } } },
      '"linux.security_context.privileged": expected true or false, got string "yes"',
    ],
    [
      'an object as a map value',
      { labels: { a: { b: 1 } } },
      '"labels.a": expected a string, got an object',
    ],
    [
      'the same field twice',
      { log_directory: '/a', logDirectory: '/b' },
      '"logDirectory" and "log_directory" are the same field; give it once',
    ],
    ['a document that is not an object', ['pod'], 'the document: expected an object, got a list'],
  ];
  it.each(bad)('rejects %s with one line', (_what, doc, message) => {
    expect(() => convertSpec(PodSandboxConfig, doc)).toThrow(new SpecShapeError(message));
  });

  it('rejects a fractional number in an int64 field', () => {
    expect(() =>
      convertSpec(ContainerConfig, { linux: { resources: { cpu_quota: 1.5 } } }),
    ).toThrow('"linux.resources.cpu_quota": expected an integer, got number 1.5');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  configFileSchema,
  DEFAULT_ENDPOINT,
  defaultConfig,
  exampleConfigFile,
  parseDuration,
  resolveConfig,
} from './cli-config.js';

const dir = mkdtempSync(join(tmpdir(), 'capstan-cri-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('resolveConfig', () => {
  const crictl = file(
    'crictl.yaml',
    'runtime-endpoint: unix:///file.sock\ntimeout: 7\ndebug: true\npull-image-on-create: true\nunknown-key: 1\n',
  );

  it('uses the defaults when the default config file is absent', async () => {
    const c = await resolveConfig({}, {}, join(dir, 'no-crictl.yaml'));
    expect(c).toEqual(defaultConfig());
    expect(c).toEqual({
      runtimeEndpoint: 'unix:///run/containerd/containerd.sock',
      imageEndpoint: 'unix:///run/containerd/containerd.sock',
      timeoutMs: 2000,
      debug: false,
      pullImageOnCreate: false,
    });
  });

  it("reads crictl's keys from the file and ignores keys it does not use", async () => {
    expect(await resolveConfig({ config: crictl }, {})).toEqual({
      runtimeEndpoint: 'unix:///file.sock',
      imageEndpoint: 'unix:///file.sock',
      timeoutMs: 7000,
      debug: true,
      pullImageOnCreate: true,
    });
  });

  it('lets the environment beat the file and a flag beat both, like crictl', async () => {
    const env = {
      CONTAINER_RUNTIME_ENDPOINT: 'unix:///env.sock',
      IMAGE_SERVICE_ENDPOINT: 'unix:///env-img.sock',
      CRI_CONFIG_FILE: crictl,
    };
    expect(await resolveConfig({}, env)).toMatchObject({
      runtimeEndpoint: 'unix:///env.sock',
      imageEndpoint: 'unix:///env-img.sock',
    });
    expect(
      await resolveConfig(
        { runtimeEndpoint: 'unix:///flag.sock', timeout: '500ms', debug: false },
        env,
      ),
    ).toMatchObject({
      runtimeEndpoint: 'unix:///flag.sock',
      imageEndpoint: 'unix:///env-img.sock',
      timeoutMs: 500,
      debug: false,
    });
  });

  it('fails with one line for an unreadable, non-YAML or mistyped file', async () => {
    await expect(resolveConfig({ config: join(dir, 'absent.yaml') }, {})).rejects.toThrow(
      /^config file .*absent\.yaml: cannot read it \(ENOENT\)$/,
    );
    await expect(resolveConfig({ config: file('bad.yaml', 'a: [1\n') }, {})).rejects.toThrow(
      /^config file .*bad\.yaml: not YAML: /,
    );
    await expect(
      resolveConfig({ config: file('typed.yaml', 'debug: maybe\n') }, {}),
    ).rejects.toThrow(/^config file .*typed\.yaml: debug: /);
    await expect(resolveConfig({ timeout: 'soon', config: crictl }, {})).rejects.toThrow(
      '"soon" is not a duration (e.g. 2s, 500ms, 1m)',
    );
  });
});

describe('parseDuration', () => {
  it('reads Go-style durations and bare seconds', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5')).toBe(1500);
  });
});

describe('exampleConfigFile', () => {
  it('is valid for the schema and holds the defaults', () => {
    const parsed = configFileSchema.parse(parse(exampleConfigFile()));
    expect(parsed).toEqual({
      'runtime-endpoint': DEFAULT_ENDPOINT,
      'image-endpoint': DEFAULT_ENDPOINT,
      timeout: 2,
      debug: false,
      'pull-image-on-create': false,
    });
  });
});

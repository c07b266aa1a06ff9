import type { ImageServiceClient, RuntimeServiceClient } from '@capstan/cri-api';

/**
 * The CRI calls the lifecycle makes: a `CriClient` from `@capstan/cri-api` fits as it is,
 * and so does anything else that answers these (a fake in pure-logic tests).
 */
export interface LifecycleRuntime {
  runtime: Pick<
    RuntimeServiceClient,
    | 'version'
    | 'status'
    | 'runPodSandbox'
    | 'stopPodSandbox'
    | 'removePodSandbox'
    | 'podSandboxStatus'
    | 'listPodSandbox'
    | 'createContainer'
    | 'startContainer'
    | 'stopContainer'
    | 'removeContainer'
    | 'listContainers'
    | 'containerStatus'
    | 'execSync'
    | 'getContainerEvents'
  >;
  image: Pick<
    ImageServiceClient,
    'pullImage' | 'imageStatus' | 'listImages' | 'removeImage' | 'imageFsInfo'
  >;
}

// One real control plane per test run, shared by every integration test file.
// Tests isolate themselves by namespace and by unique node names.
import { resolveKubeAssets } from './assets.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';

declare global {
  var berthControlPlane: ControlPlane | undefined;
}

export default async function globalSetup(): Promise<void> {
  const log = (m: string) => process.stderr.write(`[berth harness] ${m}\n`);
  const assets = await resolveKubeAssets(['etcd', 'kubernetes'], log);
  const started = Date.now();
  const controlPlane = await startControlPlane({ assets, log: () => {} });
  globalThis.berthControlPlane = controlPlane;
  // Set before jest starts its workers, so every test file inherits them.
  process.env.BERTH_TEST_KUBECONFIG = controlPlane.kubeconfigPath;
  process.env.BERTH_TEST_CONTROL_PLANE_LOGS = controlPlane.logDir;
  process.env.BERTH_TEST_KUBE_VERSION = controlPlane.version;
  process.env.BERTH_TEST_ETCD_ENDPOINT = controlPlane.etcdEndpoint;
  log(
    `control plane: kube-apiserver ${controlPlane.version} at ${controlPlane.server} ` +
      `(binaries from ${assets.source}), ready in ${((Date.now() - started) / 1000).toFixed(1)}s; logs in ${controlPlane.logDir}`,
  );
}

// Prints where the control plane's logs are when a test failed, so the
// apiserver's side of a failure can be read after the run.
export default class ControlPlaneLogReporter {
  onRunComplete(_contexts, results) {
    const logs = process.env.BERTH_TEST_CONTROL_PLANE_LOGS;
    if (logs && (results.numFailedTests > 0 || results.numFailedTestSuites > 0)) {
      process.stderr.write(`\n[berth harness] control-plane logs (etcd.log, kube-apiserver.log): ${logs}\n`);
    }
    if (process.env.BERTH_TEST_KUBE_VERSION) {
      process.stderr.write(`[berth harness] integration tests ran against kube-apiserver ${process.env.BERTH_TEST_KUBE_VERSION}\n`);
    }
  }
}

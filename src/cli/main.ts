#!/usr/bin/env node
// berth: the command line. A thin shell over the scheduler core: it parses
// flags (BERTH_* environment variables mirror them; flags win), loads and
// validates the config, and runs the chosen command.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LOG_LEVELS } from '../logging/logger.ts';
import { LEADER_ELECTION_DEFAULTS } from '../leader/options.ts';
import { DEFAULT_BIND_ADDRESS, DEFAULT_SECURE_PORT } from '../server/options.ts';
import { runCommand } from './run.ts';
import { devCommand } from './dev.ts';
import { versionCommand } from './version.ts';

/**
 * BERTH_<FLAG> for each flag of a command (BERTH_LOG_LEVEL for --log-level),
 * handed to yargs as a config object, which ranks below the command line: a
 * flag wins over its variable. Only declared flags are mirrored. yargs' own
 * .env('BERTH') turns every BERTH_* variable into an argument, and .strict()
 * then rejects the ones that are not flags (BERTH_GIT_COMMIT, the test
 * harness's BERTH_TEST_KUBECONFIG) as "Unknown arguments".
 */
function envFlags(flags: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const mirrored: Record<string, string> = {};
  for (const flag of flags) {
    const value = env[`BERTH_${flag.toUpperCase().replaceAll('-', '_')}`];
    if (value !== undefined) mirrored[flag] = value;
  }
  return mirrored;
}

const RUN_FLAGS = [
  'kubeconfig',
  'scheduler-name',
  'config',
  'leader-elect',
  'leader-elect-resource-name',
  'leader-elect-resource-namespace',
  'leader-elect-lease-duration',
  'leader-elect-renew-deadline',
  'leader-elect-retry-period',
  'log-level',
  'bind-concurrency',
  'workers',
  'secure-port',
  'bind-address',
  'tls-cert-file',
  'tls-private-key-file',
] as const;
const DEV_FLAGS = ['log-level', 'workload'] as const;

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('berth')
    .usage('$0 <command> [options]')
    // Flags are spelled one way, --scheduler-name; with camel-case expansion an
    // unknown --kube-config would be reported twice ("kube-config, kubeConfig").
    .parserConfiguration({ 'camel-case-expansion': false })
    .command(
      'run',
      'Run the scheduler against a cluster (kubeconfig or in-cluster). It never starts a cluster of its own.',
      (y) =>
        y
          .option('kubeconfig', { type: 'string', describe: 'Path to a kubeconfig; default: $KUBECONFIG, ~/.kube/config, then in-cluster' })
          .option('scheduler-name', { type: 'string', default: 'berth', describe: "The default profile's schedulerName" })
          .option('config', { type: 'string', describe: 'Scheduler configuration file (YAML): profiles, plugins, args, backoff' })
          .option('leader-elect', {
            type: 'boolean',
            default: LEADER_ELECTION_DEFAULTS.leaderElect,
            describe: 'Elect a leader on a Lease: one replica schedules, the others stand by warm (--leader-elect=false: a single replica)',
          })
          .option('leader-elect-resource-name', {
            type: 'string',
            default: LEADER_ELECTION_DEFAULTS.resourceName,
            describe: 'Name of the Lease (coordination.k8s.io/v1) the replicas elect on',
          })
          .option('leader-elect-resource-namespace', {
            type: 'string',
            describe: "Namespace of the Lease; default: the namespace Berth runs in (its service account's), else kube-system",
          })
          .option('leader-elect-lease-duration', {
            type: 'string',
            default: LEADER_ELECTION_DEFAULTS.leaseDuration,
            describe: 'How long a standby waits, after it last saw the lease renewed, before it takes over (whole seconds)',
          })
          .option('leader-elect-renew-deadline', {
            type: 'string',
            default: LEADER_ELECTION_DEFAULTS.renewDeadline,
            describe: 'How long the leader keeps trying to renew before it stops scheduling and exits; less than the lease duration',
          })
          .option('leader-elect-retry-period', {
            type: 'string',
            default: LEADER_ELECTION_DEFAULTS.retryPeriod,
            describe: 'How often the leader renews and a standby tries to acquire (with up to 1.2x jitter)',
          })
          .option('log-level', { choices: LOG_LEVELS, default: 'info' as const, describe: 'Log level' })
          .option('bind-concurrency', { type: 'number', default: 64, describe: 'Binds in flight at once' })
          .option('workers', {
            type: 'number',
            describe: "Worker threads for Filter and Score; 0 runs them inline (default: the config file's parallelism.workers, else one per core)",
          })
          .option('secure-port', {
            type: 'number',
            default: DEFAULT_SECURE_PORT,
            describe: 'HTTPS port for /healthz, /readyz and /metrics (0: no server)',
          })
          .option('bind-address', { type: 'string', default: DEFAULT_BIND_ADDRESS, describe: 'IP address the secure port listens on' })
          .option('tls-cert-file', { type: 'string', describe: 'Serving certificate (PEM); default: a self-signed one made at start' })
          .option('tls-private-key-file', { type: 'string', describe: 'Private key of --tls-cert-file (PEM)' })
          .config(envFlags(RUN_FLAGS)),
      async (args) => {
        process.exitCode = await runCommand({
          kubeconfig: args.kubeconfig,
          schedulerName: args['scheduler-name'],
          config: args.config,
          leaderElection: {
            leaderElect: args['leader-elect'],
            resourceName: args['leader-elect-resource-name'],
            resourceNamespace: args['leader-elect-resource-namespace'],
            leaseDuration: args['leader-elect-lease-duration'],
            renewDeadline: args['leader-elect-renew-deadline'],
            retryPeriod: args['leader-elect-retry-period'],
          },
          logLevel: args['log-level'],
          bindConcurrency: args['bind-concurrency'],
          workers: args.workers,
          securePort: args['secure-port'],
          bindAddress: args['bind-address'],
          tlsCertFile: args['tls-cert-file'],
          tlsPrivateKeyFile: args['tls-private-key-file'],
        });
      },
    )
    .command(
      'dev',
      'Try Berth out: start a local kube-apiserver, demo nodes and a demo workload, and schedule them',
      (y) =>
        y
          .option('log-level', { choices: LOG_LEVELS, default: 'warn' as const, describe: 'Log level of the scheduler' })
          .option('workload', { type: 'string', describe: 'A YAML file of pods to submit (default: examples/demo-workload.yaml)' })
          .config(envFlags(DEV_FLAGS)),
      async (args) => {
        process.exitCode = await devCommand({ logLevel: args['log-level'], workload: args.workload });
      },
    )
    .command('version', 'Print the version of Berth, Node.js and the Kubernetes API it targets', {}, () => {
      versionCommand();
    })
    .demandCommand(1, 'Name a command: run, dev or version.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, err) => {
      if (err) throw err;
      // recommendCommands says only "Did you mean run?": name what was typed.
      const typed = argv.find((a) => !a.startsWith('-'));
      if (message.startsWith('Did you mean') && typed) message = `Unknown command: ${typed}. ${message}`;
      process.stderr.write(`berth: ${message}\nRun "berth --help" for usage.\n`);
      process.exit(2);
    })
    .parseAsync();
}

await main(hideBin(process.argv));

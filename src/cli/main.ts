#!/usr/bin/env node
// berth: the command line. A thin shell over the scheduler core: it parses
// flags (BERTH_* environment variables mirror them; flags win), loads and
// validates the config, and runs the chosen command.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LOG_LEVELS } from '../logging/logger.ts';
import { runCommand } from './run.ts';
import { devCommand } from './dev.ts';
import { versionCommand } from './version.ts';

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('berth')
    .usage('$0 <command> [options]')
    .env('BERTH')
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
            default: false,
            describe: 'Leader election on a Lease (not yet available: run one replica with --leader-elect=false)',
          })
          .option('log-level', { choices: LOG_LEVELS, default: 'info' as const, describe: 'Log level' })
          .option('bind-concurrency', { type: 'number', default: 64, describe: 'Binds in flight at once' }),
      async (args) => {
        process.exitCode = await runCommand({
          kubeconfig: args.kubeconfig,
          schedulerName: args['scheduler-name'],
          config: args.config,
          leaderElect: args['leader-elect'],
          logLevel: args['log-level'],
          bindConcurrency: args['bind-concurrency'],
        });
      },
    )
    .command(
      'dev',
      'Try Berth out: start a local kube-apiserver, demo nodes and a demo workload, and schedule them',
      (y) =>
        y
          .option('log-level', { choices: LOG_LEVELS, default: 'warn' as const, describe: 'Log level of the scheduler' })
          .option('workload', { type: 'string', describe: 'A YAML file of pods to submit (default: examples/demo-workload.yaml)' }),
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
      process.stderr.write(`berth: ${message}\nRun "berth --help" for usage.\n`);
      process.exit(2);
    })
    .parseAsync();
}

await main(hideBin(process.argv));

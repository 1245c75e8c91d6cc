// The secure port's flags, checked before Berth touches a cluster:
// --secure-port (0: no server), --bind-address, and the serving certificate.
import { isIP } from 'node:net';
import { ServingCertError, servingCertificate, type ServingCert } from './tls.ts';

/** kube-scheduler's secure port. */
export const DEFAULT_SECURE_PORT = 10259;
export const DEFAULT_BIND_ADDRESS = '0.0.0.0';

export interface ServingFlags {
  securePort: number;
  bindAddress: string;
  tlsCertFile?: string | undefined;
  tlsPrivateKeyFile?: string | undefined;
}

export interface ServingConfig {
  port: number;
  host: string;
  tls: ServingCert;
}

/** A flag that cannot be used; the message names it. */
export class ServingConfigError extends Error {
  override name = 'ServingConfigError';
}

/** The server to start, or undefined when --secure-port is 0. Makes the self-signed certificate if no files are given. */
export function resolveServing(flags: ServingFlags): ServingConfig | undefined {
  const port = flags.securePort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServingConfigError('--secure-port must be an integer from 0 to 65535 (0: no server)');
  }
  if (isIP(flags.bindAddress) === 0) {
    throw new ServingConfigError(`--bind-address "${flags.bindAddress}" is not an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)`);
  }
  if (port === 0) return undefined;
  try {
    const tls = servingCertificate({ certFile: flags.tlsCertFile, keyFile: flags.tlsPrivateKeyFile, bindAddress: flags.bindAddress });
    return { port, host: flags.bindAddress, tls };
  } catch (err) {
    if (err instanceof ServingCertError) throw new ServingConfigError(err.message);
    throw err;
  }
}

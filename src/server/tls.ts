// The serving certificate: the files named by --tls-cert-file and
// --tls-private-key-file (both or neither), checked to belong together, or
// else a self-signed one made now for this host.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { generateSelfSigned, type KeyPairPem } from './self-signed.ts';

/** A certificate or key that cannot be used; the message names the flag. */
export class ServingCertError extends Error {
  override name = 'ServingCertError';
}

export interface ServingCertOptions {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** --bind-address: put in the self-signed certificate when it is a specific address. */
  bindAddress: string;
}

export interface ServingCert extends KeyPairPem {
  /** 'files', or 'self-signed' when made at start-up. */
  source: 'files' | 'self-signed';
}

function read(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ServingCertError(`${flag}: cannot read ${path}: ${(err as Error).message}`);
  }
}

export function servingCertificate(options: ServingCertOptions): ServingCert {
  const { certFile, keyFile } = options;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ServingCertError('--tls-cert-file and --tls-private-key-file must be given together');
  }
  if (certFile && keyFile) {
    const cert = read('--tls-cert-file', certFile);
    const key = read('--tls-private-key-file', keyFile);
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert);
    } catch (err) {
      throw new ServingCertError(`--tls-cert-file: ${certFile} is not a PEM certificate: ${(err as Error).message}`);
    }
    let privateKey;
    try {
      privateKey = createPrivateKey(key);
    } catch (err) {
      throw new ServingCertError(`--tls-private-key-file: ${keyFile} is not a PEM private key: ${(err as Error).message}`);
    }
    if (!x509.checkPrivateKey(privateKey)) {
      throw new ServingCertError(`--tls-private-key-file: ${keyFile} is not the key of the certificate in ${certFile}`);
    }
    return { cert, key, source: 'files' };
  }
  const host = hostname();
  const hosts = new Set(['localhost', host, '127.0.0.1', '::1']);
  if (options.bindAddress !== '0.0.0.0' && options.bindAddress !== '::') hosts.add(options.bindAddress);
  return { ...generateSelfSigned({ commonName: `${host}@${Math.floor(Date.now() / 1000)}`, hosts: [...hosts] }), source: 'self-signed' };
}

// The serving certificate: the self-signed one parses, verifies, names the
// hosts and works for a TLS client that trusts it; given files are checked;
// the secure-port flags are validated with exact messages.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveServing } from './options.ts';
import { generateSelfSigned } from './self-signed.ts';
import { servingCertificate } from './tls.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-tls-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('generateSelfSigned', () => {
  const now = new Date('2030-06-01T12:00:00Z');
  const pair = generateSelfSigned({ commonName: 'berth@1', hosts: ['localhost', 'berth.example', '127.0.0.1', '::1', '10.0.0.7'], now });
  const x509 = new X509Certificate(pair.cert);

  test('is self-signed by its own key', () => {
    expect(x509.subject).toBe('CN=berth@1');
    expect(x509.issuer).toBe('CN=berth@1');
    expect(x509.verify(createPublicKey(createPrivateKey(pair.key)))).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });

  test('names every host and address', () => {
    expect(x509.subjectAltName).toBe('DNS:localhost, DNS:berth.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.0.7');
    expect(x509.checkHost('berth.example')).toBe('berth.example');
    expect(x509.checkIP('::1')).toBe('::1');
    expect(x509.checkHost('other.example')).toBeUndefined();
  });

  test('is valid from an hour before now for a year, for serving only', () => {
    expect(new Date(x509.validFrom).toISOString()).toBe('2030-06-01T11:00:00.000Z');
    expect(new Date(x509.validTo).toISOString()).toBe('2031-06-01T12:00:00.000Z');
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  test('dates after 2049 are GeneralizedTime', () => {
    const late = new X509Certificate(generateSelfSigned({ commonName: 'x', hosts: ['localhost'], now: new Date('2049-12-31T23:30:00Z') }).cert);
    expect(new Date(late.validTo).toISOString()).toBe('2050-12-31T23:30:00.000Z');
  });

  test('two certificates never share a serial or a key', () => {
    const a = generateSelfSigned({ commonName: 'x', hosts: ['localhost'] });
    const b = generateSelfSigned({ commonName: 'x', hosts: ['localhost'] });
    expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber);
    expect(a.key).not.toBe(b.key);
  });

  test('a TLS client that trusts it connects, and checks the host name', async () => {
    // Valid now, unlike `pair` (2030).
    const current = generateSelfSigned({ commonName: 'x', hosts: ['localhost', '127.0.0.1'] });
    const live = createServer({ cert: current.cert, key: current.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => live.listen(0, '127.0.0.1', r));
    const livePort = (live.address() as AddressInfo).port;
    const connectTo = (servername: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: livePort, servername, ca: current.cert });
        socket.once('secureConnect', () => {
          resolve(socket.authorized ? 'authorized' : String(socket.authorizationError));
          socket.destroy();
        });
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    try {
      expect(await connectTo('localhost')).toBe('authorized');
      expect(await connectTo('elsewhere.example')).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      live.close();
    }
  });
});

describe('servingCertificate', () => {
  test('self-signed for localhost, this host, loopback and a specific bind address', () => {
    const cert = servingCertificate({ bindAddress: '10.1.2.3' });
    expect(cert.source).toBe('self-signed');
    const x509 = new X509Certificate(cert.cert);
    expect(x509.subject).toMatch(new RegExp(`^CN=${hostname().replaceAll('.', '\\.')}@\\d+$`));
    expect(x509.subjectAltName).toContain('DNS:localhost');
    expect(x509.subjectAltName).toContain('IP Address:10.1.2.3');
    expect(servingCertificate({ bindAddress: '0.0.0.0' }).source).toBe('self-signed');
  });

  test('files: read and checked to belong together', () => {
    const a = generateSelfSigned({ commonName: 'a', hosts: ['localhost'] });
    const b = generateSelfSigned({ commonName: 'b', hosts: ['localhost'] });
    const cert = file('a.crt', a.cert);
    expect(servingCertificate({ certFile: cert, keyFile: file('a.key', a.key), bindAddress: '0.0.0.0' })).toEqual({ ...a, source: 'files' });
    expect(() => servingCertificate({ certFile: cert, keyFile: file('b.key', b.key), bindAddress: '0.0.0.0' })).toThrow(
      `--tls-private-key-file: ${join(dir, 'b.key')} is not the key of the certificate in ${cert}`,
    );
  });
});

describe('resolveServing: the secure-port flags', () => {
  const base = { securePort: 10259, bindAddress: '0.0.0.0' };
  test('--secure-port 0: no server (and no certificate made)', () => {
    expect(resolveServing({ ...base, securePort: 0 })).toBeUndefined();
  });
  test('the defaults: port 10259 on every address, self-signed', () => {
    expect(resolveServing(base)).toMatchObject({ port: 10259, host: '0.0.0.0', tls: { source: 'self-signed' } });
  });
  test.each<{ name: string; flags: Partial<Parameters<typeof resolveServing>[0]>; message: string | (() => string) }>([
    { name: 'a port above 65535', flags: { securePort: 65536 }, message: '--secure-port must be an integer from 0 to 65535 (0: no server)' },
    { name: 'a negative port', flags: { securePort: -1 }, message: '--secure-port must be an integer from 0 to 65535 (0: no server)' },
    { name: 'a port that is not a number', flags: { securePort: NaN }, message: '--secure-port must be an integer from 0 to 65535 (0: no server)' },
    { name: 'a fractional port', flags: { securePort: 443.5 }, message: '--secure-port must be an integer from 0 to 65535 (0: no server)' },
    { name: 'a host name as bind address', flags: { bindAddress: 'localhost' }, message: '--bind-address "localhost" is not an IP address (e.g. 0.0.0.0, 127.0.0.1 or ::)' },
    { name: 'a certificate without its key', flags: { tlsCertFile: '/x.crt' }, message: '--tls-cert-file and --tls-private-key-file must be given together' },
    { name: 'a key without its certificate', flags: { tlsPrivateKeyFile: '/x.key' }, message: '--tls-cert-file and --tls-private-key-file must be given together' },
    {
      name: 'a certificate file that is not there',
      flags: { tlsCertFile: '/nowhere/tls.crt', tlsPrivateKeyFile: '/nowhere/tls.key' },
      message: "--tls-cert-file: cannot read /nowhere/tls.crt: ENOENT: no such file or directory, open '/nowhere/tls.crt'",
    },
    {
      name: 'a certificate file that holds no certificate',
      flags: { tlsCertFile: '{dir}/junk.crt', tlsPrivateKeyFile: '{dir}/junk.key' },
      message: '--tls-cert-file: {dir}/junk.crt is not a PEM certificate',
    },
  ])('$name', ({ flags, message }) => {
    file('junk.crt', 'not a certificate');
    file('junk.key', 'not a key');
    const sub = (s: string | undefined) => s?.replaceAll('{dir}', dir);
    const resolved = { ...base, ...flags, tlsCertFile: sub(flags.tlsCertFile), tlsPrivateKeyFile: sub(flags.tlsPrivateKeyFile) };
    expect(() => resolveServing(resolved)).toThrow(sub(message as string));
  });
  test('a key file that holds no key', () => {
    const pair = generateSelfSigned({ commonName: 'a', hosts: ['localhost'] });
    const cert = file('ok.crt', pair.cert);
    const key = file('bad.key', 'not a key');
    expect(() => resolveServing({ ...base, tlsCertFile: cert, tlsPrivateKeyFile: key })).toThrow(`--tls-private-key-file: ${key} is not a PEM private key`);
  });
});

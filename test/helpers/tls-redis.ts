/**
 * A throw-away redis-server speaking TLS only, on loopback, with a password and a fresh CA and
 * server certificate made by openssl in a temp folder. `tlsSupported` says whether this
 * redis-server build has TLS (Debian's does; a build without it refuses --tls-port).
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EPHEMERAL, freePort, spawnRedisServer } from './redis-server.js';

// a build without TLS rejects the tls-* directives ("Bad directive"); with TLS this exits having nowhere to listen
const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '0', '--save', ''], { encoding: 'utf8', timeout: 5000 });
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
export const tlsSupported = probe.error === undefined && openssl.status === 0 && !/Bad directive/.test(`${probe.stdout}${probe.stderr}`);

export interface TlsRedis {
  port: number;
  password: string;
  dir: string;
  ca: string;
  stop(): Promise<void>;
}

function ssl(dir: string, args: string[]) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
}

export async function startTlsRedis(): Promise<TlsRedis> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'losslens-tls-'));
  ssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=losslens test CA']);
  ssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  await fs.writeFile(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  ]);
  const port = await freePort();
  const password = 'tls-test-password-7d3b';
  const server = await spawnRedisServer(
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      'server.crt',
      '--tls-key-file',
      'server.key',
      '--tls-ca-cert-file',
      'ca.crt',
      '--tls-auth-clients',
      'no',
      '--requirepass',
      password,
      ...EPHEMERAL,
    ],
    { cwd: dir },
  );
  if (!('stop' in server)) throw new Error(`TLS redis-server would not start: ${server.log}`);
  return {
    port,
    password,
    dir,
    ca: path.join(dir, 'ca.crt'),
    stop: server.stop,
  };
}

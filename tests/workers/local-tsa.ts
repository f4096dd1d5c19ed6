// A local RFC 3161 timestamping authority for tests: a throwaway CA and TSA certificate made with
// openssl, and a loopback HTTP server that answers each TimeStampReq with `openssl ts -reply`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalTsa {
  url: string;
  dir: string;
  caFile: string;
  /** Requests answered so far. */
  requests: number;
  /** Verify a stored token over a sha256 with `openssl ts -verify`; returns openssl's output. */
  verify(token: Buffer, sha256Hex: string): Promise<{ ok: boolean; output: string }>;
  stop(): Promise<void>;
}

export async function startLocalTsa(): Promise<LocalTsa> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dw-tsa-'));
  const f = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-subj',
    '/CN=darkwatch test CA',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    f('tsa.key'),
    '-out',
    f('tsa.csr'),
    '-subj',
    '/CN=darkwatch test TSA',
  ]);
  writeFileSync(
    f('tsa.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    f('tsa.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('tsa.pem'),
    '-days',
    '2',
    '-extfile',
    f('tsa.ext'),
  ]);
  writeFileSync(f('serial'), '01\n');
  writeFileSync(
    f('tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.pem',
      'certs = $dir/ca.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  let counter = 0;
  // openssl ts keeps a serial file: one reply at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const tsa: LocalTsa = {
    url: '',
    dir,
    caFile: f('ca.pem'),
    requests: 0,
    async verify(token, sha256Hex) {
      const file = f(`verify-${++counter}.tst`);
      writeFileSync(file, token);
      try {
        const r = await run('openssl', [
          'ts',
          '-verify',
          '-digest',
          sha256Hex,
          '-in',
          file,
          '-token_in',
          '-CAfile',
          f('ca.pem'),
        ]);
        return { ok: /Verification: OK/.test(r.stdout + r.stderr), output: r.stdout + r.stderr };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    },
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      chain = chain.then(async () => {
        const n = ++counter;
        writeFileSync(f(`q-${n}.tsq`), Buffer.concat(chunks));
        try {
          await run('openssl', [
            'ts',
            '-reply',
            '-config',
            f('tsa.cnf'),
            '-queryfile',
            f(`q-${n}.tsq`),
            '-out',
            f(`r-${n}.tsr`),
          ]);
          tsa.requests++;
          res
            .writeHead(200, { 'content-type': 'application/timestamp-reply' })
            .end(readFileSync(f(`r-${n}.tsr`)));
        } catch {
          res.writeHead(400).end();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  return tsa;
}

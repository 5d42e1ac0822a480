import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './media-fixtures';

export interface TestCertificate {
  /** PEM files, for MPR_TLS_CERT / MPR_TLS_KEY. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate itself (PEM): what clients trust, being its own CA. */
  readonly ca: string;
  remove(): Promise<void>;
}

/**
 * A throwaway self-signed certificate for localhost and 127.0.0.1, made by
 * openssl in a temporary folder for one test (a key is never committed).
 */
export async function selfSignedCertificate(): Promise<TestCertificate> {
  const dir = await tempDir('mpr-tls-');
  const certFile = join(dir.path, 'cert.pem');
  const keyFile = join(dir.path, 'key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile, ca: await readFile(certFile, 'utf8'), remove: dir.remove };
}

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpeakersimError } from '../core/errors.js';

/**
 * A self-signed certificate for 127.0.0.1/localhost. node:crypto cannot issue X.509, so the
 * `openssl` binary makes it; without openssl, TLS is unavailable (plain http is the default).
 */
export class TlsUnavailableError extends SpeakersimError {}

export interface SelfSignedCertificate {
  keyPem: string;
  certPem: string;
}

export function generateSelfSignedCertificate(): SelfSignedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'speakersim-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '365',
        '-subj',
        '/CN=speakersim',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return { keyPem: fs.readFileSync(key, 'utf8'), certPem: fs.readFileSync(cert, 'utf8') };
  } catch (err) {
    throw new TlsUnavailableError(
      'ERR_K8S_TLS_UNAVAILABLE',
      'openssl could not generate a certificate',
      { cause: err },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

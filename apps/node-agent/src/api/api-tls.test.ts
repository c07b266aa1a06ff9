import { createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate } from './api-tls.js';

describe('generateSelfSignedCertificate', () => {
  it('makes a certificate OpenSSL parses, for loopback names, signed by its own key', () => {
    const id = generateSelfSignedCertificate({
      commonName: 'capstan-pod-api@n1',
      hosts: ['127.0.0.2'],
    });
    const x = new X509Certificate(id.cert);
    expect(x.subject).toBe('CN=capstan-pod-api@n1');
    expect(x.issuer).toBe(x.subject);
    expect(x.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:127.0.0.2',
    );
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.verify(createPublicKey(id.key))).toBe(true);
    expect(x.ca).toBe(true);
    expect(Date.parse(x.validTo) - Date.now()).toBeGreaterThan(3000 * 86400_000);
  });

  it('makes a new key every time', () => {
    expect(generateSelfSignedCertificate().key).not.toBe(generateSelfSignedCertificate().key);
  });
});

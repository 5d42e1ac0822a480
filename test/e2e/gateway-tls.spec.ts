import assert from 'node:assert/strict';
import { request } from 'node:https';
import * as tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import type { WatchJobResponse } from '@mpr/contracts/gateway_pb';
import { selfSignedCertificate, type TestCertificate } from '@mpr/core/testing/tls-cert';
import { bufCurl, collect, GatewayWorld, type ProtocolName } from './gateway-harness';

/** The protocol the server picks by ALPN when the client offers `offered`. */
function negotiated(url: string, ca: string, offered: string[]): Promise<string | false> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca, ALPNProtocols: offered, servername: 'localhost' }, () => {
      resolve(socket.alpnProtocol ?? false);
      socket.end();
    });
    socket.once('error', reject);
  });
}

function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('gateway over TLS (MPR_TLS_CERT / MPR_TLS_KEY)', () => {
  let cert: TestCertificate;
  let world: GatewayWorld;
  let jobId: string;

  before(async () => {
    cert = await selfSignedCertificate();
    world = await GatewayWorld.start({ MPR_TLS_CERT: cert.certFile, MPR_TLS_KEY: cert.keyFile }, { ca: cert.ca });
    ({ jobId } = await world.createJob());
    await world.publishProgress({ jobId, attempt: 1, percent: 42 });
  });

  after(async () => {
    await world?.stop();
    await cert?.remove();
  });

  it('prints an https:// URL, offers h2 and http/1.1 by ALPN, and answers /healthz over TLS', async () => {
    assert.match(world.url, /^https:\/\//);
    assert.equal(await negotiated(world.url, cert.ca, ['h2', 'http/1.1']), 'h2');
    assert.equal(await negotiated(world.url, cert.ca, ['http/1.1']), 'http/1.1');
    // /healthz is Fastify's, behind the same TLS listener (503 here: the gateway's PostgreSQL check may be degraded, but it answers).
    assert.ok([200, 503].includes(await httpsStatus(`${world.url}/healthz`, cert.ca)));
  });

  const cases: Array<{ protocol: ProtocolName; httpVersion: '1.1' | '2' }> = [
    { protocol: 'connect-json', httpVersion: '1.1' },
    { protocol: 'connect-binary', httpVersion: '2' },
    { protocol: 'grpc-web', httpVersion: '1.1' },
    { protocol: 'grpc-web', httpVersion: '2' },
    { protocol: 'grpc', httpVersion: '2' },
  ];
  for (const { protocol, httpVersion } of cases) {
    it(`${protocol} over HTTP/${httpVersion} with TLS: WatchJob gives the job's event and its progress`, async () => {
      const items = await collect<WatchJobResponse>(
        (signal) => world.client(protocol, undefined, httpVersion).watchJob({ jobId }, { signal }),
        (all) => all.some((i) => i.kind.case === 'progress'),
      );
      assert.equal(items[0].kind.case, 'event');
      assert.equal(items[0].kind.case === 'event' && items[0].kind.value.event?.aggregateId, jobId);
      const progress = items.find((i) => i.kind.case === 'progress');
      assert.equal(progress?.kind.case === 'progress' && progress.kind.value.percent, 42);
    });
  }

  it('grpc-js over TLS (an independent gRPC implementation)', async () => {
    const client = world.grpcJsClient();
    try {
      const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const call = client.watchJob({ jobId });
        call.once('data', (data: Record<string, unknown>) => {
          resolve(data);
          call.cancel();
        });
        call.once('error', (err: Error & { code?: number }) => {
          if (err.code !== 1) reject(err); // 1 = CANCELLED, by us
        });
      });
      assert.equal(first.kind, 'event');
    } finally {
      client.close();
    }
  });

  it('buf curl over TLS with each protocol', async () => {
    for (const protocol of ['connect', 'grpcweb', 'grpc'] as const) {
      const { messages, stderr } = await bufCurl(world.url, 'WatchJob', { jobId }, { protocol, count: 2, cacert: cert.certFile });
      assert.deepEqual(
        messages.map((m) => Object.keys(m)[0]),
        ['event', 'progress'],
        `${protocol}: ${stderr}`,
      );
    }
  });
});

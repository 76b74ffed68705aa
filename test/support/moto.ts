import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ensureRequirements, venvPython } from '../../src/python/venv.js';

/**
 * moto in server mode: a real S3-compatible server for the tests, installed from the pinned
 * python/moto.txt into the project's .venv (one time), started on a free loopback port and
 * stopped after. Point the SDK at it with AWS_ENDPOINT_URL_S3=moto.url.
 */

export interface Moto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    try {
      const response = await fetch(`${url}/moto-api/data.json`);
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms: ${output()}`);
}

export async function startMoto(): Promise<Moto> {
  const target = await ensureRequirements('moto', { deps: true });
  const port = await freePort();
  let output = '';
  const child = spawn(venvPython(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, PYTHONPATH: target, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

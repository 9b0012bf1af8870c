/**
 * HTTP/1.x requests for admin-http: request lines (odd methods, absolute-form and broken targets
 * such as `http://[::1`, unknown versions), headers (huge, many, duplicated or contradictory
 * lengths, chunked bodies right and wrong), bodies, and pipelined bursts of them.
 */
import type { FuzzCase } from '../driver.js';
import { frame, mutate, number, randomBytes, utf8, word } from '../inputs.js';
import type { Rng } from '../prng.js';

/** Node's default limit on the request head (--max-http-header-size). */
const MAX_HEAD = 16 * 1024;

export function httpCase(rng: Rng): FuzzCase {
  if (rng.chance(0.08))
    return { listener: 'admin-http', label: 'random octets', input: randomBytes(rng), awaitGreeting: false };
  const count = rng.chance(0.7) ? 1 : rng.int(2, 8);
  let input = '';
  for (let i = 0; i < count; i++) input += request(rng);
  return { listener: 'admin-http', label: `${count} request(s)`, input, awaitGreeting: false };
}

function request(rng: Rng): string {
  const method = rng.weighted<() => string>([
    [10, () => 'GET'],
    [3, () => 'HEAD'],
    [2, () => rng.pick(['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PATCH'])],
    [1, () => rng.pick(['get', 'G\0T', 'GET GET', '', word(rng)])],
  ])();
  const target = rng.weighted<() => string>([
    [8, () => rng.pick(['/metrics', '/healthz', '/', '/nothing'])],
    [
      2,
      () =>
        rng.pick([
          'http://[::1',
          'http://[::1]/metrics',
          'http://localhost/healthz',
          'http://[',
          'http://:x/',
        ]),
    ],
    [1, () => rng.pick(['*', '//x', '/%00', '/..%2f..%2f', '?', '/metrics?x=1#frag', 'metrics'])],
    [1, () => '/' + 'a'.repeat(rng.size(100, MAX_HEAD * 2))],
    [1, () => utf8('/métrics')],
  ])();
  const version = rng.weighted<() => string>([
    [10, () => 'HTTP/1.1'],
    [2, () => 'HTTP/1.0'],
    [1, () => rng.pick(['HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'HTTP/9.9', 'http/1.1', ''])],
  ])();
  const headers: string[] = [];
  if (rng.chance(0.9)) headers.push(`Host: ${mutate(rng, 'localhost')}`);
  let body = '';
  if (rng.chance(0.25)) {
    const bodyLength = rng.size(0, 5000);
    body = 'b'.repeat(bodyLength);
    headers.push(`Content-Length: ${rng.chance(0.7) ? bodyLength : number(rng, bodyLength)}`);
    if (rng.chance(0.1)) headers.push(`Content-Length: ${number(rng, bodyLength)}`);
  } else if (rng.chance(0.1)) {
    headers.push('Transfer-Encoding: chunked');
    body = chunkedBody(rng);
  }
  if (rng.chance(0.2)) headers.push(`Connection: ${rng.pick(['close', 'keep-alive', 'upgrade', word(rng)])}`);
  if (rng.chance(0.05)) headers.push('Expect: 100-continue');
  if (rng.chance(0.05)) headers.push(`X-Big: ${'h'.repeat(rng.size(1000, MAX_HEAD * 2))}`);
  if (rng.chance(0.05)) for (let i = rng.int(50, 300); i > 0; i--) headers.push(`X-Many-${i}: ${i}`);
  if (rng.chance(0.1))
    headers.push(mutate(rng, rng.pick(['NoColon', ' folded: value', 'X-Nul: a\0b', ': empty name'])));
  const lines = [`${method} ${target} ${version}`.trimEnd(), ...headers, ''];
  return frame(rng, lines, MAX_HEAD) + body;
}

function chunkedBody(rng: Rng): string {
  let body = '';
  for (let i = rng.int(0, 4); i > 0; i--) {
    const data = 'c'.repeat(rng.int(0, 100));
    body += `${rng.chance(0.9) ? data.length.toString(16) : rng.pick(['ffffffffffffffff', 'zz', '-1', ''])}\r\n${data}\r\n`;
  }
  return rng.chance(0.8) ? `${body}0\r\n\r\n` : body;
}

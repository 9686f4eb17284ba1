// Receiving Pingback 1.0 (pure): a `pingback.ping(source, target)` XML-RPC call -> a claim, and the XML-RPC
// answers. The request comes from anyone, so it is read with the shared safe XML reader (no DTD, no entity
// declaration, size cap). The answer is synchronous: the server queues the claim, waits for its verification up
// to a deadline, and answers with pingbackAnswer(); a verification still running at the deadline is answered
// as received (the claim is on disk and will be verified), not as a fault the sender would retry.
import type { HttpAnswer, Received, ReceiverRequest, Verification } from '../types.ts';
import { child, childElements, parseXml, textOf } from '../../xml.ts';
import type { XmlElement } from '../../xml.ts';
import { decodeBody } from '../../send/body.ts';
import { claimUrl, onSite } from './claim-url.ts';

/** A pingback.ping call is a few hundred bytes; the server reads no more than this. */
export const MAX_PINGBACK_BYTES = 64 * 1024;

/** Pingback 1.0's fault codes, and XML-RPC's own (the xmlrpc-epi convention, which WordPress also answers). */
export const FAULT = {
  generic: 0,
  sourceMissing: 0x10,
  noLink: 0x11,
  targetMissing: 0x20,
  targetUnusable: 0x21,
  alreadyRegistered: 0x30,
  accessDenied: 0x31,
  upstream: 0x32,
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
} as const;

export type PingbackAccept = { ok: true; received: Received } | { ok: false; answer: HttpAnswer };

/** Reads a pingback.ping request for `site` (its origin); a refusal comes with its XML-RPC answer. */
export function acceptPingback(request: ReceiverRequest, site: string, now: Date): PingbackAccept {
  if (request.method !== 'POST') {
    return { ok: false, answer: { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' }, body: 'XML-RPC requests are POSTs\n' } };
  }
  if (request.body.length > MAX_PINGBACK_BYTES) return refuse(FAULT.parseError, `parse error: the request is over ${MAX_PINGBACK_BYTES} bytes`);
  const call = readCall(request);
  if (!call.ok) return call;
  const source = claimUrl(call.source, 'source');
  if (!source.ok) return refuse(FAULT.sourceMissing, `${source.why}.`);
  const target = claimUrl(call.target, 'target');
  if (!target.ok) return refuse(FAULT.targetMissing, `${target.why}.`);
  if (!onSite(target.url, site)) return refuse(FAULT.targetUnusable, 'The target is not on a site this server receives for.');
  if (source.url === target.url) return refuse(FAULT.generic, 'The source and the target are the same URL.');
  return {
    ok: true,
    received: { site, protocol: 'pingback', source: source.url, target: target.url, clientAddress: request.clientAddress, receivedAt: now.toISOString() },
  };
}

type Call = { ok: true; source: string; target: string } | { ok: false; answer: HttpAnswer };

function readCall(request: ReceiverRequest): Call {
  const contentType = request.headers['content-type'];
  // Charset by RFC 7303's order (BOM, header, XML declaration), as for the answers linkback reads when sending.
  const text = decodeBody({ headers: contentType === undefined ? {} : { 'content-type': [contentType] }, body: request.body });
  const xml = parseXml(text);
  if (!xml.ok) return refuse(FAULT.parseError, `parse error: ${xml.message}`);
  const { root } = xml;
  if (root.name !== 'methodCall') return refuse(FAULT.invalidRequest, 'invalid request: the root element is not <methodCall>');
  const nameElement = child(root, 'methodName');
  const method = nameElement ? textOf(nameElement) : '';
  if (method !== 'pingback.ping') {
    return refuse(FAULT.methodNotFound, `requested method ${method.slice(0, 60) || '(none)'} does not exist; this server answers pingback.ping only`);
  }
  const paramsElement = child(root, 'params');
  const values = (paramsElement ? childElements(paramsElement) : []).map((param) => (param.name === 'param' ? child(param, 'value') : undefined));
  const strings = values.map((value) => (value ? stringValue(value) : undefined));
  const [source, target] = strings;
  if (strings.length !== 2 || source === undefined || target === undefined) {
    return refuse(FAULT.invalidParams, 'invalid params: pingback.ping takes two strings, the source URL and the target URL');
  }
  return { ok: true, source, target };
}

/** An XML-RPC string: <string>…</string>, or an untyped value (which XML-RPC defines as a string). */
function stringValue(value: XmlElement): string | undefined {
  const typed = childElements(value);
  if (typed.length === 0) return textOf(value);
  const [only] = typed;
  return typed.length === 1 && only?.name === 'string' ? textOf(only) : undefined;
}

function refuse(code: number, message: string): { ok: false; answer: HttpAnswer } {
  return { ok: false, answer: pingbackFault(code, message) };
}

/** What became of the claim by the deadline: its verification, or still pending. */
export type PingbackResult =
  | { state: 'verified'; verification: Verification; alreadyRegistered?: boolean }
  | { state: 'pending' };

/**
 * The answer for a queued claim. The reasons are ours, never the source's fetch error: a pingback receiver that
 * repeats "connection refused" or "timed out" is a port scanner for whoever calls it.
 */
export function pingbackAnswer(received: Pick<Received, 'source' | 'target'>, result: PingbackResult): HttpAnswer {
  if (result.state === 'pending') {
    return pingbackSuccess(`Pingback from ${received.source} to ${received.target} received; it will be verified.`);
  }
  const { verification } = result;
  if (verification.ok) {
    if (result.alreadyRegistered === true) return pingbackFault(FAULT.alreadyRegistered, 'The pingback has already been registered.');
    return pingbackSuccess(`Pingback from ${received.source} to ${received.target} registered.`);
  }
  switch (verification.code) {
    case 'gone':
      return pingbackFault(FAULT.sourceMissing, 'The source URL does not exist.');
    case 'fetch-failed':
      // No usable answer from the source (timeout, 5xx): the spec's "upstream" fault, not "does not exist".
      return pingbackFault(FAULT.upstream, 'The source URL could not be fetched.');
    case 'refused-address':
      return pingbackFault(FAULT.sourceMissing, 'The source URL could not be fetched.');
    case 'no-link':
      return pingbackFault(FAULT.noLink, 'The source URL does not contain a link to the target URL.');
    case 'unreadable':
      return pingbackFault(FAULT.noLink, 'The source URL could not be read for a link to the target URL.');
  }
}

export function pingbackSuccess(message: string): HttpAnswer {
  return xmlAnswer(`<params><param><value><string>${escapeXml(message)}</string></value></param></params>`);
}

export function pingbackFault(code: number, message: string): HttpAnswer {
  return xmlAnswer(
    '<fault><value><struct>' +
      `<member><name>faultCode</name><value><int>${code}</int></value></member>` +
      `<member><name>faultString</name><value><string>${escapeXml(message)}</string></value></member>` +
      '</struct></value></fault>',
  );
}

/** XML-RPC answers are HTTP 200, faults included (the fault is in the body). */
function xmlAnswer(inner: string): HttpAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>${inner}</methodResponse>\n`,
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  // C0 controls cannot be carried by XML 1.0 at all: one would make the whole answer unreadable.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '\uFFFD');
}

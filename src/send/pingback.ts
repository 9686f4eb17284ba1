// Pingback 1.0: an XML-RPC call pingback.ping(source, target). The answer is a methodResponse with one
// string param (accepted) or a fault; fault 48 means the ping was registered before, which counts as sent.
// WordPress answers every other refusal with a bare fault 0 (its xmlrpc_pingback_error filter, since 3.5.1,
// so that pingbacks cannot be used to probe other sites): that reads "refused without a reason".
import type { Outcome } from '../types.ts';
import type { HttpRequest, HttpResponse } from '../net/types.ts';
import type { NotifyInput } from './types.ts';
import { MAX_ANSWER_BYTES } from './types.ts';
import { decodeBody } from './body.ts';
import { answerSays, failed, quote, sent, statusFailure } from './outcome.ts';
import { fieldReason } from './reason.ts';
import type { XmlElement } from '../xml.ts';
import { child, childElements, parseXml, textOf } from '../xml.ts';

const ALREADY_REGISTERED = 48;

/** What the Pingback 1.0 specification says each fault code means, shown when the receiver gives no words. */
const FAULT_MEANINGS: Record<number, string> = {
  0: 'refused without a reason',
  16: 'the source URL does not exist',
  17: 'the source does not link to the target',
  32: 'the target URL does not exist',
  33: 'the target URL cannot be used as a target',
  48: 'already registered',
  49: 'access denied',
  50: 'an upstream server failed',
};

/** A faultString that says nothing more than "fault": "", "Error", "Generic error", "Unknown error." … */
const SAYS_NOTHING = /^(?:(?:generic|unknown|unspecified|internal)\s+)?(?:error|fault|failure)?[.!]?$/i;

export function buildPingbackRequest(input: NotifyInput): HttpRequest {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<methodCall><methodName>pingback.ping</methodName><params>' +
    `<param><value><string>${escapeXml(input.source.url)}</string></value></param>` +
    `<param><value><string>${escapeXml(input.targetUrl)}</string></value></param>` +
    '</params></methodCall>\n';
  return {
    method: 'POST',
    url: input.endpoint.url,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
    maxBytes: MAX_ANSWER_BYTES,
  };
}

export function readPingbackResponse(res: HttpResponse): Outcome {
  const byStatus = statusFailure(res);
  if (byStatus) return byStatus;
  if (res.truncated) return failed('invalid-response', 'not an XML-RPC answer: the body is over the size limit', res);
  const text = decodeBody(res);
  const xml = parseXml(text);
  if (!xml.ok) return failed('invalid-response', `not an XML-RPC answer: ${xml.message}${answerSays(res)}`, res);
  const { root } = xml;
  if (root.name !== 'methodResponse') {
    return failed('invalid-response', `not an XML-RPC answer: root element <${quote(root.name, 40)}>, expected <methodResponse>`, res);
  }
  const parts = childElements(root);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.name === 'params') return readParams(only, res);
  if (only?.name === 'fault') return readFault(only, res);
  return failed('invalid-response', 'XML-RPC methodResponse must hold exactly one <params> or <fault>', res);
}

function readParams(params: XmlElement, res: HttpResponse): Outcome {
  const param = child(params, 'param');
  const value = param ? child(param, 'value') : undefined;
  if (value === undefined) return failed('invalid-response', 'XML-RPC answer without a returned value', res);
  const returned = scalarText(value);
  const said = returned ? fieldReason(returned) : '';
  return sent('ok', said ? `pingback accepted: ${said}` : 'pingback accepted', res);
}

function readFault(fault: XmlElement, res: HttpResponse): Outcome {
  const faultValue = child(fault, 'value');
  const struct = faultValue ? child(faultValue, 'struct') : undefined;
  const members = new Map<string, XmlElement>();
  for (const member of struct ? childElements(struct) : []) {
    const name = child(member, 'name');
    const value = child(member, 'value');
    if (member.name === 'member' && name && value) members.set(textOf(name), value);
  }
  const codeValue = members.get('faultCode');
  const codeText = codeValue ? scalarText(codeValue) : undefined;
  const code = codeText !== undefined && /^[+-]?\d{1,9}$/.test(codeText) ? Number(codeText) : undefined;
  const stringValue = members.get('faultString');
  const reason = stringValue ? fieldReason(scalarText(stringValue) ?? '') : '';
  const label = code === undefined ? 'fault' : `fault ${code}`;
  const message = reason === '' ? label : `${label}: ${reason}`;
  if (code === ALREADY_REGISTERED) return sent('already-registered', `already registered (${message})`, res);
  if (SAYS_NOTHING.test(reason)) {
    // No words from the receiver: say what the code means, so "fault 0" does not read as a cryptic error.
    if (code === 0) return failed('rejected', `refused without a reason (${message})`, res);
    const meaning = code === undefined ? undefined : FAULT_MEANINGS[code];
    if (meaning !== undefined) return failed('rejected', `${label} (${meaning})${reason === '' ? '' : `: ${reason}`}`, res);
  }
  return failed('rejected', message, res);
}

/** The text of an XML-RPC scalar value (typed, or untyped meaning string); undefined for struct/array. */
function scalarText(value: XmlElement): string | undefined {
  const typed = childElements(value);
  if (typed.length === 0) return textOf(value);
  const [only] = typed;
  if (typed.length > 1 || only === undefined || only.name === 'struct' || only.name === 'array') return undefined;
  return textOf(only);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

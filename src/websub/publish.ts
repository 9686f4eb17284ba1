// Telling a WebSub hub that a feed changed. WebSub (W3C Recommendation) leaves the publisher's ping to the hub;
// the form every public hub takes (Superfeedr, Google's pubsubhubbub.appspot.com, Switchboard, websub.rocks) is
// PubSubHubbub 0.4's: POST application/x-www-form-urlencoded `hub.mode=publish&hub.url=<topic>`, any 2xx = taken.
// Pure: the request and the reading of the answer; sending is the caller's (with the run's client and limiter).
import type { HttpRequest, HttpResponse } from '../net/types.ts';
import { statusReason } from '../send/reason.ts';

export interface HubPing {
  hub: string;
  topic: string;
  status: 'sent' | 'failed' | 'dry-run';
  message: string;
  httpStatus?: number;
}

export function publishRequest(hub: string, topic: string): HttpRequest {
  return {
    method: 'POST',
    url: hub,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': topic }).toString(),
    followRedirects: false,
  };
}

export function readPublishAnswer(hub: string, topic: string, res: Pick<HttpResponse, 'status' | 'headers' | 'body'>): HubPing {
  const ok = res.status >= 200 && res.status <= 299;
  const said = statusReason(res);
  const message = ok ? `the hub took it (HTTP ${res.status})` : `HTTP ${res.status}${said === '' ? '' : `: ${said}`}`;
  return { hub, topic, status: ok ? 'sent' : 'failed', httpStatus: res.status, message };
}

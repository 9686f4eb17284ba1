// The publish step's entries in the server's route table: the read API and the moderation page.
import type { Route } from '../http/server.ts';
import type { HttpAnswer, Mention, ReceiverRequest, ReceiverStore } from '../types.ts';
import { adminRoute } from './admin.ts';
import { apiRoute } from './api.ts';
import { jobsApi } from './jobs-api.ts';
import { sitesApi } from './sites-api.ts';

export interface PublishContext {
  store: ReceiverStore;
  adminToken: string;
  publicUrl?: string;
  now: () => Date;
  onApproved?: (mention: Mention) => void;
  /** The admin API changed the sites (this process reads them again). */
  sitesChanged?: () => void;
}

const NOT_FOUND: HttpAnswer = { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not found\n' };

export function publishRoutes(context: PublishContext): Route[] {
  const api = async (req: ReceiverRequest) => (await apiRoute(req, context)) ?? NOT_FOUND;
  const admin = async (req: ReceiverRequest) => (await adminRoute(req, context)) ?? NOT_FOUND;
  const sites = { store: context.store, adminToken: context.adminToken, now: context.now, changed: context.sitesChanged ?? (() => {}) };
  return [
    { method: 'GET', path: /^\/api\/(?:mentions\.jf2|mentions\.atom|count(?:\.json)?)$/, handle: api },
    { method: 'GET', path: /^\/admin\/?$/, handle: admin },
    { method: 'POST', path: /^\/admin\/(?:login|logout|mentions\/\d{1,15}|jobs\/(?:\d{1,15}\/)?retry)$/, handle: admin },
    { method: 'GET', path: /^\/admin\/api\/sites$/, handle: (req) => sitesApi(req, 'list', sites) },
    { method: 'POST', path: /^\/admin\/api\/sites$/, handle: (req) => sitesApi(req, 'put', sites) },
    { method: 'POST', path: /^\/admin\/api\/sites\/(rotate|remove)$/, handle: (req, [action]) => sitesApi(req, action === 'rotate' ? 'rotate' : 'remove', sites) },
    { method: 'GET', path: /^\/admin\/api\/jobs\/dead$/, handle: (req) => jobsApi(req, 'dead', context) },
    { method: 'POST', path: /^\/admin\/api\/jobs\/retry$/, handle: (req) => jobsApi(req, 'retry', context) },
  ];
}

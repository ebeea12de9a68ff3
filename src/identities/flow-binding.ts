import type { FastifyReply, FastifyRequest } from 'fastify';
import { newRandomKey } from '../sessions';
import { TokenCookies } from '../tokens';
import { OIDC_FLOW_TTL_MS } from './oidc-flows.service';

/** The browser's flow cookie, set (again) for another 10 minutes: its value if it has one, so flows in two tabs both stay bound. */
export function bindFlowToBrowser(cookies: TokenCookies, request: FastifyRequest, reply: FastifyReply): string {
  const binding = cookies.flowBinding(request) ?? newRandomKey();
  cookies.setFlowBinding(reply, binding, OIDC_FLOW_TTL_MS / 1000);
  return binding;
}

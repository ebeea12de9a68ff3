import type { FastifyReply, FastifyRequest } from 'fastify';
import { newRandomKey } from '../sessions';
import { TokenCookies } from '../tokens';
import { OIDC_FLOW_TTL_MS } from './oidc-flows.service';

/**
 * The value that binds a new flow to this browser: its flow cookie's, when it
 * has one, so that flows started in two tabs both stay bound. `keep()` (once
 * the flow is stored) sets the cookie for another 10 minutes.
 */
export function flowBindingOf(cookies: TokenCookies, request: FastifyRequest, reply: FastifyReply): { value: string; keep: () => void } {
  const value = cookies.flowBinding(request) ?? newRandomKey();
  return { value, keep: () => cookies.setFlowBinding(reply, value, OIDC_FLOW_TTL_MS / 1000) };
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A sign-in or linking started at a provider and not yet answered: what the
 * callback needs to check the answer (PKCE verifier, nonce) and where to go
 * next. Found by the hash of its `state`, bound to the browser that started
 * it, taken at most once, for 10 minutes.
 */
@Entity({ name: 'oidc_flows' })
export class OidcFlow {
  /** SHA-256 of `state`, base64url. */
  @PrimaryColumn({ name: 'state_hash', type: 'varchar', length: 64 })
  stateHash: string;

  /** SHA-256 of the value of the browser's flow cookie. */
  @Column({ name: 'binding_hash', type: 'varchar', length: 64 })
  bindingHash: string;

  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 128 })
  nonce: string;

  @Column({ name: 'code_verifier', type: 'varchar', length: 128 })
  codeVerifier: string;

  @Column({ name: 'return_to', type: 'varchar', length: 2048 })
  returnTo: string;

  /** Linking: the account that asked, its security stamp then (a change since voids the link) and its session. */
  @Column({ name: 'link_user_id', type: 'uuid', nullable: true })
  linkUserId: string | null;

  @Column({ name: 'link_security_stamp', type: 'integer', nullable: true })
  linkSecurityStamp: number | null;

  @Column({ name: 'link_session_id', type: 'uuid', nullable: true })
  linkSessionId: string | null;

  @Index('IDX_oidc_flows_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}

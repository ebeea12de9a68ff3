import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, VirtualColumn } from 'typeorm';

@Entity({ name: 'users' })
// The admin directory's order: newest account first, cut into pages by (created_at, id).
@Index('IDX_users_created_at_id', ['createdAt', 'id'])
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Trimmed, NFKC-normalised and lower-cased; unique. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email: string;

  /** Set when a mailed link to this address is followed (verification, password reset, change of address). */
  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  /** A new address awaiting confirmation from a link mailed to it, until `pendingEmailExpiresAt`. */
  @Column({ name: 'pending_email', type: 'varchar', length: 254, nullable: true })
  pendingEmail: string | null;

  @Column({ name: 'pending_email_expires_at', type: 'timestamptz', nullable: true })
  pendingEmailExpiresAt: Date | null;

  /**
   * Bumped by every change that secures the account (a new password, signing
   * out everywhere, ...): a mailed token issued before the latest bump is void.
   */
  @Column({ name: 'security_stamp', type: 'integer', default: 0 })
  securityStamp: number;

  /** argon2id (PHC string); never selected unless asked for. Null for an account made by an identity provider until a reset sets one. */
  @Column({ name: 'password_hash', type: 'text', select: false, nullable: true })
  passwordHash: string | null;

  /** Whether the account has a password, read with every profile (the hash itself never is). */
  @VirtualColumn({ type: 'boolean', query: (alias) => `SELECT ${alias}.password_hash IS NOT NULL` })
  hasPassword: boolean;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name: string | null;

  /** Whether sign-ins need a second factor; written by the MFA module with the factor itself. */
  @Column({ name: 'mfa_enabled', type: 'boolean', default: false })
  mfaEnabled: boolean;

  @Column({ type: 'text', array: true, default: () => "'{user}'" })
  roles: string[];

  /** Set by an admin: every way in answers ACCOUNT_DISABLED, and the account's sessions were ended. */
  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** When the latest session of the account started (any method). */
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

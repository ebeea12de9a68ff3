import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users';

/** An account at an OpenID Connect provider, `(provider, subject)`, linked to one account here: it signs that account in. */
@Entity({ name: 'identities' })
@Index('UQ_identities_provider_subject', ['provider', 'subject'], { unique: true })
@Index('IDX_identities_user_id', ['userId'])
export class Identity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'identities_user_id_fkey' })
  user?: User;

  /** The provider's name in OIDC_PROVIDERS. */
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  /** The provider's `sub`: stable and unique at that provider. */
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** The address the provider gave at the latest sign-in; shown to the owner, never used to find the account. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ name: 'linked_at', type: 'timestamptz' })
  linkedAt: Date;
}

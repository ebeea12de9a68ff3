import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource } from 'typeorm';
import { AppError } from '../common/error-code';
import { IdentitiesService, Identity } from '../identities';
import { MfaService, MfaStatus } from '../mfa';
import { PasskeysService } from '../passkeys';
import { KeyStore, KeyStoreService } from '../sessions';
import { normalizeEmail, User } from '../users';
import { decodeDirectoryCursor, encodeDirectoryCursor } from './directory-cursor';

export interface DirectoryEntry {
  user: User;
  activeSessions: number;
}

export interface DirectoryPage {
  items: DirectoryEntry[];
  nextCursor: string | null;
}

export interface UserDossier extends DirectoryEntry {
  sessions: KeyStore[];
  mfa: MfaStatus;
  passkeys: number;
  identities: Identity[];
}

/** The creation time as PostgreSQL holds it (microseconds), for a cursor that cuts exactly where the page ended. */
const CREATED_AT_TEXT = `to_char(account.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * What an admin reads about accounts, always from the tables (never a cached
 * profile): the directory, newest account first in pages cut by
 * (created_at, id), and one account with its sessions and ways in.
 */
@Injectable()
export class UserDirectory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keyStore: KeyStoreService,
    private readonly mfa: MfaService,
    private readonly passkeys: PasskeysService,
    private readonly identities: IdentitiesService,
  ) {}

  /**
   * `q` matches an email prefix or a part of the name. A page never repeats
   * or skips an account that existed when the first page was read, however
   * many are created meanwhile (they come before the first page).
   */
  async search(q: string | undefined, limit: number, cursor?: string): Promise<DirectoryPage> {
    const query = this.dataSource
      .getRepository(User)
      .createQueryBuilder('account')
      .addSelect(CREATED_AT_TEXT, 'cursor_created_at')
      .orderBy('account.createdAt', 'DESC')
      .addOrderBy('account.id', 'DESC')
      .limit(limit + 1);
    if (q) {
      const byEmail = `${escapeLike(normalizeEmail(q))}%`;
      const byName = `%${escapeLike(q)}%`;
      query.andWhere(new Brackets((match) => match.where('account.email LIKE :byEmail', { byEmail }).orWhere('account.name ILIKE :byName', { byName })));
    }
    if (cursor !== undefined) {
      const after = decodeDirectoryCursor(cursor);
      query.andWhere('(account.created_at, account.id) < (CAST(:createdAt AS timestamptz), CAST(:id AS uuid))', after);
    }
    const { entities, raw } = await query.getRawAndEntities<{ account_id: string; cursor_created_at: string }>();
    const users = entities.slice(0, limit);
    const counts = await this.keyStore.countActive(users.map((user) => user.id));
    const last = users[users.length - 1];
    const lastCreatedAt = last && raw.find((row) => row.account_id === last.id)?.cursor_created_at;
    return {
      items: users.map((user) => ({ user, activeSessions: counts.get(user.id) ?? 0 })),
      nextCursor: entities.length > limit && lastCreatedAt ? encodeDirectoryCursor({ createdAt: lastCreatedAt, id: last.id }) : null,
    };
  }

  /** The account, its live sessions, second factor, passkeys (how many) and linked identities; NOT_FOUND if none. */
  async dossier(userId: string): Promise<UserDossier> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id: userId });
    if (!user) throw new AppError('NOT_FOUND', 'No such user');
    const [sessions, mfa, passkeys, identities] = await Promise.all([
      this.keyStore.listActive(userId),
      this.mfa.status(userId),
      this.passkeys.count(userId),
      this.identities.list(userId),
    ]);
    return { user, activeSessions: sessions.length, sessions, mfa, passkeys, identities };
  }
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

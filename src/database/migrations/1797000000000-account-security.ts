import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What keeps mailed tokens honest. `security_stamp` counts the changes that
 * secured an account: a token issued before the latest one is void.
 * `pending_email` is a change of address awaiting its confirmation. A user
 * has at most one token of each kind (the database says so, whatever races),
 * and a reset token being used is claimed for a moment, so that a burst of
 * requests with it costs one password hash.
 */
export class AccountSecurity1797000000000 implements MigrationInterface {
  name = 'AccountSecurity1797000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "security_stamp" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "users" ADD "pending_email" varchar(254)`);
    await queryRunner.query(`ALTER TABLE "users" ADD "pending_email_expires_at" timestamptz`);
    await queryRunner.query(`ALTER TABLE "account_tokens" ADD "security_stamp" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(`ALTER TABLE "account_tokens" ADD "claimed_until" timestamptz`);
    // Races of the past may have left several of a kind: the newest stays.
    await queryRunner.query(`
      DELETE FROM "account_tokens" AS older USING "account_tokens" AS newer
       WHERE older.user_id = newer.user_id AND older.kind = newer.kind
         AND (older.created_at, older.token_hash) < (newer.created_at, newer.token_hash)`);
    await queryRunner.query(`DROP INDEX "IDX_account_tokens_user_id"`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_account_tokens_user_kind" ON "account_tokens" ("user_id", "kind")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_account_tokens_user_kind"`);
    await queryRunner.query(`CREATE INDEX "IDX_account_tokens_user_id" ON "account_tokens" ("user_id")`);
    await queryRunner.query(`ALTER TABLE "account_tokens" DROP COLUMN "claimed_until"`);
    await queryRunner.query(`ALTER TABLE "account_tokens" DROP COLUMN "security_stamp"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "pending_email_expires_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "pending_email"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "security_stamp"`);
  }
}

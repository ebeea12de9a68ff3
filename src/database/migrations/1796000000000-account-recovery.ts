import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account recovery: whether a user's address is verified, and the mailed
 * single-use tokens (password reset, verification, change of address), kept
 * only as hashes.
 */
export class AccountRecovery1796000000000 implements MigrationInterface {
  name = 'AccountRecovery1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "email_verified" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE TABLE "account_tokens" (
        "token_hash" varchar(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "kind" varchar(32) NOT NULL,
        "email" varchar(254) NOT NULL,
        "expires_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "account_tokens_pkey" PRIMARY KEY ("token_hash"),
        CONSTRAINT "account_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_account_tokens_user_id" ON "account_tokens" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "account_tokens"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email_verified"`);
  }
}

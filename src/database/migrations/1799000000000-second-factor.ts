import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second factor: a TOTP factor per user (its secret sealed with
 * MFA_ENCRYPTION_KEY), single-use recovery codes as keyed hashes, the login
 * challenges between the password and the code, `users.mfa_enabled`, and the
 * methods of a login in its security event.
 */
export class SecondFactor1799000000000 implements MigrationInterface {
  name = 'SecondFactor1799000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "mfa_totp" ("user_id" uuid NOT NULL, "secret" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "enabled_at" TIMESTAMP WITH TIME ZONE, "last_used_step" bigint, "recent_failures" TIMESTAMP WITH TIME ZONE array NOT NULL DEFAULT '{}', "locked_until" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_33e55535b96c5ee98c7d8ac47a1" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "mfa_totp" ADD CONSTRAINT "mfa_totp_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "mfa_recovery_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "code_hash" character varying(64) NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_0076416b1b84361afc3371ba121" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_mfa_recovery_codes_user_id" ON "mfa_recovery_codes" ("user_id")`);
    await queryRunner.query(
      `ALTER TABLE "mfa_recovery_codes" ADD CONSTRAINT "mfa_recovery_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "mfa_challenges" ("id" uuid NOT NULL, "token_hash" character varying(64) NOT NULL, "user_id" uuid NOT NULL, "amr" character varying(16) array NOT NULL, "failed_attempts" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consumed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_25d85a6da62620267e003fb4da4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_mfa_challenges_token_hash" ON "mfa_challenges" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_mfa_challenges_user_id" ON "mfa_challenges" ("user_id")`);
    await queryRunner.query(
      `ALTER TABLE "mfa_challenges" ADD CONSTRAINT "mfa_challenges_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "mfa_enabled" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "auth_events" ADD "amr" character varying(16) array`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "auth_events" DROP COLUMN "amr"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "mfa_enabled"`);
    await queryRunner.query(`DROP TABLE "mfa_challenges"`);
    await queryRunner.query(`DROP TABLE "mfa_recovery_codes"`);
    await queryRunner.query(`DROP TABLE "mfa_totp"`);
  }
}

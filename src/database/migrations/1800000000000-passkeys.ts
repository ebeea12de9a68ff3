import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys: the credentials registered to accounts, the WebAuthn challenges
 * waiting for an answer (shared by every instance), and each account's random
 * user handle.
 */
export class Passkeys1800000000000 implements MigrationInterface {
  name = 'Passkeys1800000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "passkey_challenges" ("id" uuid NOT NULL, "ceremony" character varying(16) NOT NULL, "user_id" uuid, "challenge" character varying(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6e53152b7ac3d0c599f2cffdd7e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_passkey_challenges_user_id" ON "passkey_challenges"  ("user_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_passkey_challenges_expires_at" ON "passkey_challenges"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "passkey_user_handles" ("user_id" uuid NOT NULL, "handle" character varying(64) NOT NULL, CONSTRAINT "PK_5922783886b989541ada5a4a97f" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_passkey_user_handles_handle" ON "passkey_user_handles"  ("handle") `);
    await queryRunner.query(
      `CREATE TABLE "passkeys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "credential_id" character varying(1400) NOT NULL, "public_key" bytea NOT NULL, "counter" bigint NOT NULL DEFAULT '0', "transports" character varying(16) array NOT NULL DEFAULT '{}', "device_type" character varying(16) NOT NULL, "backed_up" boolean NOT NULL, "name" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_db928e6fd79e7098911268a74c3" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_passkeys_credential_id" ON "passkeys"  ("credential_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_passkeys_user_id" ON "passkeys"  ("user_id") `);
    await queryRunner.query(
      `ALTER TABLE "passkey_challenges" ADD CONSTRAINT "passkey_challenges_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "passkey_user_handles" ADD CONSTRAINT "passkey_user_handles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "passkeys" ADD CONSTRAINT "passkeys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "passkeys" DROP CONSTRAINT "passkeys_user_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "passkey_user_handles" DROP CONSTRAINT "passkey_user_handles_user_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "passkey_challenges" DROP CONSTRAINT "passkey_challenges_user_id_fkey"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkeys_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_passkeys_credential_id"`);
    await queryRunner.query(`DROP TABLE "passkeys"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_passkey_user_handles_handle"`);
    await queryRunner.query(`DROP TABLE "passkey_user_handles"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkey_challenges_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_passkey_challenges_user_id"`);
    await queryRunner.query(`DROP TABLE "passkey_challenges"`);
  }
}

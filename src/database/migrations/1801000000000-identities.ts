import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in with OpenID Connect providers: the identities linked to accounts,
 * the flows waiting for a provider's answer, and accounts without a password
 * (made by a provider's identity).
 */
export class Identities1801000000000 implements MigrationInterface {
  name = 'Identities1801000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "oidc_flows" ("state_hash" character varying(64) NOT NULL, "binding_hash" character varying(64) NOT NULL, "provider" character varying(32) NOT NULL, "nonce" character varying(128) NOT NULL, "code_verifier" character varying(128) NOT NULL, "return_to" character varying(2048) NOT NULL, "link_user_id" uuid, "link_security_stamp" integer, "link_session_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_b4d9da20aca974afe801fc9ef62" PRIMARY KEY ("state_hash"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_oidc_flows_expires_at" ON "oidc_flows"  ("expires_at") `);
    await queryRunner.query(
      `CREATE TABLE "identities" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "provider" character varying(32) NOT NULL, "subject" character varying(255) NOT NULL, "email" character varying(254), "linked_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7b2f8cccf4ac6a2d7e6e9e8b1f6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_identities_user_id" ON "identities"  ("user_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_identities_provider_subject" ON "identities"  ("provider", "subject") `);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "identities" ADD CONSTRAINT "identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const rows = (await queryRunner.query(`SELECT count(*)::int AS count FROM "users" WHERE "password_hash" IS NULL`)) as Array<{ count: number }>;
    const { count } = rows[0];
    if (count > 0)
      throw new Error(`${count} account(s) have no password (made by a sign-in provider): reverting would lose them; delete them first if that is meant`);
    await queryRunner.query(`ALTER TABLE "identities" DROP CONSTRAINT "identities_user_id_fkey"`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "password_hash" SET NOT NULL`);
    await queryRunner.query(`DROP INDEX "public"."UQ_identities_provider_subject"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_identities_user_id"`);
    await queryRunner.query(`DROP TABLE "identities"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_oidc_flows_expires_at"`);
    await queryRunner.query(`DROP TABLE "oidc_flows"`);
  }
}

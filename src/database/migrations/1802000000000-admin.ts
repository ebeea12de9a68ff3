import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Administration: accounts an admin disabled, when each account last signed
 * in, the directory's order (newest first, in pages), and the append-only
 * audit log of admin actions.
 */
export class Admin1802000000000 implements MigrationInterface {
  name = 'Admin1802000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "seq" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid, "action" character varying(32) NOT NULL, "target_id" uuid, "ip" character varying(64), "details" jsonb, CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_target_seq" ON "audit_log"  ("target_id", "seq") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_actor_seq" ON "audit_log"  ("actor_id", "seq") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_log_seq" ON "audit_log"  ("seq") `);
    // Append-only: no UPDATE, DELETE or TRUNCATE, whoever asks (a migration's down() included).
    await queryRunner.query(`
      CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_log_no_change" BEFORE UPDATE OR DELETE ON "audit_log"
      FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"()`);
    await queryRunner.query(`
      CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
      FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"()`);
    await queryRunner.query(`ALTER TABLE "users" ADD "disabled" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "users" ADD "last_login_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "IDX_users_created_at_id" ON "users"  ("created_at", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    const [{ disabled }] = (await queryRunner.query(`SELECT count(*)::int AS disabled FROM "users" WHERE "disabled"`)) as Array<{ disabled: number }>;
    if (disabled > 0) throw new Error(`${disabled} account(s) are disabled: reverting would let them sign in again; delete them first if that is meant`);
    const [{ entries }] = (await queryRunner.query(`SELECT count(*)::int AS entries FROM "audit_log"`)) as Array<{ entries: number }>;
    if (entries > 0)
      throw new Error(`the audit log holds ${entries} entries: reverting would drop them; export the table and drop it by hand first if that is meant`);
    await queryRunner.query(`DROP INDEX "public"."IDX_users_created_at_id"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "last_login_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "disabled"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
    await queryRunner.query(`DROP FUNCTION "audit_log_append_only"()`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthEvents1763800000001 implements MigrationInterface {
  name = 'AuthEvents1763800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "auth_events" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "seq" bigint GENERATED ALWAYS AS IDENTITY,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "session_id" uuid,
        "type" varchar(32) NOT NULL,
        "ip" varchar(64),
        "user_agent" varchar(512),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_auth_events_user_seq" ON "auth_events" ("user_id", "seq" DESC)`);
    // Append-only: rows are inserted, and leave only with their user (ON DELETE CASCADE).
    await queryRunner.query(`
      CREATE FUNCTION "auth_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'auth_events is append-only';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER "auth_events_no_update" BEFORE UPDATE ON "auth_events"
      FOR EACH ROW EXECUTE FUNCTION "auth_events_append_only"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "auth_events"`);
    await queryRunner.query(`DROP FUNCTION "auth_events_append_only"()`);
  }
}

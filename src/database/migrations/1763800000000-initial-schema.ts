import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "email" varchar(254) NOT NULL,
        "password_hash" text NOT NULL,
        "name" varchar(100),
        "roles" text[] NOT NULL DEFAULT '{user}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_users_email" UNIQUE ("email")
      )`);
    await queryRunner.query(`
      CREATE TABLE "key_store" (
        "id" uuid PRIMARY KEY,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "generation" integer NOT NULL DEFAULT 1,
        "access_key_hash" varchar(64) NOT NULL,
        "refresh_key_hash" varchar(64) NOT NULL,
        "previous_refresh_key_hash" varchar(64),
        "rotation_salt" varchar(64),
        "rotated_at" timestamptz,
        "csrf_token_hash" varchar(64) NOT NULL,
        "status" varchar(16) NOT NULL DEFAULT 'active',
        "revoked_at" timestamptz,
        "revoked_reason" varchar(32),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_used_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "max_expires_at" timestamptz NOT NULL,
        "user_agent" varchar(512),
        "ip" varchar(64)
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_key_store_user_id" ON "key_store" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "key_store"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}

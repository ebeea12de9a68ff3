import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox of cache invalidations: a change inserts the keys it touched in
 * its own transaction, and a publisher on any instance drains them into one
 * NOTIFY per batch, so that NOTIFY (which serialises commits) is not on the
 * path of every change, and a change whose instance died before telling the
 * others is still told.
 */
export class CacheInvalidations1764500000000 implements MigrationInterface {
  name = 'CacheInvalidations1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "cache_invalidations" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "key" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "cache_invalidations"`);
  }
}

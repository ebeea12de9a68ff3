import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every session records how it was started: its assurance level and the
 * methods used. Sessions before this were all started with a password.
 */
export class SessionAssurance1798000000000 implements MigrationInterface {
  name = 'SessionAssurance1798000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "key_store" ADD "aal" varchar(4) NOT NULL DEFAULT 'aal1'`);
    await queryRunner.query(`ALTER TABLE "key_store" ADD "amr" varchar(16) array NOT NULL DEFAULT '{pwd}'`);
    await queryRunner.query(`ALTER TABLE "key_store" ALTER COLUMN "aal" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "key_store" ALTER COLUMN "amr" DROP DEFAULT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "key_store" DROP COLUMN "amr"`);
    await queryRunner.query(`ALTER TABLE "key_store" DROP COLUMN "aal"`);
  }
}

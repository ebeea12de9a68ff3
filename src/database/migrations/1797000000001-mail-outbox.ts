import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable mail outbox: a mail is a row written in the transaction that
 * decides to send it, so a crash loses none, and a sender apart from the
 * request path delivers it. Rows hold no secret: a mailed link's token is
 * made when the mail is composed, just before it is sent.
 */
export class MailOutbox1797000000001 implements MigrationInterface {
  name = 'MailOutbox1797000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "mail_outbox" (
        "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
        "kind" varchar(32) NOT NULL,
        "recipient" varchar(254) NOT NULL,
        "user_id" uuid,
        "payload" jsonb NOT NULL DEFAULT '{}',
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz NOT NULL DEFAULT now(),
        "locked_until" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "mail_outbox_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_mail_outbox_next_attempt_at" ON "mail_outbox" ("next_attempt_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mail_outbox"`);
  }
}

import { DataSource, EntitySubscriberInterface } from 'typeorm';
import { BeforeQueryEvent } from 'typeorm/subscriber/event/QueryEvent';

/** Counts the SQL statements an app sends through TypeORM, optionally only those that match. */
export class QueryCounter implements EntitySubscriberInterface {
  private readonly statements: string[] = [];

  constructor(private readonly dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  beforeQuery(event: BeforeQueryEvent): void {
    this.statements.push(event.query);
  }

  count(pattern?: RegExp): number {
    return pattern ? this.statements.filter((statement) => pattern.test(statement)).length : this.statements.length;
  }

  /** The statements sent so far, optionally only those that match. */
  sent(pattern?: RegExp): string[] {
    return pattern ? this.statements.filter((statement) => pattern.test(statement)) : [...this.statements];
  }

  reset(): void {
    this.statements.length = 0;
  }

  stop(): void {
    this.dataSource.subscribers.splice(this.dataSource.subscribers.indexOf(this), 1);
  }
}

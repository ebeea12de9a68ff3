import 'dotenv/config';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:generate|run|revert`),
 * built from the same configuration as the service.
 */
const config = loadConfig(process.env);
export default new DataSource({
  ...dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir),
  migrations: ['src/database/migrations/*-*.ts'],
  migrationsRun: false,
});

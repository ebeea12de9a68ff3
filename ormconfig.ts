import 'dotenv/config';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:generate`),
 * built from the same configuration as the service. It finds every entity of
 * `src/` by its file name, as the app finds those its modules register.
 */
const config = loadConfig(process.env);
export default new DataSource({
  ...dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir),
  entities: [join(__dirname, 'src', '**', '*.entity.ts')],
});

import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ConnectivityModule } from './connectivity/connectivity.module';
import { DatabaseConnectivity } from './connectivity/database-connectivity.service';
import { dataSourceOptions, MIGRATIONS_GLOB } from './data-source-options';
import { DatabaseConfig, databaseConfig } from './database.config';
import { runMigrations } from './migrate';

/** Globs of migrations beyond src/database/migrations. */
export type ExtraMigrations = string[];

@Module({})
export class DatabaseModule {
  /** `migrations`: those of feature modules composed from outside src/ (AppOptions), run with the service's own. */
  static forRoot(migrations: ExtraMigrations = []): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        ConnectivityModule,
        TypeOrmModule.forRootAsync({
          imports: [ConnectivityModule],
          inject: [databaseConfig.KEY, DatabaseConnectivity],
          useFactory: (config: DatabaseConfig, connectivity: DatabaseConnectivity) => {
            const options = dataSourceOptions(config.databaseUrl, config.embeddedDatabaseDir, { poolSize: config.databasePoolSize, connectivity });
            return {
              ...options,
              migrations: [MIGRATIONS_GLOB, ...migrations],
              // The entities of every TypeOrmModule.forFeature(), a feature module's included.
              autoLoadEntities: true,
              // Read by the factory below, which runs them under a lock; TypeORM's own run takes none.
              migrationsRun: config.migrationsRun,
              // Boot fails fast with one line (main.ts) rather than retrying for half a minute.
              retryAttempts: 0,
            };
          },
          dataSourceFactory: (options) => openDataSource(options!),
        }),
      ],
    };
  }
}

async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource({ ...options, migrationsRun: false }).initialize();
  if (options.migrationsRun) {
    try {
      await runMigrations(dataSource, 'url' in options && Boolean(options.url));
    } catch (error) {
      await dataSource.destroy().catch(() => undefined);
      throw error;
    }
  }
  return dataSource;
}

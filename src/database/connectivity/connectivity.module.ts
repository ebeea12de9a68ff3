import { Global, Module } from '@nestjs/common';
import { DatabaseConnectivity } from './database-connectivity.service';

@Global()
@Module({
  providers: [DatabaseConnectivity],
  exports: [DatabaseConnectivity],
})
export class ConnectivityModule {}

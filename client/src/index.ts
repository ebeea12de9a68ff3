export * from './auth-client';

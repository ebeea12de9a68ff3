/** What other modules may use of AccountModule: the module itself, for the composition root. */
export { AccountModule } from './account.module';
export { recoveryConfig } from './recovery.config';

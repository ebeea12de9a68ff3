/** The role that the admin API and `@Roles('admin')` routes ask for. */
export const ADMIN_ROLE = 'admin';

/** What a role is called: lower case, as `@Roles('admin')` names it. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Whether two lists hold the same roles, whatever their order. */
export function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((role) => set.has(role));
}

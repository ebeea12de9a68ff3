/** The one canonical form of an email address: trimmed, NFKC-normalised, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

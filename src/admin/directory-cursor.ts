import { invalidCursor } from '../database/newest-first';

/** Where a page of the user directory ends: the last account's creation time (to the microsecond) and id. */
export interface DirectoryPosition {
  createdAt: string;
  id: string;
}

const POSITION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeDirectoryCursor(position: DirectoryPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`).toString('base64url');
}

export function decodeDirectoryCursor(cursor: string): DirectoryPosition {
  const match = POSITION.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !isRealTime(match[1])) throw invalidCursor('cursor');
  return { createdAt: match[1], id: match[2] };
}

/** `2026-02-30T...` has the shape and no such time: the database would refuse it with an error, not an empty page. */
function isRealTime(text: string): boolean {
  const time = new Date(text);
  return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 23) === text.slice(0, 23);
}

/**
 * --token-auth-file: static bearer tokens, as upstream's tokenfile authenticator. A CSV file (Go's
 * encoding/csv rules) of `token,user,uid[,"group1,group2"]`; fewer than 3 columns is an error,
 * an empty token is skipped, a duplicate token replaces the earlier one (upstream only warns).
 */
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../http/context';
import { parseGoCsv } from './go-csv';
import type { TokenAuthenticator } from './token-authenticator';

export type TokenFileUsers = Map<string, UserInfo>;

/** Parse the file's text; `path` is only used in messages. Throws with upstream's texts. */
export function parseTokenFile(text: string, path: string): TokenFileUsers {
  const tokens: TokenFileUsers = new Map();
  let recordNum = 0;
  for (const record of parseGoCsv(text)) {
    if (record.length < 3) {
      throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    recordNum++;
    if (record[0] === '') {
      console.warn(`empty token has been found in token file '${path}', record number '${recordNum}'`);
      continue;
    }
    if (tokens.has(record[0])) console.warn(`duplicate token has been found in token file '${path}', record number '${recordNum}'`);
    const user: UserInfo = { name: record[1], ...(record[2] ? { uid: record[2] } : {}), groups: record.length >= 4 ? record[3].split(',') : [] };
    tokens.set(record[0], user);
  }
  return tokens;
}

/** Read and parse the file (errors as upstream: `open <path>: no such file or directory`, CSV errors...). */
export function loadTokenFile(path: string): TokenFileUsers {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`open ${path}: no such file or directory`);
    if (code === 'EACCES') throw new Error(`open ${path}: permission denied`);
    throw e;
  }
  return parseTokenFile(text, path);
}

export class TokenFileAuthenticator implements TokenAuthenticator {
  constructor(private readonly users: TokenFileUsers) {}

  async authenticateToken(token: string) {
    const user = this.users.get(token);
    if (!user) return null;
    return { user: { ...user, groups: [...user.groups] } };
  }
}

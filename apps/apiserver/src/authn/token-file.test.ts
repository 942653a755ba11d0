import { describe, expect, it } from 'vitest';
import { parseGoCsv } from './go-csv';
import { parseTokenFile, TokenFileAuthenticator } from './token-file';

describe('Go encoding/csv', () => {
  it('splits records, handles quotes, CRLF and empty lines', () => {
    expect(parseGoCsv('a,b,c\r\n\n"x,y","he said ""hi""",z\n')).toEqual([
      ['a', 'b', 'c'],
      ['x,y', 'he said "hi"', 'z'],
    ]);
    expect(parseGoCsv('a,"multi\nline",c')).toEqual([['a', 'multi\nline', 'c']]);
    expect(parseGoCsv('')).toEqual([]);
  });

  it('reports bare and extraneous quotes as Go does', () => {
    expect(() => parseGoCsv('tok,us"er,1\n')).toThrow('parse error on line 1, column 7: bare " in non-quoted-field');
    expect(() => parseGoCsv('ok,u,1\n"tok"x,u,1\n')).toThrow('parse error on line 2, column 5: extraneous or missing " in quoted-field');
    expect(() => parseGoCsv('a,"open\nstill open')).toThrow('record on line 1; parse error on line 2, column 12: extraneous or missing " in quoted-field');
  });
});

describe('token file', () => {
  it('parses users, uids and groups', async () => {
    const users = parseTokenFile('secret1,alice,uid-1,"dev,ops"\nsecret2,bob,2\n,empty,3\n', '/t.csv');
    expect(users.size).toBe(2);
    const auth = new TokenFileAuthenticator(users);
    expect(await auth.authenticateToken('secret1')).toEqual({ user: { name: 'alice', uid: 'uid-1', groups: ['dev', 'ops'] } });
    expect(await auth.authenticateToken('secret2')).toEqual({ user: { name: 'bob', uid: '2', groups: [] } });
    expect(await auth.authenticateToken('nope')).toBeNull();
    expect(await auth.authenticateToken('')).toBeNull();
  });

  it('rejects lines with fewer than 3 columns', () => {
    expect(() => parseTokenFile('tok,user\n', '/etc/tokens.csv')).toThrow(
      "token file '/etc/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2",
    );
  });
});

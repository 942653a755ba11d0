import { describe, it } from 'vitest';
import { runTable } from './cel-lib-test-util';

// k8s.io/apiserver/pkg/cel/library/regex.go, with Go's regexp.FindString / FindAllString results
describe('CEL regex library', () => {
  it('find / findAll', () =>
    runTable([
      ["'abc 123'.find('[0-9]+')", '123'],
      ["'abc 123'.find('[0-9]*')", ''],
      ["'abc 123'.find('xyz')", ''],
      ["'123 abc 456'.findAll('[0-9]+')", ['123', '456']],
      ["'123 abc 456'.findAll('[0-9]+', 1)", ['123']],
      ["'123 abc 456'.findAll('[0-9]+', 0)", []],
      ["'123 abc 456'.findAll('xyz')", []],
      ["'abc'.findAll('')", ['', '', '', '']],
      ["'a1b22'.findAll('[0-9]*')", ['', '1', '22']],
      ["'Hello World'.find('(?i)WORLD')", 'World'],
      ["'a'.find('(')", { error: 'Illegal regex: error parsing regexp: missing closing ): `(`' }],
    ]));
});

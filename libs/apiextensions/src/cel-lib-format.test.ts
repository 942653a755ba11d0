import { describe, it } from 'vitest';
import { runTable } from './cel-lib-test-util';

// expected values from k8s.io/apiserver/pkg/cel/library/format.go and format_test.go
describe('CEL format library', () => {
  it('named formats and validate()', () =>
    runTable([
      ["format.named('dns1123Label').hasValue()", true],
      ["format.named('unknown').hasValue()", false],
      ["format.named('dns1123Label').value() == format.dns1123Label()", true],
      ["format.dns1123Label().validate('my-label-name').hasValue()", false],
      ["!format.dns1123Label().validate('my-label-name').hasValue()", true],
      ["format.dns1123Label().validate('Not_A_Label').hasValue()", true],
      [
        "format.dns1123Label().validate('Not_A_Label').value()",
        [
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ],
      ],
      ["format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()", false],
      ["format.dns1035Label().validate('1abc').hasValue()", true],
      ["format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()", false],
      ["format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()", false],
      ["format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-').hasValue()", false],
      ["format.dns1035LabelPrefix().validate('my-label-prefix-').hasValue()", false],
      ["format.labelValue().validate('').hasValue()", false],
      ["format.uri().validate('http://example.com').hasValue()", false],
      ["format.uri().validate('../relative').value()", ['parse "../relative": invalid URI for request']],
      ["format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()", false],
      ["format.uuid().validate('123').value()", ['does not match the UUID format']],
      ["format.byte().validate('aGVsbG8=').hasValue()", false],
      ["format.byte().validate('aGVsbG8').value()", ['invalid base64']],
      ["format.date().validate('2021-01-01').hasValue()", false],
      ["format.date().validate('2021-02-30').value()", ['invalid date']],
      ["format.datetime().validate('2021-01-01T00:00:00Z').hasValue()", false],
      ["format.datetime().validate('2021-01-01').value()", ['invalid datetime']],
      ["format.named('uuid').value().validate('x').orValue(['ok'])", ['does not match the UUID format']],
      ["format.named('uuid').value().validate('123e4567-e89b-12d3-a456-426614174000').orValue(['ok'])", ['ok']],
      ["optional.none().hasValue()", false],
      ["optional.of(1).value()", 1n],
      ["optional.none().value()", { error: 'optional.none() dereference' }],
    ]));
});
